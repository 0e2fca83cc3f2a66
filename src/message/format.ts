// Formatting messages for files and the wire.
//
//   rfc5424      <PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG          (RFC 5424 §6)
//   rfc3164      <PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG                 (RFC 3164 §4.1, local time)
//   iso          2026-11-22T10:00:00.123Z host app[pid]: [SD] msg        (default for files; UTC, ms)
//   traditional  Nov 22 10:00:00 host app[pid]: [SD] msg                 (local time)
//   json         one object per line with every field
//   raw          the bytes as received
//
// Line safety: a message body may hold LF and other control characters. The `newline` policy
// decides what an output does with them: 'escape' (default) writes every control character as
// #ooo (see escape.ts), 'split' writes one record per line of the body (each with the full
// header) and escapes the remaining control characters, 'keep' writes the bytes unchanged, for
// octet-counted transports where a frame may hold any byte. Header fields are always made safe.
//
// Formatters append to a ByteWriter so an output can batch many records into one write.

import { ByteWriter } from './byte-writer.js'
import { hasControlBytes, writeEscapedBytes, writeEscapedText } from './escape.js'
import { BsdTimeWriter, IsoUtcWriter, Rfc3339Writer } from './format-time.js'
import { MAX_APP_NAME, MAX_HOSTNAME, MAX_MSGID, MAX_PROCID, MAX_SD_NAME, type SdElement, type SyslogMessage, type SyslogTimestamp } from './model.js'
import { utf8Boundary } from './parse-common.js'
import { timeZone, TimeZone } from './time-zone.js'
import { writeJson } from './format-json.js'

export type OutputFormat = 'iso' | 'traditional' | 'rfc3164' | 'rfc5424' | 'json' | 'raw'
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['iso', 'traditional', 'rfc3164', 'rfc5424', 'json', 'raw']
export type NewlinePolicy = 'escape' | 'split' | 'keep'

export interface FormatOptions {
  /** What to do with LF and other control characters in the body. Default 'escape'. */
  newline?: NewlinePolicy
  /** Appended to each record: "\n" for files (default), "" for framed transports. */
  terminator?: string
  /** Zone for `traditional` and `rfc3164` timestamps. Default "local". */
  timeZone?: TimeZone | string
  /** Written when a message has no HOSTNAME. Default "-". */
  hostname?: string
  /**
   * rfc3164 only: leave HOSTNAME out, as glibc's syslog(3) and logger(1) write to the local
   * socket (`<PRI>Mmm dd hh:mm:ss TAG[PID]: MSG`); a local receiver reads the word after the
   * timestamp as the TAG and adds the hostname itself. Default false.
   */
  localHeader?: boolean
  /** A record longer than this (without terminator) is cut on a UTF-8 boundary and counted. 0 = no limit. */
  maxBytes?: number
}

export interface Formatter {
  readonly format: OutputFormat
  /** How many records write() had to cut to maxBytes. */
  readonly truncated: number
  /** Appends the message as one record (or several, with newline 'split') to `out`. */
  write (msg: SyslogMessage, out: ByteWriter): void
}

const LF = 0x0a

export function createFormatter (format: OutputFormat, options: FormatOptions = {}): Formatter {
  return new RecordFormatter(format, options)
}

/** Formats one message into a Buffer of its own; for hot paths use createFormatter(). */
export function formatMessage (msg: SyslogMessage, format: OutputFormat, options: FormatOptions = {}): Buffer {
  const out = new ByteWriter(256)
  new RecordFormatter(format, options).write(msg, out)
  return out.take()
}

class RecordFormatter implements Formatter {
  readonly format: OutputFormat
  truncated = 0
  readonly #newline: NewlinePolicy
  readonly #terminator: Buffer
  readonly #hostname: string
  readonly #localHeader: boolean
  readonly #maxBytes: number
  readonly #iso = new IsoUtcWriter()
  readonly #rfc3339 = new Rfc3339Writer()
  readonly #bsd: BsdTimeWriter

  constructor (format: OutputFormat, options: FormatOptions) {
    this.format = format
    this.#newline = options.newline ?? 'escape'
    this.#terminator = Buffer.from(options.terminator ?? '\n', 'utf8')
    this.#hostname = options.hostname ?? '-'
    this.#localHeader = options.localHeader === true
    this.#maxBytes = options.maxBytes ?? 0
    const zone = options.timeZone instanceof TimeZone ? options.timeZone : timeZone(options.timeZone ?? 'local')
    this.#bsd = new BsdTimeWriter(zone)
  }

