// Reading syslog timestamps from bytes, and the calendar arithmetic they need. Timestamps are
// read digit by digit from the Buffer: no string is built except the original text, and no Date
// object is created per message.

import type { SyslogTimestamp } from './model.js'
import type { TimeZone } from './time-zone.js'
import { fieldText } from './field-text.js'

const DAY_MS = 86400000

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1..12). Exact for any year. */
export function daysFromCivil (year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146097 + dayOfEra - 719468
}

export function daysInMonth (year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

export function isDigit (byte: number): boolean { return byte >= 0x30 && byte <= 0x39 }

function digits2 (buf: Buffer, pos: number): number {
  const a = buf[pos]! - 0x30
  const b = buf[pos + 1]! - 0x30
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1
}

function digits4 (buf: Buffer, pos: number): number {
  const hi = digits2(buf, pos)
  const lo = digits2(buf, pos + 2)
  return hi < 0 || lo < 0 ? -1 : hi * 100 + lo
}

/** Where the last successful readRfc3339/readBsdTimestamp ended (shared, to avoid a result object per message). */
export const timestampRead = { end: 0 }

/** Fields of a clock time `hh:mm:ss[.frac]` read by readClock. */
interface Clock { hour: number, minute: number, second: number, fractionDigits: number, fractionMicros: number, end: number }
const clock: Clock = { hour: 0, minute: 0, second: 0, fractionDigits: 0, fractionMicros: 0, end: 0 }

/**
 * Reads `hh:mm:ss` with an optional `.fraction` into the shared `clock` scratch object (no
 * allocation per call). At most `maxFractionDigits` digits are read (RFC 5424 allows 6); more
 * digits are skipped in lenient mode. Returns false when the bytes are not a valid time.
 */
function readClock (buf: Buffer, pos: number, end: number, strict: boolean): boolean {
  if (pos + 8 > end || buf[pos + 2] !== 0x3a || buf[pos + 5] !== 0x3a) return false
  const hour = digits2(buf, pos)
  const minute = digits2(buf, pos + 3)
  let second = digits2(buf, pos + 6)
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return false
  // RFC 5424 §6.2.3.1 forbids leap seconds; a lenient reader maps :60 to :59.
  if (second === 60) { if (strict) return false; second = 59 }
  let p = pos + 8
  let fractionDigits = 0
  let fractionMicros = 0
  if (p < end && (buf[p] === 0x2e || (!strict && buf[p] === 0x2c))) {
    let q = p + 1
    while (q < end && isDigit(buf[q]!)) {
      if (fractionDigits < 6) { fractionMicros = fractionMicros * 10 + buf[q]! - 0x30; fractionDigits++ }
      q++
    }
    const sent = q - p - 1
    if (sent === 0 || (strict && sent > 6)) return false
    for (let i = fractionDigits; i < 6; i++) fractionMicros *= 10
    p = q
  }
  clock.hour = hour; clock.minute = minute; clock.second = second
  clock.fractionDigits = fractionDigits; clock.fractionMicros = fractionMicros; clock.end = p
  return true
}

/**
 * RFC 5424 §6.2.3 / RFC 3339 `FULL-DATE "T" FULL-TIME` at `pos`. In lenient mode a lowercase
 * `t`/`z`, a missing zone (resolved in `zone`), more than 6 fraction digits and `,` as the
 * decimal mark are accepted. Returns null when the bytes are not such a timestamp.
 */
export function readRfc3339 (buf: Buffer, pos: number, end: number, strict: boolean, zone: TimeZone): SyslogTimestamp | null {
  if (pos + 19 > end || buf[pos + 4] !== 0x2d || buf[pos + 7] !== 0x2d) return null
  const year = digits4(buf, pos)
  const month = digits2(buf, pos + 5)
  const day = digits2(buf, pos + 8)
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null
  const t = buf[pos + 10]
  if (t !== 0x54 && (strict || t !== 0x74)) return null
  if (!readClock(buf, pos + 11, end, strict)) return null
  let p = clock.end
  const localMs = daysFromCivil(year, month, day) * DAY_MS + clock.hour * 3600000 + clock.minute * 60000 +
    clock.second * 1000 + Math.floor(clock.fractionMicros / 1000)
  const micros = clock.fractionMicros % 1000
  const fractionDigits = clock.fractionDigits
  let offsetMinutes: number
  let hasZone = true
  const z = buf[p]
  if (z === 0x5a || (!strict && z === 0x7a)) {
    offsetMinutes = 0
    p++
  } else if ((z === 0x2b || z === 0x2d) && p + 6 <= end && buf[p + 3] === 0x3a) {
    const hours = digits2(buf, p + 1)
    const minutes = digits2(buf, p + 4)
    if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return null
    offsetMinutes = (hours * 60 + minutes) * (z === 0x2d ? -1 : 1)
    p += 6
  } else if (strict) {
    return null
  } else {
    hasZone = false
    offsetMinutes = 0
  }
  const epochMs = hasZone ? localMs - offsetMinutes * 60000 : zone.localToUtc(localMs)
  if (!hasZone) offsetMinutes = Math.round((localMs - epochMs) / 60000)
  timestampRead.end = p
  return { epochMs, micros, text: fieldText(buf, pos, p, false), fractionDigits, hasZone, hasYear: true, offsetMinutes }
}

// Month abbreviations keyed by their three bytes, case-sensitive as RFC 3164 §4.1.2 spells them.
const MONTHS = new Map<number, number>()
'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ').forEach((name, i) => {
  MONTHS.set((name.charCodeAt(0) << 16) | (name.charCodeAt(1) << 8) | name.charCodeAt(2), i + 1)
})

