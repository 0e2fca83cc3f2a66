// The file output's linger (src/outputs/file-writer.ts): a small batch that collected while the
// previous write ran waits up to LINGER_MS for more, so a stream of one-message events (UDP
// datagrams) is written in few calls; and nothing that waits on the file waits for the linger.
// setTimeout is mocked, so a linger ends only when the test ticks the clock or when flush(),
// reopen() or stop() ends it: a wait that depended on the timer would hang and fail the test.

import { test, mock, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { FileOutput } from '../../src/outputs/file.js'
import { FaultyFs } from './fault-fs.js'
import { assertBalanced, fileAction, message, messageNumbers, range, tempDir, testContext } from './helpers.js'

// A wait that depended on the (mocked) timer would hang: fail it instead.
const LIMIT = { timeout: 10_000 }

const turn = async (): Promise<void> => await new Promise((resolve) => setImmediate(resolve))

/** Starts an output, writes message 0 and lets its write start; message 1 then waits for the next batch. */
async function lingering (t: TestContext): Promise<{ output: FileOutput, fs: FaultyFs, path: string }> {
  const dir = await tempDir(t)
  const path = join(dir, 'f')
  const fs = new FaultyFs()
  const output = new FileOutput(fileAction(path), testContext(), { fs })
  await output.start()
  mock.timers.enable({ apis: ['setTimeout'] })
  t.after(async () => { mock.timers.reset(); await output.stop() })
  output.write(message(0))
  await turn() // the writer's turn runs first: the write of message 0 is in flight
  output.write(message(1))
  return { output, fs, path }
}

test('file linger: messages arriving while a small batch lingers go out in one write when the timer fires', LIMIT, async (t) => {
  const { output, fs, path } = await lingering(t)
  for (const n of range(2, 50)) { output.write(message(n)); await turn() }
  assert.equal(fs.writes, 1, 'only the first write so far: the batch of messages 1..49 lingers')
  mock.timers.tick(10)
  await output.flush()
  assert.equal(fs.writes, 2, 'messages 1..49 in one write')
  assert.deepEqual(messageNumbers(await readFile(path, 'utf8')), range(0, 50))
  assertBalanced(output.counters)
})

test('file linger: flush() does not wait for the linger timer', LIMIT, async (t) => {
  const { output, path } = await lingering(t)
  for (const n of range(2, 10)) { output.write(message(n)); await turn() }
  await output.flush() // the clock never moves: this resolves only if flush() ends the linger
  assert.deepEqual(messageNumbers(await readFile(path, 'utf8')), range(0, 10))
  assert.equal(output.counters.written, 10)
})

test('file linger: a flush() asked while the write is in flight is not delayed by a linger after it', LIMIT, async (t) => {
  const { output, path } = await lingering(t)
  const flushed = output.flush() // waits for messages 0 and 1; message 1 is in the next batch
  await flushed
  assert.deepEqual(messageNumbers(await readFile(path, 'utf8')), range(0, 2))
})

test('file linger: stop() ends a linger and writes what lingered', LIMIT, async (t) => {
  const { output, path } = await lingering(t)
  output.write(message(2))
  await turn()
  await output.stop()
  assert.deepEqual(messageNumbers(await readFile(path, 'utf8')), range(0, 3))
  assertBalanced(output.counters)
})
