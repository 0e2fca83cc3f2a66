// forward: daemon A forwards over TCP (octet counting, RFC 5424) to daemon B, which is not
// running at first. A's 4 KiB buffer holds what it can; the rest is counted. When B comes up,
// A reconnects, delivers its buffer, and reports "dropped N messages to 127.0.0.1:PORT: buffer
// full" with N equal to its counter; that report travels to B like any other message.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { once } from 'node:events'
import { join } from 'node:path'
import { readLines, startDaemon, waitFor } from './harness.js'
import { freePort } from '../interop/free-port.js'


test('forward: destination down, buffer overflows, destination up: buffered messages arrive and the exact drop count is reported', { timeout: 90000 }, async (t) => {
  const port = await freePort()
  const sender = await startDaemon(`
repeat_suppression=off
mark_interval=0
listen tcp://127.0.0.1:0
*.*   DIR/a.log
*.*   @tcp://127.0.0.1:${port} buffer=4k
`)
  t.after(async () => { await sender.close() })
  const COUNT = 200
  const socket = net.connect(sender.port('tcp://127.0.0.1:0'), '127.0.0.1')
  await once(socket, 'connect')
  let batch = ''
  for (let n = 1; n <= COUNT; n++) batch += `<13>Nov 22 10:00:00 h app: forwarded ${n} ${'x'.repeat(80)}\n`
  socket.end(batch)
  await once(socket, 'close')
  const forward = async (): Promise<any> => (await sender.stats()).outputs.find((o: { name: string }) => o.name.includes(`:${port}`))
  await waitFor(async () => (await forward()).received >= COUNT, 'every message offered to the forward')
  const dropped = (await forward()).dropped['buffer-full'] as number
  assert.ok(dropped > 0 && dropped < COUNT, `a 4 KiB buffer holds some of ${COUNT} messages of ~120 bytes (dropped ${dropped})`)

  const receiver = await startDaemon(`
repeat_suppression=off
mark_interval=0
listen tcp://127.0.0.1:${port}
*.*   DIR/b.log
`)
  t.after(async () => { await receiver.close() })
  const report = `dropped ${dropped} messages to 127.0.0.1:${port}: buffer full`
  await waitFor(async () => (await readLines(join(receiver.dir, 'b.log'))).some((line) => line.endsWith(report)), `"${report}" at the receiver`, 60000)
  assert.ok((await readLines(join(sender.dir, 'a.log'))).some((line) => line.endsWith(report)), 'and in the sender\'s own log')
  const arrived = (await readLines(join(receiver.dir, 'b.log'))).filter((line) => line.includes(' forwarded '))
  const numbers = arrived.map((line) => Number(/forwarded (\d+)/.exec(line)![1]))
  assert.equal(numbers.length, COUNT - dropped, 'every message not counted as dropped arrived')
  assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), 'in order')
  assert.equal(new Set(numbers).size, numbers.length, 'once each')
})
