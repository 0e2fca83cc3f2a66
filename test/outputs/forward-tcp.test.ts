import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { FrameDecoder } from '../../src/framing/frame-decoder.js'
import { TcpForward, StreamRecordEncoder, joinAdjacent } from '../../src/outputs/forward-tcp.js'
import { assertBalanced, feed, tempDir, forwardAction, message, messageNumbers, range, testContext, waitFor } from './helpers.js'
import { freePort } from '../interop/free-port.js'

const FAST = { retryMinMs: 20, retryMaxMs: 50 }

/** A syslog TCP receiver: decodes the frames of each connection separately. */
class Receiver {
  readonly server: Server
  readonly connections: Array<{ socket: Socket, frames: string[], bytes: number }> = []
  onConnection: (conn: { socket: Socket, frames: string[], bytes: number }) => void = () => {}
  onData: (conn: { socket: Socket, frames: string[], bytes: number }) => void = () => {}

  constructor (framing: 'octet' | 'lf' = 'octet') {
    this.server = createServer((socket) => {
      const conn = { socket, frames: [] as string[], bytes: 0 }
      this.connections.push(conn)
      const decoder = new FrameDecoder({ framing, onFrame: (frame) => { conn.frames.push(frame.toString('utf8')) } })
      socket.on('error', () => {})
      socket.on('data', (chunk: Buffer) => { conn.bytes += chunk.length; decoder.push(chunk); this.onData(conn) })
      this.onConnection(conn)
    })
  }

  async listen (port = 0): Promise<number> {
    this.server.listen(port, '127.0.0.1')
    await once(this.server, 'listening')
    return (this.server.address() as AddressInfo).port
  }

  get frames (): string[] { return this.connections.flatMap((conn) => conn.frames) }

  close (): void {
    for (const conn of this.connections) conn.socket.destroy()
    this.server.close()
  }
}

async function receiver (t: TestContext, framing: 'octet' | 'lf' = 'octet'): Promise<{ receiver: Receiver, port: number }> {
  const r = new Receiver(framing)
  t.after(() => { r.close() })
  return { receiver: r, port: await r.listen() }
}

/** A port that nothing listens on (bound, read back, closed). */

test('forward-tcp: messages arrive octet-counted (RFC 6587), rfc5424, in order', async (t) => {
  const { receiver: r, port } = await receiver(t)
  const ctx = testContext()
  const output = new TcpForward(forwardAction('tcp', port), ctx, FAST)
  t.after(() => { output.destroy() })
  await output.start()
  await feed(output, 0, 5000)
  await output.flush()
  assert.equal(output.counters.written, 5000)
  await waitFor(() => r.frames.length === 5000, { what: 'all frames received' })
  assert.equal(r.frames[0], '<13>1 2026-03-07T09:30:00.000Z host1 app 42 - - message 0')
  assert.deepEqual(messageNumbers(r.frames.join('\n')), range(0, 5000))
  assert.equal(r.connections.length, 1)
  assert.match(await ctx.log.next(/connected/), /^forward tcp:\/\/127\.0\.0\.1:\d+: connected$/)
  assertBalanced(output.counters)
})

test('forward-tcp: framing=lf terminates records with LF and never lets a body LF split a frame', async (t) => {
  const { receiver: r, port } = await receiver(t, 'lf')
  const output = new TcpForward(forwardAction('tcp', port, { framing: 'lf', newline: 'escape' }), testContext(), FAST)
  t.after(() => { output.destroy() })
  await output.start()
  output.write(message(0, { body: 'line one\nline two' }))
  output.write(message(1))
  await output.flush()
  await waitFor(() => r.frames.length === 2)
  assert.deepEqual(r.frames, [
    '<13>1 2026-03-07T09:30:00.000Z host1 app 42 - - line one#012line two',
    '<13>1 2026-03-07T09:30:00.000Z host1 app 42 - - message 1'
  ])
})

