// RFC 5424 §6:
//   SYSLOG-MSG = HEADER SP STRUCTURED-DATA [SP MSG]
//   HEADER     = PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID
// Every header field may be the NILVALUE "-". Field length limits (§6: HOSTNAME 255, APP-NAME 48,
// PROCID 128, MSGID 32) are reported but the field is kept whole. In lenient mode a bad field is
// reported and parsing goes on; a malformed STRUCTURED-DATA keeps the elements read so far and
// the rest of the bytes become MSG.

import { MAX_APP_NAME, MAX_HOSTNAME, MAX_MSGID, MAX_PROCID, MAX_SD_NAME, type SdElement, type SdParam, type SyslogMessage } from './model.js'
import { readRfc3339, timestampRead } from './timestamp.js'
import { fieldText } from './field-text.js'
import { addProblem, finishBody } from './parse-common.js'
import type { ParseContext } from './parse.js'

const SP = 0x20
const NIL = 0x2d


// Scratch results of readToken(), shared to avoid an object per field.
let tokenEnd = 0
let tokenNonAscii = false
let tokenBad = false

/** Scans a header field up to SP or end; notes non-ASCII and non-PRINTUSASCII bytes. */
function readToken (buf: Buffer, pos: number, end: number): void {
  let p = pos
  let nonAscii = false
  let bad = false
  while (p < end) {
    const b = buf[p]!
    if (b === SP) break
    if (b < 0x21 || b > 0x7e) { bad = true; if (b >= 0x80) nonAscii = true }
    p++
  }
  tokenEnd = p; tokenNonAscii = nonAscii; tokenBad = bad
}

export function parse5424 (msg: SyslogMessage, buf: Buffer, start: number, end: number, ctx: ParseContext): void {
  msg.format = 'rfc5424'
  const strict = ctx.strict
  let p = start
  let version = 0
  while (buf[p] !== SP) version = version * 10 + buf[p++]! - 0x30
  msg.version = version
  if (version !== 1) {
    addProblem(msg, 'bad-version', start, `VERSION ${version} is not 1; read as RFC 5424`)
    if (strict) return finishBody(msg, buf, p + 1, end)
  }
  p++ // SP after VERSION (checked by isVersion)

  // TIMESTAMP
  if (p >= end) return missing(msg, buf, 'TIMESTAMP', p, end)
  if (buf[p] === NIL && (p + 1 === end || buf[p + 1] === SP)) {
    p++
  } else {
    const timestamp = readRfc3339(buf, p, end, strict, ctx.zone)
    if (timestamp !== null && (timestampRead.end === end || buf[timestampRead.end] === SP)) {
      msg.timestamp = timestamp
      p = timestampRead.end
    } else {
      readToken(buf, p, end)
      addProblem(msg, 'bad-timestamp', p, `TIMESTAMP "${fieldText(buf, p, tokenEnd, tokenNonAscii)}" is not RFC 3339; the receive time stands in`)
      if (strict) return finishBody(msg, buf, p, end)
      p = tokenEnd
    }
  }

  // HOSTNAME, APP-NAME, PROCID, MSGID: SP-separated tokens.
  if ((p = readField(msg, buf, p, end, 'HOSTNAME', MAX_HOSTNAME, strict)) < 0) return
  msg.hostname = fieldValue
  if ((p = readField(msg, buf, p, end, 'APP-NAME', MAX_APP_NAME, strict)) < 0) return
  msg.appName = fieldValue
  if ((p = readField(msg, buf, p, end, 'PROCID', MAX_PROCID, strict)) < 0) return
  msg.procId = fieldValue
  if ((p = readField(msg, buf, p, end, 'MSGID', MAX_MSGID, strict)) < 0) return
  msg.msgId = fieldValue
  if ((p = nextField(msg, buf, p, end, 'STRUCTURED-DATA', strict)) < 0) return

  // STRUCTURED-DATA
  if (buf[p] === NIL) {
    p++
  } else if (buf[p] === 0x5b) {
    p = readStructuredData(msg, buf, p, end, strict)
    if (p < 0) return
  } else {
    addProblem(msg, 'bad-sd', p, 'STRUCTURED-DATA is neither "-" nor "["; the rest is read as MSG')
    return finishBody(msg, buf, p, end)
  }

  // [SP MSG]
  if (p >= end) return finishBody(msg, buf, end, end)
  if (buf[p] !== SP) {
    addProblem(msg, 'bad-sd', p, 'no SP between STRUCTURED-DATA and MSG')
    return finishBody(msg, buf, p, end)
  }
  finishBody(msg, buf, p + 1, end)
}

/** Skips the SP before a field; returns -1 (and finishes the message) when the input ended. */
function nextField (msg: SyslogMessage, buf: Buffer, p: number, end: number, name: string, strict: boolean): number {
  if (p < end && buf[p] === SP) p++
  if (p >= end) {
    missing(msg, buf, name, p, end)
    return -1
  }
  if (buf[p] === SP) {
    // Lenient: several spaces between fields (seen from hand-rolled senders).
    addProblem(msg, 'bad-field', p, `extra SP before ${name}`)
    if (strict) { finishBody(msg, buf, p, end); return -1 }
    while (p < end && buf[p] === SP) p++
    if (p >= end) { missing(msg, buf, name, p, end); return -1 }
  }
  return p
}

