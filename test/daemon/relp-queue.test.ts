// stele -> stele through a forward's disk queue, the receiver and the sender each a real
// `stele run`. B (the receiver) files local0 in b.log; A (the sender) forwards local0 to B and
// logs its own messages (facility syslog) to a.log.
//
// 1. kill -9 of the SENDER over RELP: an upstream RELP client sends 20000 numbered messages to
//    A's `listen relp://`; A acknowledges each once it is committed to its disk queue, and
//    forwards it with `@relp://` (window=64). When B has a quarter, A is killed with SIGKILL
//    and started again on the same config and queue directory; the upstream sends everything A
//    had not acknowledged again (as a RELP sender does). Checked: every message reaches B, so
//    nothing acknowledged upstream or committed to A's queue was lost; duplicates at most A's
//    window (sent to B, unanswered at the kill) plus the upstream's window (committed by A,
//    unanswered at the kill); order kept apart from those two resends.
// 2. Receiver stopped for 30 s, over RELP and over plain TCP: a paced TCP stream (25 messages
//    every 100 ms) into A; B is terminated (SIGTERM) and started again on the same port 30 s
//    later, while the stream goes on. Checked: every message reaches B, the backlog first, in
//    order (first arrivals are exactly 1..N), duplicates at most the window (RELP) or none (TCP);
//    A's log shows the outage ("connection lost" or "serverclose", "cannot connect", "connected
//    after N failed attempts"); nothing is dropped. Plain TCP cannot tell what the receiver read
//    before it went, so for TCP the stream pauses until B has everything before B is stopped,
//    and resumes once A noticed the loss.
// 3. RELP with a disk queue full, B down: overflow=block pauses A's TCP input (the sender is held,
//    nothing lost) and drops and counts exactly the UDP messages; overflow=drop-newest counts
//    exactly what it drops and reports it. Then B starts, and the queued messages arrive in order.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import dgram from 'node:dgram'
import { once } from 'node:events'
import net from 'node:net'
import { join } from 'node:path'
import { DEFAULT_RELP_WINDOW } from '../../src/config/action.js'
import { freePort } from '../interop/free-port.js'
import { readLines, startDaemon, waitFor, type RunningDaemon } from './harness.js'
import { arrivals } from './relp-helpers.js'
import { RelpTestSender } from './relp-client.js'

const QUIET = 'repeat_suppression=off\nmark_interval=0\n'
const LINE = (tag: string, n: number): string => `<133>Nov 22 10:00:00 h app: ${tag} ${n}`

function receiverConfig (scheme: 'relp' | 'tcp', port: number): string {
  return `${QUIET}listen ${scheme}://127.0.0.1:${port}\nlocal0.*   DIR/b.log\n`
}

async function killHard (d: RunningDaemon): Promise<void> {
  d.child.kill('SIGKILL')
  if (d.child.exitCode === null && d.child.signalCode === null) await once(d.child, 'exit')
}

async function forwardStats (daemon: RunningDaemon): Promise<any> {
  return (await daemon.stats()).outputs.find((o: { name: string }) => o.name.startsWith('forward '))
}

/** The numbers in `file` ("TAG N" at the end of each line, or followed by padding), in file order. */
async function numbersIn (file: string, tag: string): Promise<number[]> {
  const pattern = new RegExp(` ${tag} (\\d+)( x+)?$`)
  return (await readLines(file)).map((line) => pattern.exec(line)).filter((m) => m !== null).map((m) => Number(m[1]))
}

/** Each number's first arrival, in arrival order. */
function firstArrivals (numbers: number[]): number[] {
  const seen = new Set<number>()
  return numbers.filter((n) => !seen.has(n) && seen.add(n) !== undefined)
}

function range (from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i)
}

async function logHas (daemon: RunningDaemon, pattern: RegExp): Promise<boolean> {
  return (await readLines(join(daemon.dir, 'a.log'))).some((line) => pattern.test(line))
}