test('forward-tcp: the stream encoder frames keep, escape and split as documented', () => {
  const ctx = testContext()
  const msg = message(0, { body: 'a\nb' })
  const encode = (framing: 'octet' | 'lf', newline: 'keep' | 'escape' | 'split'): string =>
    new StreamRecordEncoder({ format: 'rfc5424', framing, newline }, ctx).encode(msg).toString('utf8')
  const head = '<13>1 2026-03-07T09:30:00.000Z host1 app 42 - - '
  const len = (s: string): string => `${Buffer.byteLength(s)} ${s}`
  assert.equal(encode('octet', 'keep'), len(`${head}a\nb`))
  assert.equal(encode('octet', 'escape'), len(`${head}a#012b`))
  assert.equal(encode('octet', 'split'), len(`${head}a`) + len(`${head}b`))
  assert.equal(encode('lf', 'keep'), `${head}a b\n`)
  assert.equal(encode('lf', 'escape'), `${head}a#012b\n`)
  assert.equal(encode('lf', 'split'), `${head}a\n${head}b\n`)
})

test('forward-tcp: octet counting stays right when MSG-LEN gains or loses digits between records', () => {
  const ctx = testContext()
  const encoder = new StreamRecordEncoder({ format: 'raw', framing: 'octet', newline: 'keep' }, ctx)
  // The encoder leaves room for as many digits as the previous length had: go up and down.
  const sizes = [5, 9, 10, 99, 100, 12_345, 7, 1000, 1, 100_000, 42]
  const records = sizes.map((size) => {
    const body = 'x'.repeat(size - 1) + String(size % 10)
    const msg = message(0)
    msg.raw = Buffer.from(body)
    return { body, record: encoder.encode(msg) }
  })
  for (const { body, record } of records) assert.equal(record.toString('latin1'), `${body.length} ${body}`)
  // Records already taken are never overwritten by later ones.
  assert.equal(records[0]!.record.toString('latin1'), `5 xxxx5`)
  const empty = message(0)
  empty.raw = Buffer.alloc(0)
  assert.equal(encoder.encode(empty).length, 0, 'an empty message is no frame')
})

test('forward-tcp: joinAdjacent writes records that lie side by side as one Buffer, in order', () => {
  const slab = Buffer.from('aaBBBcdddd')
  const other = Buffer.from('zz')
  const batch = [slab.subarray(0, 2), slab.subarray(2, 5), other, slab.subarray(5, 6), slab.subarray(6, 10), slab.subarray(0, 2)]
  const n = joinAdjacent(batch, batch.length)
  assert.deepEqual(batch.map((b) => b.toString()), ['aaBBB', 'zz', 'cdddd', 'aa'])
  assert.equal(n, 4)
  const one = [slab.subarray(3, 7)]
  assert.equal(joinAdjacent(one, 1), 1)
  assert.equal(one[0]!.toString(), 'BBcd')
})

test('forward-tcp: a destination that is down at start gets the buffered messages when it comes up', async (t) => {
  const port = await freePort()
  const ctx = testContext()
  const output = new TcpForward(forwardAction('tcp', port), ctx, FAST)
  t.after(() => { output.destroy() })
  await output.start()
  for (let n = 0; n < 100; n++) assert.equal(output.write(message(n)), true) // down: never "full"
  assert.match(await ctx.log.next(/cannot connect/), /^forward tcp:\/\/127\.0\.0\.1:\d+: cannot connect \(ECONNREFUSED\); retrying with back-off up to 0\.05 s, buffering up to 8388608 bytes$/)
  assert.equal(output.counters.written, 0)
  const r = new Receiver()
  t.after(() => { r.close() })
  await r.listen(port)
  await output.flush()
  await waitFor(() => r.frames.length === 100)
  assert.deepEqual(messageNumbers(r.frames.join('\n')), range(0, 100))
  assert.match(await ctx.log.next(/connected after/), /connected after \d+ failed attempts/)
  assert.equal(ctx.log.matching(/cannot connect/).length, 1, 'logged once per outage')
  assertBalanced(output.counters)
})

