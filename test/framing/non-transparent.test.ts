import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FrameDecoder, FRAME_TRUNCATED, encodeNonTransparent } from '../../src/framing/index.js'
import { decode, everySplit, frame, latin1 } from './decode-helpers.js'

test('non-transparent: encodeNonTransparent appends LF, CR LF or NUL', () => {
  const msg = latin1('<13>hi')
  assert.equal(encodeNonTransparent(msg).toString('latin1'), '<13>hi\n')
  assert.equal(encodeNonTransparent(msg, 'lf').toString('latin1'), '<13>hi\n')
  assert.equal(encodeNonTransparent(msg, 'crlf').toString('latin1'), '<13>hi\r\n')
  assert.equal(encodeNonTransparent(msg, 'nul').toString('latin1'), '<13>hi\0')
})

test('non-transparent: encoder replaces each embedded trailer byte with a space', () => {
  const msg = latin1('\n<13>a\nb\0c\n\n')
  assert.equal(encodeNonTransparent(msg, 'lf').toString('latin1'), ' <13>a b\0c  \n')
  assert.equal(encodeNonTransparent(msg, 'crlf').toString('latin1'), ' <13>a b\0c  \r\n')
  assert.equal(encodeNonTransparent(msg, 'nul').toString('latin1'), '\n<13>a\nb c\n\n\0')
  assert.equal(msg.toString('latin1'), '\n<13>a\nb\0c\n\n', 'the caller\'s buffer is not modified')
})

test('non-transparent: lf decodes a single frame', () => {
  const { frames, problems, decoder } = decode([latin1('<13>hi there\n')], { framing: 'lf' })
  assert.deepEqual(frames, [frame('<13>hi there')])
  assert.deepEqual(problems, [])
  assert.equal(decoder.mode, 'lf')
})

test('non-transparent: many frames in one chunk are zero-copy views', () => {
  const chunk = latin1('<13>a\n<13>b\n<13>c\n')
  const delivered: Buffer[] = []
  const decoder = new FrameDecoder({ framing: 'lf', onFrame: (f) => { delivered.push(f) } })
  decoder.push(chunk)
  assert.deepEqual(delivered.map((b) => b.toString('latin1')), ['<13>a', '<13>b', '<13>c'])
  for (const b of delivered) assert.equal(b.buffer, chunk.buffer)
})

test('non-transparent: CR LF trailer loses its CR, other CRs stay', () => {
  const { frames } = decode([latin1('<13>a\r\n<13>b\rc\r\r\n\r<13>d\n')], { framing: 'lf' })
  assert.deepEqual(frames, [frame('<13>a'), frame('<13>b\rc\r'), frame('\r<13>d')])
})

test('non-transparent: lf keeps NUL in content, nul keeps LF in content', () => {
  assert.deepEqual(decode([latin1('<13>a\0b\n')], { framing: 'lf' }).frames, [frame('<13>a\0b')])
  const nul = decode([latin1('<13>a\nb\0<13>c\r\n\0')], { framing: 'nul' })
  assert.deepEqual(nul.frames, [frame('<13>a\nb'), frame('<13>c\r\n')])
  assert.equal(nul.decoder.mode, 'nul')
})

test('non-transparent: empty frames are skipped', () => {
  assert.deepEqual(decode([latin1('\n\n<13>a\n\r\n\n<13>b\n\n')], { framing: 'lf' }).frames, [frame('<13>a'), frame('<13>b')])
  assert.deepEqual(decode([latin1('\0\0<13>a\0\0')], { framing: 'nul' }).frames, [frame('<13>a')])
  const { decoder } = decode([latin1('\n\r\n\n')], { framing: 'lf' })
  assert.equal(decoder.counters.frames, 0)
})

test('non-transparent: end() delivers a last line without trailer as a normal frame', () => {
  assert.deepEqual(decode([latin1('<13>a\n<13>b')], { framing: 'lf' }).frames, [frame('<13>a'), frame('<13>b')])
  assert.deepEqual(decode([latin1('<13>a\n<13>b\r')], { framing: 'lf' }).frames, [frame('<13>a'), frame('<13>b')])
  assert.deepEqual(decode([latin1('<13>a\0<13>b')], { framing: 'nul' }).frames, [frame('<13>a'), frame('<13>b')])
  const { decoder } = decode([latin1('<13>a\n<13>b')], { framing: 'lf' })
  assert.equal(decoder.counters.incomplete, 0)
})

