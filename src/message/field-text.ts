// Turning header bytes into strings cheaply. Each Buffer -> string conversion crosses into C++
// (~50-100 ns) and a parsed message has up to eight header strings. ASCII fields (nearly all of
// them) come from a table of recent strings (ascii-intern.ts): host names, app names and the
// like repeat from message to message, and comparing a few bytes with a string made earlier is
// cheaper than making a new one. Fields with bytes >= 0x80 (UTF-8 in an SD value or a tag) are
// decoded as UTF-8.

import { internAscii } from './ascii-intern.js'
import { utf8 } from './buffer-slices.js'

/**
 * The text of bytes start..end of a message. `nonAscii` must be true when any byte in the
 * range is >= 0x80; the bytes are then decoded as UTF-8 (invalid sequences become U+FFFD).
 */
export function fieldText (buf: Buffer, start: number, end: number, nonAscii: boolean): string {
  return nonAscii ? utf8(buf, start, end) : internAscii(buf, start, end)
}
