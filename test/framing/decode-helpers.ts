// Shared by the framing tests: run a FrameDecoder over chunks and record what it delivered.

import { FrameDecoder } from '../../src/framing/index.js'
import type { FrameDecoderOptions } from '../../src/framing/index.js'

export interface Delivered {
  /** The frame as latin1, so assertion diffs show the bytes. */
  text: string
  flags: number
}

export interface DecodeResult {
  frames: Delivered[]
  /** The Buffers onFrame received, kept to check that they are not overwritten later. */
  buffers: Buffer[]
  problems: string[]
  decoder: FrameDecoder
}

/**
 * Pushes each chunk (copied to a fresh Buffer, as a socket would hand it over), then calls
 * end() unless `end` is false. Frames are read as text only at the end, so a decoder that
 * handed out a view of memory it later reused would fail the comparison.
 */
export function decode (chunks: readonly Buffer[], options: Omit<FrameDecoderOptions, 'onFrame'> = {}, end = true): DecodeResult {
  const buffers: Buffer[] = []
  const flagsSeen: number[] = []
  const problems: string[] = []
  // Every frame uses at least one input byte (end() may add one empty frame), so more frames
  // than that means the decoder is looping: fail fast rather than run out of memory.
  const frameLimit = chunks.reduce((sum, c) => sum + c.length, 1)
  const decoder = new FrameDecoder({
    ...options,
    onFrame: (frame, flags) => {
      if (buffers.length >= frameLimit) throw new Error(`more than ${frameLimit} frames from ${frameLimit - 1} bytes: decoder loop?`)
      buffers.push(frame)
      flagsSeen.push(flags)
    },
    onProblem: (message) => { problems.push(message) }
  })
  for (const chunk of chunks) decoder.push(Buffer.from(chunk))
  if (end) decoder.end()
  const frames = buffers.map((b, i) => ({ text: b.toString('latin1'), flags: flagsSeen[i]! }))
  return { frames, buffers, problems, decoder }
}

/** `buf` cut at the given offsets (any order, out-of-range ones clamped). */
export function splitAt (buf: Buffer, offsets: readonly number[]): Buffer[] {
  const cuts = offsets.map((o) => Math.max(0, Math.min(buf.length, o))).sort((a, b) => a - b)
  const chunks: Buffer[] = []
  let from = 0
  for (const cut of cuts) {
    chunks.push(buf.subarray(from, cut))
    from = cut
  }
  chunks.push(buf.subarray(from))
  return chunks
}

/** Every way of cutting `buf` in two, then one byte per chunk. */
export function* everySplit (buf: Buffer): Generator<{ label: string, chunks: Buffer[] }> {
  for (let i = 0; i <= buf.length; i++) yield { label: `split at ${i}`, chunks: splitAt(buf, [i]) }
  const bytes: Buffer[] = []
  for (let i = 0; i < buf.length; i++) bytes.push(buf.subarray(i, i + 1))
  yield { label: 'byte by byte', chunks: bytes }
}

export function frame (text: string, flags = 0): Delivered {
  return { text, flags }
}

export function latin1 (text: string): Buffer {
  return Buffer.from(text, 'latin1')
}
