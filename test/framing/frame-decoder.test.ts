import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  FrameDecoder,
  FRAME_INCOMPLETE,
  FRAME_TRUNCATED,
  FRAME_UNFRAMED,
  encodeFrame,
  encodeNonTransparent,
  encodeOctetCounted,
  octetCountPrefix
} from '../../src/framing/index.js'
import type { OutputFraming } from '../../src/framing/index.js'
import { decode, everySplit, frame, latin1 } from './decode-helpers.js'

test('frame-decoder: flags are distinct bits', () => {
  assert.deepEqual([FRAME_TRUNCATED, FRAME_UNFRAMED, FRAME_INCOMPLETE], [1, 2, 4])
})

test('frame-decoder: auto picks octet counting when the first byte is a digit', () => {
  const { frames, decoder } = decode([latin1('12 <13>hi there5 <13>\n')])
  assert.equal(decoder.mode, 'octet')
  assert.deepEqual(frames, [frame('<13>hi there'), frame('<13>\n')])
})

test('frame-decoder: auto picks non-transparent framing when the first byte is <', () => {
  const { frames, decoder } = decode([latin1('<13>a\n<13>b\r\n<13>c\0<13>d\n12 not a length\n')])
  assert.equal(decoder.mode, 'lf')
  assert.deepEqual(frames, [frame('<13>a'), frame('<13>b'), frame('<13>c'), frame('<13>d'), frame('12 not a length')])
})

test('frame-decoder: auto picks non-transparent framing for any other first byte', () => {
  for (const first of ['0', 'a', ' ', '\xff']) {
    const { frames, decoder } = decode([latin1(`${first}x\n`)])
    assert.equal(decoder.mode, 'lf', JSON.stringify(first))
    assert.deepEqual(frames, [frame(`${first}x`)])
  }
})

test('frame-decoder: auto skips leading LF, CR and NUL before detecting', () => {
  const octet = decode([latin1('\n\r\n\0' + '5 <13>a')])
  assert.equal(octet.decoder.mode, 'octet')
  assert.deepEqual(octet.frames, [frame('<13>a')])
  const lines = decode([latin1('\r\n\n<13>a\n')])
  assert.equal(lines.decoder.mode, 'lf')
  assert.deepEqual(lines.frames, [frame('<13>a')])
})

test('frame-decoder: auto stays undetected until the first real byte', () => {
  const decoder = new FrameDecoder({ onFrame: () => {} })
  assert.equal(decoder.mode, 'undetected')
  decoder.push(latin1('\n\r\0'))
  assert.equal(decoder.mode, 'undetected')
  decoder.end()
  assert.equal(decoder.mode, 'undetected')
  decoder.push(latin1('\n7'))
  assert.equal(decoder.mode, 'octet')
})

test('frame-decoder: auto-detection gives the same frames at every split', () => {
  for (const wire of [latin1('\r\n3 abc\n4 <1>x'), latin1('\n\0<1>a\r\n<1>b\0\0<1>c')]) {
    const expected = decode([wire]).frames
    for (const { label, chunks } of everySplit(wire)) assert.deepEqual(decode(chunks).frames, expected, label)
  }
})

test('frame-decoder: explicit framing is not auto-detected', () => {
  assert.deepEqual(decode([latin1('5 <13>a\n')], { framing: 'lf' }).frames, [frame('5 <13>a')])
  const octet = decode([latin1('<13>a\n')], { framing: 'octet' })
  assert.deepEqual(octet.frames, [frame('<13>a', FRAME_UNFRAMED)])
  assert.equal(new FrameDecoder({ framing: 'octet', onFrame: () => {} }).mode, 'octet')
})

test('frame-decoder: rejects invalid options', () => {
  const onFrame = (): void => {}
  for (const maxFrameBytes of [0, -1, 1.5, Number.NaN, Infinity]) {
    assert.throws(() => new FrameDecoder({ maxFrameBytes, onFrame }), { code: 'STELE_INVALID_OPTION' }, String(maxFrameBytes))
  }
  assert.throws(() => new FrameDecoder({ framing: 'tcp' as 'lf', onFrame }), { code: 'STELE_INVALID_OPTION' })
  assert.throws(() => new FrameDecoder({} as { onFrame: typeof onFrame }), { code: 'STELE_INVALID_OPTION' })
  assert.doesNotThrow(() => new FrameDecoder({ maxFrameBytes: 1, onFrame }))
})

