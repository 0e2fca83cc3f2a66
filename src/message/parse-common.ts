// Helpers shared by the RFC 5424 and RFC 3164 parsers.

import { headerSlice } from './field-text.js'
import { EMPTY_PROBLEMS, type ParseProblem, type ProblemCode, type SyslogMessage } from './model.js'

/** The largest length <= max that does not end inside a UTF-8 sequence. */
export function utf8Boundary (buf: Buffer, max: number): number {
  if (max >= buf.length) return buf.length
  let cut = max
  // Back up over continuation bytes (10xxxxxx) to the lead byte, then drop the lead byte if
  // its sequence does not fit.
  let back = 0
  while (cut > 0 && back < 3 && (buf[cut]! & 0xc0) === 0x80) { cut--; back++ }
  return (buf[cut]! & 0xc0) === 0x80 ? max : cut
}

export function addProblem (msg: SyslogMessage, code: ProblemCode, offset: number, detail: string): void {
  const problem: ParseProblem = { code, offset, detail }
  if (msg.problems === EMPTY_PROBLEMS) msg.problems = [problem]
  else (msg.problems as ParseProblem[]).push(problem)
}

/** Sets MSG to bytes pos..end, noting a leading BOM (RFC 5424 §6.4). */
export function finishBody (msg: SyslogMessage, buf: Buffer, pos: number, end: number): void {
  if (pos + 3 <= end && buf[pos] === 0xef && buf[pos + 1] === 0xbb && buf[pos + 2] === 0xbf) {
    msg.bom = true
    pos += 3
  }
  if (end < pos) end = pos
  msg.setBodyRange(buf, pos, end, headerSlice(buf, pos, end))
}
