// queue: daemon A forwards local0 over TCP through a disk queue to daemon B (a second stele that
// files what it receives). Each scenario starts with B down, so the messages sent to A pile up
// in A's queue, then:
// - kill -9 of A after its appends were committed, A restarted, newer messages sent, B started:
//   every message arrives at B exactly once, the backlog first, in order;
// - kill -9 of A in the middle of a stream of appends: what A recovers is a gap-free prefix of
//   what was sent, cut at most at a torn record, and `stele queue verify` finds no damage;
// - a small queue with overflow=drop-newest / drop-oldest: the exact drop count in A's stats,
//   the "dropped N messages to HOST:PORT: queue full" line, and B gets the oldest / newest;
// - overflow=block: A stops reading from the TCP sender (nothing lost), drops and counts UDP.
// A's own log (facility syslog) goes to DIR/a.log, not through the forward.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import dgram from 'node:dgram'
import net from 'node:net'
import { once } from 'node:events'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readLines, run, startDaemon, STELE, waitFor, type RunningDaemon } from './harness.js'
import { freePort } from '../interop/free-port.js'

const QUIET = 'repeat_suppression=off\nmark_interval=0\n'


function senderConfig (port: number, options = ''): string {
  return `${QUIET}listen tcp://127.0.0.1:0
listen udp://127.0.0.1:0
syslog.*    DIR/a.log
local0.*    @tcp://127.0.0.1:${port} queue_dir=DIR/q ${options}
`
}

function lines (from: number, to: number, tag = 'queued'): string {
  let text = ''
  for (let n = from; n <= to; n++) text += `<133>Nov 22 10:00:00 h app: ${tag} ${n} ${'x'.repeat(80)}\n`
  return text
}

/** Sends LF-framed lines over one TCP connection and waits until the daemon has closed it. */
async function sendTcp (daemon: RunningDaemon, text: string): Promise<void> {
  const socket = net.connect(daemon.port('tcp://127.0.0.1:0'), '127.0.0.1')
  await once(socket, 'connect')
  socket.end(text)
  await once(socket, 'close')
}

async function forwardStats (daemon: RunningDaemon, port: number): Promise<any> {
  return (await daemon.stats()).outputs.find((o: { name: string }) => o.name.includes(`:${port}`))
}

async function startReceiver (port: number): Promise<RunningDaemon> {
  return await startDaemon(`${QUIET}listen tcp://127.0.0.1:${port}\nlocal0.*   DIR/b.log\n`)
}

async function numbersAt (receiver: RunningDaemon, tag = 'queued'): Promise<number[]> {
  const pattern = new RegExp(` ${tag} (\\d+) `)
  return (await readLines(join(receiver.dir, 'b.log'))).map((line) => pattern.exec(line)).filter((m) => m !== null).map((m) => Number(m[1]))
}

function range (from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i)
}

test('queue: kill -9 with a committed backlog, restart, receiver up: every message arrives once, backlog first, in order', { timeout: 120000 }, async (t) => {
  const port = await freePort()
  const COUNT = 3000
  const first = await startDaemon(senderConfig(port))
  t.after(async () => { await first.close() })
  await sendTcp(first, lines(1, COUNT))
  await waitFor(async () => {
    const s = await forwardStats(first, port)
    return s.received === COUNT && s.queue.committed === COUNT
  }, 'every message appended and fdatasync\'ed (queue.committed)')
  first.child.kill('SIGKILL')
  await once(first.child, 'exit')

  const second = await startDaemon(senderConfig(port), { dir: first.dir })
  t.after(async () => { await second.stop() })
  // The queue is recovered in the background (the daemon does not wait for it to listen).
  await waitFor(async () => (await forwardStats(second, port)).queue.segments > 0, 'the queue recovered')
  const recovered = await forwardStats(second, port)
  assert.equal(recovered.queue.depth, COUNT, 'the restarted daemon found the whole backlog')
  assert.equal(recovered.queue.torn + recovered.queue.quarantined + recovered.queue.lost, 0)
  // Newer messages, while the receiver is still down: they queue behind the backlog.
  await sendTcp(second, lines(COUNT + 1, COUNT + 200))
  const receiver = await startReceiver(port)
  t.after(async () => { await receiver.close() })
  await waitFor(async () => (await numbersAt(receiver)).length >= COUNT + 200, `all ${COUNT + 200} at the receiver`, 60000)
  assert.deepEqual(await numbersAt(receiver), range(1, COUNT + 200), 'once each, backlog first, in order')
  await waitFor(async () => (await forwardStats(second, port)).queue.depth === 0, 'the queue to empty')
  await waitFor(async () => (await readLines(join(second.dir, 'a.log'))).some((line) => line.includes(`${COUNT} messages`) && line.includes('waiting from an earlier run')), 'the backlog reported at start')
})

