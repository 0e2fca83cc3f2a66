// Writing timestamps. Messages arrive in bursts within the same second, so each writer keeps
// the text of the last second it rendered and only appends the sub-second digits.

import type { ByteWriter } from './byte-writer.js'
import type { SyslogTimestamp } from './model.js'
import { formatOffset, type TimeZone } from './time-zone.js'
import { civilFromDays } from './timestamp.js'

const DAY_MS = 86400000
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

function pad2 (n: number): string { return n < 10 ? `0${n}` : String(n) }

function pad4 (n: number): string {
  if (n >= 1000) return String(n)
  return n >= 100 ? `0${n}` : n >= 10 ? `00${n}` : `000${n}`
}

/** "YYYY-MM-DDTHH:MM:SS" of a wall-clock time given as UTC-based milliseconds. */
function dateTimeText (localMs: number): string {
  const days = Math.floor(localMs / DAY_MS)
  const civil = civilFromDays(days)
  const secondsOfDay = Math.floor((localMs - days * DAY_MS) / 1000)
  return `${pad4(civil.year)}-${pad2(civil.month)}-${pad2(civil.day)}T${pad2(Math.floor(secondsOfDay / 3600))}:${pad2(Math.floor(secondsOfDay / 60) % 60)}:${pad2(secondsOfDay % 60)}`
}

function writeDigits (out: ByteWriter, value: number, count: number): void {
  let divisor = 10 ** (count - 1)
  for (let i = 0; i < count; i++) {
    out.byte(0x30 + Math.floor(value / divisor) % 10)
    divisor /= 10
  }
}

/** `2026-11-22T10:00:00.123Z`: UTC with milliseconds, as OpenBSD syslogd -Z writes. */
export class IsoUtcWriter {
  #second = NaN
  /** "YYYY-MM-DDTHH:MM:SS." of #second, as bytes: copied by a short loop, not from a string. */
  #prefix = Buffer.alloc(0)

  write (out: ByteWriter, epochMs: number): void {
    const second = Math.floor(epochMs / 1000)
    if (second !== this.#second) {
      this.#second = second
      this.#prefix = Buffer.from(`${dateTimeText(second * 1000)}.`, 'latin1')
    }
    out.small(this.#prefix)
    const ms = epochMs - second * 1000
    out.byte(0x30 + Math.floor(ms / 100))
    out.byte(0x30 + Math.floor(ms / 10) % 10)
    out.byte(0x30 + ms % 10)
    out.byte(0x5a)
  }
}

/**
 * RFC 5424 §6.2.3 TIMESTAMP with the precision and offset the message carried (so a relayed
 * message keeps its timestamp text), or UTC with milliseconds when `fractionDigits` is not known.
 */
export class Rfc3339Writer {
  #second = NaN
  #offset = NaN
  #prefix = ''
  #offsetText = 'Z'

  write (out: ByteWriter, ts: SyslogTimestamp): void {
    const offset = ts.offsetMinutes
    const localMs = ts.epochMs + offset * 60000
    const second = Math.floor(localMs / 1000)
    if (second !== this.#second || offset !== this.#offset) {
      this.#second = second
      this.#offset = offset
      this.#prefix = dateTimeText(second * 1000)
      this.#offsetText = formatOffset(offset)
    }
    out.latin1(this.#prefix)
    const digits = ts.fractionDigits
    if (digits > 0) {
      out.byte(0x2e)
      const micros = (localMs - second * 1000) * 1000 + ts.micros
      writeDigits(out, Math.floor(micros / 10 ** (6 - digits)), digits)
    }
    out.latin1(this.#offsetText)
  }
}

/** RFC 3164 §4.1.2 `Mmm dd hh:mm:ss` (day space-padded) in the given zone. */
export class BsdTimeWriter {
  readonly #zone: TimeZone
  #second = NaN
  #text = ''

  constructor (zone: TimeZone) { this.#zone = zone }

  write (out: ByteWriter, epochMs: number): void {
    const second = Math.floor(epochMs / 1000)
    if (second !== this.#second) {
      this.#second = second
      const localMs = second * 1000 + this.#zone.offsetAtUtc(epochMs) * 60000
      const days = Math.floor(localMs / DAY_MS)
      const civil = civilFromDays(days)
      const secondsOfDay = Math.floor((localMs - days * DAY_MS) / 1000)
      const day = civil.day < 10 ? ` ${civil.day}` : String(civil.day)
      this.#text = `${MONTH_NAMES[civil.month - 1]!} ${day} ${pad2(Math.floor(secondsOfDay / 3600))}:${pad2(Math.floor(secondsOfDay / 60) % 60)}:${pad2(secondsOfDay % 60)}`
    }
    out.latin1(this.#text)
  }
}
