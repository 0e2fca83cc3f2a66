// Turning header bytes into strings cheaply. Each Buffer -> string conversion crosses into C++
// (~80 ns); a parsed message has up to eight header strings and a body. Instead the parser
// decodes the first HEADER_BYTES of a message once and takes every ASCII field as a slice of
// that string (~10 ns). Fields with bytes >= 0x80 (UTF-8 in an SD value or a non-ASCII tag) or
// beyond the decoded prefix fall back to a real decode.
//
// The prefix is decoded as UTF-8. UTF-8 decoding never yields more UTF-16 units than bytes (an
// ASCII byte or a lone invalid byte gives one; longer sequences give fewer), so when the string
// is as long as the bytes, every byte became one character and string offsets equal byte
// offsets: then even the body's text is a slice of it (headerSlice). Otherwise (real multi-byte
// text, ~5% of lines) the prefix is decoded again as latin1, which always maps one byte to one
// character, for the ASCII header fields.
//
// parse() is synchronous, so one module-level header serves every call.

import { latin1, utf8 } from './buffer-slices.js'

const HEADER_BYTES = 128

let headText = ''
let headSource: Buffer | undefined
let headIsUtf8 = false

/** Decodes the header prefix of `buf`; call once per message before fieldText(). */
export function beginHeader (buf: Buffer): void {
  headSource = buf
  const length = buf.length < HEADER_BYTES ? buf.length : HEADER_BYTES
  headText = utf8(buf, 0, length)
  headIsUtf8 = headText.length === length
  if (!headIsUtf8) headText = latin1(buf, 0, length)
}

/**
 * The UTF-8 text of bytes start..end when the decoded prefix covers them one character per
 * byte; undefined when they need a decode of their own.
 */
export function headerSlice (buf: Buffer, start: number, end: number): string | undefined {
  return headIsUtf8 && buf === headSource && end <= headText.length ? headText.slice(start, end) : undefined
}

/** Drops the reference to the last message so it can be collected. */
export function endHeader (): void {
  headSource = undefined
  headText = ''
}

/**
 * The text of bytes start..end of the current message. `nonAscii` must be true when any byte in
 * the range is >= 0x80; the bytes are then decoded as UTF-8 (invalid sequences become U+FFFD).
 */
export function fieldText (buf: Buffer, start: number, end: number, nonAscii: boolean): string {
  if (nonAscii) return utf8(buf, start, end)
  if (buf === headSource && end <= headText.length) return headText.slice(start, end)
  return latin1(buf, start, end)
}