test('frame-decoder: maxFrameBytes 1 still decodes and stays in sync', () => {
  const octet = decode([latin1('1 a3 bcd1 e')], { framing: 'octet', maxFrameBytes: 1 })
  assert.deepEqual(octet.frames, [frame('a'), frame('b', FRAME_TRUNCATED), frame('e')])
  const lf = decode([latin1('a\nbcd\ne\r\n')], { framing: 'lf', maxFrameBytes: 1 })
  assert.deepEqual(lf.frames, [frame('a'), frame('b', FRAME_TRUNCATED), frame('e')])
})

test('frame-decoder: counters count frames, each flag, and bytes received', () => {
  const wire = latin1('5 <13>a20 <13>b' + 'x'.repeat(16) + 'junk\n3 abc9 <13>')
  const { decoder } = decode([wire], { framing: 'octet', maxFrameBytes: 10 })
  assert.deepEqual(decoder.counters, { frames: 5, truncated: 1, unframed: 1, incomplete: 1, bytes: wire.length })
})

test('frame-decoder: delivered frames stay valid after later pushes', () => {
  // Every frame here crosses a chunk boundary, so each is copied out of the decoder's buffers.
  for (const framing of ['lf', 'octet'] as const) {
    const messages = ['<13>first', '<13>second one', '<13>third']
    const wire = Buffer.concat(messages.map((m) => encodeFrame(latin1(m), framing)))
    const { buffers } = decode([...splitEvery(wire, 3)], { framing })
    assert.deepEqual(buffers.map((b) => b.toString('latin1')), messages, framing)
  }
})

function * splitEvery (buf: Buffer, bytes: number): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += bytes) yield buf.subarray(i, i + bytes)
}

test('frame-decoder: end() resets to between frames and keeps the detected mode', () => {
  const got: string[] = []
  const decoder = new FrameDecoder({ onFrame: (f, flags) => { got.push(`${f.toString('latin1')}/${flags}`) } })
  decoder.push(latin1('10 <13>abc'))
  decoder.end()
  decoder.end()
  decoder.push(latin1('5 <13>b'))
  decoder.end()
  assert.deepEqual(got, [`<13>abc/${FRAME_INCOMPLETE}`, '<13>b/0'])
  assert.equal(decoder.mode, 'octet')
})

test('frame-decoder: encodeFrame round trips through the decoder for every framing', () => {
  const messages = ['<13>a', '<165>1 2003-10-11T22:14:15.003Z host app - ID47 - \ufeffBOM', '<13>x'.repeat(100)]
  const decoderFraming = { octet: 'octet', lf: 'lf', crlf: 'lf', nul: 'nul' } as const
  for (const framing of ['octet', 'lf', 'crlf', 'nul'] as const satisfies readonly OutputFraming[]) {
    const wire = Buffer.concat(messages.map((m) => encodeFrame(Buffer.from(m), framing)))
    for (const decoding of [decoderFraming[framing], 'auto'] as const) {
      const got = decode([wire], { framing: decoding }).buffers.map((b) => b.toString())
      assert.deepEqual(got, messages, `${framing} decoded as ${decoding}`)
    }
  }
})

test('frame-decoder: encodeFrame matches the framing-specific encoders', () => {
  const msg = latin1('<13>a\nb')
  assert.deepEqual(encodeFrame(msg, 'octet'), encodeOctetCounted(msg))
  assert.deepEqual(encodeFrame(msg, 'octet'), Buffer.concat([octetCountPrefix(msg.length), msg]))
  for (const t of ['lf', 'crlf', 'nul'] as const) assert.deepEqual(encodeFrame(msg, t), encodeNonTransparent(msg, t))
})

test('frame-decoder: embedded LF becomes a space with lf framing and survives octet counting', () => {
  const msg = latin1('<13>stack trace:\n  at f()\n  at g()')
  assert.deepEqual(decode([encodeFrame(msg, 'lf')]).frames, [frame('<13>stack trace:   at f()   at g()')])
  assert.deepEqual(decode([encodeFrame(msg, 'octet')]).frames, [frame('<13>stack trace:\n  at f()\n  at g()')])
})