test('non-transparent: no frame before end() for a line without trailer', () => {
  const { frames } = decode([latin1('<13>a\n<13>b')], { framing: 'lf' }, false)
  assert.deepEqual(frames, [frame('<13>a')])
})

const maxFrameBytes = 6
const streams = {
  lf: {
    wire: latin1('<1>abc\n\n<1>abcd\r\n<1>toolong\nexactly\r\n<1>abc\r\r\n\r\n<1>muchtoolong\r\nlast\r'),
    frames: [frame('<1>abc'), frame('<1>abc', FRAME_TRUNCATED), frame('<1>too', FRAME_TRUNCATED), frame('exactl', FRAME_TRUNCATED),
      frame('<1>abc', FRAME_TRUNCATED), frame('<1>muc', FRAME_TRUNCATED), frame('last')]
  },
  nul: {
    wire: latin1('<1>abc\0\0<1>a\nb\0<1>toolong\0<1>abc\r\0x'),
    frames: [frame('<1>abc'), frame('<1>a\nb'), frame('<1>too', FRAME_TRUNCATED), frame('<1>abc', FRAME_TRUNCATED), frame('x')]
  }
} as const

test('non-transparent: a mixed stream decodes to the expected frames', () => {
  for (const framing of ['lf', 'nul'] as const) {
    const { frames } = decode([streams[framing].wire], { framing, maxFrameBytes })
    assert.deepEqual(frames, streams[framing].frames, framing)
  }
})

test('non-transparent: frame split at every byte offset', () => {
  for (const framing of ['lf', 'nul'] as const) {
    for (const { label, chunks } of everySplit(streams[framing].wire)) {
      assert.deepEqual(decode(chunks, { framing, maxFrameBytes }).frames, streams[framing].frames, `${framing} ${label}`)
    }
  }
})

test('non-transparent: a frame of exactly maxFrameBytes with CR LF is not truncated at any split', () => {
  const wire = latin1('abcdef\r\nabcdef\rabcdef\r')
  const expected = [frame('abcdef'), frame('abcdef', FRAME_TRUNCATED)]
  for (const { label, chunks } of everySplit(wire)) {
    assert.deepEqual(decode(chunks, { framing: 'lf', maxFrameBytes }).frames, expected, label)
  }
})

test('non-transparent: oversize line is truncated, reported, and the next frames decode', () => {
  const big = '<13>' + 'L'.repeat(200000)
  const wire = latin1(`<13>a\n${big}\n<13>b\n`)
  for (const chunkBytes of [wire.length, 65536, 1000, 7]) {
    const chunks: Buffer[] = []
    for (let i = 0; i < wire.length; i += chunkBytes) chunks.push(wire.subarray(i, i + chunkBytes))
    const { frames, problems, decoder } = decode(chunks, { framing: 'lf' })
    assert.deepEqual(frames, [frame('<13>a'), frame(big.slice(0, 65536), FRAME_TRUNCATED), frame('<13>b')], `chunks of ${chunkBytes}`)
    assert.equal(problems.length, 1)
    assert.match(problems[0]!, /exceeds maxFrameBytes 65536\b.*; truncated/)
    assert.deepEqual(decoder.counters, { frames: 3, truncated: 1, unframed: 0, incomplete: 0, bytes: wire.length })
  }
})

test('non-transparent: an endless line never holds more than maxFrameBytes', () => {
  const frames: Buffer[] = []
  const decoder = new FrameDecoder({ framing: 'lf', maxFrameBytes: 1024, onFrame: (f) => { frames.push(f) } })
  const chunk = Buffer.alloc(4096, 0x61)
  for (let i = 0; i < 1000; i++) decoder.push(chunk)
  assert.equal(frames.length, 1)
  assert.equal(frames[0]!.length, 1024)
  decoder.push(latin1('tail\n<13>next\n'))
  assert.deepEqual(frames.slice(1).map((f) => f.toString('latin1')), ['<13>next'])
})