function missing (msg: SyslogMessage, buf: Buffer, name: string, p: number, end: number): void {
  addProblem(msg, 'missing-field', p, `message ends before ${name}`)
  finishBody(msg, buf, end, end)
}

let fieldValue: string | null = null

/**
 * Reads the header field after the SP at p into fieldValue (NILVALUE -> null) and returns the
 * offset after it, or -1 when the message was finished: it ended, or strict mode met a violation.
 */
function readField (msg: SyslogMessage, buf: Buffer, p: number, end: number, name: string, max: number, strict: boolean): number {
  if ((p = nextField(msg, buf, p, end, name, strict)) < 0) return -1
  readToken(buf, p, end)
  const length = tokenEnd - p
  if (length === 1 && buf[p] === NIL) {
    fieldValue = null
    return tokenEnd
  }
  fieldValue = fieldText(buf, p, tokenEnd, tokenNonAscii)
  if (tokenBad) addProblem(msg, 'bad-field', p, `${name} "${fieldValue}" has characters outside PRINTUSASCII`)
  else if (length > max) addProblem(msg, 'field-too-long', p, `${name} is ${length} bytes; RFC 5424 allows ${max}`)
  if (strict && msg.problems.length > 0) {
    finishBody(msg, buf, p, end)
    return -1
  }
  return tokenEnd
}

/**
 * RFC 5424 §6.3: 1*SD-ELEMENT, SD-ELEMENT = "[" SD-ID *(SP SD-PARAM) "]",
 * SD-PARAM = PARAM-NAME "=" %d34 PARAM-VALUE %d34. In PARAM-VALUE, '"', '\' and ']' are escaped
 * with '\'; a '\' before any other character is an ordinary backslash (§6.3.3).
 * Returns the offset after the last element, or -1 when it gave up and finished the message.
 */
function readStructuredData (msg: SyslogMessage, buf: Buffer, start: number, end: number, strict: boolean): number {
  const elements: SdElement[] = []
  msg.structuredData = elements
  let p = start
  while (p < end && buf[p] === 0x5b) {
    const elementStart = p
    p++
    const idEnd = readSdName(buf, p, end)
    if (idEnd === p || idEnd - p > MAX_SD_NAME) return badSd(msg, buf, elementStart, end, `bad SD-ID at offset ${p}`)
    const id = fieldText(buf, p, idEnd, false)
    p = idEnd
    const params: SdParam[] = []
    while (p < end && buf[p] === SP) {
      p++
      const nameEnd = readSdName(buf, p, end)
      if (nameEnd === p || nameEnd - p > MAX_SD_NAME || buf[nameEnd] !== 0x3d || buf[nameEnd + 1] !== 0x22) {
        return badSd(msg, buf, elementStart, end, `bad SD-PARAM in [${id}] at offset ${p}`)
      }
      const name = fieldText(buf, p, nameEnd, false)
      const valueEnd = readParamValue(buf, nameEnd + 2, end)
      if (valueEnd < 0) return badSd(msg, buf, elementStart, end, `unterminated PARAM-VALUE of ${name} in [${id}]`)
      params.push({ name, value: paramValue })
      p = valueEnd + 1
    }
    if (p >= end || buf[p] !== 0x5d) return badSd(msg, buf, elementStart, end, `SD-ELEMENT [${id}] is not closed by "]"`)
    p++
    for (const other of elements) {
      if (other.id === id) {
        // §6.3.2: an SD-ID MUST NOT appear twice; both are kept.
        addProblem(msg, 'bad-sd', elementStart, `SD-ID "${id}" appears more than once`)
        if (strict) return badSd(msg, buf, elementStart, end, '')
        break
      }
    }
    elements.push({ id, params })
  }
  return p
}

function badSd (msg: SyslogMessage, buf: Buffer, at: number, end: number, detail: string): number {
  if (detail !== '') addProblem(msg, 'bad-sd', at, `${detail}; the rest is read as MSG`)
  finishBody(msg, buf, at, end)
  return -1
}

/** SD-NAME = 1*32PRINTUSASCII except '=', SP, ']', '"'. Returns the offset after it. */
function readSdName (buf: Buffer, p: number, end: number): number {
  while (p < end) {
    const b = buf[p]!
    if (b < 0x21 || b > 0x7e || b === 0x3d || b === 0x5d || b === 0x22) break
    p++
  }
  return p
}

let paramValue = ''

/** Reads PARAM-VALUE from p up to its closing '"' into paramValue; returns the quote's offset or -1. */
function readParamValue (buf: Buffer, start: number, end: number): number {
  let p = start
  let nonAscii = false
  let escaped = false
  while (p < end) {
    const b = buf[p]!
    if (b === 0x22) break
    if (b === 0x5c && p + 1 < end) { escaped = true; p += 2; continue }
    if (b >= 0x80) nonAscii = true
    p++
  }
  if (p >= end) return -1
  paramValue = escaped ? unescapeValue(buf, start, p) : fieldText(buf, start, p, nonAscii)
  return p
}

function unescapeValue (buf: Buffer, start: number, end: number): string {
  const out: number[] = []
  for (let p = start; p < end; p++) {
    const b = buf[p]!
    if (b === 0x5c && p + 1 < end) {
      const next = buf[p + 1]!
      if (next === 0x22 || next === 0x5c || next === 0x5d) { out.push(next); p++; continue }
    }
    out.push(b)
  }
  return Buffer.from(out).toString('utf8')
}