test('forward-tcp: a buffer that overflows while down drops the newest and reports the exact count on reconnect', async (t) => {
  const port = await freePort()
  const ctx = testContext()
  const recordBytes = new StreamRecordEncoder({ format: 'rfc5424', framing: 'octet', newline: 'keep' }, ctx).encode(message(10)).length
  const output = new TcpForward(forwardAction('tcp', port, { bufferBytes: recordBytes * 10 }), ctx, FAST)
  t.after(() => { output.destroy() })
  await output.start()
  await ctx.log.next(/cannot connect/)
  for (let n = 10; n < 60; n++) output.write(message(n))
  assert.equal(output.counters.dropped['buffer-full'], 40)
  assert.equal(output.bufferedBytes, recordBytes * 10)
  const r = new Receiver()
  t.after(() => { r.close() })
  await r.listen(port)
  assert.equal(await ctx.log.next(/buffer full/), `dropped 40 messages to 127.0.0.1:${port}: buffer full`)
  await output.flush()
  await waitFor(() => r.frames.length === 10)
  assert.deepEqual(messageNumbers(r.frames.join('\n')), range(10, 20))
  assertBalanced(output.counters)
})

test('forward-tcp: a connection reset mid-stream reconnects and the rest arrives on the new connection', async (t) => {
  const { receiver: r, port } = await receiver(t)
  const ctx = testContext()
  // The first connection stops reading after 64 KB (so that the forward still holds records)...
  r.onData = (conn) => {
    if (r.connections.indexOf(conn) === 0 && conn.bytes >= 64 * 1024) conn.socket.pause()
  }
  const output = new TcpForward(forwardAction('tcp', port, { bufferBytes: 64 * 1024 * 1024 }), ctx, FAST)
  t.after(() => { output.destroy() })
  await output.start()
  await ctx.log.next(/connected/)
  const total = 20_000
  const body = 'x'.repeat(1000)
  const make = (n: number): ReturnType<typeof message> => message(n, { body: `message ${n} ${body}` })
  for (let n = 0; n < total; n++) output.write(make(n))
  await waitFor(() => r.connections[0]!.socket.isPaused() && output.counters.written > 0 && output.bufferedBytes > 1024 * 1024, { what: 'first connection stuck with records queued' })
  // ... and is then reset by the server.
  const writtenBeforeReset = output.counters.written
  r.connections[0]!.socket.resetAndDestroy()
  assert.match(await ctx.log.next(/connection lost/), /^forward tcp:\/\/127\.0\.0\.1:\d+: connection lost \((ECONNRESET|EPIPE)\); reconnecting$/)
  await output.flush()
  await waitFor(() => r.connections.length >= 2 && messageNumbers(r.connections.at(-1)!.frames.at(-1) ?? '')[0] === total - 1, { what: 'the last message on a later connection' })
  const first = messageNumbers(r.connections[0]!.frames.join('\n'))
  const later = messageNumbers(r.connections.slice(1).flatMap((c) => c.frames).join('\n'))
  assert.deepEqual(first, range(0, first.length))
  // The new connection carries on in order from the first record the kernel had not taken
  // (what was in the kernel's buffers at the reset is lost: plain TCP cannot know it).
  assert.deepEqual(later, range(later[0]!, total))
  assert.ok(later[0]! <= writtenBeforeReset + 1024, `resumed at ${later[0]!}, ${writtenBeforeReset} counted written before the reset`)
  assert.ok(later[0]! >= first.length)
  assert.equal(output.counters.written, total)
  assertBalanced(output.counters)
})

test('forward-tcp: a peer that accepts and never reads is detected as stalled and the connection is made again', async (t) => {
  const { receiver: r, port } = await receiver(t)
  r.onConnection = (conn) => { conn.socket.pause() } // a black hole: accepts, never reads
  const ctx = testContext()
  const output = new TcpForward(forwardAction('tcp', port, { bufferBytes: 64 * 1024 * 1024, options: { stall_timeout: '0.3' } }), ctx, FAST)
  t.after(() => { output.destroy() })
  await output.start()
  await ctx.log.next(/connected/)
  // ~24 MB: more than the kernel buffers of both ends hold.
  const body = 'x'.repeat(1200)
  let full = false
  for (let n = 0; n < 20_000; n++) if (!output.write(message(n, { body: `message ${n} ${body}` }))) full = true
  assert.equal(full, true, 'write() pushes back while connected')
  const stalled = await ctx.log.next(/no progress/)
  assert.match(stalled, /^forward tcp:\/\/127\.0\.0\.1:\d+: no progress for 0\.\d s with \d+ bytes unsent \(the peer is not reading\); resetting the connection and reconnecting$/)
  await waitFor(() => r.connections.length >= 2, { what: 'a new connection' })
  await waitFor(() => ctx.log.matching(/: connected/).length >= 2, { what: 'reconnect logged' })
  assert.ok(output.counters.errors >= 1)
  output.destroy()
  assert.equal(output.counters.written + (output.counters.dropped.shutdown ?? 0), 20_000)
  assertBalanced(output.counters)
})

