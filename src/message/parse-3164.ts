// RFC 3164 §4.1 ("<PRI>TIMESTAMP SP HOSTNAME SP TAG[pid]: CONTENT") and the variants real
// senders use, in the order they can appear:
//   <189>52: *Mar  1 00:08:05.123: %LINK-3-UPDOWN: ...   Cisco IOS: sequence number, '*' (clock
//                                                         not authoritative) or '.' before the
//                                                         timestamp, msec, ':' after it
//   <13>Nov 22 10:00:00 myapp[42]: ...                    glibc syslog(3) to /dev/log: no HOSTNAME
//   <13>2026-11-22T10:00:00.123+01:00 host app: ...       RFC 3339 timestamp in a 3164 header
//   <13>Nov 22 2026 10:00:00.123 host app ...             year, milliseconds, TAG without a colon
//   kernel: [    1.234567] usb 1-1: ...                   no PRI (read as <13>), no timestamp
// A token after the timestamp is the HOSTNAME when it looks like one (letters, digits, '.', '-',
// '_', ':' for IPv6) and is followed by SP; a token that ends in ':' or holds '[' is the TAG.

import type { SyslogMessage } from './model.js'
import type { SyslogTimestamp } from './model.js'
import { isDigit, monthAt, readBsdTimestamp, readRfc3339, timestampRead } from './timestamp.js'
import { fieldText } from './field-text.js'
import { addProblem, finishBody } from './parse-common.js'
import type { ParseContext } from './parse.js'

const SP = 0x20
const COLON = 0x3a
const MAX_TAG_STRICT = 32 // RFC 3164 §4.1.3
const MAX_TAG = 48 // longer words are content, not a TAG (RFC 5424's APP-NAME limit)
const MAX_PID = 128 // RFC 5424 PROCID limit
const MAX_SEQUENCE_DIGITS = 20
const MAX_PACKET_STRICT = 1024 // RFC 3164 §4.1

export function parse3164 (msg: SyslogMessage, buf: Buffer, start: number, end: number, ctx: ParseContext): void {
  msg.format = 'rfc3164'
  msg.version = 0
  const strict = ctx.strict
  let p = start
  if (!strict) p = readCiscoPrefix(msg, buf, p, end)

  // TIMESTAMP
  let timestamp: SyslogTimestamp | null = readBsdTimestamp(buf, p, end, strict, ctx.zone, ctx.receivedAt)
  if (timestamp === null && !strict && isDigit(buf[p] ?? 0)) timestamp = readRfc3339(buf, p, end, false, ctx.zone)
  let hasTimestamp = false
  let ciscoColon = false
  if (timestamp !== null) {
    let q = timestampRead.end
    if (!strict && buf[q] === COLON) { q++; ciscoColon = true }
    if (q >= end || buf[q] === SP) {
      msg.timestamp = timestamp
      hasTimestamp = true
      p = q < end ? q + 1 : q
      if (!strict) while (p < end && buf[p] === SP) p++
    }
  }
  if (!hasTimestamp) {
    addProblem(msg, 'no-timestamp', p, 'no RFC 3164 TIMESTAMP; the receive time stands in')
    if (strict) return finishBody(msg, buf, p, end)
  }

  // HOSTNAME: only after a timestamp, and not after Cisco's "time:" (no hostname there).
  let hostStart = -1
  if (hasTimestamp && !ciscoColon && ctx.expectHostname) {
    const hostEnd = scanHostname(buf, p, end)
    if (hostEnd > p && hostEnd < end && buf[hostEnd] === SP) {
      msg.hostname = fieldText(buf, p, hostEnd, false)
      hostStart = p
      p = hostEnd + 1
      if (!strict) while (p < end && buf[p] === SP) { p++; hostStart = -1 }
    } else if (strict) {
      addProblem(msg, 'no-hostname', p, 'no HOSTNAME after the TIMESTAMP')
      return finishBody(msg, buf, p, end)
    }
  }

  p = readTag(msg, buf, p, end, hasTimestamp, strict)
  if (strict && msg.problems.length > 0) return finishBody(msg, buf, p, end)
  if (strict && buf.length > MAX_PACKET_STRICT) {
    addProblem(msg, 'field-too-long', MAX_PACKET_STRICT, `message is ${buf.length} bytes; RFC 3164 §4.1 allows ${MAX_PACKET_STRICT}`)
  }
  finishBody(msg, buf, p, end)
  // "HOST TAG[PID]: MSG" exactly as the line formats write it: they may copy it whole.
  if (hostStart >= 0 && tagRead.canonical && msg.bodyStart === p) msg.markHeaderTail(hostStart)
}

