// parse(bytes, options) -> SyslogMessage: the one entry point for reading a syslog message.
//
// Contract: never throws, on any byte sequence; runs in time linear in the input; always
// returns a message. A malformed message keeps what could be recovered, the rest of the bytes
// become its body, and `problems` lists what was wrong with byte offsets, because a syslog
// daemon keeps what it cannot parse. The default mode is lenient (it accepts the variants real
// devices send); `strict: true` stops at the first violation of the RFC grammar and reports it.

import { SyslogMessage } from './model.js'
import { addProblem, finishBody, utf8Boundary } from './parse-common.js'
import { MAX_PRI } from './priority.js'
import { timeZone, TimeZone } from './time-zone.js'
import { beginHeader, endHeader } from './field-text.js'
import { parse5424 } from './parse-5424.js'
import { parse3164 } from './parse-3164.js'

export interface ParseOptions {
  /** Stop at the first violation of RFC 5424 / RFC 3164 and report it. Default false. */
  strict?: boolean
  /** Zone for timestamps sent without one: a TimeZone, "local" (default), "UTC", "+01:00" or an IANA name. */
  timeZone?: TimeZone | string
  /** When the message was received (ms since epoch); default Date.now(). Resolves yearless timestamps. */
  receivedAt?: number
  /**
   * Whether an RFC 3164 message is expected to carry a HOSTNAME. glibc's syslog(3) and logger(1)
   * writing to a local socket send none; set false for local inputs so that the first word is
   * always read as the TAG. Default true.
   */
  expectHostname?: boolean
  /** Read only this many bytes; longer input is cut on a UTF-8 boundary and marked 'truncated'. */
  maxMessageBytes?: number
}

/** Resolved options shared by the format-specific parsers. */
export interface ParseContext {
  readonly strict: boolean
  readonly zone: TimeZone
  readonly receivedAt: number
  readonly expectHostname: boolean
}

/** Parses one syslog message. See the module comment for the contract. */
export function parse (bytes: Buffer | Uint8Array | string, options: ParseOptions = {}): SyslogMessage {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const zone = options.timeZone instanceof TimeZone ? options.timeZone : timeZone(options.timeZone ?? 'local')
  return parseWith(buf, {
    strict: options.strict === true,
    zone,
    receivedAt: options.receivedAt ?? Date.now(),
    expectHostname: options.expectHostname !== false
  }, options.maxMessageBytes ?? 0)
}

/**
 * A parser with its options resolved once, for hot paths (a listener parses every message with
 * the same options): `const p = createParser(opts); p(buf, Date.now())`.
 */
export function createParser (options: ParseOptions = {}): (bytes: Buffer, receivedAt?: number) => SyslogMessage {
  const zone = options.timeZone instanceof TimeZone ? options.timeZone : timeZone(options.timeZone ?? 'local')
  const strict = options.strict === true
  const expectHostname = options.expectHostname !== false
  const maxMessageBytes = options.maxMessageBytes ?? 0
  // One context for every call (parse() is synchronous): no object per message.
  const ctx: { -readonly [K in keyof ParseContext]: ParseContext[K] } = { strict, zone, receivedAt: 0, expectHostname }
  return (bytes, receivedAt = Date.now()) => {
    ctx.receivedAt = receivedAt
    return parseWith(bytes, ctx, maxMessageBytes)
  }
}

function parseWith (input: Buffer, ctx: ParseContext, maxMessageBytes: number): SyslogMessage {
  const msg = new SyslogMessage()
  msg.receivedAt = ctx.receivedAt
  let buf = input
  if (maxMessageBytes > 0 && buf.length > maxMessageBytes) buf = input.subarray(0, utf8Boundary(input, maxMessageBytes))
  msg.raw = buf
  beginHeader(buf)
  try {
    if (buf !== input) addProblem(msg, 'truncated', buf.length, `message of ${input.length} bytes cut to ${buf.length} (maxMessageBytes ${maxMessageBytes})`)
    parseFrom(msg, buf, ctx)
  } catch (err) {
    // Defence in depth: the parsers are written not to throw, but a daemon must not lose a
    // message to a bug in them. Keep the whole input as the body and say what happened.
    msg.format = 'rfc3164'
    msg.setBody(buf)
    addProblem(msg, 'bad-field', 0, `parser error: ${(err as Error).message}`)
  } finally {
    endHeader()
  }
  return msg
}

function parseFrom (msg: SyslogMessage, buf: Buffer, ctx: ParseContext): void {
  const end = trimTrailer(buf)
  const pos = readPri(msg, buf, end, ctx.strict)
  if (ctx.strict && msg.problems.length > 0) return finishBody(msg, buf, pos, end)
  // RFC 5424 §6: "<PRI>VERSION SP". VERSION is NONZERO-DIGIT 0*2DIGIT; a 3164 message has a
  // timestamp, a Cisco sequence number ("52: ") or free text here instead.
  if (isVersion(buf, pos, end)) parse5424(msg, buf, pos, end, ctx)
  else parse3164(msg, buf, pos, end, ctx)
}

function isVersion (buf: Buffer, pos: number, end: number): boolean {
  const first = buf[pos]
  if (first === undefined || first < 0x31 || first > 0x39) return false
  for (let p = pos + 1; p < end && p <= pos + 3; p++) {
    const b = buf[p]!
    if (b === 0x20) return true
    if (b < 0x30 || b > 0x39) return false
  }
  return false
}

/**
 * RFC 5424 §6.2.1 / RFC 3164 §4.1.1: "<" 1*3DIGIT ">" with a value of 0..191. Without a PRI,
 * RFC 3164 §4.3.3 has a relay use <13> (user.notice) and keep the bytes as the message.
 * Returns the offset after the PRI (0 when there is none).
 */
function readPri (msg: SyslogMessage, buf: Buffer, end: number, strict: boolean): number {
  if (buf[0] !== 0x3c) {
    addProblem(msg, 'no-pri', 0, 'no <PRI>; read as <13> (user.notice)')
    return 0
  }
  let value = 0
  let p = 1
  while (p < end && p <= 4) {
    const b = buf[p]!
    if (b === 0x3e) break
    if (b < 0x30 || b > 0x39) { p = end; break }
    value = value * 10 + b - 0x30
    p++
  }
  const digits = p - 1
  if (p >= end || buf[p] !== 0x3e || digits === 0 || digits > 3) {
    addProblem(msg, 'bad-pri', 0, 'malformed <PRI>; read as <13> (user.notice), the bytes kept as the message')
    return 0
  }
  if (value > MAX_PRI) {
    addProblem(msg, 'bad-pri', 1, `PRI ${value} is over ${MAX_PRI}; read as <13> (user.notice)`)
    return p + 1
  }
  if (strict && digits > 1 && buf[1] === 0x30) {
    addProblem(msg, 'bad-pri', 1, 'PRI has a leading zero')
    return p + 1
  }
  msg.pri = value
  return p + 1
}

/** End of the message without trailing LF, CR and NUL bytes (stream trailers, UDP habits). */
function trimTrailer (buf: Buffer): number {
  let end = buf.length
  while (end > 0) {
    const b = buf[end - 1]
    if (b !== 0x0a && b !== 0x0d && b !== 0x00) break
    end--
  }
  return end
}
