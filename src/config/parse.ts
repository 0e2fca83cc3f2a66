// The config reader: classifies each logical line (block, include, listen, global options, rule)
// and hands it to the module that knows its syntax. Every problem is collected with FILE:LINE;
// nothing stops at the first one, so `stele check` can list them all.

import { dirname, resolve } from 'node:path'
import { parseSelector } from '../route/selector.js'
import { parseAction } from './action.js'
import { parseHostBlock, parseProgramBlock } from './blocks.js'
import { GlobalsBuilder } from './globals.js'
import { checkIncludePattern, type ReadInclude } from './include.js'
import { logicalLines } from './lines.js'
import { parseListen, type PendingListener } from './listen.js'
import { ProblemList, type Report } from './problems.js'
import type { Config, ConfigProblem, HostFilter, ProgramFilter, RuleConfig } from './schema.js'
import { applySigning } from '../sign/signer/sign-config.js'

export interface LoadResult {
  /** null when any problem has severity 'error'. */
  config: Config | null
  problems: ConfigProblem[]
}

/** Deep enough for any sane drop-in layout; stops a runaway chain of distinct files. */
export const MAX_INCLUDE_DEPTH = 16

const GLOBAL_LINE = /^[A-Za-z_][A-Za-z0-9_]*=/

/** Parses a whole config: `text` is `file`'s contents, relative paths resolve against `baseDir`. */
export function parseConfig (text: string, file: string, baseDir: string, readInclude: ReadInclude | undefined): LoadResult {
  const parser = new ConfigParser(readInclude)
  parser.parseFile(text, file, baseDir)
  return parser.finish(file)
}

interface Blocks { program: ProgramFilter | null, host: HostFilter | null }

class ConfigParser {
  readonly #problems = new ProblemList()
  readonly #globals = new GlobalsBuilder()
  readonly #listeners: PendingListener[] = []
  readonly #rules: RuleConfig[] = []
  readonly #files: string[] = []
  readonly #seen = new Set<string>()
  readonly #stack: string[] = [] // absolute paths of the files being read, outermost first
  readonly #readInclude: ReadInclude | undefined

  constructor (readInclude: ReadInclude | undefined) {
    this.#readInclude = readInclude
  }

  // Program and host blocks are local to a file, as in FreeBSD's syslogd: an included file starts
  // with neither, and its blocks end with it.
  parseFile (text: string, file: string, baseDir: string): void {
    const absolute = resolve(file)
    this.#stack.push(absolute)
    this.#seen.add(absolute)
    this.#files.push(file)
    const blocks: Blocks = { program: null, host: null }
    for (const { line, text: lineText } of logicalLines(text, (l) => this.#problems.at(file, l))) {
      this.#parseLine(lineText, file, line, baseDir, blocks)
    }
    this.#stack.pop()
  }

  #parseLine (text: string, file: string, line: number, baseDir: string, blocks: Blocks): void {
    const report = this.#problems.at(file, line)
    if (text.startsWith('!') || text.startsWith('#!')) {
      const program = parseProgramBlock(text.slice(text.indexOf('!') + 1), report)
      if (program !== undefined) blocks.program = program
      return
    }
    if (text.startsWith('+') || text.startsWith('-') || text.startsWith('#+')) {
      const host = parseHostBlock(text.startsWith('#') ? text.slice(1) : text, report)
      if (host !== undefined) blocks.host = host
      return
    }
    const words = text.split(/\s+/)
    const first = words[0]!
    if (first === 'include') return this.#include(words.slice(1), file, baseDir, report)
    if (first === 'listen') return this.#listen(words.slice(1), file, line, baseDir, report)
    if (first.startsWith('$') || first.startsWith(':') || /^(module|input|template|action|ruleset)\s*\(/.test(text)) {
      return report('error', `"${first}" is rsyslog configuration, which stele does not read; see docs/configuration.md`)
    }
    if (GLOBAL_LINE.test(first)) {
      for (const word of joinDelimWords(words)) {
        const eq = word.indexOf('=')
        if (eq <= 0 || eq === word.length - 1) report('error', `expected key=value in a global options line, found "${word}"`)
        else this.#globals.apply(word.slice(0, eq), word.slice(eq + 1), `${file}:${line}`, baseDir, report)
      }
      return
    }
    if (/^[A-Za-z_][A-Za-z0-9_]*\s+=/.test(text)) return report('error', `write global options as key=value, without spaces around "=": "${text}"`)
    this.#rule(text, file, line, baseDir, blocks, report)
  }

  #rule (text: string, file: string, line: number, baseDir: string, blocks: Blocks, report: Report): void {
    const { selectorText, rest } = splitSelector(text)
    const parsed = parseSelector(selectorText)
    if ('error' in parsed) report('error', parsed.error)
    else for (const warning of parsed.warnings) report('warning', warning)
    if (rest === '') return report('error', `rule "${selectorText}" has no action (write SELECTOR, whitespace, ACTION)`)
    const [actionText, ...optionWords] = rest.split(/\s+/)
    const action = parseAction(actionText!, optionWords, { file, line, baseDir, report })
    if ('error' in parsed || action === undefined) return
    this.#rules.push({ file, line, selector: parsed.selector, program: blocks.program, host: blocks.host, action })
  }

