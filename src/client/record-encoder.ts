// Turns one logging call into the bytes of one syslog message (RFC 5424 or RFC 3164), cut to
// the transport's limit on a UTF-8 boundary. Everything is reused: one SyslogMessage, one
// formatter, one timestamp object and a scratch buffer for the body text, and the record is a
// view of a shared ByteWriter slab (take() hands out consecutive views of one 64 KiB buffer).
// A call allocates that view and nothing else when it has no structured data.
//
// Records are stored unframed: the framing (octet counting, LF, NUL, or one per datagram)
// belongs to the connection, and a unix socket is only known to be a datagram or a stream
// socket once it is connected. frameRecord() frames them into the write batch.

import { ByteWriter } from '../message/byte-writer.js'
import { createFormatter, type Formatter } from '../message/format.js'
import { EMPTY_SD, SyslogMessage, type SdElement, type SdParam, type SyslogTimestamp } from '../message/model.js'
import { timeZone } from '../message/time-zone.js'
import type { ClientFraming } from './options.js'

/** Structured data as plain objects: SD-ID -> { PARAM-NAME: value } (RFC 5424 §6.3). */
export type StructuredData = Record<string, Record<string, unknown> | undefined>

/** The fixed header fields of a logger or a child. */
export interface RecordHeader {
  readonly facility: number
  readonly hostname: string
  readonly appName: string
  readonly procId: string
  readonly msgId: string | null
  /** Fixed structured data, converted once. */
  readonly structuredData: readonly SdElement[]
}

export interface EncoderOptions {
  format: 'rfc5424' | 'rfc3164'
  maxMessageBytes: number
  /** RFC 3164 to a local socket: no HOSTNAME, as glibc writes to /dev/log. */
  localHeader: boolean
}

const SLAB_BYTES = 64 * 1024
const BODY_SCRATCH_BYTES = 16 * 1024
const LF = 0x0a
const CR = 0x0d
const NUL = 0x00
const SP = 0x20

type MutableTimestamp = { -readonly [K in keyof SyslogTimestamp]: SyslogTimestamp[K] }

export class RecordEncoder {
  readonly #msg = new SyslogMessage()
  readonly #formatter: Formatter
  readonly #out = new ByteWriter(SLAB_BYTES)
  readonly #body = Buffer.allocUnsafe(BODY_SCRATCH_BYTES)
  readonly #zone = timeZone('local')
  readonly #ts: MutableTimestamp = { epochMs: 0, micros: 0, text: '', fractionDigits: 3, hasZone: true, hasYear: true, offsetMinutes: 0 }
  #offsetSecond = NaN

  constructor (options: EncoderOptions) {
    this.#msg.format = options.format
    this.#msg.version = options.format === 'rfc5424' ? 1 : 0
    this.#msg.timestamp = this.#ts
    this.#formatter = createFormatter(options.format, {
      newline: 'keep',
      terminator: '',
      maxBytes: options.maxMessageBytes,
      localHeader: options.localHeader,
      timeZone: 'local'
    })
  }

  /** Records cut to maxMessageBytes so far. */
  get truncated (): number { return this.#formatter.truncated }

  /**
   * One record. `sd` (per call) is merged over the header's fixed structured data. `epochMs`:
   * the event's own time (adapters pass pino's and winston's); default now.
   */
  encode (header: RecordHeader, severity: number, text: string, sd: StructuredData | undefined, epochMs = Date.now()): Buffer {
    const msg = this.#msg
    msg.pri = header.facility * 8 + severity
    msg.hostname = header.hostname
    msg.appName = header.appName
    msg.procId = header.procId
    msg.msgId = header.msgId
    msg.structuredData = sd === undefined ? header.structuredData : mergeStructuredData(header.structuredData, sd)
    this.#stamp(epochMs)
    // The body goes through a scratch buffer, not Buffer.from(): no allocation per call.
    if (text.length * 3 <= BODY_SCRATCH_BYTES) {
      const length = (this.#body as unknown as { utf8Write (s: string, offset: number): number }).utf8Write(text, 0)
      msg.setBodyRange(this.#body, 0, length)
    } else {
      msg.setBody(text)
    }
    const out = this.#out
    this.#formatter.write(msg, out)
    return out.take()
  }

  #stamp (now: number): void {
    const ts = this.#ts
    ts.epochMs = now
    // The zone offset changes at most at a DST switch: look it up once a second.
    const second = Math.floor(now / 1000)
    if (second !== this.#offsetSecond) {
      this.#offsetSecond = second
      ts.offsetMinutes = this.#zone.offsetAtUtc(now)
    }
  }
}

/** `{ 'req@32473': { id: 7 } }` -> SdElement[]; undefined values are left out. */
export function toStructuredData (sd: StructuredData | undefined): SdElement[] {
  if (sd === undefined) return []
  const elements: SdElement[] = []
  for (const id in sd) {
    const params = sd[id]
    if (params === undefined || params === null) continue
    elements.push({ id, params: toParams(params) })
  }
  return elements
}

function toParams (params: Record<string, unknown>): SdParam[] {
  const out: SdParam[] = []
  for (const name in params) {
    const value = params[name]
    if (value === undefined) continue
    if (Array.isArray(value)) {
      // RFC 5424 §6.3.3 allows a PARAM-NAME to repeat: one param per array item.
      for (const item of value) out.push({ name, value: paramText(item) })
    } else {
      out.push({ name, value: paramText(value) })
    }
  }
  return out
}

function paramText (value: unknown): string {
  if (typeof value === 'string') return value
  if (value === null || typeof value !== 'object') return String(value)
  if (value instanceof Date) return value.toISOString()
  try { return JSON.stringify(value) } catch { return String(value) }
}

/** The fixed elements, then the call's; a call's element with a fixed element's SD-ID adds to it (its params win). */
export function mergeStructuredData (fixed: readonly SdElement[], sd: StructuredData): readonly SdElement[] {
  const extra = toStructuredData(sd)
  if (fixed.length === 0) return extra
  if (extra.length === 0) return fixed
  const merged: SdElement[] = []
  for (const element of fixed) {
    const over = extra.find((e) => e.id === element.id)
    if (over === undefined) { merged.push(element); continue }
    const names = new Set(over.params.map((p) => p.name))
    merged.push({ id: element.id, params: [...element.params.filter((p) => !names.has(p.name)), ...over.params] })
  }
  for (const element of extra) if (!fixed.some((e) => e.id === element.id)) merged.push(element)
  return merged.length === 0 ? EMPTY_SD : merged
}

/**
 * Appends one record to a write batch, framed for a stream (RFC 6587 §3.4): octet counting
 * keeps every byte; the non-transparent framings replace an embedded trailer byte with a space
 * (as encodeNonTransparent does), since it would end the frame early.
 */
export function frameRecord (out: ByteWriter, record: Buffer, framing: ClientFraming): void {
  if (framing === 'octet') {
    out.latin1(String(record.length))
    out.byte(SP)
    out.bytes(record)
    return
  }
  const start = out.length
  out.bytes(record)
  const forbidden = framing === 'nul' ? NUL : LF
  if (record.indexOf(forbidden) !== -1) {
    const view = out.view(start)
    for (let at = view.indexOf(forbidden); at !== -1; at = view.indexOf(forbidden, at + 1)) view[at] = SP
  }
  if (framing === 'crlf') out.byte(CR)
  out.byte(forbidden)
}
