// RELP between two stele daemons, in child processes, over real sockets.
//
// 1. kill -9: A (tcp listener) forwards everything with `@relp://` (window=64) to B (`listen
//    relp://` on a fixed port, writing a file). 20000 numbered messages are sent to A; when B has
//    written some of them it is killed with SIGKILL and started again on the same port and file.
//    Checked: every number arrives; a message counts as acknowledged only once B wrote it, so
//    what B wrote before the kill stays and what it lost is sent again; duplicates are no more
//    than A's `resent` counter, which is at most one window per lost session.
// 2. black hole: A forwards to a port where a server accepts and never reads or answers. A's
//    buffer reaches its high-water mark, the RELP forward says "full", A's listeners pause, and
//    the sender (stele send) is held by TCP flow control: nothing is dropped. The black hole
//    goes away, B starts on its port, and every message arrives.
// 3. hostile input: garbage, a syslog before open, a wrong txnr and an oversize frame at B's
//    listener: each is answered (serverclose, or the message cut and acknowledged), counted in
//    protocolErrors / truncated, logged, and the daemon keeps running.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import net from 'node:net'
import { join } from 'node:path'
import { encodeRelpFrame } from '../../src/framing/relp.js'
import { freePort } from '../interop/free-port.js'
import { readLines, run, startDaemon, STELE, waitFor, type RunningDaemon } from './harness.js'
import { arrivals, rawExchange } from './relp-helpers.js'

const receiverConfig = (port: number): string => `
repeat_suppression=off
mark_interval=0
listen relp://127.0.0.1:${port}
*.*   DIR/b.log
`

async function killHard (d: RunningDaemon): Promise<void> {
  d.child.kill('SIGKILL')
  if (d.child.exitCode === null && d.child.signalCode === null) await once(d.child, 'exit')
}

test('relp: receiver killed with SIGKILL mid-stream and restarted: nothing acknowledged is lost, duplicates bounded by the window', { timeout: 180000 }, async (t) => {
  const port = await freePort()
  const COUNT = 20000
  const WINDOW = 64
  const sender = await startDaemon(`
repeat_suppression=off
mark_interval=0
listen tcp://127.0.0.1:0
*.*   @relp://127.0.0.1:${port} window=${WINDOW} stall_timeout=5
`)
  t.after(async () => { await sender.close() })
  let receiver = await startDaemon(receiverConfig(port))
  const dir = receiver.dir
  t.after(async () => { await receiver.close() })
  const file = join(dir, 'b.log')
  const send = run(process.execPath, [STELE, 'send', '--transport', 'tcp', '--port', String(sender.port('tcp://127.0.0.1:0')), '--octet-count', '--count', String(COUNT), 'seq'])
  await waitFor(async () => (await arrivals(file, 'seq', COUNT)).distinct >= COUNT / 4, 'a quarter of the messages at B')
  await killHard(receiver)
  const atKill = await arrivals(file, 'seq', COUNT)
  assert.ok(atKill.distinct < COUNT, 'killed mid-stream')
  receiver = await startDaemon(receiverConfig(port), { dir })
  const sent = await send
  assert.equal(sent.code, 0, sent.stderr)
  let seen = atKill
  await waitFor(async () => (seen = await arrivals(file, 'seq', COUNT)).distinct === COUNT, () => `all ${COUNT} at B: ${JSON.stringify(seen)}\n${sender.stderr}`, 90000)
  const final = await arrivals(file, 'seq', COUNT)
  const forward = (await sender.stats()).outputs.find((o: { name: string }) => o.name.startsWith('forward relp://'))
  assert.deepEqual(forward.dropped, {})
  t.diagnostic(`B killed at ${atKill.distinct} of ${COUNT}; duplicates ${final.duplicates}, resent ${forward.resent}`)
  assert.ok(forward.resent >= final.duplicates, `duplicates ${final.duplicates} <= resent ${forward.resent}`)
  assert.ok(forward.resent <= WINDOW * 2, `resent ${forward.resent} within a window per lost session`)
  assert.ok(forward.errors >= 1, 'the lost session is counted')
  const numbers = (await readLines(file)).map((l) => /seq (\d+)$/.exec(l)).filter((m) => m !== null).map((m) => Number(m[1]))
  let inversions = 0
  for (let i = 1; i < numbers.length; i++) if (numbers[i]! < numbers[i - 1]!) inversions++
  assert.ok(inversions <= 1, `in order, apart from the resend after the restart (${inversions} steps back)`)
})