  #listen (words: string[], file: string, line: number, baseDir: string, report: Report): void {
    const listener = parseListen(words, { file, line, baseDir, report })
    if (listener === undefined) return
    const same = this.#listeners.find((l) => l.transport === listener.transport && (listener.transport === 'file' ? l.path === listener.path : listener.port !== 0 &&
      (l.transport === 'unix' ? l.path === listener.path : l.host === listener.host && l.port === listener.port)))
    if (same !== undefined) return report('error', `listen "${listener.url}" repeats the listener at ${same.file}:${same.line}`)
    this.#listeners.push(listener)
  }

  #include (words: string[], file: string, baseDir: string, report: Report): void {
    if (words.length !== 1) return report('error', `include takes one path or pattern, found ${words.length}`)
    const written = words[0]!
    const pattern = resolve(baseDir, written)
    const bad = checkIncludePattern(pattern)
    if (bad !== undefined) return report('error', bad)
    if (this.#readInclude === undefined) return report('error', `include "${written}": this config was given as text, with no way to read files (use loadConfig)`)
    if (this.#stack.length >= MAX_INCLUDE_DEPTH) return report('error', `include "${written}": includes nested more than ${MAX_INCLUDE_DEPTH} deep`)
    const found = this.#readInclude(pattern, file)
    if ('error' in found) return report('error', found.error)
    if (found.length === 0) report('warning', `include "${written}" matches no file`)
    for (const included of found) {
      const absolute = resolve(included.file)
      const loopStart = this.#stack.indexOf(absolute)
      if (loopStart >= 0) {
        report('error', `include loop: ${[...this.#stack.slice(loopStart), absolute].join(' -> ')}`)
      } else if (this.#seen.has(absolute)) {
        report('warning', `include "${written}": ${included.file} was already read; not reading it twice`)
      } else {
        this.parseFile(included.text, included.file, dirname(absolute))
      }
    }
  }

  finish (mainFile: string): LoadResult {
    const globals = this.#globals.values
    const report = this.#problems.at(mainFile, 0)
    const rules = applySigning(this.#rules, globals.sign, (file, line) => this.#problems.at(file, line))
    // Only for a config that is otherwise usable: after errors, "no rules" would mislead.
    if (this.#problems.hasErrors) return { config: null, problems: this.#problems.list }
    if (this.#listeners.length === 0) report('warning', 'no listen line: stele will receive no messages (add e.g. "listen unix:///dev/log" or "listen udp://0.0.0.0:514")')
    if (this.#rules.length === 0) report('warning', 'no rules: every message received is discarded')
    const problems = this.#problems.list
    const listeners = this.#listeners.map((l) => ({ ...l, maxMessageSize: l.maxMessageSize ?? globals.maxMessageSize }))
    return { config: { globals, listeners, rules: numberQueueDirs(rules), files: this.#files }, problems }
  }
}

/**
 * NetBSD writes `sign_sg2_delim=15 31`: the numbers after it belong to it, not to new keys.
 */
function joinDelimWords (words: string[]): string[] {
  const joined: string[] = []
  for (const word of words) {
    const last = joined[joined.length - 1]
    if (last !== undefined && last.startsWith('sign_sg2_delim=') && /^\d+$/.test(word)) joined[joined.length - 1] = `${last},${word}`
    else joined.push(word)
  }
  return joined
}

/**
 * The selector ends at the first whitespace, except around ";" and ",", so a selector continued
 * onto the next line ("*.=info;*.=notice;\" + "  mail.none  /var/log/x") still reads as one, as
 * FreeBSD and sysklogd read it.
 */
function splitSelector (text: string): { selectorText: string, rest: string } {
  let selectorText = ''
  let i = 0
  for (; i < text.length; i++) {
    const ch = text[i]!
    if (ch !== ' ' && ch !== '\t') {
      selectorText += ch
      continue
    }
    const next = text.slice(i).trimStart()[0]
    const last = selectorText[selectorText.length - 1]
    if (last !== ';' && last !== ',' && next !== ';' && next !== ',') break
  }
  return { selectorText, rest: text.slice(i).trim() }
}

/**
 * Forwards to one target with different options would share its default queue directory
 * (./spool/SCHEME-HOST-PORT): the second distinct one gets DIR-2, the third DIR-3, in config
 * order, so that each keeps its directory (and backlog) across restarts and reloads. Identical
 * actions are one output, and keep one directory.
 */
function numberQueueDirs (rules: RuleConfig[]): RuleConfig[] {
  const byDir = new Map<string, Map<string, string>>()
  return rules.map((rule) => {
    const action = rule.action
    if (action.kind !== 'forward' || action.queue === undefined || !action.queue.defaultDir) return rule
    const { file: _file, line: _line, ...settings } = action
    const key = JSON.stringify(settings)
    let dirs = byDir.get(action.queue.dir)
    if (dirs === undefined) byDir.set(action.queue.dir, dirs = new Map())
    let dir = dirs.get(key)
    if (dir === undefined) {
      dir = dirs.size === 0 ? action.queue.dir : `${action.queue.dir}-${dirs.size + 1}`
      dirs.set(key, dir)
    }
    return dir === action.queue.dir ? rule : { ...rule, action: { ...action, queue: { ...action.queue, dir } } }
  })
}
