// Strings for short ASCII header fields without a decode per message. Turning bytes into a
// string with Buffer's slice methods costs a call into C++ each time (~70 ns even for 5 bytes).
// Up to 8 bytes, String.fromCharCode with the bytes as arguments is several times cheaper (a
// process id, most app names). Longer fields (host names, timestamps) repeat from message to
// message: a small direct-mapped table, indexed by a hash of the length and three of the bytes,
// keeps the last string seen in each slot; a hit is verified byte by byte, so a collision only
// costs a miss. The strings are equal to latin1(buf, start, end) in every case.

import { latin1 } from './buffer-slices.js'

const SLOTS = 512
/** Longer fields are decoded directly: they repeat less and comparing them costs more. */
const MAX_INTERNED_BYTES = 32

const table = new Array<string>(SLOTS).fill('')

/** Makes the string of bytes start..end (all ASCII) when the table has none. Default latin1. */
export type MakeText = (buf: Buffer, start: number, end: number) => string

/** Bytes start..end of `buf`, all ASCII, as a string. */
export function internAscii (buf: Buffer, start: number, end: number, make: MakeText = latin1): string {
  const length = end - start
  if (length <= 8) return shortText(buf, start, length)
  if (length > MAX_INTERNED_BYTES) return make(buf, start, end)
  const slot = (length * 31 + buf[start]! * 7 + buf[end - 1]! * 13 + buf[start + (length >> 1)]! * 3) & (SLOTS - 1)
  const cached = table[slot]!
  if (cached.length === length) {
    let i = 0
    while (i < length && cached.charCodeAt(i) === buf[start + i]) i++
    if (i === length) return cached
  }
  const text = make(buf, start, end)
  table[slot] = text
  return text
}

function shortText (b: Buffer, p: number, length: number): string {
  switch (length) {
    case 1: return String.fromCharCode(b[p]!)
    case 2: return String.fromCharCode(b[p]!, b[p + 1]!)
    case 3: return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!)
    case 4: return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!)
    case 5: return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!)
    case 6: return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!)
    case 7: return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!)
    case 8: return String.fromCharCode(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!)
    default: return ''
  }
}