  write (msg: SyslogMessage, out: ByteWriter): void {
    if (this.format === 'json') {
      const recordStart = out.length
      writeJson(out, msg)
      return this.#finish(out, recordStart)
    }
    const raw = this.format === 'raw'
    const source = raw ? msg.raw : msg.bodySource
    const start = raw ? 0 : msg.bodyStart
    const end = raw ? msg.raw.length : msg.bodyEnd
    if (this.#newline !== 'split') return this.#record(msg, out, source, start, end)
    let from = start
    let lf = source.indexOf(LF, from)
    if (lf < 0 || lf >= end) return this.#record(msg, out, source, start, end)
    while (lf >= 0 && lf < end) {
      const to = lf > from && source[lf - 1] === 0x0d ? lf - 1 : lf
      this.#record(msg, out, source, from, to)
      from = lf + 1
      lf = source.indexOf(LF, from)
    }
    if (from < end) this.#record(msg, out, source, from, end)
  }

  /** One record: the header, then bytes start..end of `body` (MSG, a line of it, or raw). */
  #record (msg: SyslogMessage, out: ByteWriter, body: Buffer, start: number, end: number): void {
    const recordStart = out.length
    if (msg.headerTail >= 0 && start === msg.bodyStart && body === msg.raw && (this.format === 'iso' || this.format === 'traditional') && this.#tail(msg, out, end)) {
      return this.#finish(out, recordStart)
    }
    switch (this.format) {
      case 'iso': this.#lineHeader(msg, out, false); break
      case 'traditional': this.#lineHeader(msg, out, true); break
      case 'rfc3164': this.#rfc3164Header(msg, out); break
      case 'rfc5424': this.#rfc5424Header(msg, out, start < end || msg.bom); break
      default: break // raw: no header
    }
    // Most bodies hold no control character: a word-at-a-time check and one copy beat escaping
    // byte by byte.
    if (this.#newline === 'keep' || !hasControlBytes(body, start, end)) out.bytes(body, start, end)
    else writeEscapedBytes(out, body, start, end)
    this.#finish(out, recordStart)
  }

  /**
   * iso / traditional when the message's `HOST TAG[PID]: MSG` bytes are already what this
   * formatter would write (msg.headerTail): the time, then those bytes in one copy. False (and
   * nothing written) when they hold a control character that must be escaped.
   */
  #tail (msg: SyslogMessage, out: ByteWriter, end: number): boolean {
    const raw = msg.raw
    const from = msg.headerTail
    // Header fields are always made safe; MSG too unless newline=keep.
    if (msg.structuredData.length > 0 || hasControlBytes(raw, from, this.#newline === 'keep' ? msg.bodyStart : end)) return false
    const epochMs = msg.timestamp?.epochMs ?? msg.receivedAt
    if (this.format === 'traditional') this.#bsd.write(out, epochMs)
    else this.#iso.write(out, epochMs)
    out.byte(0x20)
    out.bytes(raw, from, end)
    return true
  }

  /** Cuts the record to maxBytes (counted) and appends the terminator. */
  #finish (out: ByteWriter, recordStart: number): void {
    if (this.#maxBytes > 0 && out.length - recordStart > this.#maxBytes) {
      const record = out.view(recordStart)
      out.truncate(recordStart + utf8Boundary(record, this.#maxBytes))
      this.truncated++
    }
    const terminator = this.#terminator
    if (terminator.length === 1) out.byte(terminator[0]!)
    else if (terminator.length > 0) out.bytes(terminator)
  }

  #hostOf (msg: SyslogMessage): string {
    return msg.hostname === null || msg.hostname === '' ? this.#hostname : msg.hostname
  }

  /**
   * `TIME HOST APP[PID]: [SD] `: OpenBSD syslogd's layout (-Z for iso), plus the structured
   * data, so that a file keeps every field a sender gave.
   */
  #lineHeader (msg: SyslogMessage, out: ByteWriter, bsdTime: boolean): void {
    const epochMs = msg.timestamp?.epochMs ?? msg.receivedAt
    if (bsdTime) this.#bsd.write(out, epochMs)
    else this.#iso.write(out, epochMs)
    out.byte(0x20)
    writeEscapedText(out, this.#hostOf(msg))
    out.byte(0x20)
    this.#tag(msg, out)
    if (msg.structuredData.length > 0) {
      writeStructuredData(out, msg.structuredData, this.#newline !== 'keep')
      out.byte(0x20)
    }
  }

  /** "app[pid]: " with the fields made safe; nothing when there is no app name. */
  #tag (msg: SyslogMessage, out: ByteWriter): void {
    if (msg.appName === null) return
    writeEscapedText(out, msg.appName)
    if (msg.procId !== null) {
      out.byte(0x5b)
      writeEscapedText(out, msg.procId)
      out.byte(0x5d)
    }
    out.byte(0x3a)
    out.byte(0x20)
  }

  #rfc3164Header (msg: SyslogMessage, out: ByteWriter): void {
    writePri(out, msg.pri)
    this.#bsd.write(out, msg.timestamp?.epochMs ?? msg.receivedAt)
    out.byte(0x20)
    if (!this.#localHeader) {
      writeToken(out, this.#hostOf(msg), MAX_HOSTNAME)
      out.byte(0x20)
    }
    if (msg.appName !== null && msg.appName !== '') {
      writeTagToken(out, msg.appName)
      if (msg.procId !== null && msg.procId !== '') {
        out.byte(0x5b)
        writeTagToken(out, msg.procId)
        out.byte(0x5d)
      }
      out.byte(0x3a)
      out.byte(0x20)
    }
  }

  /** RFC 5424 §6: every field is made valid (NILVALUE when empty) so the record always parses. */
  #rfc5424Header (msg: SyslogMessage, out: ByteWriter, withMsg: boolean): void {
    writePri(out, msg.pri)
    out.byte(0x31)
    out.byte(0x20)
    const ts: SyslogTimestamp | null = msg.timestamp
    if (ts === null) out.byte(0x2d)
    else this.#rfc3339.write(out, ts)
    out.byte(0x20)
    writeToken(out, msg.hostname, MAX_HOSTNAME)
    out.byte(0x20)
    writeToken(out, msg.appName, MAX_APP_NAME)
    out.byte(0x20)
    writeToken(out, msg.procId, MAX_PROCID)
    out.byte(0x20)
    writeToken(out, msg.msgId, MAX_MSGID)
    out.byte(0x20)
    if (msg.structuredData.length === 0) out.byte(0x2d)
    else writeStructuredData(out, msg.structuredData, this.#newline !== 'keep')
    if (withMsg) {
      out.byte(0x20)
      if (msg.bom) { out.byte(0xef); out.byte(0xbb); out.byte(0xbf) }
    }
  }
}

function writePri (out: ByteWriter, pri: number): void {
  out.byte(0x3c)
  if (pri >= 100) out.byte(0x30 + Math.floor(pri / 100))
  if (pri >= 10) out.byte(0x30 + Math.floor(pri / 10) % 10)
  out.byte(0x30 + pri % 10)
  out.byte(0x3e)
}

/**
 * An RFC 5424 header token: 1..max PRINTUSASCII characters, NILVALUE for null or empty. Other
 * characters become '_' so that the field boundaries survive; longer values are cut.
 */
function writeToken (out: ByteWriter, value: string | null, max: number): void {
  if (value === null || value === '') { out.byte(0x2d); return }
  const length = value.length < max ? value.length : max
  let clean = value.length <= max
  for (let i = 0; clean && i < length; i++) {
    const c = value.charCodeAt(i)
    if (c < 0x21 || c > 0x7e) clean = false
  }
  if (clean) { out.latin1(value); return }
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i)
    out.byte(c < 0x21 || c > 0x7e ? 0x5f : c)
  }
}

