// Value syntax shared by global, listener and action options: sizes ("64k", "8m"), durations
// ("600", "20m", "1h"), on/off switches, octal modes and key=value lists. Each parser reports a
// problem naming the key and the value as written, and returns undefined for a bad value.

import type { Report } from './problems.js'

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }
const DURATION_UNITS_S: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }
/** Node timers overflow to 1 ms above 2^31-1 ms (24.8 days), so no duration may exceed this. */
export const MAX_DURATION_S = Math.floor((2 ** 31 - 1) / 1000)
export const MAX_SIZE_BYTES = 1024 ** 3

export interface Range { min?: number, max?: number }

/** Bytes: "65536", "64k", "8m", "1g" (binary multiples, case-insensitive). */
export function parseSize (key: string, text: string, report: Report, range: Range = {}): number | undefined {
  const m = /^(\d{1,10})([kmg]?)$/i.exec(text)
  if (m === null) {
    report('error', `${key} "${text}" is not a size (e.g. 65536, 64k, 8m, 1g)`)
    return undefined
  }
  return inRange(key, text, Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!, report, { min: 0, max: MAX_SIZE_BYTES, ...range })
}

/** Seconds: "600", "90s", "20m", "1h", "1d". */
export function parseDuration (key: string, text: string, report: Report): number | undefined {
  const m = /^(\d{1,10})([smhd]?)$/i.exec(text)
  if (m === null) {
    report('error', `${key} "${text}" is not a duration (e.g. 600, 20m, 1h)`)
    return undefined
  }
  const seconds = Number(m[1]) * DURATION_UNITS_S[m[2]!.toLowerCase()]!
  if (seconds > MAX_DURATION_S) {
    report('error', `${key} "${text}" is longer than ${MAX_DURATION_S} seconds (24.8 days, the longest timer Node allows)`)
    return undefined
  }
  return seconds
}

/** A whole number, e.g. max_connections. */
export function parseCount (key: string, text: string, report: Report, range: Range = {}): number | undefined {
  if (!/^\d{1,10}$/.test(text)) {
    report('error', `${key} "${text}" is not a whole number`)
    return undefined
  }
  return inRange(key, text, Number(text), report, range)
}

/** on|off (yes|no and true|false are accepted too). */
export function parseSwitch (key: string, text: string, report: Report): boolean | undefined {
  const lower = text.toLowerCase()
  if (lower === 'on' || lower === 'yes' || lower === 'true') return true
  if (lower === 'off' || lower === 'no' || lower === 'false') return false
  report('error', `${key} "${text}" is not on or off`)
  return undefined
}

/** Permission bits written in octal as chmod(1) takes them: "0640", "640", "0600". */
export function parseMode (key: string, text: string, report: Report): number | undefined {
  if (!/^0?[0-7]{3,4}$/.test(text)) {
    report('error', `${key} "${text}" is not an octal file mode (e.g. 0640)`)
    return undefined
  }
  return parseInt(text, 8)
}

/** One of a fixed list of words, e.g. format=iso. */
export function parseChoice<T extends string> (key: string, text: string, choices: readonly T[], report: Report): T | undefined {
  if ((choices as readonly string[]).includes(text)) return text as T
  report('error', `${key} "${text}" is not one of ${choices.join(', ')}`)
  return undefined
}

/**
 * Splits "key=value key=value" words into a record. Words without "=", empty values and repeated
 * keys are reported; `after` names what the options follow, for the message.
 */
export function parseKeyValues (words: readonly string[], after: string, report: Report): Record<string, string> {
  const options: Record<string, string> = {}
  for (const word of words) {
    const eq = word.indexOf('=')
    if (eq <= 0) {
      report('error', `expected key=value after ${after}, found "${word}"`)
      continue
    }
    const key = word.slice(0, eq)
    const value = word.slice(eq + 1)
    if (value === '') report('error', `${key}= has no value`)
    else if (Object.hasOwn(options, key)) report('error', `${key} is given twice after ${after}`)
    else options[key] = value
  }
  return options
}

function inRange (key: string, text: string, value: number, report: Report, range: Range): number | undefined {
  if (range.min !== undefined && value < range.min) {
    report('error', `${key} "${text}" is less than the minimum, ${range.min}`)
    return undefined
  }
  if (range.max !== undefined && value > range.max) {
    report('error', `${key} "${text}" is more than the maximum, ${range.max}`)
    return undefined
  }
  return value
}

/** The longest message a listener or the daemon accepts; the upper bound keeps a peer from making us buffer more. */
export const MAX_MESSAGE_SIZE_LIMIT_BYTES = 64 * 1024 ** 2

/** max_message_size=: a size from 1 byte to 64m, with a warning below RFC 5424's 480-byte minimum. */
export function parseMessageSize (key: string, text: string, report: Report): number | undefined {
  const bytes = parseSize(key, text, report, { min: 1, max: MAX_MESSAGE_SIZE_LIMIT_BYTES })
  if (bytes !== undefined && bytes < 480) report('warning', `${key} ${bytes} is below 480 bytes, the least RFC 5424 §6.1 lets a receiver accept`)
  return bytes
}
