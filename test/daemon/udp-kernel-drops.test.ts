// UDP datagrams the kernel drops because the listener's receive buffer is full never reach
// stele's code; they are read from the kernel's per-socket count (/proc/net/udp) and counted as
// dropped 'rcvbuf-overflow', with a line in the log. The daemon is frozen (SIGSTOP) while a
// burst far larger than its receive buffer arrives, then thawed: every datagram sent is either
// received or counted as dropped, exactly, and the received ones are in the file.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import dgram from 'node:dgram'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { dropsForPort } from '../../src/inputs/udp-kernel-drops.js'
import { readLines, startDaemon, waitFor } from './harness.js'

const CONFIG = `
repeat_suppression=off
mark_interval=0
listen udp://127.0.0.1:0 rcvbuf=64k
user.*   -DIR/udp.log
`
const SENT = 3000

test('udp kernel drops: /proc/net/udp drops column is read for the socket\'s port', () => {
  const table = [
    '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
    '  123: 0100007F:14CA 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242 2 0000000000000000 17',
    '  124: 00000000:0202 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4243 2 0000000000000000 0'
  ].join('\n')
  assert.equal(dropsForPort(table, '14CA'), 17)
  assert.equal(dropsForPort(table, '0202'), 0)
  assert.equal(dropsForPort(table, '1234'), null)
})

test('udp kernel drops: a burst into a frozen daemon is received or counted as dropped, exactly', { skip: !existsSync('/proc/net/udp') && 'no /proc/net/udp on this system' }, async (t) => {
  const daemon = await startDaemon(CONFIG)
  t.after(async () => { try { process.kill(daemon.child.pid!, 'SIGCONT') } catch {} await daemon.close() })
  const port = daemon.port('udp://127.0.0.1:0')
  const sender = dgram.createSocket('udp4')
  t.after(() => { sender.close() })
  process.kill(daemon.child.pid!, 'SIGSTOP')
  const padding = 'x'.repeat(180)
  for (let i = 1; i <= SENT; i++) {
    sender.send(`<13>Nov 22 10:00:00 host app: seq=${i} ${padding}`, port, '127.0.0.1')
    if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve))
  }
  // Datagrams are sent in order; once the last one's callback has run, every one has been
  // handed to the kernel (on loopback: queued at the daemon's socket, or dropped there).
  await new Promise<void>((resolve, reject) => {
    sender.send('<13>Nov 22 10:00:00 host app: last', port, '127.0.0.1', (err) => { if (err === null) resolve(); else reject(err) })
  })
  process.kill(daemon.child.pid!, 'SIGCONT')
  let udp: any
  await waitFor(async () => {
    udp = (await daemon.stats()).inputs[0]
    return udp.received + (udp.dropped['rcvbuf-overflow'] ?? 0) === SENT + 1
  }, 'every datagram received or counted as dropped by the kernel')
  const dropped = udp.dropped['rcvbuf-overflow']
  assert.ok(dropped > 0, 'a 64 KiB buffer cannot hold the burst: the kernel dropped some')
  assert.ok(udp.received > 0)
  await waitFor(async () => (await readLines(join(daemon.dir, 'udp.log'))).length === udp.received, 'the received datagrams in the file')
  const seqs = (await readLines(join(daemon.dir, 'udp.log'))).map((line) => /seq=(\d+)/.exec(line)?.[1]).filter((s) => s !== undefined).map(Number)
  assert.equal(new Set(seqs).size, seqs.length, 'no datagram twice')
  await waitFor(async () => daemon.stderr.includes(`dropped`) && daemon.stderr.includes('receive buffer full'), 'the drop reported in the log')
})
