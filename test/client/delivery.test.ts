// Scenario tests of the client's promise, against a real `stele run` as the collector:
//   1. the collector is absent when the app starts logging, comes up, is stopped (SIGTERM)
//      while the app logs, and comes back on the same port: with a buffer large enough, every
//      sequence number 0..N-1 arrives (checked in the collector's JSON file), nothing dropped.
//   2. the collector is absent and the buffer holds 50 records: 500 are logged, exactly 450
//      are dropped (oldest or newest, as configured), counted, and the first message after the
//      connection comes back says "dropped 450 messages"; then the 50 kept ones arrive.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createLogger, type DroppedEvent } from '../../src/client/index.js'
import { waitFor } from '../daemon/harness.js'
import { freePort } from '../interop/free-port.js'
import { receivedRecords, startCollector } from './helpers.js'

const FAST_RECONNECT = { minDelayMs: 20, maxDelayMs: 200 }

test('client delivery: collector absent at start, stopped mid-stream, back later: every sequence number arrives', { timeout: 120000 }, async (t) => {
  const port = await freePort()
  const total = 6000
  const logger = createLogger({ transport: 'tcp', port, appName: 'seq', reconnect: FAST_RECONNECT })
  t.after(async () => { await logger.close(1000) })
  let next = 0
  const logUpTo = (end: number): void => { for (; next < end; next++) logger.info(`seq=${next}`) }

  logUpTo(1000) // nobody listening yet
  assert.equal(logger.connected, false)
  const first = await startCollector(port)
  t.after(async () => { await first.close() })
  const dir = first.dir
  assert.deepEqual(await logger.flush(20000), { ok: true, pending: 0 })

  // Log steadily (200 per event-loop turn) and stop the collector while it goes on.
  const disconnected = new Promise((resolve) => logger.once('disconnected', resolve))
  const producer = (async () => {
    while (next < 4000) {
      logUpTo(next + 200)
      await new Promise((resolve) => setImmediate(resolve))
    }
  })()
  await waitFor(async () => (await receivedRecords(dir)).length >= 1500, 'the collector received 1500 records')
  await first.stop()
  await disconnected
  await producer
  logUpTo(total) // the collector is down: these wait in the buffer
  assert.ok(logger.pending > 0)

  const second = await startCollector(port, dir)
  t.after(async () => { await second.stop() })
  assert.deepEqual(await logger.flush(30000), { ok: true, pending: 0 })
  // flush() means "in the kernel's socket buffer": TCP has no acknowledgement a sender can
  // see, so the test waits for the collector to have read them before stopping it (a daemon
  // stopped first would reset a connection still in its listen backlog; RELP closes that gap).
  let have = 0
  await waitFor(async () => (have = (await receivedRecords(dir)).filter((r) => r.appName === 'seq').length) >= total, () => `${total} records at the collector, have ${have}`)
  await second.stop() // the file is complete once the daemon has exited

  const seen = new Map<number, number>()
  for (const r of await receivedRecords(dir)) {
    if (r.appName !== 'seq') continue
    const n = Number(/^seq=(\d+)$/.exec(r.msg)![1])
    seen.set(n, (seen.get(n) ?? 0) + 1)
  }
  const missing = []
  for (let n = 0; n < total; n++) if (!seen.has(n)) missing.push(n)
  assert.deepEqual(missing.slice(0, 20), [], `${missing.length} sequence numbers missing`)
  assert.equal(logger.counters.dropped, 0)
  assert.equal(logger.counters.logged, total)
  assert.ok(logger.counters.sent >= total)
  assert.ok(logger.counters.connects >= 2)
  assert.ok(logger.counters.disconnects >= 1)
})

test('client delivery: a small buffer drops exactly the overflow, oldest or newest, and reports it first when the collector returns', { timeout: 60000 }, async (t) => {
  const port = await freePort()
  const oldest = createLogger({ transport: 'tcp', port, appName: 'oldest', buffer: { maxRecords: 50, overflow: 'drop-oldest' }, reconnect: FAST_RECONNECT })
  const newest = createLogger({ transport: 'tcp', port, appName: 'newest', buffer: { maxRecords: 50, overflow: 'drop-newest' }, reconnect: FAST_RECONNECT })
  t.after(async () => { await oldest.close(1000); await newest.close(1000) })
  let droppedEvents = 0
  oldest.on('dropped', (e: DroppedEvent) => { droppedEvents += e.count })
  for (let n = 0; n < 500; n++) { oldest.info(`seq=${n}`); newest.info(`seq=${n}`) }
  assert.equal(oldest.counters.dropped, 450)
  assert.equal(newest.counters.dropped, 450)
  assert.equal(oldest.pending, 50)

  const collector = await startCollector(port)
  t.after(async () => { await collector.close() })
  assert.deepEqual(await oldest.flush(20000), { ok: true, pending: 0 })
  assert.deepEqual(await newest.flush(20000), { ok: true, pending: 0 })
  assert.equal(droppedEvents, 450)
  assert.equal(oldest.counters.notices, 1)
  await waitFor(async () => (await receivedRecords(collector.dir)).filter((r) => r.appName === 'oldest' || r.appName === 'newest').length >= 102, '102 records at the collector')
  await collector.stop()

  const records = await receivedRecords(collector.dir)
  for (const [app, first] of [['oldest', 450], ['newest', 0]] as const) {
    const mine = records.filter((r) => r.appName === app)
    assert.equal(mine.length, 51, app)
    assert.equal(mine[0]!.msg, 'dropped 450 messages (buffer full)', `${app}: the notice comes first`)
    assert.equal(mine[0]!.pri, 1 * 8 + 4, 'user.warning')
    assert.deepEqual(mine.slice(1).map((r) => r.msg), Array.from({ length: 50 }, (_, i) => `seq=${first + i}`), app)
  }
})
