// buffer.disk: records survive the application while the collector is down. Three runs of a
// small app (fixtures/disk-app.ts) in child processes, with the same queue directory:
//   1. collector down: logs seq=0..2999; once the queue directory holds them all (read with
//      the daemon's queue inspector), the app is killed with SIGKILL.
//   2. collector still down: the app starts, logs seq=3000..3999 and closes: close() reports
//      the 4000 records as pending and kept on disk, none dropped.
//   3. a stele collector is up: the app starts, logs seq=4000, flush() resolves with nothing
//      pending. Checked at the collector: every number 0..4000 exactly once, in order.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { inspectQueue } from '../../src/queue/inspect.js'
import { nodeQueueFs } from '../../src/queue/queue-fs.js'
import { waitFor } from '../daemon/harness.js'
import { freePort } from '../interop/free-port.js'
import { receivedRecords, startCollector } from './helpers.js'

const APP = fileURLToPath(new URL('./fixtures/disk-app.js', import.meta.url))

async function runApp (args: string[]): Promise<any> {
  const child = spawn(process.execPath, [APP, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c })
  child.stderr.setEncoding('utf8').on('data', (c: string) => { err += c })
  const [code] = await once(child, 'exit') as [number | null]
  assert.equal(code, 0, err)
  return JSON.parse(out)
}

test('client disk buffer: records logged while the collector is down survive an app killed -9 and a restart, and arrive once, in order', { timeout: 90000 }, async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'stele-client-disk-'))
  t.after(async () => { await rm(work, { recursive: true, force: true }) })
  const queueDir = join(work, 'queue')
  const port = await freePort()

  const first = spawn(process.execPath, [APP, queueDir, String(port), '0', '3000', 'stay'], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.after(() => { first.kill('SIGKILL') })
  let depth = 0
  await waitFor(async () => {
    try { depth = (await inspectQueue(nodeQueueFs, queueDir)).depth } catch { depth = 0 }
    return depth >= 3000
  }, () => `3000 records in the queue directory, have ${depth}`)
  first.kill('SIGKILL')
  await once(first, 'exit')

  const second = await runApp([queueDir, String(port), '3000', '4000', 'close'])
  assert.deepEqual(second.close, { ok: false, pending: 4000, kept: 4000 })
  assert.equal(second.counters.dropped, 0)

  const collector = await startCollector(port)
  t.after(async () => { await collector.close() })
  const third = await runApp([queueDir, String(port), '4000', '4001', 'flush'])
  assert.deepEqual(third.flush, { ok: true, pending: 0 })
  assert.deepEqual(third.close, { ok: true, pending: 0 })
  assert.equal(third.counters.sent, 4001)
  let mine: string[] = []
  await waitFor(async () => (mine = (await receivedRecords(collector.dir)).filter((r) => r.appName === 'diskapp').map((r) => r.msg)).length >= 4001, () => `4001 at the collector, have ${mine.length}`)
  assert.deepEqual(mine, Array.from({ length: 4001 }, (_, n) => `seq=${n}`))
  assert.equal((await inspectQueue(nodeQueueFs, queueDir)).depth, 0, 'the queue is empty once delivered')
})