test('queue: kill -9 in the middle of appends: the recovered queue is a gap-free prefix, verify finds no damage', { timeout: 120000 }, async (t) => {
  const port = await freePort()
  const first = await startDaemon(senderConfig(port))
  t.after(async () => { await first.close() })
  // A stream that is still being appended to when the kill comes.
  const socket = net.connect(first.port('tcp://127.0.0.1:0'), '127.0.0.1')
  await once(socket, 'connect')
  socket.on('error', () => {})
  let n = 0
  const pump = (): void => { while (n < 200000 && socket.write(lines(n + 1, n + 100))) n += 100 }
  socket.on('drain', () => { n += 100; pump() })
  pump()
  await waitFor(async () => (await forwardStats(first, port)).queue.committed >= 5000, 'appends under way')
  first.child.kill('SIGKILL')
  await once(first.child, 'exit')
  socket.destroy()

  const verify = await run(process.execPath, [STELE, 'queue', 'verify', join(first.dir, 'q')])
  assert.equal(verify.code, 0, `no damage, at most a torn tail:\n${verify.stdout}`)
  const second = await startDaemon(senderConfig(port), { dir: first.dir })
  t.after(async () => { await second.stop() })
  await waitFor(async () => (await forwardStats(second, port)).queue.segments > 0, 'the queue recovered')
  const depth = (await forwardStats(second, port)).queue.depth as number
  assert.ok(depth >= 5000, `at least what was committed before the kill (${depth})`)
  const receiver = await startReceiver(port)
  t.after(async () => { await receiver.close() })
  await waitFor(async () => (await numbersAt(receiver)).length >= depth, 'the recovered backlog at the receiver', 60000)
  assert.deepEqual(await numbersAt(receiver), range(1, depth), 'a prefix of what was sent: nothing missing in between, in order')
})

for (const overflow of ['drop-newest', 'drop-oldest'] as const) {
  test(`queue: overflow=${overflow} counts exactly what it drops and reports it`, { timeout: 90000 }, async (t) => {
    const port = await freePort()
    const COUNT = 400
    const sender = await startDaemon(senderConfig(port, `queue_max=16k overflow=${overflow}`))
    t.after(async () => { await sender.close() })
    await sendTcp(sender, lines(1, COUNT))
    await waitFor(async () => (await forwardStats(sender, port)).received === COUNT, 'every message offered to the forward')
    const full = await forwardStats(sender, port)
    const dropped = full.dropped['queue-full'] as number
    assert.ok(dropped > 0 && dropped < COUNT, `a 16 KiB queue holds some of ${COUNT} messages (dropped ${dropped})`)
    assert.equal(full.queue.depth + dropped, COUNT, 'every message queued or counted')
    assert.equal(Object.keys(full.dropped).length, 1, JSON.stringify(full.dropped))

    const receiver = await startReceiver(port)
    t.after(async () => { await receiver.close() })
    const kept = COUNT - dropped
    await waitFor(async () => (await numbersAt(receiver)).length >= kept, 'the queued messages at the receiver', 60000)
    const arrived = await numbersAt(receiver)
    assert.deepEqual(arrived, overflow === 'drop-newest' ? range(1, kept) : range(COUNT - kept + 1, COUNT))
    const report = `dropped ${dropped} messages to 127.0.0.1:${port}: queue full`
    await waitFor(async () => (await readLines(join(sender.dir, 'a.log'))).some((line) => line.endsWith(report)), `"${report}" in the sender's log`)
  })
}

