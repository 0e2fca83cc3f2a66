// syslog.conf selectors: "*.info;mail.none", "mail,news.=info", "kern.info;kern.!err".
//
// A selector is compiled once, at config load, into a 192-entry mask indexed by PRI
// (facility * 8 + severity), so matching a message costs one array read.
//
// Semantics (docs/configuration.md, "Selectors"):
//   fac.LEVEL      sets fac to LEVEL and every more severe level (BSD syslog.conf(5)); a later part
//                  naming the same facility replaces what earlier parts gave it, so FreeBSD's
//                  "*.err;mail.crit" sends mail only at crit and above.
//   fac.*          sets every level;  fac.none  sets no level (`!none` = every level, `!*` = none,
//                  as sysklogd defines them).
//   fac.=LEVEL     adds exactly LEVEL (sysklogd), so "*.=info;*.=notice" keeps both.
//   fac.!LEVEL     removes LEVEL and every more severe level; fac.!=LEVEL removes exactly LEVEL.
//                  If no earlier part named fac, the removal starts from every level, as FreeBSD's
//                  inverted comparison does: "mail.!info" alone is mail.debug, "mail.!=info" is every
//                  mail level but info. After an earlier part it narrows that part, as sysklogd's
//                  documented "kern.info;kern.!err" (info, notice, warning) requires.
// `mark` is syslogd's internal marker facility, not one a message can carry: it is accepted with
// a warning and matches nothing. stele's own "-- MARK --" messages are syslog.info.

import { FACILITY_COUNT, MAX_PRI, SEVERITY_COUNT, facilityFromName, severityFromName } from '../message/priority.js'

export interface Selector {
  /** The selector as written, e.g. "*.info;mail.none". */
  readonly text: string
  /** MAX_PRI + 1 entries, index = PRI (facility * 8 + severity); 1 = matches. */
  readonly mask: Uint8Array
}

export type SelectorResult =
  | { selector: Selector, warnings: readonly string[] }
  | { error: string }

const ALL_LEVELS = (1 << SEVERITY_COUNT) - 1

type LevelOp = { op: 'set' | 'add' | 'remove', bits: number }

export function parseSelector (text: string): SelectorResult {
  const levels = new Uint8Array(FACILITY_COUNT) // bit s set = severity s matches
  const named = new Uint8Array(FACILITY_COUNT) // 1 once a part has named the facility
  const warnings: string[] = []
  if (text.trim() === '') return { error: 'empty selector' }
  for (const rawPart of text.split(';')) {
    const part = rawPart.trim()
    if (part === '') return { error: `empty part between ";" in selector "${text}"` }
    const dot = part.indexOf('.')
    if (dot < 0) return { error: `missing "." between facility and level in "${part}" (selector "${text}")` }
    const level = parseLevel(part.slice(dot + 1).trim(), text)
    if ('error' in level) return level
    const facilities = parseFacilities(part.slice(0, dot), text, warnings)
    if ('error' in facilities) return facilities
    for (const f of facilities.list) {
      levels[f] = applyLevel(levels[f]!, named[f] === 1, level)
      named[f] = 1
    }
  }
  const mask = new Uint8Array(MAX_PRI + 1)
  for (let f = 0; f < FACILITY_COUNT; f++) {
    for (let s = 0; s < SEVERITY_COUNT; s++) mask[f * 8 + s] = (levels[f]! >> s) & 1
  }
  return { selector: { text, mask }, warnings }
}

export function selectorMatches (selector: Selector, pri: number): boolean {
  return selector.mask[pri] === 1
}

function applyLevel (current: number, named: boolean, level: LevelOp): number {
  switch (level.op) {
    case 'set': return level.bits
    case 'add': return current | level.bits
    case 'remove': return (named ? current : ALL_LEVELS) & ~level.bits
  }
}

function parseFacilities (text: string, selector: string, warnings: string[]): { list: number[] } | { error: string } {
  const list: number[] = []
  for (const rawName of text.split(',')) {
    const name = rawName.trim()
    if (name === '') return { error: `empty facility name in selector "${selector}"` }
    if (name === '*') {
      for (let f = 0; f < FACILITY_COUNT; f++) list.push(f)
      continue
    }
    if (name.toLowerCase() === 'mark') {
      const warning = `facility "mark" in selector "${selector}" matches nothing: stele logs its -- MARK -- messages as syslog.info`
      if (!warnings.includes(warning)) warnings.push(warning)
      continue
    }
    const facility = facilityFromName(name)
    if (facility === undefined) return { error: `unknown facility "${name}" in selector "${selector}"` }
    list.push(facility)
  }
  return { list }
}

function parseLevel (text: string, selector: string): LevelOp | { error: string } {
  if (text === '') return { error: `missing level after "." in selector "${selector}"` }
  let rest = text
  const negate = rest.startsWith('!')
  if (negate) rest = rest.slice(1)
  const single = rest.startsWith('=')
  if (single) rest = rest.slice(1)
  const lower = rest.toLowerCase()
  if (lower === '*' || lower === 'none') {
    if (single) return { error: `level "${text}" in selector "${selector}": "=" needs one level name, not "${rest}"` }
    // sysklogd: "!*" ignores every level, "!none" ignores none, i.e. matches every level.
    const all = (lower === '*') !== negate
    return { op: 'set', bits: all ? ALL_LEVELS : 0 }
  }
  const severity = severityFromName(rest)
  if (severity === undefined) {
    if (/^[<>=!]/.test(rest)) return { error: `level "${text}" in selector "${selector}": stele understands LEVEL, =LEVEL, !LEVEL and !=LEVEL, not FreeBSD's < and > or "=!"` }
    return { error: `unknown level "${rest}" in selector "${selector}"` }
  }
  const bits = single ? 1 << severity : (1 << (severity + 1)) - 1
  if (negate) return { op: 'remove', bits }
  return { op: single ? 'add' : 'set', bits }
}