/** An RFC 3164 TAG or PID: as a token, and without ':' '[' ']' that would end it early. */
function writeTagToken (out: ByteWriter, value: string): void {
  const length = value.length < MAX_APP_NAME ? value.length : MAX_APP_NAME
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i)
    out.byte(c < 0x21 || c > 0x7e || c === 0x3a || c === 0x5b || c === 0x5d ? 0x5f : c)
  }
}

/**
 * RFC 5424 §6.3 STRUCTURED-DATA. SD-IDs and PARAM-NAMEs are made valid SD-NAMEs; in
 * PARAM-VALUE, '"', '\' and ']' are escaped with '\' (§6.3.3). With `escapeControls`, control
 * characters in values are written as #ooo too (line outputs).
 */
export function writeStructuredData (out: ByteWriter, elements: readonly SdElement[], escapeControls: boolean): void {
  for (const element of elements) {
    out.byte(0x5b)
    writeSdName(out, element.id)
    for (const param of element.params) {
      out.byte(0x20)
      writeSdName(out, param.name)
      out.byte(0x3d)
      out.byte(0x22)
      writeSdValue(out, param.value, escapeControls)
      out.byte(0x22)
    }
    out.byte(0x5d)
  }
}

function writeSdName (out: ByteWriter, name: string): void {
  if (name === '') { out.byte(0x5f); return }
  const length = name.length < MAX_SD_NAME ? name.length : MAX_SD_NAME
  for (let i = 0; i < length; i++) {
    const c = name.charCodeAt(i)
    out.byte(c < 0x21 || c > 0x7e || c === 0x3d || c === 0x5d || c === 0x22 ? 0x5f : c)
  }
}

function writeSdValue (out: ByteWriter, value: string, escapeControls: boolean): void {
  let run = 0
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c === 0x22 || c === 0x5c || c === 0x5d) {
      out.utf8(value.slice(run, i))
      out.byte(0x5c)
      out.byte(c)
      run = i + 1
    } else if (escapeControls && (c < 0x20 || c === 0x7f)) {
      out.utf8(value.slice(run, i))
      writeEscapedText(out, value[i]!)
      run = i + 1
    }
  }
  if (run === 0) out.utf8(value)
  else out.utf8(value.slice(run))
}