test('relp: a black-hole receiver: the backlog waits (listeners paused, nothing dropped) and is delivered when a real receiver appears', { timeout: 120000 }, async (t) => {
  const port = await freePort()
  const COUNT = 5000
  const held = new Set<net.Socket>()
  const hole = net.createServer((socket) => { socket.pause(); socket.on('error', () => {}); held.add(socket) })
  hole.listen(port, '127.0.0.1')
  await once(hole, 'listening')
  const sender = await startDaemon(`
repeat_suppression=off
mark_interval=0
listen tcp://127.0.0.1:0
*.*   @relp://127.0.0.1:${port} buffer=128k stall_timeout=1
`)
  t.after(async () => { await sender.close() })
  const send = run(process.execPath, [STELE, 'send', '--transport', 'tcp', '--port', String(sender.port('tcp://127.0.0.1:0')), '--octet-count', '--count', String(COUNT), `hole ${'x'.repeat(100)} n`])
  await waitFor(async () => (await sender.stats()).paused === true, 'the sender paused its listeners')
  const stats = await sender.stats()
  const forward = stats.outputs.find((o: { name: string }) => o.name.startsWith('forward relp://'))
  assert.deepEqual(forward.dropped, {}, 'nothing dropped while the receiver does not answer')
  assert.equal(forward.written, 0)
  assert.ok(forward.received < COUNT, 'the sender is held back')
  await waitFor(() => held.size >= 1, 'the black hole accepted')
  // stall_timeout=1: the unanswered "open" resets the connection; it is tried again (and again).
  await waitFor(() => /no answer for .* \(to "open"\); resetting the connection/.test(sender.stderr), () => `the stall logged\n${sender.stderr}`)
  hole.close()
  for (const socket of held) socket.destroy()
  await once(hole, 'close')
  const receiver = await startDaemon(receiverConfig(port))
  t.after(async () => { await receiver.close() })
  const sent = await send
  assert.equal(sent.code, 0, sent.stderr)
  const file = join(receiver.dir, 'b.log')
  let seen = await arrivals(file, 'n', COUNT)
  await waitFor(async () => (seen = await arrivals(file, 'n', COUNT)).distinct === COUNT, () => `all ${COUNT} at B: ${JSON.stringify(seen)}\n${sender.stderr}`, 60000)
  const after = (await sender.stats()).outputs.find((o: { name: string }) => o.name.startsWith('forward relp://'))
  assert.deepEqual(after.dropped, {})
  assert.ok(after.errors >= 1, 'the silent receiver was counted')
})

test('relp: garbage, commands out of order and oversize frames are answered, counted and logged; the daemon keeps running', { timeout: 60000 }, async (t) => {
  const d = await startDaemon(`
repeat_suppression=off
mark_interval=0
max_message_size=1k
listen relp://127.0.0.1:0
*.*   DIR/b.log
`)
  t.after(async () => { await d.close() })
  const port = d.port('relp://127.0.0.1:0')
  const open = encodeRelpFrame(1, 'open', 'relp_version=0\nrelp_software=test\ncommands=syslog')
  assert.equal(await rawExchange(port, 'GET / HTTP/1.1\r\n\r\n'), '0 serverclose 0\n')
  assert.equal(await rawExchange(port, encodeRelpFrame(1, 'syslog', '<13>x')), '0 serverclose 0\n')
  const wrong = await rawExchange(port, Buffer.concat([open, encodeRelpFrame(5, 'syslog', '<13>x')]))
  assert.match(wrong, /^1 rsp \d+ 200 OK\n[^]*0 serverclose 0\n$/)
  const big = `<13>Nov 22 10:00:00 h app: oversize ${'y'.repeat(5000)}`
  const cut = await rawExchange(port, Buffer.concat([open, encodeRelpFrame(2, 'syslog', big), encodeRelpFrame(3, 'close')]))
  assert.match(cut, /^1 rsp \d+ 200 OK\n[^]*\n2 rsp 6 200 OK\n3 rsp 6 200 OK\n$/)
  await waitFor(async () => (await readLines(join(d.dir, 'b.log'))).some((l) => l.includes('oversize')), 'the cut message written')
  const input = (await d.stats()).inputs[0]
  assert.equal(input.protocolErrors, 3)
  assert.equal(input.truncated, 1)
  assert.equal(input.acked, 1)
  assert.match(d.stderr, /RELP: bad frame: TXNR must be/)
  assert.match(d.stderr, /RELP: txnr 5 where 2 was expected; session closed with serverclose/)
  // Still serving.
  const ok = await rawExchange(port, Buffer.concat([open, encodeRelpFrame(2, 'syslog', '<13>Nov 22 10:00:00 h app: fine'), encodeRelpFrame(3, 'close')]))
  assert.match(ok, /2 rsp 6 200 OK\n3 rsp 6 200 OK\n$/)
})

