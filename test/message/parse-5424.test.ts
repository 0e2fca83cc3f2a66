import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parse, type SyslogMessage } from '../../src/message/index.js'

const RECEIVED = Date.UTC(2026, 10, 22, 12, 0, 0)
const p = (text: string | Buffer, strict = false): SyslogMessage =>
  parse(typeof text === 'string' ? Buffer.from(text, 'latin1') : text, { receivedAt: RECEIVED, timeZone: 'UTC', strict })
const codes = (msg: SyslogMessage): string[] => msg.problems.map((problem) => problem.code)
const BOM = '\xef\xbb\xbf'

test('rfc5424: §6.5 example 1, with BOM and no structured data', () => {
  const msg = p(`<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - ${BOM}'su root' failed for lonvick on /dev/pts/8`)
  assert.equal(msg.format, 'rfc5424')
  assert.equal(msg.pri, 34)
  assert.equal(msg.facility, 4)
  assert.equal(msg.severity, 2)
  assert.equal(msg.facilityName, 'auth')
  assert.equal(msg.severityName, 'crit')
  assert.equal(msg.version, 1)
  assert.equal(msg.timestamp?.epochMs, Date.UTC(2003, 9, 11, 22, 14, 15, 3))
  assert.equal(msg.timestamp?.text, '2003-10-11T22:14:15.003Z')
  assert.equal(msg.timestamp?.fractionDigits, 3)
  assert.equal(msg.timestamp?.hasZone, true)
  assert.equal(msg.timestamp?.offsetMinutes, 0)
  assert.equal(msg.hostname, 'mymachine.example.com')
  assert.equal(msg.appName, 'su')
  assert.equal(msg.procId, null)
  assert.equal(msg.msgId, 'ID47')
  assert.deepEqual(msg.structuredData, [])
  assert.equal(msg.bom, true)
  assert.equal(msg.text, "'su root' failed for lonvick on /dev/pts/8")
  assert.deepEqual(msg.problems, [])
})

test('rfc5424: §6.5 example 2, microseconds and a negative offset', () => {
  const msg = p("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.")
  assert.equal(msg.pri, 165)
  assert.equal(msg.timestamp?.epochMs, Date.UTC(2003, 7, 24, 12, 14, 15, 0))
  assert.equal(msg.timestamp?.micros, 3)
  assert.equal(msg.timestamp?.fractionDigits, 6)
  assert.equal(msg.timestamp?.offsetMinutes, -420)
  assert.equal(msg.hostname, '192.0.2.1')
  assert.equal(msg.appName, 'myproc')
  assert.equal(msg.procId, '8710')
  assert.equal(msg.msgId, null)
  assert.equal(msg.bom, false)
  assert.equal(msg.text, "%% It's time to make the do-nuts.")
  assert.deepEqual(msg.problems, [])
})

test('rfc5424: §6.5 example 3, structured data and a message', () => {
  const msg = p('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] BOMAn application event log entry...'.replace('BOM', BOM))
  assert.deepEqual(msg.structuredData, [{
    id: 'exampleSDID@32473',
    params: [{ name: 'iut', value: '3' }, { name: 'eventSource', value: 'Application' }, { name: 'eventID', value: '1011' }]
  }])
  assert.equal(msg.bom, true)
  assert.equal(msg.text, 'An application event log entry...')
})

test('rfc5424: §6.5 example 4, two SD elements and no message', () => {
  const msg = p('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]')
  assert.deepEqual(msg.structuredData.map((e) => e.id), ['exampleSDID@32473', 'examplePriority@32473'])
  assert.deepEqual(msg.structuredData[1]!.params, [{ name: 'class', value: 'high' }])
  assert.equal(msg.body.length, 0)
  assert.deepEqual(msg.problems, [])
})

test('rfc5424: NILVALUE in every field', () => {
  const msg = p('<13>1 - - - - - -')
  assert.equal(msg.timestamp, null)
  assert.equal(msg.hostname, null)
  assert.equal(msg.appName, null)
  assert.equal(msg.procId, null)
  assert.equal(msg.msgId, null)
  assert.deepEqual(msg.structuredData, [])
  assert.equal(msg.body.length, 0)
  assert.deepEqual(msg.problems, [])
})

