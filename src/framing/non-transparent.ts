// RFC 6587 §3.4.2 non-transparent framing: SYSLOG-FRAME = SYSLOG-MSG TRAILER. The RFC
// names LF as the usual TRAILER and notes that senders also use other bytes; in real
// traffic we see LF, CR LF (Windows agents, `nc -C`) and NUL (some syslog appliances;
// OpenBSD syslogd accepts LF or NUL). The framing is "non-transparent" because a message
// that contains the trailer byte cannot be told apart from two messages.
//
// Encoder and trailer bytes only. The decoder is in frame-decoder.ts.

import { SP } from './octet-counting.js'

export const LF = 0x0a
export const CR = 0x0d
export const NUL = 0x00

export type NonTransparentTrailer = 'lf' | 'crlf' | 'nul'

/** True for the bytes a non-transparent receiver may treat as end of frame (or skip between frames). */
export function isTrailerByte (b: number): boolean {
  return b === LF || b === CR || b === NUL
}

/**
 * One non-transparent frame: `msg` followed by the trailer, in a single new Buffer.
 *
 * A trailer byte inside `msg` would split it into two frames at the receiver (RFC 6587
 * §3.4.2), so each embedded trailer byte is replaced with a space: LF for 'lf' and
 * 'crlf', NUL for 'nul'. Callers that must keep newlines use octet counting instead.
 *
 * Receivers also strip one CR before an LF, so a message ending in CR loses that CR with
 * the 'lf' trailer; an empty message becomes an empty frame, which receivers skip.
 * A receiver that auto-detects framing (stele's 'auto') also ends frames at NUL.
 */
export function encodeNonTransparent (msg: Buffer, trailer: NonTransparentTrailer = 'lf'): Buffer {
  const trailerBytes = trailer === 'crlf' ? 2 : 1
  const out = Buffer.allocUnsafe(msg.length + trailerBytes)
  msg.copy(out, 0)
  const forbidden = trailer === 'nul' ? NUL : LF
  // indexOf is a memchr: when (as almost always) the message has no trailer byte, this is one fast scan.
  let at = msg.indexOf(forbidden, 0)
  while (at !== -1) {
    out[at] = SP
    at = msg.indexOf(forbidden, at + 1)
  }
  if (trailer === 'crlf') {
    out[msg.length] = CR
    out[msg.length + 1] = LF
  } else {
    out[msg.length] = forbidden
  }
  return out
}