export function monthAt (buf: Buffer, pos: number): number {
  const key = (buf[pos]! << 16) | (buf[pos + 1]! << 8) | buf[pos + 2]!
  return MONTHS.get(key) ?? 0
}

/**
 * RFC 3164 §4.1.2 `Mmm dd hh:mm:ss` and the variants real devices send: a day that is
 * space-padded (`Nov  2`), unpadded (`Nov 2`) or zero-padded (`Nov 02`); a year after the day
 * (`Nov 22 2026 10:00:00`, Cisco `service timestamps ... year`); a fraction of a second
 * (`10:00:00.123`, Cisco `msec`); a trailing zone abbreviation of UTC/GMT followed by ':' (Cisco
 * `show-timezone`, `*Mar  1 00:08:05.123 UTC: %LINK-...`). Other abbreviations are ambiguous and
 * are read as local time. Without a
 * year, the year is the one that puts the message closest to `receivedAt` in `zone`, so a
 * December message received on 1 January lands in the old year.
 */
export function readBsdTimestamp (buf: Buffer, pos: number, end: number, strict: boolean, zone: TimeZone, receivedAt: number): SyslogTimestamp | null {
  if (pos + 15 > end || buf[pos + 3] !== 0x20) return null
  const cached = bsdCache.lookup(buf, pos, end, strict, zone, receivedAt)
  if (cached !== null) return cached
  const month = monthAt(buf, pos)
  if (month === 0) return null
  let p = pos + 4
  let day: number
  if (buf[p] === 0x20 && isDigit(buf[p + 1]!) && buf[p + 2] === 0x20) {
    day = buf[p + 1]! - 0x30; p += 3
  } else if (isDigit(buf[p]!) && isDigit(buf[p + 1]!) && buf[p + 2] === 0x20) {
    day = (buf[p]! - 0x30) * 10 + buf[p + 1]! - 0x30; p += 3
    if (strict && buf[p - 3] === 0x30) return null
  } else if (!strict && isDigit(buf[p]!) && buf[p + 1] === 0x20) {
    day = buf[p]! - 0x30; p += 2
  } else {
    return null
  }
  let year = -1
  if (!strict && p + 5 <= end && buf[p + 4] === 0x20) {
    const y = digits4(buf, p)
    if (y >= 1970) { year = y; p += 5 }
  }
  if (!readClock(buf, p, end, strict) || (strict && clock.fractionDigits > 0)) return null
  p = clock.end
  let hasZone = false
  if (!strict && isZoneSuffix(buf, p, end)) {
    hasZone = true
    p += 4
  }
  const hasYear = year >= 0
  const timeOfDayMs = clock.hour * 3600000 + clock.minute * 60000 + clock.second * 1000 + Math.floor(clock.fractionMicros / 1000)
  if (!hasYear) year = inferYear(receivedAt + zone.offsetAtUtc(receivedAt) * 60000, month, day, timeOfDayMs)
  if (day > daysInMonth(year, month)) return null
  const localMs = daysFromCivil(year, month, day) * DAY_MS + timeOfDayMs
  const epochMs = hasZone ? localMs : zone.localToUtc(localMs)
  timestampRead.end = p
  const timestamp: SyslogTimestamp = {
    epochMs,
    micros: clock.fractionMicros % 1000,
    text: fieldText(buf, pos, p, false),
    fractionDigits: clock.fractionDigits,
    hasZone,
    hasYear,
    offsetMinutes: Math.round((localMs - epochMs) / 60000)
  }
  bsdCache.remember(buf, pos, p, strict, zone, receivedAt, timestamp)
  return timestamp
}

