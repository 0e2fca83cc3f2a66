// Strings for short ASCII header fields without a decode per message. Host names, app names
// and timestamps repeat from message to message, and turning bytes into a string costs a call
// into C++ each time (~50-100 ns), more than comparing the bytes with a string made earlier. A
// small direct-mapped table, indexed by a hash of the length and three of the bytes, keeps the
// last string seen in each slot; a hit is verified byte by byte, so a collision only costs a
// miss. The strings are equal to latin1(buf, start, end) in every case.

import { latin1 } from './buffer-slices.js'

const SLOTS = 512
/** Longer fields are decoded directly: they repeat less and comparing them costs more. */
const MAX_INTERNED_BYTES = 32

const table = new Array<string>(SLOTS).fill('')

/** Bytes start..end of `buf`, all ASCII, as a string. */
export function internAscii (buf: Buffer, start: number, end: number): string {
  const length = end - start
  if (length <= 0) return ''
  if (length > MAX_INTERNED_BYTES) return latin1(buf, start, end)
  const slot = (length * 31 + buf[start]! * 7 + buf[end - 1]! * 13 + buf[start + (length >> 1)]! * 3) & (SLOTS - 1)
  const cached = table[slot]!
  if (cached.length === length) {
    let i = 0
    while (i < length && cached.charCodeAt(i) === buf[start + i]) i++
    if (i === length) return cached
  }
  const text = latin1(buf, start, end)
  table[slot] = text
  return text
}
