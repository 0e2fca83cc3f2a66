import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { isUtf8 } from 'node:buffer'
import dgram from 'node:dgram'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { formatMessage } from '../../src/message/format.js'
import { UdpForward } from '../../src/outputs/forward-udp.js'
import { assertBalanced, forwardAction, message, messageNumbers, range, testContext, waitFor } from './helpers.js'

async function udpReceiver (t: TestContext, port = 0): Promise<{ datagrams: Buffer[], port: number, socket: dgram.Socket }> {
  const socket = dgram.createSocket('udp4')
  const datagrams: Buffer[] = []
  socket.on('message', (datagram) => { datagrams.push(datagram) })
  socket.bind(port, '127.0.0.1')
  await once(socket, 'listening')
  t.after(() => { socket.close() })
  return { datagrams, port: (socket.address() as AddressInfo).port, socket }
}

test('forward-udp: one rfc3164 datagram per message', async (t) => {
  const { datagrams, port } = await udpReceiver(t)
  const output = new UdpForward(forwardAction('udp', port), testContext())
  t.after(async () => { await output.stop() })
  await output.start()
  for (let n = 0; n < 200; n++) assert.equal(output.write(message(n)), true)
  await output.flush()
  assert.equal(output.counters.written, 200)
  await waitFor(() => datagrams.length === 200, { what: '200 datagrams' })
  assert.equal(datagrams[0]!.toString('utf8'), '<13>Mar  7 09:30:00 host1 app[42]: message 0')
  assert.deepEqual(messageNumbers(datagrams.map((d) => d.toString('utf8')).join('\n')), range(0, 200))
  assertBalanced(output.counters)
})

test('forward-udp: a record over max_datagram_size is cut on a UTF-8 boundary and counted truncated', async (t) => {
  const { datagrams, port } = await udpReceiver(t)
  const output = new UdpForward(forwardAction('udp', port, { options: { max_datagram_size: '100' } }), testContext())
  t.after(async () => { await output.stop() })
  await output.start()
  const header = formatMessage(message(0, { body: '' }), 'rfc3164', { terminator: '', timeZone: 'UTC' }).length
  // '€' is 3 bytes; put one across the 100-byte limit.
  const body = 'a'.repeat(100 - header - 1) + '€€€'
  output.write(message(0, { body }))
  output.write(message(1))
  await output.flush()
  await waitFor(() => datagrams.length === 2)
  const cut = datagrams[0]!
  assert.equal(cut.length, 99)
  assert.ok(isUtf8(cut))
  assert.ok(cut.toString('utf8').endsWith('a'))
  assert.equal(output.counters.truncated, 1)
  assert.equal(output.counters.written, 2)
  assert.equal(datagrams[1]!.toString('utf8'), '<13>Mar  7 09:30:00 host1 app[42]: message 1')
  assertBalanced(output.counters)
})

test('forward-udp: ECONNREFUSED drops are counted, logged once, and reported when sends succeed again', async (t) => {
  const probe = dgram.createSocket('udp4')
  probe.bind(0, '127.0.0.1')
  await once(probe, 'listening')
  const port = (probe.address() as AddressInfo).port
  probe.close()
  const ctx = testContext()
  const output = new UdpForward(forwardAction('udp', port), ctx)
  t.after(async () => { await output.stop() })
  await output.start()
  // Each datagram draws an ICMP port unreachable, which the socket reports as ECONNREFUSED.
  let n = 0
  await waitFor(() => {
    output.write(message(n++))
    return (output.counters.dropped['write-error'] ?? 0) >= 3
  }, { what: 'refused sends' })
  await output.flush()
  assert.equal(await ctx.log.next(/refused/), `forward udp://127.0.0.1:${port}: datagrams refused (ECONNREFUSED); dropping messages until sends succeed`)
  assert.equal(ctx.log.matching(/refused/).length, 1)
  // The receiver comes up; after a quiet second the episode's count is logged.
  const { datagrams } = await udpReceiver(t, port)
  const quietUntil = Date.now() + 1100
  await waitFor(() => Date.now() >= quietUntil)
  output.write(message(n++))
  await output.flush()
  const report = await ctx.log.next(/^dropped/)
  assert.equal(report, `dropped ${output.counters.dropped['write-error']!} messages to 127.0.0.1:${port}: datagrams refused (ECONNREFUSED)`)
  await waitFor(() => datagrams.length >= 1)
  assertBalanced(output.counters)
})

test('forward-udp: an out-of-range max_datagram_size rejects start()', async (t) => {
  const output = new UdpForward(forwardAction('udp', 9, { options: { max_datagram_size: '70000' } }), testContext())
  t.after(async () => { await output.stop() })
  await assert.rejects(output.start(), /max_datagram_size/)
})