test('forward-tcp: write() pushes back while the queue is over its high-water mark and onDrain fires', async (t) => {
  const { receiver: r, port } = await receiver(t)
  const output = new TcpForward(forwardAction('tcp', port, { bufferBytes: 64 * 1024 }), testContext(), FAST)
  t.after(() => { output.destroy() })
  await output.start()
  await waitFor(() => output.connected)
  let drains = 0
  output.onDrain(() => { drains++ })
  const results = range(0, 2000).map((n) => output.write(message(n)))
  assert.ok(results.includes(false))
  await output.flush()
  assert.ok(drains >= 1)
  await waitFor(() => r.frames.length + (output.counters.dropped['buffer-full'] ?? 0) === 2000)
  assertBalanced(output.counters)
})

test('forward-tcp: stop() with the destination down waits its grace period, then counts the rest as shutdown', async (t) => {
  const port = await freePort()
  const ctx = testContext()
  const output = new TcpForward(forwardAction('tcp', port), ctx, { ...FAST, stopGraceMs: 30 })
  t.after(() => { output.destroy() })
  await output.start()
  for (let n = 0; n < 7; n++) output.write(message(n))
  await output.stop()
  assert.equal(output.counters.dropped.shutdown, 7)
  assert.match(await ctx.log.next(/shutdown/), /dropped 7 messages at shutdown/)
  output.write(message(7))
  assert.equal(output.counters.dropped.shutdown, 8)
  assertBalanced(output.counters)
})

test('forward-tcp: a bad stall_timeout rejects start() with InvalidOptionError', async (t) => {
  const port = await freePort()
  const output = new TcpForward(forwardAction('tcp', port, { options: { stall_timeout: 'soon' } }), testContext(), FAST)
  t.after(() => { output.destroy() })
  await assert.rejects(output.start(), (err: unknown) => (err as { code?: string }).code === 'STELE_INVALID_OPTION')
})

test('forward-tcp: a disk queue paces the inputs while connected and caught up, and absorbs while the destination is down', async (t) => {
  const dir = await tempDir(t)
  const queue = { type: 'disk' as const, maxBytes: 64 * 1024 * 1024, dir, defaultDir: false, fsync: { mode: 'batch' as const }, overflow: 'drop-newest' as const }
  // A receiver that accepts and never reads: the kernel's buffers fill, then the queue grows.
  const server = createServer((socket) => { socket.pause() })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => { server.close() })
  const port = (server.address() as AddressInfo).port
  const ctx = testContext()
  const output = new TcpForward(forwardAction('tcp', port, { queue }), ctx, FAST)
  t.after(() => { output.destroy() })
  await output.start()
  await waitFor(() => output.connected, { what: 'connected' })
  let accepted = 0
  // Bounded: the kernel takes a few MiB at most, the queue says "full" at 1 MiB after that.
  for (let n = 0; n < 400_000; n++) {
    accepted++
    if (!output.write(message(n))) break
    if (n % 1000 === 999) await new Promise((resolve) => setImmediate(resolve))
  }
  assert.ok(accepted < 400_000, 'write() said "full" while connected')
  assert.ok(output.bufferedBytes < 2 * 1024 * 1024, `paced near its high-water mark (${output.bufferedBytes} bytes queued)`)
  assert.equal(output.counters.dropped['queue-full'] ?? 0, 0)

  // Down: the disk queue takes everything again (up to queue_max) rather than holding the inputs.
  const down = await freePort()
  const ctx2 = testContext()
  const dir2 = await tempDir(t)
  const offline = new TcpForward(forwardAction('tcp', down, { queue: { ...queue, dir: dir2 } }), ctx2, FAST)
  t.after(() => { offline.destroy() })
  await offline.start()
  await ctx2.log.next(/cannot connect/)
  for (let n = 0; n < 20_000; n++) assert.equal(offline.write(message(n)), true)
})