test('rfc5424: fractional seconds of 1 to 6 digits keep their precision', () => {
  const fractions = ['1', '12', '123', '1234', '12345', '123456']
  for (const fraction of fractions) {
    const msg = p(`<13>1 2026-11-22T10:00:00.${fraction}Z h a - - - x`)
    const micros = Number(fraction.padEnd(6, '0'))
    assert.equal(msg.timestamp?.fractionDigits, fraction.length)
    assert.equal(msg.timestamp?.epochMs, Date.UTC(2026, 10, 22, 10) + Math.floor(micros / 1000))
    assert.equal(msg.timestamp?.micros, micros % 1000)
  }
})

test('rfc5424: numeric offsets and Z resolve to the same instant', () => {
  const instants = ['2026-11-22T10:00:00Z', '2026-11-22T11:30:00+01:30', '2026-11-22T05:00:00-05:00'].map((ts) => p(`<13>1 ${ts} h a - - - x`).timestamp?.epochMs)
  assert.deepEqual(instants, [Date.UTC(2026, 10, 22, 10), Date.UTC(2026, 10, 22, 10), Date.UTC(2026, 10, 22, 10)])
})

test('rfc5424: escaped quote, backslash and bracket in PARAM-VALUE; other backslashes kept', () => {
  const msg = p(String.raw`<13>1 - h a - - [x@1 a="q\"uote" b="back\\slash" c="brack\]et" d="keep\n\t"] m`)
  assert.deepEqual(msg.structuredData[0]!.params, [
    { name: 'a', value: 'q"uote' },
    { name: 'b', value: 'back\\slash' },
    { name: 'c', value: 'brack]et' },
    { name: 'd', value: 'keep\\n\\t' }
  ])
  assert.equal(msg.text, 'm')
})

test('rfc5424: UTF-8 in PARAM-VALUE and MSG', () => {
  const msg = p(Buffer.from('<13>1 - h a - - [x@1 city="Zürich ✓"] grüße ✓', 'utf8'))
  assert.equal(msg.structuredData[0]!.params[0]!.value, 'Zürich ✓')
  assert.equal(msg.text, 'grüße ✓')
  assert.equal(msg.utf8Valid, true)
})

test('rfc5424: a body that is not UTF-8 is kept as bytes and flagged', () => {
  const raw = Buffer.concat([Buffer.from('<13>1 - h a - - - '), Buffer.from([0xff, 0xfe, 0x41])])
  const msg = p(raw)
  assert.deepEqual([...msg.body], [0xff, 0xfe, 0x41])
  assert.equal(msg.utf8Valid, false)
  assert.equal(msg.raw, raw)
})

test('rfc5424: field length limits are reported, fields kept whole', () => {
  const long = (n: number): string => 'x'.repeat(n)
  const msg = p(`<13>1 - ${long(256)} ${long(49)} ${long(129)} ${long(33)} - m`)
  assert.equal(msg.hostname, long(256))
  assert.equal(msg.appName, long(49))
  assert.equal(msg.procId, long(129))
  assert.equal(msg.msgId, long(33))
  assert.deepEqual(codes(msg), ['field-too-long', 'field-too-long', 'field-too-long', 'field-too-long'])
  assert.match(msg.problems[0]!.detail, /HOSTNAME is 256 bytes; RFC 5424 allows 255/)
  const atLimit = p(`<13>1 - ${long(255)} ${long(48)} ${long(128)} ${long(32)} - m`)
  assert.deepEqual(atLimit.problems, [])
})

test('rfc5424: trailing LF, CRLF and NUL are not part of MSG', () => {
  for (const trailer of ['\n', '\r\n', '\0', '\n\0']) {
    assert.equal(p(`<13>1 - h a - - - hello${trailer}`).text, 'hello')
  }
})

