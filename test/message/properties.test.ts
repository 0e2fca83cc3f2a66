import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { createMessage, formatMessage, parse, MAX_PRI, type SdElement, type SyslogTimestamp } from '../../src/message/index.js'

const RECEIVED = Date.UTC(2026, 10, 22, 12, 0, 0)
const RUNS = 2000

const printUsAscii = (min: number, max: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: min, maxLength: max })
// A header field: 1..max PRINTUSASCII, but not "-" alone (that is the NILVALUE, i.e. null).
const field = (max: number): fc.Arbitrary<string | null> =>
  fc.option(printUsAscii(1, max).filter((s) => s !== '-'), { nil: null })
const sdName = fc.string({
  unit: fc.integer({ min: 0x21, max: 0x7e }).filter((c) => c !== 0x3d && c !== 0x5d && c !== 0x22).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 32
})
const sdElements: fc.Arbitrary<SdElement[]> = fc.uniqueArray(
  fc.record({ id: sdName, params: fc.array(fc.record({ name: sdName, value: fc.string({ unit: 'grapheme', maxLength: 20 }) }), { maxLength: 4 }) }),
  { maxLength: 3, selector: (element) => element.id }
).map((elements) => elements.map(({ id, params }) => ({ id, params: params.map(({ name, value }) => ({ name, value })) })))

// RFC 5424 timestamps: any instant 1970..9999, 0..6 fraction digits, offsets within ±23:59.
const timestamp5424: fc.Arbitrary<SyslogTimestamp> = fc.record({
  seconds: fc.integer({ min: 0, max: 253402300799 - 86400 }),
  digits: fc.integer({ min: 0, max: 6 }),
  fraction: fc.integer({ min: 0, max: 999999 }),
  offset: fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 })
}).map(({ seconds, digits, fraction, offset }) => {
  const micros = digits === 0 ? 0 : Math.floor(fraction / 10 ** (6 - digits)) * 10 ** (6 - digits)
  return { epochMs: seconds * 1000 + Math.floor(micros / 1000), micros: micros % 1000, text: '', fractionDigits: digits, hasZone: true, hasYear: true, offsetMinutes: offset }
})

// A body: any bytes, except that trailing LF/CR/NUL are trailers and a leading BOM is the bom flag.
const body = fc.uint8Array({ maxLength: 300 }).map((bytes) => {
  let end = bytes.length
  while (end > 0 && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d || bytes[end - 1] === 0)) end--
  return Buffer.from(bytes.subarray(0, end))
}).filter((b) => !(b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf))

test('properties: rfc5424 format -> parse returns the same message for arbitrary field values', () => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: MAX_PRI }), fc.option(timestamp5424, { nil: null }), field(255), field(48), field(128), field(32), sdElements, body, fc.boolean(),
    (pri, ts, hostname, appName, procId, msgId, sd, bytes, bom) => {
      const msg = createMessage({ facility: pri >> 3, severity: pri & 7, timestamp: ts, hostname, appName, procId, msgId, structuredData: sd, body: bytes, bom })
      const wire = formatMessage(msg, 'rfc5424', { newline: 'keep', terminator: '' })
      const back = parse(wire, { strict: true, receivedAt: RECEIVED })
      assert.deepEqual(back.problems, [], wire.toString('latin1'))
      assert.equal(back.pri, pri)
      assert.equal(back.hostname, hostname)
      assert.equal(back.appName, appName)
      assert.equal(back.procId, procId)
      assert.equal(back.msgId, msgId)
      assert.deepEqual(back.structuredData, sd)
      assert.deepEqual(back.body, bytes)
      assert.equal(back.bom, bom)
      if (ts === null) {
        assert.equal(back.timestamp, null)
      } else {
        assert.equal(back.timestamp?.epochMs, ts.epochMs)
        assert.equal(back.timestamp?.micros, ts.micros)
        assert.equal(back.timestamp?.fractionDigits, ts.fractionDigits)
        assert.equal(back.timestamp?.offsetMinutes, ts.offsetMinutes)
      }
    }), { numRuns: RUNS })
})

const hostChars = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_')
const tagChars = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_/%@')

