import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  FrameDecoder,
  FRAME_INCOMPLETE,
  FRAME_TRUNCATED,
  FRAME_UNFRAMED,
  encodeOctetCounted,
  octetCountPrefix
} from '../../src/framing/index.js'
import { decode, everySplit, frame, latin1 } from './decode-helpers.js'

test('octet-counting: octetCountPrefix writes MSG-LEN and one SP', () => {
  assert.equal(octetCountPrefix(1).toString('latin1'), '1 ')
  assert.equal(octetCountPrefix(10).toString('latin1'), '10 ')
  assert.equal(octetCountPrefix(120000).toString('latin1'), '120000 ')
  assert.equal(octetCountPrefix(999_999_999).toString('latin1'), '999999999 ')
})

test('octet-counting: octetCountPrefix rejects lengths MSG-LEN cannot express', () => {
  for (const bad of [0, -1, 1.5, Number.NaN, 1_000_000_000]) {
    assert.throws(() => octetCountPrefix(bad), { code: 'STELE_INVALID_OPTION' }, String(bad))
  }
  assert.throws(() => encodeOctetCounted(Buffer.alloc(0)), { code: 'STELE_INVALID_OPTION' })
})

test('octet-counting: encodeOctetCounted keeps embedded LF and NUL', () => {
  const msg = latin1('<13>line one\nline two\0end')
  const encoded = encodeOctetCounted(msg)
  assert.equal(encoded.toString('latin1'), `${msg.length} <13>line one\nline two\0end`)
  assert.deepEqual(decode([encoded], { framing: 'octet' }).frames, [frame('<13>line one\nline two\0end')])
})

test('octet-counting: decodes a single frame', () => {
  const { frames, problems, decoder } = decode([latin1('12 <13>hi there')], { framing: 'octet' })
  assert.deepEqual(frames, [frame('<13>hi there')])
  assert.deepEqual(problems, [])
  assert.equal(decoder.mode, 'octet')
})

test('octet-counting: decodes many frames in one chunk as zero-copy views', () => {
  const chunk = latin1('5 <13>a5 <13>b10 <13>0123456')
  const delivered: Buffer[] = []
  const decoder = new FrameDecoder({ framing: 'octet', onFrame: (f) => { delivered.push(f) } })
  decoder.push(chunk)
  assert.deepEqual(delivered.map((b) => b.toString('latin1')), ['<13>a', '<13>b', '<13>012345'])
  for (const b of delivered) assert.equal(b.buffer, chunk.buffer, 'a frame inside one chunk is a view of it')
  assert.equal(decoder.counters.frames, 3)
})

test('octet-counting: skips LF, CR LF and NUL between frames', () => {
  const { frames, problems } = decode([latin1('\n5 <13>a\n5 <13>b\r\n\x005 <13>c\n\n')], { framing: 'octet' })
  assert.deepEqual(frames, [frame('<13>a'), frame('<13>b'), frame('<13>c')])
  assert.deepEqual(problems, [])
})

// A stream with every octet-mode path: normal, empty-looking, oversize, garbage, trailers between.
const maxFrameBytes = 8
const mixedStream = latin1('3 abc\n8 12345678' + '10 0123456789' + 'xyz\n' + '12x\r\n' + '2 \n\n' + '4 <1>a' + '0123 x\n' + '1 z')
const mixedFrames = [
  frame('abc'),
  frame('12345678'),
  frame('01234567', FRAME_TRUNCATED),
  frame('xyz', FRAME_UNFRAMED),
  frame('12x', FRAME_UNFRAMED),
  frame('\n\n'),
  frame('<1>a'),
  frame('0123 x', FRAME_UNFRAMED),
  frame('z')
]

test('octet-counting: a mixed stream decodes to the expected frames', () => {
  const { frames, decoder } = decode([mixedStream], { framing: 'octet', maxFrameBytes })
  assert.deepEqual(frames, mixedFrames)
  assert.deepEqual(decoder.counters, { frames: 9, truncated: 1, unframed: 3, incomplete: 0, bytes: mixedStream.length })
})

test('octet-counting: frame split at every byte offset', () => {
  for (const { label, chunks } of everySplit(mixedStream)) {
    assert.deepEqual(decode(chunks, { framing: 'octet', maxFrameBytes }).frames, mixedFrames, label)
  }
})

test('octet-counting: end() inside a frame delivers what arrived, flagged FRAME_INCOMPLETE', () => {
  const { frames, problems, decoder } = decode([latin1('5 <13>a20 <13>cut sho')], { framing: 'octet' })
  assert.deepEqual(frames, [frame('<13>a'), frame('<13>cut sho', FRAME_INCOMPLETE)])
  assert.equal(decoder.counters.incomplete, 1)
  assert.match(problems[0]!, /stream ended 11 bytes into a frame of length 20/)
})