test('relp queue: the sending stele killed -9 mid-stream and restarted: nothing committed or acknowledged upstream is lost, duplicates bounded by the windows', { timeout: 120000 }, async (t) => {
  const COUNT = 20000
  const WINDOW = 64
  const UPSTREAM_WINDOW = 256
  const portB = await freePort()
  const b = await startDaemon(receiverConfig('relp', portB))
  t.after(async () => { await b.close() })
  const config = `${QUIET}listen relp://127.0.0.1:0\nsyslog.*   DIR/a.log\nlocal0.*   @relp://127.0.0.1:${portB} window=${WINDOW} queue_dir=DIR/q\n`
  let a = await startDaemon(config)
  t.after(async () => { await a.close() })
  const file = join(b.dir, 'b.log')
  const upstream = new RelpTestSender(COUNT, (n) => LINE('relpq', n))
  // The second half waits until A has been killed, so the kill is always mid-stream (A takes
  // messages faster than B writes them: its disk queue acknowledges on commit).
  upstream.holdAfter = COUNT / 2
  const first = upstream.session(a.port('relp://127.0.0.1:0'), UPSTREAM_WINDOW)
  await waitFor(async () => (await arrivals(file, 'relpq', COUNT)).distinct >= COUNT / 4, 'a quarter of the messages at B')
  await killHard(a)
  assert.equal(await first, false, 'the upstream session died with A')
  const ackedAtKill = upstream.ackedCount
  assert.ok(ackedAtKill < COUNT, `killed mid-stream (${ackedAtKill} acknowledged upstream)`)

  upstream.holdAfter = COUNT
  a = await startDaemon(config, { dir: a.dir })
  assert.equal(await upstream.session(a.port('relp://127.0.0.1:0'), UPSTREAM_WINDOW), true, 'the upstream got every message acknowledged')
  let seen = await arrivals(file, 'relpq', COUNT)
  await waitFor(async () => (seen = await arrivals(file, 'relpq', COUNT)).distinct === COUNT, () => `all ${COUNT} at B: ${JSON.stringify(seen)}\n${a.stderr}`, 60000)
  const forward = await forwardStats(a)
  assert.deepEqual(forward.dropped, {})
  t.diagnostic(`A killed with ${ackedAtKill} of ${COUNT} acknowledged upstream; duplicates at B ${seen.duplicates}`)
  assert.ok(seen.duplicates <= WINDOW + UPSTREAM_WINDOW, `duplicates ${seen.duplicates} within A's window plus the upstream's`)
  const numbers = await numbersIn(file, 'relpq')
  let stepsBack = 0
  for (let i = 1; i < numbers.length; i++) if (numbers[i]! < numbers[i - 1]!) stepsBack++
  assert.ok(stepsBack <= 2, `in order apart from the two resends (${stepsBack} steps back)`)
})

/** Numbered messages into A's TCP listener, 25 every 100 ms, until stopped (at most 40000). */
class PacedStream {
  sent = 0
  readonly #socket: net.Socket
  readonly #tag: string
  #timer: NodeJS.Timeout | null = null

  constructor (port: number, tag: string) {
    this.#tag = tag
    this.#socket = net.connect(port, '127.0.0.1')
    this.#socket.on('error', () => {})
  }

  async start (): Promise<void> {
    if (this.#socket.connecting) await once(this.#socket, 'connect')
    this.#timer = setInterval(() => {
      if (this.sent >= 40000) return
      let text = ''
      for (let i = 0; i < 25; i++) text += `${LINE(this.#tag, ++this.sent)}\n`
      this.#socket.write(text)
    }, 100)
  }

  pause (): void {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
  }

  async end (): Promise<void> {
    this.pause()
    this.#socket.end()
    await once(this.#socket, 'close')
  }
}

for (const scheme of ['relp', 'tcp'] as const) {
  test(`relp queue: ${scheme} receiver stopped for 30 s while messages keep arriving: everything arrives, backlog first, in order; the outage is logged`, { timeout: 150000 }, async (t) => {
    const OUTAGE_MS = 30000
    const portB = await freePort()
    let b = await startDaemon(receiverConfig(scheme, portB))
    t.after(async () => { await b.close() })
    const a = await startDaemon(`${QUIET}listen tcp://127.0.0.1:0\nsyslog.*   DIR/a.log\nlocal0.*   @${scheme}://127.0.0.1:${portB} queue_dir=DIR/q\n`)
    t.after(async () => { await a.close() })
    const file = join(b.dir, 'b.log')
    const stream = new PacedStream(a.port('tcp://127.0.0.1:0'), 'outage')
    await stream.start()
    await waitFor(async () => (await numbersIn(file, 'outage')).length >= 500, 'the stream flowing to B')
    if (scheme === 'tcp') {
      // Plain TCP: what B had not read when it went is lost (counted written); stop B idle.
      stream.pause()
      await waitFor(async () => (await numbersIn(file, 'outage')).length >= stream.sent, 'B has everything sent so far')
    }
    await b.stop()
    const outageStart = Date.now()
    await waitFor(async () => await logHas(a, /connection lost|closed the session \(serverclose\)/), 'A noticed the receiver going')
    if (scheme === 'tcp') await stream.start()
    await waitFor(async () => await logHas(a, /cannot connect \(ECONNREFUSED\)/), 'A logged the failed reconnects')
    // The outage itself: 30 s of messages arriving at A with nowhere to go.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - outageStart))))
    const during = await forwardStats(a)
    assert.ok(during.queue.depth > 0, `A keeps the backlog in its queue (${during.queue.depth})`)
    assert.deepEqual(during.dropped, {})

    b = await startDaemon(receiverConfig(scheme, portB), { dir: b.dir })
    const sentAtRestart = stream.sent
    // The stream goes on until messages sent after the restart reach B, then stops.
    await waitFor(async () => (await numbersIn(file, 'outage')).some((n) => n > sentAtRestart), 'messages sent after the restart at B', 70000)
    await stream.end()
    const total = stream.sent
    await waitFor(async () => firstArrivals(await numbersIn(file, 'outage')).length >= total, `all ${total} at B`, 60000)
    const numbers = await numbersIn(file, 'outage')
    assert.deepEqual(firstArrivals(numbers), range(1, total), 'every message, the backlog first, in order')
    const duplicates = numbers.length - total
    t.diagnostic(`${total} messages, ${during.queue.depth as number} in A's queue during the outage; duplicates ${duplicates}`)
    assert.ok(duplicates <= (scheme === 'relp' ? DEFAULT_RELP_WINDOW : 0), `duplicates ${duplicates}`)
    assert.deepEqual((await forwardStats(a)).dropped, {})
    await waitFor(async () => await logHas(a, /connected after \d+ failed attempts/), 'A logged the reconnection')
  })
}

