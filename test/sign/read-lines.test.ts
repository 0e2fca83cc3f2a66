// Line splitting for `stele verify`: exact octets, any chunking, a last line without "\n".

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { readLines } from '../../src/sign/verify/read-lines.js'

async function collect (chunks: Buffer[]): Promise<string[]> {
  const out: string[] = []
  for await (const line of readLines(Readable.from(chunks))) out.push(line.toString('latin1'))
  return out
}

test('read-lines: split at every offset gives the same lines, bytes kept', async () => {
  const text = Buffer.from('a\r\n\nsecond \u00ff line\nlast without newline', 'latin1')
  const expected = ['a\r', '', 'second \u00ff line', 'last without newline']
  assert.deepEqual(await collect([text]), expected)
  for (let cut = 0; cut <= text.length; cut++) {
    assert.deepEqual(await collect([text.subarray(0, cut), text.subarray(cut)]), expected, `cut at ${cut}`)
  }
  assert.deepEqual(await collect([Buffer.from('x\n')]), ['x'])
  assert.deepEqual(await collect([]), [])
})
