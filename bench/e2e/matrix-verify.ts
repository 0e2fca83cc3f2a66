// Output checks of the benchmark matrix (bench/e2e/matrix.bench.ts): waiting until a daemon's
// file holds the whole load (its expected size is known from the first line: every output line
// differs from its input line by the same number of bytes, see load.ts), and reading the whole
// file back: every seq 1..count once (for UDP: how many arrived), every SAMPLE_EVERY-th line
// compared in full with the input line it came from.

import { closeSync, openSync, readSync } from 'node:fs'
import { HEADER_BYTES, lineAt, timeOf, type LoadFile } from './load.js'
import type { Verification } from './report.js'
import { fileSize, sleep } from './matrix-proc.js'

export const POLL_MS = 20
const SEQ = Buffer.from('seq=')
export const SAMPLE_EVERY = 1000

export interface Timing { complete: boolean, elapsedMs: number, size: number, problem: string | null }

/**
 * Polls the output file until it reaches the expected size. The expected size is known when the
 * first line is in: every output line is `delta` bytes longer than its input line.
 */
export async function waitForFile (file: string, base: number, load: LoadFile, t0: number, stallMs: number, limitMs: number): Promise<Timing> {
  let expected = -1
  let problem: string | null = null
  let lastSize = base
  let lastGrowth = t0
  for (;;) {
    await sleep(POLL_MS)
    const size = fileSize(file)
    const now = performance.now()
    if (size > lastSize) { lastSize = size; lastGrowth = now }
    if (expected < 0 && size > base) {
      const head = Buffer.alloc(Math.min(size - base, 65536))
      const fd = openSync(file, 'r')
      try { readSync(fd, head, 0, head.length, base) } finally { closeSync(fd) }
      const lf = head.indexOf(0x0a)
      if (lf >= 0) {
        // Usually line 1; rsyslog may write another first (its worker threads reorder).
        const at = head.subarray(0, lf).indexOf(SEQ)
        const seq = at < 0 ? NaN : Number(head.toString('latin1', at + 4, at + 4 + load.width))
        if (!(seq >= 1 && seq <= load.count)) {
          problem = `the first new line is not one of the load: ${head.toString('latin1', 0, Math.min(lf, 200))}`
          expected = Infinity
        } else {
          expected = base + load.bytes + load.count * (lf + 1 - (lineAt(seq, load.width).length + 1))
        }
      }
    }
    if (expected >= 0 && size >= expected) {
      if (size > expected) problem ??= `${size - expected} bytes more than expected`
      return { complete: true, elapsedMs: now - t0, size, problem }
    }
    if (now - lastGrowth > stallMs) return { complete: false, elapsedMs: lastGrowth - t0, size, problem: problem ?? `no growth for ${stallMs / 1000} s` }
    if (now - t0 > limitMs) return { complete: false, elapsedMs: now - t0, size, problem: problem ?? `not done after ${limitMs / 1000} s` }
  }
}

/** Reads the whole output file: every seq 1..count once, in order; every SAMPLE_EVERY-th line compared in full. */
export function verifyFile (file: string, load: LoadFile): Verification {
  const v: Verification = { lines: 0, benchLines: 0, otherLines: 0, otherSamples: [], missing: 0, duplicates: 0, outOfOrder: 0, sampled: 0, sampleMismatches: [], ok: false }
  const seen = new Uint8Array(load.count + 1)
  const width = load.width
  let expectedSeq = 1
  const fd = openSync(file, 'r')
  let buf = Buffer.allocUnsafe(8 << 20)
  let filled = 0
  try {
    for (;;) {
      if (filled === buf.length) { const bigger = Buffer.allocUnsafe(buf.length * 2); buf.copy(bigger, 0, 0, filled); buf = bigger }
      const n = readSync(fd, buf, filled, buf.length - filled, null)
      const eof = n === 0
      filled += n
      let start = 0
      for (;;) {
        let end = buf.indexOf(0x0a, start)
        if (end < 0 || end >= filled) {
          if (!eof || start >= filled) break
          end = filled // a last line without LF
        }
        v.lines++
        const at = buf.indexOf(SEQ, start)
        if (at < 0 || at >= end || at + 4 + width > end) {
          v.otherLines++
          if (v.otherSamples.length < 3) v.otherSamples.push(buf.toString('latin1', start, Math.min(end, start + 200)))
        } else {
          let seq = 0
          for (let i = at + 4; i < at + 4 + width; i++) seq = seq * 10 + (buf[i]! - 48)
          if (seq < 1 || seq > load.count) {
            v.otherLines++
          } else {
            v.benchLines++
            if (seen[seq] === 1) v.duplicates++
            seen[seq] = 1
            if (seq !== expectedSeq) v.outOfOrder++
            expectedSeq = seq + 1
            if (seq === 1 || seq === load.count || seq % SAMPLE_EVERY === 0) {
              v.sampled++
              const mismatch = compareLine(buf.toString('latin1', start, end), seq, width)
              if (mismatch !== null && v.sampleMismatches.length < 3) v.sampleMismatches.push(mismatch)
            }
          }
        }
        start = end + 1
      }
      if (eof) break
      buf.copy(buf, 0, start, filled)
      filled -= start
    }
  } finally {
    closeSync(fd)
  }
  for (let seq = 1; seq <= load.count; seq++) if (seen[seq] === 0) v.missing++
  // Order is reported, not required: rsyslog's worker threads reorder lines of one connection.
  v.ok = v.missing === 0 && v.duplicates === 0 && v.sampleMismatches.length === 0 && v.benchLines === load.count
  return v
}

/** An output line must be `TIMESTAMP ` + its input line after `<PRI>Mmm dd hh:mm:ss `, with the same time of day. */
function compareLine (actual: string, seq: number, width: number): string | null {
  const input = lineAt(seq, width)
  const space = actual.indexOf(' ')
  const stamp = actual.slice(0, space)
  if (actual.slice(space + 1) !== input.slice(HEADER_BYTES) || !stamp.includes(`T${timeOf(seq)}`)) {
    return `line seq=${seq}: ${JSON.stringify(actual.slice(0, 120))} for input ${JSON.stringify(input.slice(0, 120))}`
  }
  return null
}

