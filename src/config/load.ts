// Reading the daemon's config: loadConfig() for a file on disk (with its includes, read
// asynchronously so a reload never blocks the event loop), parseConfigText() for text in hand,
// and the built-in default config used when no file is given. Syntax: docs/configuration.md.

import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { readIncludeFiles, type IncludeFiles, type ReadInclude } from './include.js'
import { MAX_INCLUDE_DEPTH, parseConfig, type LoadResult } from './parse.js'
import type { Config } from './schema.js'
import { checkTlsFiles } from './tls-files.js'
import { checkSignFiles } from '../sign/signer/sign-config.js'

export type { LoadResult } from './parse.js'
export type { IncludeFiles, ReadInclude } from './include.js'

/** Reads `file` and everything it includes. Never throws: an unreadable file is a problem at line 0. */
export async function loadConfig (file: string): Promise<LoadResult> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    return { config: null, problems: [{ file, line: 0, severity: 'error', message: `cannot read config: ${(err as Error).message}` }] }
  }
  // The parser reads includes through a synchronous callback. Rather than block on fs calls,
  // parse, read the includes that were missing, and parse again: configs are small, and each
  // round reaches one level deeper, so this ends within MAX_INCLUDE_DEPTH + 1 rounds.
  const cache = new Map<string, IncludeFiles>()
  const baseDir = dirname(resolve(file))
  for (let round = 0; ; round++) {
    const missing = new Set<string>()
    const result = parseConfig(text, file, baseDir, (pattern) => {
      const cached = cache.get(pattern)
      if (cached !== undefined) return cached
      missing.add(pattern)
      return []
    })
    if (missing.size === 0 || round > MAX_INCLUDE_DEPTH) return await withTlsFiles(result)
    await Promise.all([...missing].map(async (pattern) => { cache.set(pattern, await readIncludeFiles(pattern)) }))
  }
}

/** A config whose TLS files cannot be used is rejected, with each problem at its FILE:LINE. */
async function withTlsFiles (result: LoadResult): Promise<LoadResult> {
  if (result.config === null) return result
  const problems = [...await checkTlsFiles(result.config), ...await checkSignFiles(result.config)]
  if (problems.length === 0) return result
  const all = [...result.problems, ...problems]
  return { config: problems.some((p) => p.severity === 'error') ? null : result.config, problems: all }
}

/**
 * Parses config text. Relative paths resolve against `file`'s directory. `include` lines need
 * `readInclude`; without it each is reported as an error (loadConfig supplies one).
 */
export function parseConfigText (text: string, file: string, readInclude?: ReadInclude): LoadResult {
  return parseConfig(text, file, dirname(resolve(file)), readInclude)
}

/** What `stele run` and `stele check` use without -f. Relative paths resolve against the working directory. */
export const DEFAULT_CONFIG_TEXT = `# stele's built-in configuration, used when no config file is given.
# Relative paths are resolved against the working directory.
listen udp://127.0.0.1:5514
listen tcp://127.0.0.1:5514
listen unix://./stele.sock
control_socket=./stele.ctl

*.*\t./log/messages\tformat=iso
`

/** Where problems in the built-in config would be reported. */
export const DEFAULT_CONFIG_NAME = '(built-in default)'

/** The built-in config with its relative paths resolved against `cwd`, as a LoadResult (for `stele check`). */
export function parseDefaultConfig (cwd: string): LoadResult {
  const result = parseConfig(DEFAULT_CONFIG_TEXT, DEFAULT_CONFIG_NAME, resolve(cwd), undefined)
  // No file was read, so there is nothing for a reload to re-read.
  return result.config === null ? result : { config: { ...result.config, files: [] }, problems: result.problems }
}

/** The built-in config with its relative paths resolved against `cwd`. */
export function defaultConfig (cwd: string): Config {
  const { config, problems } = parseDefaultConfig(cwd)
  // Only a bug in this file can get here: the text is fixed and tested.
  if (config === null) throw new Error(`built-in config is invalid: ${problems.map((p) => p.message).join('; ')}`)
  return config
}