test('properties: rfc3164 format -> parse keeps PRI, time (to the second), host, tag, pid and body', () => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: MAX_PRI }),
    fc.integer({ min: RECEIVED - 150 * 86400000, max: RECEIVED + 5 * 86400000 }),
    fc.string({ unit: hostChars, minLength: 1, maxLength: 40 }),
    fc.string({ unit: tagChars, minLength: 1, maxLength: 32 }),
    fc.option(fc.integer({ min: 1, max: 4194304 }), { nil: null }),
    body.filter((b) => b[0] !== 0x20),
    (pri, epochMs, hostname, appName, pid, bytes) => {
      const msg = createMessage({ facility: pri >> 3, severity: pri & 7, format: 'rfc3164', timestamp: epochMs, hostname, appName, procId: pid, body: bytes })
      const wire = formatMessage(msg, 'rfc3164', { newline: 'keep', terminator: '', timeZone: 'UTC' })
      const back = parse(wire, { receivedAt: RECEIVED, timeZone: 'UTC' })
      assert.deepEqual(back.problems, [], wire.toString('latin1'))
      assert.equal(back.pri, pri)
      assert.equal(back.timestamp?.epochMs, Math.floor(epochMs / 1000) * 1000)
      assert.equal(back.hostname, hostname)
      assert.equal(back.appName, appName)
      assert.equal(back.procId, pid === null ? null : String(pid))
      assert.deepEqual(back.body, bytes)
    }), { numRuns: RUNS })
})

function assertInvariants (input: Buffer, strict: boolean, expectHostname: boolean): void {
  const msg = parse(input, { strict, expectHostname, receivedAt: RECEIVED, timeZone: 'Europe/Berlin' })
  assert.ok(msg.pri >= 0 && msg.pri <= MAX_PRI)
  assert.equal(msg.raw, input)
  assert.ok(msg.body.length <= input.length)
  for (const problem of msg.problems) assert.ok(problem.offset >= 0 && problem.offset <= input.length, problem.detail)
  if (strict) assert.ok(msg.problems.length <= 1)
  void msg.text
  void msg.utf8Valid
}

test('properties: parse never throws on arbitrary bytes, in either mode', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), fc.boolean(), (bytes, strict, expectHostname) => {
    assertInvariants(Buffer.from(bytes), strict, expectHostname)
  }), { numRuns: RUNS * 5 })
})

// Arbitrary bytes rarely reach deep parser states; mutating valid messages does.
const seeds = [
  '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application"][x@1 a="\\"\\]\\\\"] \ufeffmsg',
  '<189>52: router1: *Mar  1 00:08:05.123 UTC: %LINK-3-UPDOWN: Interface Fa0/1',
  '<13>Nov 22 2026 10:00:00.123 host app[42]: body',
  '<131>2026-11-22T18:18:32.945250+00:00 vm myapp[6661]: body'
]
test('properties: parse never throws on mutated valid messages', () => {
  const mutation = fc.record({
    seed: fc.constantFrom(...seeds),
    edits: fc.array(fc.record({ at: fc.nat(), del: fc.nat({ max: 4 }), insert: fc.uint8Array({ maxLength: 4 }) }), { minLength: 1, maxLength: 4 })
  })
  fc.assert(fc.property(mutation, fc.boolean(), ({ seed, edits }, strict) => {
    let bytes = Buffer.from(seed, 'utf8')
    for (const edit of edits) {
      const at = edit.at % (bytes.length + 1)
      bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(edit.insert), bytes.subarray(at + edit.del)])
    }
    assertInvariants(bytes, strict, true)
  }), { numRuns: RUNS * 5 })
})

test('properties: pathological inputs of 1 MB parse without hanging (linear scans)', { timeout: 20000 }, () => {
  const size = 1 << 20
  const inputs = [
    Buffer.concat([Buffer.from('<13>1 - h a - - '), Buffer.alloc(size, '[')]),
    Buffer.concat([Buffer.from('<13>1 - h a - - [x@1 a="'), Buffer.alloc(size, '\\')]),
    Buffer.concat([Buffer.from('<13>1 - h a - - [x@1'), Buffer.from(' a="b"'.repeat(size / 6))]),
    Buffer.concat([Buffer.from('<13>1 - h a - - '), Buffer.from('[x a="1"]'.repeat(size / 9))]),
    Buffer.concat([Buffer.from('<13>Nov 22 10:00:00 '), Buffer.alloc(size, 'a')]),
    Buffer.concat([Buffer.from('<13>'), Buffer.alloc(size, '9')]),
    Buffer.alloc(size, ' ')
  ]
  for (const input of inputs) assertInvariants(input, false, true)
})
