import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  ByteWriter, createFormatter, createMessage, formatMessage, parse, utf8Boundary,
  type FormatOptions, type OutputFormat, type SyslogMessage
} from '../../src/message/index.js'

const RECEIVED = Date.UTC(2026, 10, 22, 10, 0, 0, 123)
const p = (text: string): SyslogMessage => parse(Buffer.from(text, 'utf8'), { receivedAt: RECEIVED, timeZone: 'UTC' })
const fmt = (msg: SyslogMessage, format: OutputFormat, options: FormatOptions = {}): string =>
  formatMessage(msg, format, { timeZone: 'UTC', ...options }).toString('utf8')

const sample = (): SyslogMessage => p('<30>1 2026-11-22T10:00:00.123Z web1 nginx 4242 ACCESS [req@32473 id="7" path="/a\\"b"] GET / 200')

test('format: iso is UTC with milliseconds, OpenBSD -Z layout, SD kept', () => {
  assert.equal(fmt(sample(), 'iso'), '2026-11-22T10:00:00.123Z web1 nginx[4242]: [req@32473 id="7" path="/a\\"b"] GET / 200\n')
  assert.equal(fmt(p('<13>1 2026-11-22T11:00:00.5+01:00 h app - - - m'), 'iso'), '2026-11-22T10:00:00.500Z h app: m\n')
})

test('format: traditional is BSD time in the configured zone', () => {
  const msg = p('<13>1 2026-11-02T10:00:00.123Z web1 cron - - - job ran')
  assert.equal(fmt(msg, 'traditional'), 'Nov  2 10:00:00 web1 cron: job ran\n')
  assert.equal(fmt(msg, 'traditional', { timeZone: 'Europe/Berlin' }), 'Nov  2 11:00:00 web1 cron: job ran\n')
  assert.equal(fmt(sample(), 'traditional'), 'Nov 22 10:00:00 web1 nginx[4242]: [req@32473 id="7" path="/a\\"b"] GET / 200\n')
})

test('format: rfc3164 wire format', () => {
  assert.equal(fmt(sample(), 'rfc3164', { terminator: '' }), '<30>Nov 22 10:00:00 web1 nginx[4242]: GET / 200')
  const local = parse(Buffer.from('<13>Nov 22 10:00:00 app: m'), { receivedAt: RECEIVED, timeZone: 'UTC', expectHostname: false })
  assert.equal(fmt(local, 'rfc3164', { hostname: 'relay1', terminator: '' }), '<13>Nov 22 10:00:00 relay1 app: m')
  // To a local socket, as glibc writes: no HOSTNAME, and a local reader takes the TAG back.
  const wire = fmt(sample(), 'rfc3164', { terminator: '', localHeader: true })
  assert.equal(wire, '<30>Nov 22 10:00:00 nginx[4242]: GET / 200')
  const back = parse(Buffer.from(wire), { receivedAt: RECEIVED, timeZone: 'UTC', expectHostname: false })
  assert.deepEqual([back.hostname, back.appName, back.procId, back.text], [null, 'nginx', '4242', 'GET / 200'])
})

test('format: rfc5424 reproduces the RFC examples byte for byte', () => {
  const examples = [
    "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \ufeff'su root' failed for lonvick on /dev/pts/8",
    "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
    '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] \ufeffAn application event log entry...',
    '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]'
  ]
  for (const example of examples) assert.equal(fmt(p(example), 'rfc5424', { terminator: '', newline: 'keep' }), example)
})

test('format: rfc5424 escapes quote, backslash and bracket in PARAM-VALUE', () => {
  const msg = createMessage({ hostname: 'h', appName: 'a', structuredData: [{ id: 'x@1', params: [{ name: 'v', value: 'a"b\\c]d' }] }], body: 'm', timestamp: RECEIVED })
  const text = fmt(msg, 'rfc5424', { terminator: '' })
  assert.equal(text, '<13>1 2026-11-22T10:00:00.123Z h a - - [x@1 v="a\\"b\\\\c\\]d"] m')
  assert.equal(p(text).structuredData[0]!.params[0]!.value, 'a"b\\c]d')
})

test('format: rfc5424 makes invalid header fields valid so the record still parses', () => {
  const msg = createMessage({ hostname: 'my host', appName: 'äpp', procId: '', msgId: 'x'.repeat(40), body: 'm' })
  const text = fmt(msg, 'rfc5424', { terminator: '' })
  const back = p(text)
  assert.equal(back.hostname, 'my_host')
  assert.equal(back.appName, '_pp')
  assert.equal(back.procId, null)
  assert.equal(back.msgId, 'x'.repeat(32))
  assert.deepEqual(back.problems, [])
})

test('format: control characters are made visible as #ooo; no line can be forged', () => {
  const forged = p('<13>1 - h app - - - ok\n2026-11-22T10:00:00.000Z h sshd: Accepted password for root\x1b[2J\x7f')
  const line = fmt(forged, 'iso')
  assert.equal(line.split('\n').length, 2, 'one record, one terminator')
  assert.ok(line.includes('ok#0122026-11-22T10:00:00.000Z h sshd: Accepted password for root#033[2J#177'))
  // Header fields too: a hostname with an LF (kept by the lenient parser) cannot start a line.
  const sneaky = createMessage({ hostname: 'h\nfake', appName: 'a\rb', body: 'x', timestamp: RECEIVED })
  assert.equal(fmt(sneaky, 'iso'), '2026-11-22T10:00:00.123Z h#012fake a#015b: x\n')
  assert.equal(fmt(sneaky, 'traditional').split('\n').length, 2)
  // Tab becomes #011 too, as rsyslog writes it.
  assert.equal(fmt(p('<13>1 - h a - - - a\tb'), 'raw'), '<13>1 - h a - - - a#011b\n')
})

