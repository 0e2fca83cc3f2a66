// RFC 6587 §3.4.1 octet counting: SYSLOG-FRAME = MSG-LEN SP SYSLOG-MSG, where
// MSG-LEN = NONZERO-DIGIT *DIGIT is the number of octets in SYSLOG-MSG. Because the
// length says where the frame ends, the message may contain any byte, LF included;
// this is the framing to use when messages must keep embedded newlines.
//
// Encoders only. The decoder (both framings, plus auto-detection) is in frame-decoder.ts.

import { InvalidOptionError } from '../errors.js'

/** Byte values the framing code compares against. */
export const SP = 0x20
export const DIGIT_0 = 0x30
export const DIGIT_1 = 0x31
export const DIGIT_9 = 0x39

/**
 * RFC 6587 §3.4.1 sets no upper bound on MSG-LEN. We accept at most 9 digits: enough for
 * any real message (RFC 5425 §4.3.1 only asks receivers to handle 8192 octets), it fits
 * comfortably in a double, and it lets the decoder call a longer prefix garbage after
 * reading 10 bytes instead of buffering an unbounded run of digits from a hostile peer.
 */
export const MAX_OCTET_DIGITS = 9
export const MAX_OCTET_LENGTH = 999_999_999

/** Number of decimal digits in a positive integer up to MAX_OCTET_LENGTH, without a string. */
function countDigits (n: number): number {
  let digits = 1
  while (n >= 10) {
    n = Math.floor(n / 10)
    digits++
  }
  return digits
}

/** Writes `n` as ASCII decimal into `buf` ending just before `end`; returns the start offset. */
function writeDigitsBackwards (buf: Buffer, n: number, end: number): number {
  let at = end
  do {
    buf[--at] = DIGIT_0 + (n % 10)
    n = Math.floor(n / 10)
  } while (n > 0)
  return at
}

function checkLength (length: number): void {
  // MSG-LEN starts with NONZERO-DIGIT, so an empty message cannot be octet-counted.
  if (!Number.isInteger(length) || length < 1 || length > MAX_OCTET_LENGTH) {
    throw new InvalidOptionError('length', length, `must be an integer from 1 to ${MAX_OCTET_LENGTH} (RFC 6587 §3.4.1 MSG-LEN)`)
  }
}

/**
 * The `"MSG-LEN "` bytes for a message of `length` octets, so a writer can
 * `writev([octetCountPrefix(msg.length), msg])` without copying the message.
 * Throws InvalidOptionError for 0, non-integers and lengths above MAX_OCTET_LENGTH.
 */
export function octetCountPrefix (length: number): Buffer {
  checkLength(length)
  const digits = countDigits(length)
  const out = Buffer.allocUnsafe(digits + 1)
  writeDigitsBackwards(out, length, digits)
  out[digits] = SP
  return out
}

/** One octet-counted frame: `"MSG-LEN " + msg`, in a single new Buffer. `msg` must not be empty. */
export function encodeOctetCounted (msg: Buffer): Buffer {
  checkLength(msg.length)
  const digits = countDigits(msg.length)
  const out = Buffer.allocUnsafe(digits + 1 + msg.length)
  writeDigitsBackwards(out, msg.length, digits)
  out[digits] = SP
  msg.copy(out, digits + 1)
  return out
}