test('queue: overflow=block pauses the TCP input (nothing lost) and drops and counts UDP', { timeout: 90000 }, async (t) => {
  const port = await freePort()
  // 2.2 MB into a 1 MiB queue. Blocking starts at half of it: the other half is headroom for
  // the frames of reads already in hand when the input pauses (up to 64 KiB per connection).
  const COUNT = 20000
  const sender = await startDaemon(senderConfig(port, 'queue_max=1m overflow=block'))
  t.after(async () => { await sender.close() })
  const socket = net.connect(sender.port('tcp://127.0.0.1:0'), '127.0.0.1')
  await once(socket, 'connect')
  socket.end(lines(1, COUNT))
  await waitFor(async () => (await sender.stats()).paused === true, 'the inputs paused')
  const blocked = await forwardStats(sender, port)
  assert.ok(blocked.received < COUNT, `the sender is held back (${blocked.received} of ${COUNT} read)`)
  assert.deepEqual(blocked.dropped, {})
  // UDP cannot be paused: its messages are dropped while the queue blocks, and counted.
  const udp = dgram.createSocket('udp4')
  t.after(() => { udp.close() })
  const udpPort = sender.port('udp://127.0.0.1:0')
  for (let i = 1; i <= 10; i++) udp.send(`<133>Nov 22 10:00:00 h app: udp ${i}`, udpPort, '127.0.0.1')
  await waitFor(async () => ((await forwardStats(sender, port)).dropped['queue-full'] ?? 0) === 10, 'the 10 UDP messages counted as dropped')

  const receiver = await startReceiver(port)
  t.after(async () => { await receiver.close() })
  await once(socket, 'close')
  await waitFor(async () => (await numbersAt(receiver)).length >= COUNT, 'every TCP message at the receiver', 60000)
  assert.deepEqual(await numbersAt(receiver), range(1, COUNT), 'nothing lost, in order')
  const report = `dropped 10 messages to 127.0.0.1:${port}: queue full`
  await waitFor(async () => (await readLines(join(sender.dir, 'a.log'))).some((line) => line.endsWith(report)), `"${report}" in the sender's log`)
})

test('queue: a reload that changes the forward hands its queue directory and backlog to the new forward', { timeout: 90000 }, async (t) => {
  const port = await freePort()
  const sender = await startDaemon(senderConfig(port))
  t.after(async () => { await sender.close() })
  await sendTcp(sender, lines(1, 500))
  await waitFor(async () => (await forwardStats(sender, port)).queue.committed === 500, 'the backlog committed')
  // Same queue_dir, another format: a new output, which must wait for the old one's directory.
  await writeFile(join(sender.dir, 'stele.conf'), `control_socket=${join(sender.dir, 'stele.ctl')}\n${senderConfig(port, 'format=rfc3164').replaceAll('DIR', sender.dir)}`)
  sender.signal('SIGHUP')
  await waitFor(async () => (await readLines(join(sender.dir, 'a.log'))).some((line) => line.includes('reloaded ')), 'the reload')
  await waitFor(async () => (await forwardStats(sender, port)).queue.depth === 500, 'the new forward to take over the backlog')
  await sendTcp(sender, lines(1, 100, 'after'))
  const receiver = await startReceiver(port)
  t.after(async () => { await receiver.close() })
  await waitFor(async () => (await numbersAt(receiver, 'after')).length === 100, 'everything at the receiver', 60000)
  assert.deepEqual(await numbersAt(receiver), range(1, 500), 'the backlog, once, in order')
  assert.deepEqual(await numbersAt(receiver, 'after'), range(1, 100))
})
