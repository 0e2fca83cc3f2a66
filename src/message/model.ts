// The one syslog message type that every part of stele shares: parsers produce it, the router
// reads it, formatters and the client library write it. Fields follow RFC 5424 §6 names; an
// RFC 3164 message fills the same fields (TAG -> appName, PID -> procId) and leaves msgId and
// structuredData empty.
//
// A SyslogMessage keeps views (`raw`, `body`) into the Buffer it was parsed from; parse() never
// copies the input. A caller that reuses its input buffer must copy it first.

import { isUtf8 } from 'node:buffer'
import { facilityName, severityName } from './priority.js'
import { utf8 } from './buffer-slices.js'

export type MessageFormat = 'rfc5424' | 'rfc3164'

export type ProblemCode =
  | 'no-pri' // no <PRI>: RFC 3164 §4.3.3 says a relay treats it as <13>
  | 'bad-pri' // <PRI> present but not 1-3 digits in 0..191 (strict: no leading zero)
  | 'bad-version' // RFC 5424 VERSION other than 1
  | 'bad-timestamp' // a timestamp that could not be read; the receive time stands in
  | 'no-timestamp' // RFC 3164 message without a timestamp
  | 'field-too-long' // over an RFC 5424 §6 length limit; kept whole
  | 'bad-field' // a header field with characters the grammar does not allow
  | 'missing-field' // the message ended before all RFC 5424 header fields were read
  | 'bad-sd' // STRUCTURED-DATA that does not follow §6.3; the rest becomes MSG
  | 'no-hostname' // RFC 3164 message with no HOSTNAME (what glibc syslog(3) sends)
  | 'bad-tag' // RFC 3164 TAG not terminated as §4.1.3 describes
  | 'truncated' // the input was cut to the maximum message size
  | 'partial-line' // a followed file's line without its newline (delivered after partial_timeout), or the rest of one

export interface ParseProblem {
  readonly code: ProblemCode
  /** Byte offset into `raw` where the problem was found. */
  readonly offset: number
  readonly detail: string
}

export interface SdParam { readonly name: string, readonly value: string }
export interface SdElement { readonly id: string, readonly params: readonly SdParam[] }

export interface SyslogTimestamp {
  /** Milliseconds since 1970-01-01T00:00:00Z, resolved (floor of the sub-millisecond part). */
  readonly epochMs: number
  /** Microseconds beyond epochMs (0..999), from 4- to 6-digit fractions. */
  readonly micros: number
  /** The timestamp exactly as it appeared in the message. */
  readonly text: string
  /** Number of fractional-second digits that were sent (0..6). */
  readonly fractionDigits: number
  /** True when the sender gave a zone (Z or an offset); false when it was resolved locally. */
  readonly hasZone: boolean
  /** True when the sender gave the year; false when it was inferred from the receive time. */
  readonly hasYear: boolean
  /** UTC offset in minutes: as sent, or the configured zone's offset when resolved locally. */
  readonly offsetMinutes: number
}

// RFC 5424 §6 field length limits, in bytes (all of these fields are ASCII).
export const MAX_HOSTNAME = 255
export const MAX_APP_NAME = 48
export const MAX_PROCID = 128
export const MAX_MSGID = 32
export const MAX_SD_NAME = 32

/** Where a message came from: set by the input that received it. */
export interface MessageSource {
  /** The listener's name, e.g. "udp://127.0.0.1:5514", "unix:///run/stele.sock", or "internal". */
  readonly input: string
  /** The sender's address ("192.0.2.1:40000", "[::1]:40000"); null for local sockets. */
  readonly peer: string | null
  /** The sender's IP address alone; null for local sockets. Stands in for a missing HOSTNAME. */
  readonly peerAddress: string | null
  /** The authenticated TLS identity of the sender (subject / SAN / fingerprint), when there is one. */
  readonly identity: string | null
}

export const EMPTY_SD: readonly SdElement[] = Object.freeze([])
export const EMPTY_PROBLEMS: readonly ParseProblem[] = Object.freeze([])
const EMPTY_BUFFER = Buffer.alloc(0)

export class SyslogMessage {
  /** facility * 8 + severity, 0..191. */
  pri = 13
  format: MessageFormat = 'rfc5424'
  /** RFC 5424 VERSION; 0 for an RFC 3164 message, which has none. */
  version = 1
  timestamp: SyslogTimestamp | null = null
  msgId: string | null = null
  structuredData: readonly SdElement[] = EMPTY_SD
  /** Cisco IOS message sequence number ("<189>52: ..."), when present. */
  sequence: string | null = null
  /** True when MSG began with the UTF-8 BOM (RFC 5424 §6.4 MSG-UTF8). */
  bom = false
  /** The bytes the message was parsed from. */
  raw: Buffer = EMPTY_BUFFER
  /** When the message was received (ms since epoch, UTC). */
  receivedAt = 0
  /** Where the message came from; null for messages built in code. */
  source: MessageSource | null = null
  /** What was wrong with the message; empty when it followed the grammar. */
  problems: readonly ParseProblem[] = EMPTY_PROBLEMS
  // MSG is bytes bodyStart..bodyEnd of #bodySource (usually `raw`). The Buffer view is made only
  // when asked for: a consumer that wants text decodes straight from the source.
  #hostname: string | null = null
  #appName: string | null = null
  #procId: string | null = null
  #headerTail = -1
  #bodySource: Buffer = EMPTY_BUFFER
  #bodyStart = 0
  #bodyEnd = 0
  #body: Buffer | undefined = undefined
  #text: string | undefined = undefined
  #utf8: boolean | undefined = undefined

