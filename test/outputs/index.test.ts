import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { UsersAction } from '../../src/config/schema.js'
import { Backoff } from '../../src/outputs/backoff.js'
import { createOutput, FileOutput, outputs, PipeOutput, StdoutOutput, TcpForward, UdpForward, UsersOutput } from '../../src/outputs/index.js'
import { MemoryRecordQueue } from '../../src/outputs/record-queue.js'
import { completeMessages } from '../../src/outputs/record-batch.js'
import { assertBalanced, fileAction, forwardAction, message, pipeAction, stdoutAction, testContext } from './helpers.js'

test('outputs: the registry has one factory per action kind and createOutput picks it', () => {
  assert.deepEqual(Object.keys(outputs).sort(), ['file', 'forward', 'pipe', 'stdout', 'users'])
  const ctx = testContext()
  const users: UsersAction = { kind: 'users', file: 'x.conf', line: 3, text: '*', format: 'iso', newline: 'escape', options: {} }
  const cases = [
    [fileAction(join('/nonexistent', 'f')), FileOutput, 'file /nonexistent/f'],
    [pipeAction('/nonexistent/p'), PipeOutput, 'pipe /nonexistent/p'],
    [forwardAction('tcp', 514), TcpForward, 'forward tcp://127.0.0.1:514'],
    [forwardAction('udp', 514), UdpForward, 'forward udp://127.0.0.1:514'],
    [forwardAction('tcp', 514, { host: '::1' }), TcpForward, 'forward tcp://[::1]:514'],
    [stdoutAction(), StdoutOutput, 'stdout'],
    [users, UsersOutput, 'users *']
  ] as const
  for (const [action, type, name] of cases) {
    const output = createOutput(action, ctx)
    assert.ok(output instanceof type, name)
    assert.equal(output.name, name)
    output.destroy()
  }
})

test('outputs: the users action (*) counts every message dropped as refused', async () => {
  const output = outputs.users({ kind: 'users', file: 'x.conf', line: 3, text: '*', format: 'iso', newline: 'escape', options: {} }, testContext())
  await output.start()
  assert.equal(output.write(message(1)), true)
  await output.flush()
  assert.deepEqual(output.counters.dropped, { refused: 1 })
  assertBalanced(output.counters)
})

test('record-queue: FIFO with byte accounting, refuses past maxBytes, grows, peeks without removing', () => {
  const queue = new MemoryRecordQueue(100, 2)
  const rec = (n: number, size = 10): Buffer => Buffer.alloc(size, n)
  for (let n = 0; n < 10; n++) assert.equal(queue.push(rec(n)), true)
  assert.equal(queue.push(rec(10, 1)), false)
  assert.equal(queue.length, 10)
  assert.equal(queue.bytes, 100)
  const out: Buffer[] = []
  assert.equal(queue.peek(out, 25, 100), 2)
  assert.deepEqual(out.map((b) => b[0]), [0, 1])
  assert.equal(queue.length, 10)
  queue.shift(3)
  assert.equal(queue.first()![0], 3)
  assert.equal(queue.bytes, 70)
  for (let n = 10; n < 13; n++) queue.push(rec(n))
  const all: Buffer[] = []
  assert.equal(queue.peek(all, 1000, 1000), 10)
  assert.deepEqual(all.map((b) => b[0]), [3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
  const one: Buffer[] = []
  assert.equal(queue.peek(one, 1, 1000), 1, 'at least one record, even past maxBytes')
  queue.shift(100)
  assert.equal(queue.length, 0)
  assert.equal(queue.bytes, 0)
  assert.equal(queue.first(), undefined)
})

test('record-batch: completeMessages counts messages wholly inside a byte count', () => {
  const ends = [10, 20, 35]
  assert.deepEqual([0, 9, 10, 19, 20, 34, 35, 99].map((bytes) => completeMessages(ends, bytes)), [0, 0, 1, 1, 2, 2, 3, 3])
})

test('backoff: doubles from min to max with jitter in [delay/2, delay], and resets', () => {
  const high = new Backoff(1000, 60_000, () => 1)
  assert.deepEqual(Array.from({ length: 8 }, () => high.next()), [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000])
  const low = new Backoff(1000, 60_000, () => 0)
  assert.deepEqual([low.next(), low.next()], [500, 1000])
  low.reset()
  assert.equal(low.next(), 500)
  assert.equal(low.attempts, 1)
})
