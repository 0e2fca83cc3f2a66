import { test } from 'node:test'
import assert from 'node:assert/strict'
import { encodeRelpFrame, MAX_TXNR, nextTxnr, parseOffers, parseRelpResponse, RelpDecoder, type RelpFrame } from '../../src/framing/relp.js'

function decodeAll (chunks: Buffer[], maxDataBytes = 1024): { frames: RelpFrame[], problems: string[] } {
  const frames: RelpFrame[] = []
  const problems: string[] = []
  const decoder = new RelpDecoder({ maxDataBytes, onFrame: (f) => frames.push({ ...f, data: Buffer.from(f.data) }), onProblem: (p, d) => problems.push(`${p}: ${d}`) })
  for (const chunk of chunks) decoder.push(chunk)
  return { frames, problems }
}

const wire = Buffer.concat([
  encodeRelpFrame(1, 'open', 'relp_version=0\nrelp_software=x\ncommands=syslog'),
  encodeRelpFrame(2, 'syslog', '<13>1 - h a - - - hello\nwith LF'),
  encodeRelpFrame(3, 'close'),
  Buffer.from('0 serverclose 0\n')
])

test('relp frame: encodes TXNR SP COMMAND SP DATALEN [SP DATA] LF', () => {
  assert.equal(encodeRelpFrame(7, 'syslog', 'abc').toString(), '7 syslog 3 abc\n')
  assert.equal(encodeRelpFrame(7, 'close').toString(), '7 close 0\n')
  assert.equal(encodeRelpFrame(1, 'rsp', '200 OK').toString(), '1 rsp 6 200 OK\n')
})

test('relp frame: split at every byte offset, the same frames come out', () => {
  const whole = decodeAll([wire])
  assert.deepEqual(whole.problems, [])
  assert.deepEqual(whole.frames.map((f) => [f.txnr, f.command, f.data.toString()]), [
    [1, 'open', 'relp_version=0\nrelp_software=x\ncommands=syslog'],
    [2, 'syslog', '<13>1 - h a - - - hello\nwith LF'],
    [3, 'close', ''],
    [0, 'serverclose', '']
  ])
  for (let at = 1; at < wire.length; at++) {
    const split = decodeAll([wire.subarray(0, at), wire.subarray(at)])
    assert.deepEqual(split.frames, whole.frames, `split at ${at}`)
  }
  const bytes = decodeAll([...wire].map((b) => Buffer.from([b])))
  assert.deepEqual(bytes.frames, whole.frames, 'one byte at a time')
})

test('relp frame: DATALEN 0 followed by SP then LF is accepted too', () => {
  assert.deepEqual(decodeAll([Buffer.from('5 close 0 \n')]).frames.map((f) => f.command), ['close'])
})

test('relp frame: bad TXNR, command, DATALEN and trailer are reported once, then nothing is read', () => {
  for (const [bytes, problem] of [
    ['x syslog 1 a\n', 'bad-txnr'],
    ['1234567890 syslog 1 a\n', 'bad-txnr'],
    [' syslog 1 a\n', 'bad-txnr'],
    ['1 sys1og 1 a\n', 'bad-command'],
    [`1 ${'a'.repeat(33)} 0\n`, 'bad-command'],
    ['1  1 a\n', 'bad-command'],
    ['1 syslog -1 a\n', 'bad-datalen'],
    ['1 syslog 1234567890 a\n', 'bad-datalen'],
    ['1 syslog 3x abc\n', 'bad-datalen'],
    ['1 syslog 3 abcd\n', 'bad-trailer'],
    ['1 syslog 3 ab\n2 syslog 1 a\n', 'bad-trailer']
  ] as const) {
    const { frames, problems } = decodeAll([Buffer.from(bytes), encodeRelpFrame(9, 'syslog', 'after')])
    assert.equal(frames.length, 0, bytes)
    assert.equal(problems.length, 1, bytes)
    assert.ok(problems[0]!.startsWith(problem), `${bytes}: ${problems[0]}`)
  }
})

test('relp frame: DATA beyond maxDataBytes is discarded and the frame flagged; memory stays bounded', () => {
  const big = Buffer.alloc(100_000, 0x61)
  const frame = Buffer.concat([encodeRelpFrame(1, 'syslog', big), encodeRelpFrame(2, 'syslog', 'next')])
  const chunks: Buffer[] = []
  for (let at = 0; at < frame.length; at += 997) chunks.push(frame.subarray(at, at + 997))
  const { frames, problems } = decodeAll(chunks, 1000)
  assert.deepEqual(problems, [])
  assert.equal(frames.length, 2)
  assert.equal(frames[0]!.data.length, 1000)
  assert.equal(frames[0]!.dataBytes, 100_000)
  assert.equal(frames[0]!.truncated, true)
  assert.equal(frames[1]!.data.toString(), 'next')
  assert.equal(frames[1]!.truncated, false)
})

test('relp frame: txnr wraps from 999999999 to 1; responses and offers parse', () => {
  assert.equal(nextTxnr(1), 2)
  assert.equal(nextTxnr(MAX_TXNR), 1)
  assert.deepEqual(parseRelpResponse(Buffer.from('200 OK')), { code: 200, text: 'OK', data: '' })
  assert.deepEqual(parseRelpResponse(Buffer.from('200 OK\nrelp_version=0\ncommands=syslog')), { code: 200, text: 'OK', data: 'relp_version=0\ncommands=syslog' })
  assert.deepEqual(parseRelpResponse(Buffer.from('500')), { code: 500, text: '', data: '' })
  assert.equal(parseRelpResponse(Buffer.from('OK')), null)
  assert.deepEqual([...parseOffers('relp_version=0\nrelp_software=librelp,1.11.0,x\ncommands=syslog')], [['relp_version', '0'], ['relp_software', 'librelp,1.11.0,x'], ['commands', 'syslog']])
})