test('format: newline policy split writes one record per line, keep writes bytes unchanged', () => {
  const msg = p('<13>1 2026-11-22T10:00:00.000Z h app - - - first\r\nsecond\n\nfourth')
  assert.equal(fmt(msg, 'iso', { newline: 'split' }),
    '2026-11-22T10:00:00.000Z h app: first\n2026-11-22T10:00:00.000Z h app: second\n2026-11-22T10:00:00.000Z h app: \n2026-11-22T10:00:00.000Z h app: fourth\n')
  assert.equal(fmt(msg, 'rfc5424', { newline: 'keep', terminator: '' }), '<13>1 2026-11-22T10:00:00.000Z h app - - - first\r\nsecond\n\nfourth')
})

test('format: json has every field and is one line', () => {
  const line = fmt(sample(), 'json')
  assert.equal(line.indexOf('\n'), line.length - 1)
  const obj = JSON.parse(line)
  assert.deepEqual(obj, {
    time: '2026-11-22T10:00:00.123Z',
    timestamp: '2026-11-22T10:00:00.123Z',
    received: '2026-11-22T10:00:00.123Z',
    facility: 'daemon',
    severity: 'info',
    pri: 30,
    format: 'rfc5424',
    version: 1,
    hostname: 'web1',
    appName: 'nginx',
    procId: '4242',
    msgId: 'ACCESS',
    sequence: null,
    structuredData: { 'req@32473': { id: '7', path: '/a"b' } },
    msg: 'GET / 200',
    bom: false,
    utf8: true,
    source: null,
    problems: []
  })
  const bad = JSON.parse(fmt(parse(Buffer.from([0x3c, 0x31, 0x33, 0x3e, 0xff, 0x0a, 0x41]), { receivedAt: RECEIVED }), 'json'))
  assert.equal(bad.utf8, false)
  assert.equal(Buffer.from(bad.msgBase64, 'base64').toString('latin1'), '\xff\nA')
  assert.deepEqual(bad.problems.map((problem: { code: string }) => problem.code), ['no-timestamp'])
  const dup = JSON.parse(fmt(p('<13>1 - h a - - [x@1 k="1" k="2"] m'), 'json'))
  assert.deepEqual(dup.structuredData, { 'x@1': { k: ['1', '2'] } })
})

test('format: raw writes the bytes as received', () => {
  const text = '<13>Nov 22 10:00:00 h app: m'
  assert.equal(fmt(p(text), 'raw'), `${text}\n`)
})

test('format: a message without timestamp shows its receive time in line formats, NILVALUE in rfc5424', () => {
  const msg = p('<13>1 - h a - - - m')
  assert.equal(fmt(msg, 'iso'), '2026-11-22T10:00:00.123Z h a: m\n')
  assert.equal(fmt(msg, 'rfc5424', { terminator: '' }), '<13>1 - h a - - - m')
})

test('format: maxBytes truncates without splitting a UTF-8 sequence, and counts it', () => {
  const msg = p('<13>1 2026-11-22T10:00:00.000Z h a - - - ääääää')
  const formatter = createFormatter('rfc5424', { maxBytes: 44, newline: 'keep', terminator: '\n' })
  const out = new ByteWriter()
  formatter.write(msg, out)
  const record = out.take()
  // 41 header bytes + "ä" (2 bytes) = 43; the next "ä" would straddle the limit of 44.
  assert.equal(record.toString('utf8'), '<13>1 2026-11-22T10:00:00.000Z h a - - - ä\n')
  assert.equal(formatter.truncated, 1)
  assert.ok(record.subarray(0, -1).toString('utf8').indexOf('\ufffd') < 0)
})

test('format: utf8Boundary never cuts inside a sequence', () => {
  const buf = Buffer.from('aé€😀', 'utf8') // 1 + 2 + 3 + 4 bytes
  const cuts = Array.from({ length: buf.length + 1 }, (_, max) => utf8Boundary(buf, max))
  assert.deepEqual(cuts, [0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10])
})

test('format: many records batch into one ByteWriter and take() hands out stable bytes', () => {
  const formatter = createFormatter('iso', { timeZone: 'UTC' })
  const out = new ByteWriter(64)
  for (let i = 0; i < 100; i++) formatter.write(p(`<13>1 2026-11-22T10:00:00.000Z h a - - - message ${i}`), out)
  const first = out.take()
  formatter.write(p('<13>1 2026-11-22T10:00:00.000Z h a - - - after'), out)
  const second = out.take()
  const lines = first.toString().split('\n')
  assert.equal(lines.length, 101)
  assert.equal(lines[99], '2026-11-22T10:00:00.000Z h a: message 99')
  assert.equal(second.toString(), '2026-11-22T10:00:00.000Z h a: after\n')
})