/** Set by readTag: whether the TAG was ASCII and written "TAG[PID]: " or "TAG: " (single SP). */
const tagRead = { canonical: false }

/**
 * Cisco IOS prefixes: "52: " (service sequence-numbers), then optionally "router1: "
 * (logging origin-id), then '*' or '.' (clock state) right before the timestamp.
 */
function readCiscoPrefix (msg: SyslogMessage, buf: Buffer, start: number, end: number): number {
  let p = start
  let q = p
  while (q < end && q - p <= MAX_SEQUENCE_DIGITS && isDigit(buf[q]!)) q++
  if (q > p && buf[q] === COLON && buf[q + 1] === SP) {
    msg.sequence = fieldText(buf, p, q, false)
    p = q + 2
    const hostEnd = scanHostname(buf, p, end)
    if (hostEnd > p && buf[hostEnd] === COLON && buf[hostEnd + 1] === SP && startsTimestamp(buf, hostEnd + 2, end)) {
      msg.hostname = fieldText(buf, p, hostEnd, false)
      p = hostEnd + 2
    }
  }
  if ((buf[p] === 0x2a || buf[p] === 0x2e) && p + 1 < end && startsTimestamp(buf, p + 1, end)) p++
  return p
}

function startsTimestamp (buf: Buffer, p: number, end: number): boolean {
  if (buf[p] === 0x2a || buf[p] === 0x2e) p++
  return p + 3 < end && (monthAt(buf, p) !== 0 || isDigit(buf[p]!))
}

/** End of a hostname-like token: letters, digits, '.', '-', '_', and ':' (IPv6), not ending in ':'. */
function scanHostname (buf: Buffer, p: number, end: number): number {
  const start = p
  while (p < end) {
    const b = buf[p]!
    const ok = (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39) ||
      b === 0x2e || b === 0x2d || b === 0x5f || b === COLON
    if (!ok) break
    p++
  }
  while (p > start && buf[p - 1] === COLON) p-- // "tag:" is a TAG, not a host
  return p
}

/**
 * TAG (→ appName) with an optional "[pid]" (→ procId), terminated by ':' + SP, by "]", or
 * (only after a timestamp, where a TAG is expected) by SP alone. Returns where CONTENT starts.
 */
function readTag (msg: SyslogMessage, buf: Buffer, start: number, end: number, afterTimestamp: boolean, strict: boolean): number {
  tagRead.canonical = false
  let q = start
  let nonAscii = false
  while (q < end) {
    const b = buf[q]!
    if (b === SP || b === COLON || b === 0x5b) break
    if (b < 0x21 || b === 0x7f || b === 0x5d) return start
    if (b >= 0x80) nonAscii = true
    q++
  }
  const length = q - start
  if (length === 0 || q >= end || length > MAX_TAG) return start
  let contentStart: number
  let procId: string | null = null
  const stop = buf[q]
  if (stop === 0x5b) {
    let r = q + 1
    let pidNonAscii = false
    while (r < end && r - q <= MAX_PID && buf[r] !== 0x5d && buf[r]! > SP) {
      if (buf[r]! >= 0x80) pidNonAscii = true
      r++
    }
    if (buf[r] !== 0x5d || r === q + 1) {
      if (strict) addProblem(msg, 'bad-tag', q, 'TAG "[" without a closing "]"')
      return start
    }
    procId = fieldText(buf, q + 1, r, pidNonAscii)
    contentStart = r + 1
    tagRead.canonical = !nonAscii && !pidNonAscii && buf[r + 1] === COLON && buf[r + 2] === SP
    if (buf[contentStart] === COLON) contentStart++
    if (buf[contentStart] === SP) contentStart++
  } else if (stop === COLON) {
    if (q + 1 < end && buf[q + 1] !== SP) return start
    contentStart = q + 1 < end ? q + 2 : q + 1
    tagRead.canonical = !nonAscii && q + 1 < end
  } else {
    if (!afterTimestamp) return start
    contentStart = q + 1
  }
  msg.appName = fieldText(buf, start, q, nonAscii)
  msg.procId = procId
  if (strict && length > MAX_TAG_STRICT) addProblem(msg, 'bad-tag', start, `TAG is ${length} characters; RFC 3164 §4.1.3 allows ${MAX_TAG_STRICT}`)
  return contentStart
}
