// Both adapters flush when the process ends on its own. A child process (fixtures/exit-app.ts)
// logs 2000 records through pino (its transport in pino's worker thread) or winston, then
// returns without ending or closing its logger; pino ends its transport at exit and waits for
// it, stele's winston transport flushes from 'beforeExit'. Checked at a stele collector: every
// record arrived, once.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { waitFor } from '../daemon/harness.js'
import { freePort } from '../interop/free-port.js'
import { receivedRecords, startCollector } from './helpers.js'

const APP = fileURLToPath(new URL('./fixtures/exit-app.js', import.meta.url))
const COUNT = 2000

test('adapters: pino and winston deliver every record when the process exits on its own', { timeout: 60000 }, async (t) => {
  const port = await freePort()
  const collector = await startCollector(port)
  t.after(async () => { await collector.close() })
  for (const adapter of ['pino', 'winston']) {
    const child = spawn(process.execPath, [APP, adapter, String(port), String(COUNT)], { stdio: ['ignore', 'inherit', 'pipe'] })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c })
    const [code] = await once(child, 'exit') as [number | null]
    assert.equal(code, 0, `${adapter}: ${stderr}`)
  }
  // The apps have exited: what they delivered is in the collector's socket buffers or file.
  for (const adapter of ['pino', 'winston']) {
    let seqs: string[] = []
    await waitFor(async () => (seqs = (await receivedRecords(collector.dir)).filter((r) => r.appName === `exit-${adapter}`).map((r) => Object.values(r.structuredData)[0]!.seq!)).length >= COUNT, () => `${adapter}: ${COUNT} records, have ${seqs.length}`)
    assert.equal(seqs.length, COUNT, adapter)
    assert.equal(new Set(seqs).size, COUNT, `${adapter}: each once`)
  }
})
