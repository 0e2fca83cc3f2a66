// Turning header bytes into strings cheaply. Each Buffer -> string conversion crosses into C++
// (~50-100 ns) and a parsed message has up to eight header strings. ASCII fields (nearly all of
// them) come from a table of recent strings (ascii-intern.ts): host names, app names and the
// like repeat from message to message, and comparing a few bytes with a string made earlier is
// cheaper than making a new one; fields of up to 8 bytes are made directly. Only when a longer
// field is new (an RFC 3339 timestamp with microseconds, an SD value) is the message's first
// HEADER_BYTES decoded, once, and that field and the later ones taken as slices of it (~10 ns);
// a typical RFC 3164 line never needs it. When the decoded prefix holds the whole message, MSG's
// text is a slice of it too (headerSlice).
//
// The prefix is decoded as UTF-8. UTF-8 decoding never yields more UTF-16 units than bytes, so
// when the string is as long as the bytes, every byte became one character and string offsets
// equal byte offsets. Otherwise (real multi-byte text) fields are decoded one by one.
//
// parse() is synchronous, so one module-level header serves every call.

import { internAscii } from './ascii-intern.js'
import { latin1, utf8 } from './buffer-slices.js'

const HEADER_BYTES = 128

let headSource: Buffer | undefined
let headText = ''
/** 0: not decoded yet; 1: decoded, offsets are byte offsets; 2: decoded, not usable. */
let headState = 0

/** Starts a message; call once per message before fieldText(). Decodes nothing yet. */
export function beginHeader (buf: Buffer): void {
  headSource = buf
  headState = 0
}

/** Drops the reference to the last message so it can be collected. */
export function endHeader (): void {
  headSource = undefined
  headText = ''
}

/**
 * The UTF-8 text of bytes start..end when the message's prefix was decoded and covers them
 * one character per byte; undefined otherwise (nothing is decoded for it).
 */
export function headerSlice (buf: Buffer, start: number, end: number): string | undefined {
  return headState === 1 && buf === headSource && end <= headText.length ? headText.slice(start, end) : undefined
}

/** A new field's text: a slice of the decoded prefix when it lies within it, else latin1. */
function sliceOrDecode (buf: Buffer, start: number, end: number): string {
  if (buf === headSource && end <= HEADER_BYTES) {
    if (headState === 0) {
      const length = buf.length < HEADER_BYTES ? buf.length : HEADER_BYTES
      headText = utf8(buf, 0, length)
      headState = headText.length === length ? 1 : 2
    }
    if (headState === 1 && end <= headText.length) return headText.slice(start, end)
  }
  return latin1(buf, start, end)
}

/**
 * The text of bytes start..end of a message. `nonAscii` must be true when any byte in the
 * range is >= 0x80; the bytes are then decoded as UTF-8 (invalid sequences become U+FFFD).
 */
export function fieldText (buf: Buffer, start: number, end: number, nonAscii: boolean): string {
  if (nonAscii) return utf8(buf, start, end)
  // Once the prefix is decoded, a slice of it is the cheapest string there is.
  if (headState === 1 && buf === headSource && end <= headText.length) return headText.slice(start, end)
  return internAscii(buf, start, end, sliceOrDecode)
}