  get hostname (): string | null { return this.#hostname }
  set hostname (value: string | null) { this.#hostname = value; this.#headerTail = -1 }
  /** RFC 5424 APP-NAME, or the RFC 3164 TAG. */
  get appName (): string | null { return this.#appName }
  set appName (value: string | null) { this.#appName = value; this.#headerTail = -1 }
  /** RFC 5424 PROCID, or the RFC 3164 "[pid]" after the TAG. */
  get procId (): string | null { return this.#procId }
  set procId (value: string | null) { this.#procId = value; this.#headerTail = -1 }

  /**
   * Where `HOST SP TAG[PID]: ` begins in `raw`, when those bytes are exactly what the line
   * formats (iso, traditional) write for the header fields and MSG follows them there; -1
   * otherwise. Set by the RFC 3164 parser; changing a header field or the body clears it. A
   * formatter then copies HOST..MSG in one piece instead of writing field by field.
   */
  get headerTail (): number { return this.#headerTail }

  /** For the parser, after the fields and the body are set: see headerTail. */
  markHeaderTail (start: number): void {
    if (this.#bodySource === this.raw) this.#headerTail = start
  }

  get facility (): number { return this.pri >> 3 }
  get severity (): number { return this.pri & 7 }
  get facilityName (): string { return facilityName(this.pri >> 3) }
  get severityName (): string { return severityName(this.pri & 7) }

  /** The Buffer MSG lies in, and where (formatters copy from here without making a view). */
  get bodySource (): Buffer { return this.#bodySource }
  get bodyStart (): number { return this.#bodyStart }
  get bodyEnd (): number { return this.#bodyEnd }

  /** MSG, without a leading BOM and without trailing LF / CR / NUL. */
  get body (): Buffer {
    if (this.#body === undefined) this.#body = this.#bodySource.subarray(this.#bodyStart, this.#bodyEnd)
    return this.#body
  }

  /** MSG as a string; invalid UTF-8 sequences become U+FFFD (check `utf8Valid`). */
  get text (): string {
    if (this.#text === undefined) this.#text = utf8(this.#bodySource, this.#bodyStart, this.#bodyEnd)
    return this.#text
  }

  /** False when MSG is not valid UTF-8 (RFC 5424 MSG-ANY may be any bytes). */
  get utf8Valid (): boolean {
    if (this.#utf8 === undefined) this.#utf8 = isUtf8(this.body)
    return this.#utf8
  }

  /** True when both bodies hold the same bytes (compared in place, without making views). */
  bodyEquals (other: SyslogMessage): boolean {
    const length = this.#bodyEnd - this.#bodyStart
    if (length !== other.#bodyEnd - other.#bodyStart) return false
    return this.#bodySource.compare(other.#bodySource, other.#bodyStart, other.#bodyEnd, this.#bodyStart, this.#bodyEnd) === 0
  }

  /** True when parsing found anything wrong; the message is kept all the same. */
  get malformed (): boolean { return this.problems.length > 0 }

  /** Replaces the body. */
  setBody (body: Buffer | string): void {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
    this.setBodyRange(bytes, 0, bytes.length)
    if (typeof body === 'string') { this.#text = body; this.#utf8 = true }
  }

  /**
   * Sets the body to bytes start..end of `source` without making a view of them yet. `text`,
   * when the caller already has it, must be exactly those bytes decoded as UTF-8.
   */
  setBodyRange (source: Buffer, start: number, end: number, text?: string): void {
    this.#headerTail = -1
    this.#bodySource = source
    this.#bodyStart = start
    this.#bodyEnd = end
    this.#body = undefined
    this.#text = text
    this.#utf8 = undefined
  }
}

export interface MessageFields {
  facility?: number
  severity?: number
  format?: MessageFormat
  timestamp?: SyslogTimestamp | Date | number | null
  hostname?: string | null
  appName?: string | null
  procId?: string | number | null
  msgId?: string | null
  structuredData?: readonly SdElement[]
  body?: Buffer | string
  bom?: boolean
}

/**
 * Builds a message from fields, for code that originates messages (the client library, the
 * daemon's own events). Facility defaults to user and severity to notice, as in logger(1).
 */
export function createMessage (fields: MessageFields): SyslogMessage {
  const msg = new SyslogMessage()
  msg.pri = (fields.facility ?? 1) * 8 + (fields.severity ?? 5)
  msg.format = fields.format ?? 'rfc5424'
  msg.version = msg.format === 'rfc5424' ? 1 : 0
  const ts = fields.timestamp
  msg.timestamp = ts === undefined || ts === null ? null : toTimestamp(ts)
  msg.hostname = fields.hostname ?? null
  msg.appName = fields.appName ?? null
  msg.procId = fields.procId === undefined || fields.procId === null ? null : String(fields.procId)
  msg.msgId = fields.msgId ?? null
  msg.structuredData = fields.structuredData ?? EMPTY_SD
  msg.setBody(fields.body ?? '')
  msg.bom = fields.bom ?? false
  msg.receivedAt = Date.now()
  return msg
}

function toTimestamp (value: SyslogTimestamp | Date | number): SyslogTimestamp {
  if (typeof value === 'object' && !(value instanceof Date)) return value
  const epochMs = typeof value === 'number' ? Math.floor(value) : value.getTime()
  return { epochMs, micros: 0, text: new Date(epochMs).toISOString(), fractionDigits: 3, hasZone: true, hasYear: true, offsetMinutes: 0 }
}