test('rfc5424: malformed structured data keeps earlier elements; the rest becomes MSG', () => {
  const msg = p('<13>1 - h a - - [ok@1 a="1"][bad@1 a=unquoted] tail')
  assert.deepEqual(msg.structuredData.map((e) => e.id), ['ok@1'])
  assert.equal(msg.text, '[bad@1 a=unquoted] tail')
  assert.deepEqual(codes(msg), ['bad-sd'])
  assert.equal(msg.problems[0]!.offset, '<13>1 - h a - - [ok@1 a="1"]'.length)
})

test('rfc5424: unterminated PARAM-VALUE is reported, nothing is lost', () => {
  const msg = p('<13>1 - h a - - [x@1 a="never closed')
  assert.deepEqual(codes(msg), ['bad-sd'])
  assert.equal(msg.text, '[x@1 a="never closed')
})

test('rfc5424: a message that ends early reports the missing field', () => {
  const msg = p('<13>1 2026-11-22T10:00:00Z host')
  assert.equal(msg.hostname, 'host')
  assert.deepEqual(codes(msg), ['missing-field'])
  assert.match(msg.problems[0]!.detail, /APP-NAME/)
})

test('rfc5424: a bad timestamp is reported and the other fields still parsed', () => {
  const msg = p('<13>1 2026-13-45T99:00:00Z host app 1 ID - body')
  assert.equal(msg.timestamp, null)
  assert.equal(msg.hostname, 'host')
  assert.equal(msg.msgId, 'ID')
  assert.equal(msg.text, 'body')
  assert.deepEqual(codes(msg), ['bad-timestamp'])
})

test('rfc5424: PRI out of range and unknown VERSION are reported', () => {
  assert.deepEqual(codes(p('<192>1 - h a - - - m')), ['bad-pri'])
  assert.equal(p('<192>1 - h a - - - m').pri, 13)
  const v2 = p('<13>2 - h a - - - m')
  assert.equal(v2.version, 2)
  assert.equal(v2.hostname, 'h')
  assert.deepEqual(codes(v2), ['bad-version'])
})

test('rfc5424: strict mode reports only the first violation', () => {
  const lenient = p('<013>1 2026-11-22T10:00:00 host app - - [x@1 a=b] m')
  assert.deepEqual(codes(lenient), ['bad-sd'])
  assert.equal(lenient.timestamp?.hasZone, false, 'lenient mode reads a zone-less timestamp in the configured zone')
  const strict = p('<013>1 2026-11-22T10:00:00 host app - - [x@1 a=b] m', true)
  assert.equal(strict.problems.length, 1)
  assert.equal(strict.problems[0]!.code, 'bad-pri')
  const strictTs = p('<13>1 2026-11-22T10:00:00 host app - - [x@1 a=b] m', true)
  assert.deepEqual(codes(strictTs), ['bad-timestamp'])
  assert.equal(p('<13>1 2026-11-22T10:00:00.1234567Z h a - - - m', true).problems[0]?.code, 'bad-timestamp')
  assert.deepEqual(p('<13>1 2026-11-22T10:00:00.123456Z h a - - - m', true).problems, [])
})

test('rfc5424: a leap second is accepted leniently as :59 and refused in strict mode', () => {
  assert.equal(p('<13>1 2016-12-31T23:59:60Z h a - - - m').timestamp?.epochMs, Date.UTC(2016, 11, 31, 23, 59, 59))
  assert.deepEqual(codes(p('<13>1 2016-12-31T23:59:60Z h a - - - m', true)), ['bad-timestamp'])
})

test('rfc5424: duplicate SD-ID is reported and both are kept', () => {
  const msg = p('<13>1 - h a - - [x@1 a="1"][x@1 a="2"] m')
  assert.equal(msg.structuredData.length, 2)
  assert.deepEqual(codes(msg), ['bad-sd'])
})

test('rfc5424: strict mode stops at an extra space between fields (found by the mutation property)', () => {
  const strict = p('<13>1 2003-10-11T22:14:15.003Z  \0host app - - - m', true)
  assert.deepEqual(codes(strict), ['bad-field'])
  const lenient = p('<13>1 2003-10-11T22:14:15.003Z  host app - - - m')
  assert.equal(lenient.hostname, 'host')
  assert.deepEqual(codes(lenient), ['bad-field'])
})
