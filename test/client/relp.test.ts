// The client over RELP against a real `stele run` with `listen relp://` (which answers a
// transaction only once its outputs have the message: here a JSON file):
//   1. 20000 numbered records logged at a steady rate; the receiver is killed with SIGKILL at
//      about 25% and 60% and started again on the same port. flush() resolves only once every
//      record was acknowledged; then every number is in the file, and the duplicates (records
//      stored by the receiver but not acknowledged before it died) are at most one window per
//      lost session.
//   2. flush() over RELP waits for the answers: with a receiver that accepts the connection and
//      the session but never answers a record, flush() reports every record pending, and after
//      relp.stallTimeoutMs the session is reset and the records are sent again.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import net from 'node:net'
import { createLogger } from '../../src/client/index.js'
import { readLines, startDaemon, waitFor, type RunningDaemon } from '../daemon/harness.js'
import { freePort } from '../interop/free-port.js'

const WINDOW = 64
const QUIET = 'mark_interval=0\nrepeat_suppression=off\n'

async function seqCounts (file: string, app: string): Promise<Map<number, number>> {
  const seen = new Map<number, number>()
  for (const line of await readLines(file)) {
    // The daemon may be in the middle of writing the last line.
    let r: { appName: string, msg: string }
    try { r = JSON.parse(line) } catch { continue }
    if (r.appName !== app) continue
    const n = Number(/^seq=(\d+)$/.exec(r.msg)?.[1])
    seen.set(n, (seen.get(n) ?? 0) + 1)
  }
  return seen
}

test('client relp: receiver killed -9 twice and restarted: flush() resolves once all is acknowledged, every record arrives, duplicates bounded by the window', { timeout: 120000 }, async (t) => {
  const port = await freePort()
  const conf = `${QUIET}listen relp://127.0.0.1:${port}\n*.* -DIR/out.json format=json\n`
  let receiver: RunningDaemon = await startDaemon(conf)
  const dir = receiver.dir
  t.after(async () => { await receiver.close() })
  const file = `${dir}/out.json`
  const total = 20000
  const logger = createLogger({ transport: 'relp', port, appName: 'relpseq', relp: { window: WINDOW }, reconnect: { minDelayMs: 20, maxDelayMs: 200 } })
  t.after(async () => { await logger.close(1000) })
  let kills = 0
  const loggedAtKill: number[] = []
  let next = 0
  const producer = (async () => {
    while (next < total) {
      for (const end = Math.min(total, next + 100); next < end; next++) logger.info(`seq=${next}`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  })()
  for (const fraction of [0.25, 0.6]) {
    await waitFor(async () => (await seqCounts(file, 'relpseq')).size >= total * fraction, `${fraction * 100}% at the receiver`, 60000)
    loggedAtKill.push(next)
    receiver.child.kill('SIGKILL')
    await once(receiver.child, 'exit')
    kills++
    receiver = await startDaemon(conf, { dir })
  }
  await producer
  assert.ok(loggedAtKill[0]! < total, 'the receiver was killed while the app was logging')
  const result = await logger.flush(60000)
  assert.deepEqual(result, { ok: true, pending: 0 })
  // Acknowledged means written by the receiver: no waiting for the file.
  const seen = await seqCounts(file, 'relpseq')
  const missing = []
  let duplicates = 0
  for (let n = 0; n < total; n++) {
    const c = seen.get(n) ?? 0
    if (c === 0) missing.push(n)
    if (c > 1) duplicates += c - 1
  }
  assert.deepEqual(missing.slice(0, 20), [], `${missing.length} missing`)
  t.diagnostic(`killed ${kills} times with ${loggedAtKill.join(', ')} of ${total} logged; duplicates ${duplicates}; sent ${logger.counters.sent}; disconnects ${logger.counters.disconnects}`)
  assert.ok(duplicates <= kills * WINDOW, `duplicates ${duplicates} <= ${kills} x window ${WINDOW}`)
  assert.equal(logger.counters.dropped, 0)
  assert.ok(logger.counters.disconnects >= kills)
  assert.ok(logger.counters.sent >= total)
  assert.deepEqual(await logger.close(5000), { ok: true, pending: 0 })
})

test('client relp: flush() waits for the answers, not the socket; a silent receiver is reset after stallTimeoutMs and the records are sent again', { timeout: 30000 }, async (t) => {
  // A RELP "receiver" that answers "open" and then nothing: counts the syslog frames it gets per session.
  const sessions: number[] = []
  const server = net.createServer((socket) => {
    const index = sessions.push(0) - 1
    let text = ''
    let opened = false
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1')
      if (!opened && text.startsWith('1 open ')) {
        opened = true
        const answer = '200 OK\nrelp_version=0\ncommands=syslog'
        socket.write(`1 rsp ${answer.length} ${answer}\n`)
      }
      sessions[index] = (text.match(/^\d+ syslog /gm) ?? []).length
    })
    socket.on('error', () => {})
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => { server.close() })
  const port = (server.address() as net.AddressInfo).port
  const logger = createLogger({ transport: 'relp', port, relp: { window: 8, stallTimeoutMs: 300 }, reconnect: { minDelayMs: 10, maxDelayMs: 50 } })
  t.after(async () => { await logger.close(100) })
  for (let i = 0; i < 20; i++) logger.info(`record ${i}`)
  assert.deepEqual(await logger.flush(200), { ok: false, pending: 20 })
  assert.equal(logger.counters.sent, 0)
  await waitFor(() => sessions.length >= 2 && sessions[1]! >= 8, () => `a second session with the first 8 records again: ${JSON.stringify(sessions)}`)
  assert.equal(sessions[0], 8, 'the window: 8 records in flight, no more')
  assert.ok(logger.counters.errors >= 1)
})
