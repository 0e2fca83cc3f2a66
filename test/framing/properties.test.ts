// Property tests (fast-check): encode arbitrary messages, cut the wire bytes into arbitrary
// chunks, decode, and expect exactly the messages back; feed arbitrary bytes and expect no
// throw, bounded frames, and the same frames whatever the chunking.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { FrameDecoder, encodeFrame } from '../../src/framing/index.js'
import type { Framing, OutputFraming } from '../../src/framing/index.js'
import { decode, splitAt } from './decode-helpers.js'

const LF = 0x0a
const CR = 0x0d
const NUL = 0x00
const LT = 0x3c

/** Cut points as fractions (in millionths) of the wire length, so they spread over any stream. */
const CUT_SCALE = 1_000_000
const cuts = fc.array(fc.nat({ max: CUT_SCALE }), { maxLength: 12, size: 'max' })

function chunked (wire: Buffer, fractions: readonly number[]): Buffer[] {
  return splitAt(wire, fractions.map((f) => Math.floor(f * wire.length / CUT_SCALE)))
}

/** Bytes weighted towards the ones framing cares about, so edge cases come up often. */
const wireByte = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }) },
  { weight: 2, arbitrary: fc.constantFrom(LF, CR, NUL, 0x20, LT, 0x30, 0x31, 0x32, 0x39) }
)
const wireBytes = (maxLength: number): fc.Arbitrary<Buffer> =>
  fc.array(wireByte, { maxLength, size: 'max' }).map((bytes) => Buffer.from(bytes))

function without (forbidden: readonly number[]): fc.Arbitrary<Buffer> {
  return wireBytes(300).map((b) => Buffer.from(b.filter((x) => !forbidden.includes(x))))
}

function roundTrip (messages: readonly Buffer[], framing: OutputFraming, decoding: Framing, offsets: readonly number[]): void {
  const wire = Buffer.concat(messages.map((m) => encodeFrame(m, framing)))
  const { frames, decoder } = decode(chunked(wire, offsets), { framing: decoding, maxFrameBytes: 1024 })
  assert.deepEqual(frames, messages.map((m) => ({ text: m.toString('latin1'), flags: 0 })))
  assert.equal(decoder.counters.bytes, wire.length)
}

test('properties: octet-counted arbitrary messages survive arbitrary chunking', () => {
  const message = wireBytes(600).filter((b) => b.length > 0)
  fc.assert(fc.property(fc.array(message, { maxLength: 20, size: 'max' }), cuts, (messages, offsets) => {
    roundTrip(messages, 'octet', 'octet', offsets)
    if (messages.length > 0 && messages[0]![0] !== undefined) roundTrip(messages, 'octet', 'auto', offsets)
  }), { numRuns: 300 })
})

test('properties: lf-framed messages without LF survive arbitrary chunking', () => {
  // A message ending in CR would lose it to CR LF stripping; one that is empty is skipped.
  const message = without([LF]).filter((b) => b.length > 0 && b[b.length - 1] !== CR)
  fc.assert(fc.property(fc.array(message, { maxLength: 20, size: 'max' }), cuts, (messages, offsets) => {
    roundTrip(messages, 'lf', 'lf', offsets)
  }), { numRuns: 300 })
})

test('properties: crlf-framed messages without LF survive arbitrary chunking', () => {
  const message = without([LF]).filter((b) => b.length > 0)
  fc.assert(fc.property(fc.array(message, { maxLength: 20, size: 'max' }), cuts, (messages, offsets) => {
    roundTrip(messages, 'crlf', 'lf', offsets)
  }), { numRuns: 300 })
})

test('properties: nul-framed messages without NUL survive arbitrary chunking', () => {
  const message = without([NUL]).filter((b) => b.length > 0)
  fc.assert(fc.property(fc.array(message, { maxLength: 20, size: 'max' }), cuts, (messages, offsets) => {
    roundTrip(messages, 'nul', 'nul', offsets)
  }), { numRuns: 300 })
})

test('properties: auto-detected non-transparent messages survive arbitrary chunking', () => {
  // Real syslog messages start with '<' (PRI), which is what tells auto-detection "not octet".
  const message = without([LF, NUL]).map((b) => Buffer.concat([Buffer.from([LT]), b]))
  fc.assert(fc.property(fc.array(message, { maxLength: 20, size: 'max' }), fc.constantFrom<OutputFraming>('lf', 'crlf', 'nul'), cuts,
    (messages, framing, offsets) => {
      const ok = messages.filter((m) => framing !== 'lf' || m[m.length - 1] !== CR)
      roundTrip(ok, framing, 'auto', offsets)
    }), { numRuns: 300 })
})

test('properties: arbitrary bytes never throw, frames stay within maxFrameBytes, chunking does not matter', () => {
  const framings = fc.constantFrom<Framing>('auto', 'octet', 'lf', 'nul')
  fc.assert(fc.property(wireBytes(600), framings, fc.integer({ min: 1, max: 40 }), cuts, (wire, framing, maxFrameBytes, offsets) => {
    const whole = decode([wire], { framing, maxFrameBytes })
    const split = decode(chunked(wire, offsets), { framing, maxFrameBytes })
    assert.deepEqual(split.frames, whole.frames)
    let delivered = 0
    for (const f of split.frames) {
      assert.ok(f.text.length <= maxFrameBytes, `frame of ${f.text.length} bytes > maxFrameBytes ${maxFrameBytes}`)
      delivered += f.text.length
    }
    assert.ok(delivered <= wire.length, 'the decoder never invents bytes')
    const c = split.decoder.counters
    assert.equal(c.frames, split.frames.length)
    assert.equal(c.bytes, wire.length)
  }), { numRuns: 1000 })
})

test('properties: decoder memory stays within maxFrameBytes + 1 whatever arrives', () => {
  fc.assert(fc.property(fc.array(wireBytes(3000), { minLength: 1, maxLength: 20, size: 'max' }),
    fc.constantFrom<Framing>('auto', 'octet', 'lf', 'nul'), fc.integer({ min: 1, max: 600 }),
    (chunks, framing, maxFrameBytes) => {
      let frames = 0
      const decoder = new FrameDecoder({
        framing,
        maxFrameBytes,
        onFrame: () => { if (++frames > decoder.counters.bytes + 1) throw new Error('more frames than bytes: decoder loop?') }
      })
      for (const chunk of chunks) {
        decoder.push(chunk)
        assert.ok(decoder.bufferedBytes <= maxFrameBytes + 1, `${decoder.bufferedBytes} bytes buffered, maxFrameBytes ${maxFrameBytes}`)
      }
      decoder.end()
    }), { numRuns: 200 })
})
