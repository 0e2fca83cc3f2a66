// `include PATTERN`: reads other config files in place. PATTERN is a file, a directory (every
// *.conf in it, as FreeBSD's `include /etc/syslog.d` does) or a glob with `*` or `?` in its last
// component ("/etc/stele.d/*.conf"). Matches are read in byte order of their names; dot files
// match only a pattern that starts with ".". A pattern that matches nothing is not an error:
// drop-in directories are often empty.

import { readdir, readFile, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

export type IncludeFiles = Array<{ file: string, text: string }> | { error: string }

/**
 * Reads the files an include matches. `pattern` is absolute (the parser resolves it against the
 * including file's directory); `fromFile` is the including file, for messages.
 */
export type ReadInclude = (pattern: string, fromFile: string) => IncludeFiles

const WILDCARD = /[*?]/

/** Why an (absolute) pattern cannot be used, or undefined when it can. */
export function checkIncludePattern (pattern: string): string | undefined {
  if (WILDCARD.test(dirname(pattern))) return `include "${pattern}": only the last path component may hold * or ?`
  return undefined
}

/** The async reader loadConfig uses. */
export async function readIncludeFiles (pattern: string): Promise<IncludeFiles> {
  try {
    let dir = dirname(pattern)
    let matcher: RegExp
    if (WILDCARD.test(basename(pattern))) {
      matcher = globToRegExp(basename(pattern))
    } else {
      const stats = await statOrNull(pattern)
      if (stats === null) return []
      if (!stats.isDirectory()) return [{ file: pattern, text: await readFile(pattern, 'utf8') }]
      dir = pattern
      matcher = globToRegExp('*.conf')
    }
    const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [] as string[]
      throw err
    })
    const files: Array<{ file: string, text: string }> = []
    for (const name of names.filter((n) => matcher.test(n)).sort()) {
      const file = join(dir, name)
      const stats = await statOrNull(file) // follows symlinks, as drop-in directories use them
      if (stats === null || !stats.isFile()) continue
      files.push({ file, text: await readFile(file, 'utf8') })
    }
    return files
  } catch (err) {
    return { error: `include "${pattern}": ${(err as Error).message}` }
  }
}

async function statOrNull (path: string): Promise<Awaited<ReturnType<typeof stat>> | null> {
  return await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null
    throw err
  })
}

/** Shell-style: `*` any run of characters, `?` one; a leading "." must be matched explicitly. */
function globToRegExp (glob: string): RegExp {
  let source = glob.startsWith('.') ? '' : '(?!\\.)'
  for (const ch of glob) {
    if (ch === '*') source += '.*'
    else if (ch === '?') source += '.'
    else source += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&')
  }
  return new RegExp(`^${source}$`, 's')
}
