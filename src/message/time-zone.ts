// Time zones for timestamps that carry no zone (RFC 3164 `Mmm dd hh:mm:ss`).
//
// Resolving such a timestamp must never cost a file-system access per message: a peer daemon
// stats /etc/localtime for every message and loses ~40% of its throughput to it. A TimeZone asks
// the runtime's ICU data (Intl) once per 15-minute slice of time and caches the UTC offset. Every
// zone's offset is a multiple of 15 minutes and transitions fall on 15-minute boundaries in both
// UTC and local time (since the end of local mean time), so a slice never straddles a change.

import { UnknownTimeZoneError } from '../errors.js'

const SLICE_MS = 15 * 60 * 1000
const MAX_CACHED_SLICES = 8192

export class TimeZone {
  readonly name: string
  /** How many times this zone asked ICU for an offset; stays flat while messages hit the cache. */
  lookups = 0
  readonly #fixedOffsetMinutes: number | undefined
  readonly #formatter: Intl.DateTimeFormat | undefined
  readonly #offsetByUtcSlice = new Map<number, number>()
  readonly #offsetByLocalSlice = new Map<number, number>()
  // One-entry fast path: consecutive messages almost always fall in the same slice.
  #lastUtcSlice = NaN
  #lastUtcOffset = 0
  #lastLocalSlice = NaN
  #lastLocalOffset = 0

  private constructor (name: string, fixedOffsetMinutes: number | undefined, formatter: Intl.DateTimeFormat | undefined) {
    this.name = name
    this.#fixedOffsetMinutes = fixedOffsetMinutes
    this.#formatter = formatter
  }

  static fixed (offsetMinutes: number, name = formatOffset(offsetMinutes)): TimeZone {
    return new TimeZone(name, offsetMinutes, undefined)
  }

  /** An IANA zone ("Europe/Berlin"); throws UnknownTimeZoneError for a name ICU does not know. */
  static named (name: string): TimeZone {
    let formatter: Intl.DateTimeFormat
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone: name,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric'
      })
    } catch (err) {
      throw new UnknownTimeZoneError(name, { cause: err })
    }
    return new TimeZone(formatter.resolvedOptions().timeZone, undefined, formatter)
  }

  /** UTC offset in minutes in force at the instant `utcMs`. */
  offsetAtUtc (utcMs: number): number {
    if (this.#fixedOffsetMinutes !== undefined) return this.#fixedOffsetMinutes
    const slice = Math.floor(utcMs / SLICE_MS)
    if (slice === this.#lastUtcSlice) return this.#lastUtcOffset
    let offset = this.#offsetByUtcSlice.get(slice)
    if (offset === undefined) {
      offset = this.#computeOffset(slice * SLICE_MS)
      remember(this.#offsetByUtcSlice, slice, offset)
    }
    this.#lastUtcSlice = slice
    this.#lastUtcOffset = offset
    return offset
  }

  /**
   * Converts a wall-clock time in this zone (expressed as if it were UTC milliseconds) to the
   * instant it denotes. In the hour that repeats when clocks go back, the first (daylight)
   * instant is chosen; a wall time skipped when clocks go forward is read with the offset
   * before the change, which lands after it, as ECMAScript's Date does.
   */
  localToUtc (localMs: number): number {
    if (this.#fixedOffsetMinutes !== undefined) return localMs - this.#fixedOffsetMinutes * 60000
    const slice = Math.floor(localMs / SLICE_MS)
    if (slice === this.#lastLocalSlice) return localMs - this.#lastLocalOffset * 60000
    let offset = this.#offsetByLocalSlice.get(slice)
    if (offset === undefined) {
      offset = this.#resolveLocalOffset(localMs)
      remember(this.#offsetByLocalSlice, slice, offset)
    }
    this.#lastLocalSlice = slice
    this.#lastLocalOffset = offset
    return localMs - offset * 60000
  }

  #resolveLocalOffset (localMs: number): number {
    // Offsets one day either side bracket any transition near localMs.
    const before = this.offsetAtUtc(localMs - 86400000)
    const after = this.offsetAtUtc(localMs + 86400000)
    if (before === after) return this.offsetAtUtc(localMs - before * 60000)
    const withBefore = localMs - before * 60000
    const withAfter = localMs - after * 60000
    const fitsBefore = this.offsetAtUtc(withBefore) === before
    const fitsAfter = this.offsetAtUtc(withAfter) === after
    if (fitsBefore && fitsAfter) return Math.max(before, after) // repeated hour: earlier instant
    if (fitsBefore) return before
    if (fitsAfter) return after
    return before // skipped wall time
  }

  #computeOffset (utcMs: number): number {
    this.lookups++
    const parts = this.#formatter!.formatToParts(new Date(utcMs))
    let year = 0; let month = 0; let day = 0; let hour = 0; let minute = 0; let second = 0
    for (const part of parts) {
      switch (part.type) {
        case 'year': year = Number(part.value); break
        case 'month': month = Number(part.value); break
        case 'day': day = Number(part.value); break
        case 'hour': hour = Number(part.value); break
        case 'minute': minute = Number(part.value); break
        case 'second': second = Number(part.value); break
        default: break
      }
    }
    const localMs = Date.UTC(year, month - 1, day, hour, minute, second)
    return Math.round((localMs - utcMs) / 60000)
  }
}

function remember (cache: Map<number, number>, key: number, value: number): void {
  if (cache.size >= MAX_CACHED_SLICES) cache.clear()
  cache.set(key, value)
}

export function formatOffset (offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'Z'
  const sign = offsetMinutes < 0 ? '-' : '+'
  const abs = Math.abs(offsetMinutes)
  return `${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`
}

function pad2 (n: number): string { return n < 10 ? `0${n}` : String(n) }

const zones = new Map<string, TimeZone>()
const OFFSET_NAME = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/

/**
 * The zone for a configured name: "UTC" (or "Z", "GMT"), a fixed offset ("+01:00", "-0530"),
 * "local" (the process's zone: TZ or /etc/localtime, read once here), or an IANA name.
 * Instances are shared, so their caches are too.
 */
export function timeZone (name = 'local'): TimeZone {
  let zone = zones.get(name)
  if (zone !== undefined) return zone
  if (name === 'UTC' || name === 'Z' || name === 'GMT' || name === 'Etc/UTC') {
    zone = TimeZone.fixed(0, 'UTC')
  } else if (OFFSET_NAME.test(name)) {
    const [, sign, hours, minutes] = OFFSET_NAME.exec(name)!
    const offset = (Number(hours) * 60 + Number(minutes ?? 0)) * (sign === '-' ? -1 : 1)
    zone = TimeZone.fixed(offset)
  } else if (name === 'local') {
    const system = new Intl.DateTimeFormat().resolvedOptions().timeZone
    zone = system === undefined || system === 'UTC' || system === 'Etc/UTC' ? TimeZone.fixed(0, 'UTC') : TimeZone.named(system)
  } else {
    zone = TimeZone.named(name)
  }
  zones.set(name, zone)
  return zone
}
