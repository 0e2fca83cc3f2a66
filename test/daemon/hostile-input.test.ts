// hostile input: garbage bytes, oversize frames and half-open connections over TCP. Checked:
// the daemon stays up, answers, delivers the valid message sent afterwards, keeps malformed
// input as marked messages, truncates and counts oversize ones, and its memory stays bounded.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readLines, startDaemon, waitFor } from './harness.js'

const CONFIG = `
repeat_suppression=off
mark_interval=0
listen tcp://127.0.0.1:0 max_message_size=8192 max_connections=300
*.*   -DIR/all.log format=json
`

async function rssKiB (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1])
}

test('hostile input: garbage, oversize frames and 250 half-open connections neither crash the daemon nor grow it without bound', { timeout: 120000 }, async (t) => {
  const daemon = await startDaemon(CONFIG)
  t.after(async () => { await daemon.close() })
  const port = daemon.port('tcp://127.0.0.1:0')
  const connect = async (): Promise<net.Socket> => {
    const socket = net.connect(port, '127.0.0.1')
    socket.on('error', () => {})
    await once(socket, 'connect')
    return socket
  }
  const baseline = await rssKiB(daemon.child.pid!)
  // 8 MB of random garbage on one connection (non-transparent: split at LF/NUL, kept as messages).
  const garbage = await connect()
  for (let i = 0; i < 8; i++) if (!garbage.write(randomBytes(1 << 20))) await once(garbage, 'drain')
  garbage.end()
  // An octet-counted frame declaring 200 MB, of which 100 MB arrive: a decoder that buffered
  // frames whole would grow by 100 MB.
  const oversize = await connect()
  oversize.write('200000000 <13>')
  for (let i = 0; i < 100; i++) if (!oversize.write(Buffer.alloc(1 << 20, 0x41))) await once(oversize, 'drain')
  oversize.destroy()
  // 250 connections that each send most of a frame and then stay open, silent.
  const halfOpen: net.Socket[] = []
  for (let i = 0; i < 250; i++) {
    const socket = await connect()
    socket.write(`8000 <13>Nov 22 10:00:00 h app: ${'x'.repeat(7000)}`)
    halfOpen.push(socket)
  }
  t.after(() => { for (const socket of halfOpen) socket.destroy() })
  // The daemon still answers and delivers.
  const good = await connect()
  good.end('<13>Nov 22 10:00:00 h app: still alive\n')
  await waitFor(async () => (await readFile(join(daemon.dir, 'all.log'), 'utf8').catch(() => '')).includes('still alive'), 'the valid message after the garbage')
  const stats = await daemon.stats()
  const tcp = stats.inputs[0]
  assert.ok(tcp.malformed > 0, 'garbage is kept, marked malformed')
  assert.ok(tcp.truncated >= 1, 'the oversize frame is truncated and counted')
  assert.ok(tcp.connections >= 250, 'half-open connections are held, not crashed on')
  const growth = await rssKiB(daemon.child.pid!) - baseline
  assert.ok(growth < 64 * 1024, `RSS grew by ${growth} KiB after 108 MB of hostile input: per-connection memory must stay bounded by max_message_size`)
  const lines = await readLines(join(daemon.dir, 'all.log'))
  const truncated = lines.map((line) => JSON.parse(line)).find((m) => m.problems.some((p: { code: string }) => p.code === 'truncated'))
  assert.ok(truncated !== undefined && Buffer.byteLength(truncated.msg) < 8192)
  assert.equal(daemon.child.exitCode, null, 'still running')
})