test('octet-counting: end() right after the SP delivers an empty incomplete frame', () => {
  assert.deepEqual(decode([latin1('7 ')], { framing: 'octet' }).frames, [frame('', FRAME_INCOMPLETE)])
})

test('octet-counting: end() inside MSG-LEN delivers the digits unframed and incomplete', () => {
  const { frames, problems } = decode([latin1('5 <13>a12')], { framing: 'octet' })
  assert.deepEqual(frames, [frame('<13>a'), frame('12', FRAME_UNFRAMED | FRAME_INCOMPLETE)])
  assert.match(problems[0]!, /length prefix "12"/)
})

test('octet-counting: end() inside MSG-LEN still holds the digits to maxFrameBytes', () => {
  const { frames } = decode([latin1('19')], { framing: 'auto', maxFrameBytes: 1 })
  assert.deepEqual(frames, [frame('1', FRAME_UNFRAMED | FRAME_INCOMPLETE | FRAME_TRUNCATED)])
})

test('octet-counting: end() while skipping an oversize frame delivers nothing more', () => {
  const { frames } = decode([latin1('20 0123456789')], { framing: 'octet', maxFrameBytes: 4 })
  assert.deepEqual(frames, [frame('0123', FRAME_TRUNCATED)])
})

test('octet-counting: oversize frame is truncated, reported, and the next frames decode', () => {
  const big = 'B'.repeat(120000)
  const stream = latin1(`5 <13>a120000 ${big}5 <13>b`)
  for (const chunkBytes of [stream.length, 65536, 1000, 7]) {
    const chunks: Buffer[] = []
    for (let i = 0; i < stream.length; i += chunkBytes) chunks.push(stream.subarray(i, i + chunkBytes))
    const { frames, problems, decoder } = decode(chunks, { framing: 'octet' })
    assert.deepEqual(frames, [frame('<13>a'), frame('B'.repeat(65536), FRAME_TRUNCATED), frame('<13>b')], `chunks of ${chunkBytes}`)
    assert.deepEqual(problems, ['frame length 120000 exceeds maxFrameBytes 65536; truncated'])
    assert.deepEqual(decoder.counters, { frames: 3, truncated: 1, unframed: 0, incomplete: 0, bytes: stream.length })
  }
})

test('octet-counting: garbage length prefixes come out FRAME_UNFRAMED and valid frames follow', () => {
  const cases = [
    { garbage: 'abc\n', unframed: 'abc' },
    { garbage: '0123 x\n', unframed: '0123 x' },
    { garbage: '1234567890123 x\n', unframed: '1234567890123 x' },
    { garbage: '12x<13>not a frame\r\n', unframed: '12x<13>not a frame' },
    { garbage: '12\n', unframed: '12' },
    { garbage: '<13>a non-transparent line\n', unframed: '<13>a non-transparent line' }
  ]
  for (const { garbage, unframed } of cases) {
    const stream = latin1(`5 <13>a${garbage}5 <13>b7 <13>c\nd`)
    const expected = [frame('<13>a'), frame(unframed, FRAME_UNFRAMED), frame('<13>b'), frame('<13>c\nd')]
    for (const { label, chunks } of everySplit(stream)) {
      const { frames, problems, decoder } = decode(chunks, { framing: 'octet' })
      assert.deepEqual(frames, expected, `${JSON.stringify(garbage)} ${label}`)
      assert.equal(problems.length, 1)
      assert.match(problems[0]!, /^invalid octet-counting length prefix ".+"/)
      assert.equal(decoder.counters.unframed, 1)
    }
  }
})

test('octet-counting: a garbage line longer than maxFrameBytes is truncated and resynchronises', () => {
  const stream = latin1(`123456789x${'y'.repeat(50)}\n3 abc`)
  for (const { label, chunks } of everySplit(stream)) {
    const { frames } = decode(chunks, { framing: 'octet', maxFrameBytes: 4 })
    assert.deepEqual(frames, [frame('1234', FRAME_UNFRAMED | FRAME_TRUNCATED), frame('abc')], label)
  }
})

test('octet-counting: a line without LF after garbage comes out at end()', () => {
  const { frames } = decode([latin1('3 abcjunk')], { framing: 'octet' })
  assert.deepEqual(frames, [frame('abc'), frame('junk', FRAME_UNFRAMED)])
})