function relpSender (portB: number, options: string): string {
  return `${QUIET}listen tcp://127.0.0.1:0\nlisten udp://127.0.0.1:0\nsyslog.*   DIR/a.log\nlocal0.*   @relp://127.0.0.1:${portB} queue_dir=DIR/q ${options}\n`
}

function lines (from: number, to: number, tag: string): string {
  let text = ''
  for (let n = from; n <= to; n++) text += `${LINE(tag, n)} ${'x'.repeat(80)}\n`
  return text
}

test('relp queue: overflow=block on a full disk queue pauses the TCP input (nothing lost) and drops and counts UDP exactly', { timeout: 90000 }, async (t) => {
  const COUNT = 20000
  const portB = await freePort()
  const a = await startDaemon(relpSender(portB, 'queue_max=1m overflow=block'))
  t.after(async () => { await a.close() })
  const socket = net.connect(a.port('tcp://127.0.0.1:0'), '127.0.0.1')
  await once(socket, 'connect')
  socket.end(lines(1, COUNT, 'block'))
  await waitFor(async () => (await a.stats()).paused === true, 'the inputs paused')
  const blocked = await forwardStats(a)
  assert.ok(blocked.received < COUNT, `the sender is held back (${blocked.received} of ${COUNT} read)`)
  assert.deepEqual(blocked.dropped, {})
  const udp = dgram.createSocket('udp4')
  t.after(() => { udp.close() })
  for (let i = 1; i <= 10; i++) udp.send(LINE('udp', i), a.port('udp://127.0.0.1:0'), '127.0.0.1')
  await waitFor(async () => ((await forwardStats(a)).dropped['queue-full'] ?? 0) === 10, 'the 10 UDP messages counted as dropped')

  const b = await startDaemon(receiverConfig('relp', portB))
  t.after(async () => { await b.close() })
  await once(socket, 'close')
  const file = join(b.dir, 'b.log')
  await waitFor(async () => (await numbersIn(file, 'block')).length >= COUNT, 'every TCP message at B', 60000)
  assert.deepEqual(await numbersIn(file, 'block'), range(1, COUNT), 'nothing lost, in order, once')
  const report = `dropped 10 messages to 127.0.0.1:${portB}: queue full`
  await waitFor(async () => await logHas(a, new RegExp(`${report}$`)), `"${report}" in A's log`)
})

test('relp queue: overflow=drop-newest on a full disk queue counts exactly what it drops and reports it; the rest arrives in order', { timeout: 90000 }, async (t) => {
  const COUNT = 400
  const portB = await freePort()
  const a = await startDaemon(relpSender(portB, 'queue_max=16k overflow=drop-newest'))
  t.after(async () => { await a.close() })
  const socket = net.connect(a.port('tcp://127.0.0.1:0'), '127.0.0.1')
  await once(socket, 'connect')
  socket.end(lines(1, COUNT, 'newest'))
  await once(socket, 'close')
  await waitFor(async () => (await forwardStats(a)).received === COUNT, 'every message offered to the forward')
  const full = await forwardStats(a)
  const dropped = full.dropped['queue-full'] as number
  assert.ok(dropped > 0 && dropped < COUNT, `a 16 KiB queue holds some of ${COUNT} messages (dropped ${dropped})`)
  assert.equal(full.queue.depth + dropped, COUNT, 'every message queued or counted')
  assert.deepEqual(Object.keys(full.dropped), ['queue-full'])

  const b = await startDaemon(receiverConfig('relp', portB))
  t.after(async () => { await b.close() })
  const file = join(b.dir, 'b.log')
  const kept = COUNT - dropped
  await waitFor(async () => (await numbersIn(file, 'newest')).length >= kept, 'the queued messages at B', 60000)
  assert.deepEqual(await numbersIn(file, 'newest'), range(1, kept))
  const report = `dropped ${dropped} messages to 127.0.0.1:${portB}: queue full`
  await waitFor(async () => await logHas(a, new RegExp(`${report}$`)), `"${report}" in A's log`)
})
