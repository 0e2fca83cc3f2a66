import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { closeSync, constants, openSync, readSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { StdoutOutput } from '../../src/outputs/stdout.js'
import { assertBalanced, feed, message, messageNumbers, range, stdoutAction, tempDir, testContext, waitFor } from './helpers.js'

// The tests write to descriptors of their own: fd 1 is the test runner's channel.

test('stdout: batches reach the descriptor whole and in order', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'out')
  const fd = openSync(path, 'a')
  const output = new StdoutOutput(stdoutAction(), testContext(), { fd })
  t.after(async () => { await output.stop(); closeSync(fd) })
  await output.start()
  await feed(output, 0, 10_000)
  await output.flush()
  const text = await readFile(path, 'utf8')
  assert.deepEqual(messageNumbers(text), range(0, 10_000))
  assert.equal(text.split('\n')[0], '2026-03-07T09:30:00.000Z host1 app[42]: message 0')
  assertBalanced(output.counters)
})

test('stdout: a full non-blocking pipe (EAGAIN) pushes back and everything arrives once the reader reads', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'fifo')
  execFileSync('mkfifo', [path])
  const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
  const writer = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK)
  const output = new StdoutOutput(stdoutAction(), testContext(), { fd: writer, highWaterMessages: 1000, pollMaxMs: 5 })
  t.after(async () => { await output.stop(); closeSync(writer); closeSync(reader) })
  let full = false
  let drained = 0
  output.onDrain(() => { drained++ })
  const total = 3000 // ~150 KB: more than the pipe holds
  for (let n = 0; n < total; n++) if (!output.write(message(n))) full = true
  assert.equal(full, true)
  const chunks: Buffer[] = []
  const buf = Buffer.alloc(65536)
  const flushed = output.flush()
  await waitFor(() => {
    for (;;) {
      try {
        const n = readSync(reader, buf, 0, buf.length, null)
        if (n === 0) break
        chunks.push(Buffer.from(buf.subarray(0, n)))
      } catch { break }
    }
    return output.counters.written === total
  })
  await flushed
  assert.ok(drained >= 1)
  assert.deepEqual(messageNumbers(Buffer.concat(chunks).toString('utf8')), range(0, total))
  assertBalanced(output.counters)
})

test('stdout: EPIPE stops the output, logged once, and later messages are counted dropped', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'fifo')
  execFileSync('mkfifo', [path])
  const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
  const writer = openSync(path, constants.O_WRONLY)
  closeSync(reader)
  const ctx = testContext()
  const output = new StdoutOutput(stdoutAction(), ctx, { fd: writer })
  t.after(async () => { await output.stop(); closeSync(writer) })
  for (let n = 0; n < 10; n++) output.write(message(n))
  await output.flush()
  assert.match(await ctx.log.next(/EPIPE/), /^stdout \(fd \d+\): the reader went away \(EPIPE\); dropping every further message$/)
  for (let n = 10; n < 20; n++) output.write(message(n))
  await output.flush()
  assert.equal(output.counters.written, 0)
  assert.equal(output.counters.dropped['write-error'], 20)
  assert.equal(ctx.log.matching(/EPIPE/).length, 1)
  assertBalanced(output.counters)
})
