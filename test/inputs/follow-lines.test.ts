import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LINE_CONTINUES, LINE_PARTIAL, LINE_TRUNCATED, LineAssembler } from '../../src/inputs/follow-lines.js'

interface Seen { line: string, end: number, flags: number }

function assemble (max: number): { lines: LineAssembler, seen: Seen[] } {
  const seen: Seen[] = []
  const lines = new LineAssembler(max, (line, end, flags) => { seen.push({ line: line.toString('latin1'), end, flags }); return true })
  return { lines, seen }
}

test('follow-lines: a chunk split at every byte offset gives the same lines and end offsets', () => {
  const text = Buffer.from('first\r\nsecond line\n\nthird\nunfinished')
  const { lines: whole, seen: expected } = assemble(1000)
  whole.push(text, 0)
  assert.deepEqual(expected, [
    { line: 'first', end: 7, flags: 0 },
    { line: 'second line', end: 19, flags: 0 },
    { line: '', end: 20, flags: 0 },
    { line: 'third', end: 26, flags: 0 }
  ])
  assert.equal(whole.hasPartial, true)
  for (let cut = 0; cut <= text.length; cut++) {
    const { lines, seen } = assemble(1000)
    lines.push(text.subarray(0, cut), 0)
    lines.push(text.subarray(cut), cut)
    assert.deepEqual(seen, expected, `cut at ${cut}`)
    assert.equal(lines.end, text.length)
  }
})

test('follow-lines: a line longer than the limit keeps its start and is flagged, whatever the chunking', () => {
  const text = Buffer.from('short\n' + 'x'.repeat(50) + '\nafter\n')
  for (let cut = 0; cut <= text.length; cut++) {
    const { lines, seen } = assemble(10)
    lines.push(text.subarray(0, cut), 100)
    lines.push(text.subarray(cut), 100 + cut)
    assert.deepEqual(seen, [
      { line: 'short', end: 106, flags: 0 },
      { line: 'x'.repeat(10), end: 157, flags: LINE_TRUNCATED },
      { line: 'after', end: 163, flags: 0 }
    ], `cut at ${cut}`)
  }
})

test('follow-lines: flushPartial hands out the unfinished line; its rest is flagged as a continuation', () => {
  const { lines, seen } = assemble(100)
  lines.push(Buffer.from('done\nhalf'), 0)
  lines.flushPartial()
  lines.flushPartial() // nothing more held: no empty line
  lines.push(Buffer.from(' and the rest\nnext\n'), 9)
  assert.deepEqual(seen, [
    { line: 'done', end: 5, flags: 0 },
    { line: 'half', end: 9, flags: LINE_PARTIAL },
    { line: ' and the rest', end: 23, flags: LINE_CONTINUES },
    { line: 'next', end: 28, flags: 0 }
  ])
})

test('follow-lines: reset drops what is held and starts again at the offset given', () => {
  const { lines, seen } = assemble(100)
  lines.push(Buffer.from('abc'), 500)
  lines.reset(0)
  assert.equal(lines.hasPartial, false)
  lines.push(Buffer.from('new\n'), 0)
  assert.deepEqual(seen, [{ line: 'new', end: 4, flags: 0 }])
})

test('follow-lines: a stop after any line leaves the rest for a rewind, and nothing is seen twice', () => {
  const text = Buffer.from('a\nbb\nccc\ndddd\ntail')
  for (let stopAfter = 1; stopAfter <= 4; stopAfter++) {
    const seen: string[] = []
    let count = 0
    const lines = new LineAssembler(100, (line) => { seen.push(line.toString()); return ++count !== stopAfter })
    assert.equal(lines.push(text, 0), false)
    const at = lines.end
    assert.equal(at, text.indexOf(seen.at(-1)!) + seen.at(-1)!.length + 1, 'end is just after the last line taken')
    lines.rewind(at)
    assert.equal(lines.push(text.subarray(at), at), true)
    assert.deepEqual(seen, ['a', 'bb', 'ccc', 'dddd'])
    assert.equal(lines.hasPartial, true)
  }
})
