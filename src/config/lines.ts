// Splits config text into logical lines: comments and blank lines dropped, continuation lines
// joined, trailing comments cut. Each logical line keeps the number of the physical line where
// it started, which is the line every problem on it is reported at.

import type { Report } from './problems.js'

export interface LogicalLine {
  /** 1-based number of the first physical line. */
  readonly line: number
  /** The text, trimmed, continuation backslashes removed. */
  readonly text: string
}

/**
 * - `#` starts a comment line, except `#!prog` and `#+host`: FreeBSD reads those as program and
 *   host blocks (syslog.conf(5)), so a FreeBSD file keeps its meaning. `#-host` stays a comment,
 *   because comment rulers like "#-----" are common.
 * - A word starting with `#` after whitespace starts a trailing comment (BSD would have made it
 *   part of a file name, which nobody means).
 * - A trailing backslash joins the next line. Comment and blank lines in between are skipped, as
 *   sysklogd does, so part of a long selector can be commented out.
 */
export function logicalLines (text: string, reportAt: (line: number) => Report): LogicalLine[] {
  const physical = text.split(/\r?\n/)
  const out: LogicalLine[] = []
  let pending: { line: number, text: string } | null = null
  for (let i = 0; i < physical.length; i++) {
    const trimmed = physical[i]!.trim()
    if (trimmed === '' || isComment(trimmed)) continue
    let content = stripTrailingComment(trimmed)
    const continues = content.endsWith('\\')
    if (continues) content = content.slice(0, -1).trimEnd()
    pending = pending === null ? { line: i + 1, text: content } : { line: pending.line, text: `${pending.text} ${content}` }
    if (!continues) {
      out.push(pending)
      pending = null
    }
  }
  if (pending !== null) {
    reportAt(pending.line)('warning', 'the last line ends with "\\" but no line follows; read as if it did not')
    out.push(pending)
  }
  return out
}

function isComment (trimmed: string): boolean {
  return trimmed.startsWith('#') && !trimmed.startsWith('#!') && !trimmed.startsWith('#+')
}

function stripTrailingComment (trimmed: string): string {
  const m = /\s#/.exec(trimmed)
  return m === null ? trimmed : trimmed.slice(0, m.index).trimEnd()
}