/**
 * The last BSD timestamp read, by its bytes. Messages arrive in bursts within one second, so
 * most timestamps are the previous one again; the parsed value (immutable, so it can be shared
 * between messages) is reused when the same bytes are read with the same settings on the same
 * receive day (the year of a yearless timestamp depends on the receive day). The bytes after
 * the cached text must end the timestamp where it ended before: no more fraction digits and no
 * UTC/GMT suffix that the cached reading did not have.
 */
class BsdTimestampCache {
  readonly #bytes = Buffer.alloc(40)
  #length = 0
  #strict = false
  #zone: TimeZone | null = null
  /** Receive times (UTC ms) for which the cached reading holds: [#validFrom, #validTo). */
  #validFrom = 0
  #validTo = 0
  #value: SyslogTimestamp | null = null

  lookup (buf: Buffer, pos: number, end: number, strict: boolean, zone: TimeZone, receivedAt: number): SyslogTimestamp | null {
    const length = this.#length
    const value = this.#value
    if (value === null || zone !== this.#zone || strict !== this.#strict || pos + length > end) return null
    const bytes = this.#bytes
    for (let i = 0; i < length; i++) if (buf[pos + i] !== bytes[i]) return null
    const next = buf[pos + length]
    if (next !== undefined && (isDigit(next) || next === 0x2e || next === 0x2c)) return null
    if (!value.hasZone && isZoneSuffix(buf, pos + length, end)) return null
    if (receivedAt < this.#validFrom || receivedAt >= this.#validTo) return null
    timestampRead.end = pos + length
    return value
  }

  remember (buf: Buffer, pos: number, end: number, strict: boolean, zone: TimeZone, receivedAt: number, value: SyslogTimestamp): void {
    const length = end - pos
    if (length > this.#bytes.length) { this.#value = null; return }
    buf.copy(this.#bytes, 0, pos, end)
    this.#length = length
    this.#strict = strict
    this.#zone = zone
    this.#value = value
    if (value.hasYear) {
      // Nothing about it depends on when it was received.
      this.#validFrom = -Infinity
      this.#validTo = Infinity
      return
    }
    // The inferred year holds while the local receive time stays within inferYear's window and
    // the zone's offset stays the one it was converted with (the zone keeps one offset per
    // OFFSET_SLICE_MS slice, so the window ends with the slice).
    const offsetMs = zone.offsetAtUtc(receivedAt) * 60000
    const slice = Math.floor(receivedAt / OFFSET_SLICE_MS) * OFFSET_SLICE_MS
    this.#validFrom = Math.max(slice, inferredFor.from - offsetMs)
    this.#validTo = Math.min(slice + OFFSET_SLICE_MS, inferredFor.to - offsetMs)
  }
}

const bsdCache = new BsdTimestampCache()

/**
 * ` UTC:` or ` GMT:` at `pos`: the zone Cisco IOS `show-timezone` writes, always followed by the
 * ':' that ends a Cisco timestamp. Without the ':' the word is the HOSTNAME: a host named
 * "UTC", or "UTCa" (whose first three letters were once read as a zone, so the timestamp
 * ended inside a word and was rejected).
 */
function isZoneSuffix (buf: Buffer, pos: number, end: number): boolean {
  if (pos + 5 > end || buf[pos] !== 0x20 || buf[pos + 4] !== 0x3a) return false
  const a = buf[pos + 1]; const b = buf[pos + 2]; const c = buf[pos + 3]
  return (a === 0x55 && b === 0x54 && c === 0x43) || (a === 0x47 && b === 0x4d && c === 0x54)
}

/** How far ahead of the receiver's clock a yearless timestamp may be before it is read as last year's. */
const MAX_FUTURE_SKEW_MS = 7 * DAY_MS
/** The time-zone cache's slice (time-zone.ts): within one, a zone has one UTC offset. */
const OFFSET_SLICE_MS = 15 * 60000
let cachedDay = NaN
let cachedYear = 0
let cachedMonth = 0

/**
 * The year for a timestamp sent without one (`localMs` computed in the receive year's terms is
 * not known yet, so the caller passes month/day/time). The year of the receive time, unless that
 * puts the message more than a week in the future, in which case it is last year's (a December
 * message received on 1 January); and a message from the first days of next year when the
 * receiver's clock is still in late December (a sender whose clock runs ahead).
 */
export function inferYear (receivedLocalMs: number, month: number, day: number, timeOfDayMs: number): number {
  const today = Math.floor(receivedLocalMs / DAY_MS)
  if (today !== cachedDay) {
    const civil = civilFromDays(today)
    cachedDay = today
    cachedYear = civil.year
    cachedMonth = civil.month
  }
  const year = cachedYear
  const dayStart = today * DAY_MS
  // An earlier month of the same year can be neither in the future nor next year's, except
  // January seen in December.
  if (month < cachedMonth && !(month === 1 && cachedMonth === 12)) return inferred(dayStart, dayStart + DAY_MS, year)
  // Otherwise the answer changes where `limit` crosses this year's or next year's date.
  const limit = receivedLocalMs + MAX_FUTURE_SKEW_MS
  const thisYear = localTime(year, month, day, timeOfDayMs)
  const nextYear = localTime(year + 1, month, day, timeOfDayMs)
  if (thisYear > limit) return inferred(dayStart, Math.min(dayStart + DAY_MS, thisYear - MAX_FUTURE_SKEW_MS), year - 1)
  if (nextYear <= limit) return inferred(Math.max(dayStart, nextYear - MAX_FUTURE_SKEW_MS), dayStart + DAY_MS, year + 1)
  return inferred(Math.max(dayStart, thisYear - MAX_FUTURE_SKEW_MS), Math.min(dayStart + DAY_MS, nextYear - MAX_FUTURE_SKEW_MS), year)
}

/**
 * The local receive times [from, to) for which inferYear gives the same year as its last call:
 * the cache of the last BSD timestamp may reuse that year only within them.
 */
export const inferredFor = { from: 0, to: 0 }

function inferred (from: number, to: number, year: number): number {
  inferredFor.from = from
  inferredFor.to = to
  return year
}

function localTime (year: number, month: number, day: number, timeOfDayMs: number): number {
  // Feb 29 in a year without it: compare as Mar 1, which orders the same.
  const d = day > daysInMonth(year, month) ? daysInMonth(year, month) + 1 : day
  return daysFromCivil(year, month, d) * DAY_MS + timeOfDayMs
}

export interface CivilDate { year: number, month: number, day: number }

/** The proleptic Gregorian date of a day number (days since 1970-01-01). */
export function civilFromDays (days: number): CivilDate {
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const dayOfEra = z - era * 146097
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365)
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100))
  const mp = Math.floor((5 * dayOfYear + 2) / 153)
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day }
}
