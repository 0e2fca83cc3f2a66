// The RELP forward against an in-process RELP server whose answers the test scripts: answers in
// reverse order, a "500" answer, a serverclose, and the window limit.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import net from 'node:net'
import { encodeRelpFrame, RelpDecoder, type RelpFrame } from '../../src/framing/relp.js'
import { RelpForward } from '../../src/outputs/forward-relp.js'
import { assertBalanced, forwardAction, message, messageNumbers, range, testContext, waitFor } from './helpers.js'

type Answer = (socket: net.Socket, frames: RelpFrame[], session: number) => void

/** A RELP server: answers "open" itself; hands each chunk's syslog frames to `answer`. */
async function relpServer (answer: Answer): Promise<{ port: number, received: string[], sessions: number, close: () => Promise<void> }> {
  const state = { port: 0, received: [] as string[], sessions: 0, close: async () => {} }
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    const session = ++state.sessions
    socket.on('error', () => {})
    const decoder = new RelpDecoder({
      maxDataBytes: 1 << 20,
      onFrame: (f) => {
        if (f.command === 'open') socket.write(encodeRelpFrame(f.txnr, 'rsp', '200 OK\nrelp_version=0\ncommands=syslog'))
        else if (f.command === 'close') socket.end(encodeRelpFrame(f.txnr, 'rsp', '200 OK'))
        else { state.received.push(f.data.toString()); batch.push(f) }
      },
      onProblem: (p) => { throw new Error(p) }
    })
    let batch: RelpFrame[] = []
    socket.on('data', (chunk: Buffer) => {
      decoder.push(chunk)
      if (batch.length > 0) { const frames = batch; batch = []; answer(socket, frames, session) }
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  state.port = (server.address() as net.AddressInfo).port
  state.close = async () => { for (const s of sockets) s.destroy(); server.close(); await once(server, 'close') }
  return state as typeof state
}

const ok = (socket: net.Socket, f: RelpFrame): void => { socket.write(encodeRelpFrame(f.txnr, 'rsp', '200 OK')) }

test('forward relp: answers in reverse order: records leave the queue in order, once each is answered', async (t) => {
  const server = await relpServer((socket, frames) => { for (const f of [...frames].reverse()) ok(socket, f) })
  t.after(server.close)
  const forward = new RelpForward({ ...forwardAction('tcp', server.port), transport: 'relp', window: 16 }, testContext())
  t.after(() => forward.destroy())
  await forward.start()
  for (const n of range(1, 201)) forward.write(message(n))
  await forward.flush()
  assert.equal(forward.counters.written, 200)
  assert.equal(forward.inFlight, 0)
  assert.deepEqual(messageNumbers(server.received.join('\n')), range(1, 201))
  assertBalanced(forward.counters)
})

test('forward relp: a 500 answer and a serverclose end the session; the unanswered records are sent again and counted', async (t) => {
  let refused = false
  let closed = false
  const server = await relpServer((socket, frames, session) => {
    for (const f of frames) {
      if (session === 1 && !refused && f.data.toString().includes('message 5')) {
        refused = true
        socket.write(encodeRelpFrame(f.txnr, 'rsp', '500 not now'))
        return
      }
      if (session === 2 && !closed && f.data.toString().includes('message 9')) {
        closed = true
        socket.end(encodeRelpFrame(0, 'serverclose'))
        return
      }
      ok(socket, f)
    }
  })
  t.after(server.close)
  const ctx = testContext()
  const forward = new RelpForward({ ...forwardAction('tcp', server.port), transport: 'relp', window: 4 }, ctx, { retryMinMs: 10, retryMaxMs: 20 })
  t.after(() => forward.destroy())
  await forward.start()
  for (const n of range(1, 21)) forward.write(message(n))
  await forward.flush()
  assert.equal(forward.counters.written, 20)
  assert.ok(server.sessions >= 3)
  const numbers = messageNumbers(server.received.join('\n'))
  assert.deepEqual([...new Set(numbers)].sort((a, b) => a - b), range(1, 21), 'every message arrived')
  assert.equal(forward.counters.resent, numbers.length - 20, 'every second sending counted')
  assert.ok(forward.counters.resent! <= 8, 'at most a window per lost session')
  assert.equal(ctx.log.matching(/answered 500 not now for a message; reconnecting/).length, 1)
  assert.equal(ctx.log.matching(/closed the session \(serverclose\)/).length, 1)
  assertBalanced(forward.counters)
})

test('forward relp: no more than window= transactions are unanswered; the window is refilled once half of it is free', async (t) => {
  const held: Array<[net.Socket, RelpFrame]> = []
  const server = await relpServer((socket, frames) => { for (const f of frames) held.push([socket, f]) })
  t.after(server.close)
  const forward = new RelpForward({ ...forwardAction('tcp', server.port), transport: 'relp', window: 8 }, testContext())
  t.after(() => forward.destroy())
  await forward.start()
  for (const n of range(1, 51)) forward.write(message(n))
  await waitFor(() => held.length === 8, { what: 'a full window' })
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(forward.inFlight, 8)
  assert.equal(server.received.length, 8)
  for (let i = 0; i < 3; i++) { const [socket, f] = held.shift()!; ok(socket, f) }
  await waitFor(() => forward.counters.written === 3, { what: 'three answers taken' })
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(server.received.length, 8, 'nothing more while more than half the window is in flight')
  const [socket, fourth] = held.shift()!
  ok(socket, fourth)
  await waitFor(() => server.received.length === 12, { what: 'four more sent once half the window is free' })
  assert.equal(forward.counters.written, 4)
  assert.equal(forward.inFlight, 8)
})
