// File path templates: "/var/log/hosts/%HOSTNAME%/%YEAR%-%MONTH%-%DAY%.log" writes each message to
// the file its fields name. Fields:
//
//   %HOSTNAME%    the message's HOSTNAME; the daemon's own hostname when it has none
//   %FROMHOST%    the sender's IP address (source.peerAddress); the daemon's hostname for local
//                 messages, as rsyslog's FROMHOST
//   %APPNAME%     APP-NAME / the RFC 3164 TAG   (%PROGRAMNAME% is the same, rsyslog's name)
//   %PROCID%  %MSGID%
//   %FACILITY%  %SEVERITY%                       names: "local0", "warning"
//   %YEAR% %MONTH% %DAY% %HOUR%                  the RECEIVE time, in UTC ("2026", "03", "07", "09")
//   %INPUT%       the listener that received it ("udp://0.0.0.0:514" -> "udp:__0.0.0.0:514")
//   %IDENTITY%    the sender's authenticated TLS identity (certificate name or "sha256:..."
//                 fingerprint, source.identity); "-" when there is none
//
// Time fields use the time stele received the message, not the timestamp the sender wrote:
// a sender's clock (or a hostile sender) must not decide which day's file a message lands in or
// create files for arbitrary dates, and a day's file then holds what arrived that day, which is
// what log rotation and retention expect. UTC, so that a DST change never makes an hour twice.
//
// Safety: every field value comes from the network, so each is made into one harmless path
// component (sanitizePathValue): it can never hold a separator, never be "." or "..", and is
// capped in length. Only the template's literal text, which the administrator wrote, can
// name directories.

import { FileTemplateError } from '../errors.js'
import type { SyslogMessage } from '../message/model.js'

/** The longest a field's value may be in a path, in UTF-8 bytes (a path component allows 255). */
export const MAX_PATH_VALUE_BYTES = 128

const FIELDS = ['HOSTNAME', 'FROMHOST', 'APPNAME', 'PROGRAMNAME', 'PROCID', 'MSGID', 'FACILITY', 'SEVERITY', 'YEAR', 'MONTH', 'DAY', 'HOUR', 'INPUT', 'IDENTITY'] as const
export type TemplateField = typeof FIELDS[number]
const FIELD_SET: ReadonlySet<string> = new Set(FIELDS)

const HOUR_MS = 3_600_000

export class FileTemplate {
  readonly text: string
  /** Literal strings and fields, in order. */
  readonly parts: ReadonlyArray<string | { readonly field: TemplateField }>
  // Time fields are computed once per hour of receive time.
  #hourSlice = NaN
  #year = ''
  #month = ''
  #day = ''
  #hour = ''

  private constructor (text: string, parts: Array<string | { field: TemplateField }>) {
    this.text = text
    this.parts = parts
  }

  /**
   * Parses "%NAME%" fields; a '%' that does not start a "%NAME%" of capital letters is literal.
   * Throws FileTemplateError for an unknown field name.
   */
  static parse (text: string): FileTemplate {
    const parts: Array<string | { field: TemplateField }> = []
    const pattern = /%([A-Z]+)%/g
    let literalStart = 0
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      const name = match[1]!
      if (!FIELD_SET.has(name)) {
        throw new FileTemplateError(text, `unknown field %${name}% (known: ${FIELDS.map((f) => `%${f}%`).join(' ')})`)
      }
      if (match.index > literalStart) parts.push(text.slice(literalStart, match.index))
      parts.push({ field: name as TemplateField })
      literalStart = match.index + match[0].length
    }
    if (literalStart < text.length) parts.push(text.slice(literalStart))
    return new FileTemplate(text, parts)
  }

  /** True when the path has at least one field (else it is one fixed file). */
  get hasFields (): boolean {
    return this.parts.some((part) => typeof part !== 'string')
  }

  /** The path for `msg`; `localHostname` stands in for messages without a hostname or peer. */
  expand (msg: SyslogMessage, localHostname: string): string {
    let path = ''
    const parts = this.parts
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!
      path += typeof part === 'string' ? part : sanitizePathValue(this.#value(part.field, msg, localHostname))
    }
    return path
  }

  #value (field: TemplateField, msg: SyslogMessage, localHostname: string): string | null {
    switch (field) {
      case 'HOSTNAME': return msg.hostname === null || msg.hostname === '' ? localHostname : msg.hostname
      case 'FROMHOST': return msg.source?.peerAddress ?? localHostname
      case 'APPNAME': case 'PROGRAMNAME': return msg.appName
      case 'PROCID': return msg.procId
      case 'MSGID': return msg.msgId
      case 'FACILITY': return msg.facilityName
      case 'SEVERITY': return msg.severityName
      case 'INPUT': return msg.source?.input ?? 'internal'
      case 'IDENTITY': return msg.source?.identity ?? null
      default:
        this.#updateTime(msg.receivedAt > 0 ? msg.receivedAt : Date.now())
        return field === 'YEAR' ? this.#year : field === 'MONTH' ? this.#month : field === 'DAY' ? this.#day : this.#hour
    }
  }

  #updateTime (epochMs: number): void {
    const slice = Math.floor(epochMs / HOUR_MS)
    if (slice === this.#hourSlice) return
    this.#hourSlice = slice
    const date = new Date(slice * HOUR_MS)
    this.#year = String(date.getUTCFullYear()).padStart(4, '0')
    this.#month = String(date.getUTCMonth() + 1).padStart(2, '0')
    this.#day = String(date.getUTCDate()).padStart(2, '0')
    this.#hour = String(date.getUTCHours()).padStart(2, '0')
  }
}

/**
 * One field value as a safe path component: '/', '\', NUL, other control characters (C0, DEL,
 * C1) and unpaired surrogates become '_'; a leading '.' becomes '_' (so "." and ".." and hidden
 * files cannot be named); empty or missing becomes '-'; the result is cut to
 * MAX_PATH_VALUE_BYTES of UTF-8 on a character boundary.
 */
export function sanitizePathValue (value: string | null): string {
  if (value === null || value === '') return '-'
  // Fast path: short printable ASCII not starting with '.', which is nearly every real value.
  if (value.length <= MAX_PATH_VALUE_BYTES && value.charCodeAt(0) !== 0x2e) {
    let clean = true
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i)
      if (c < 0x20 || c >= 0x7f || c === 0x2f || c === 0x5c) { clean = false; break }
    }
    if (clean) return value
  }
  let out = ''
  let bytes = 0
  for (let i = 0; i < value.length; i++) {
    let c = value.charCodeAt(i)
    let char: string
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      char = value.slice(i, i + 2)
      i++
    } else {
      if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c === 0x2f || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) c = 0x5f
      else if (c === 0x2e && out === '') c = 0x5f
      char = String.fromCharCode(c)
    }
    const size = char.length === 2 ? 4 : c < 0x80 ? 1 : c < 0x800 ? 2 : 3
    if (bytes + size > MAX_PATH_VALUE_BYTES) break
    out += char
    bytes += size
  }
  return out
}
