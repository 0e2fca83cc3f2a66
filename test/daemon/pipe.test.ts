// pipe: the failure "Secure Logging Over a Network" describes: a named pipe whose reader is
// absent or slow must never stall the daemon. A FIFO with no reader, then with a reader:
// the file output writes everything meanwhile; what the pipe's bounded buffer could not hold
// is counted, and reported in the log once the pipe drains.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { readLines, startDaemon, waitFor } from './harness.js'

test('pipe: no reader, then a reader: the file gets everything, pipe drops are counted and reported', { timeout: 60000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stele-pipe-'))
  execFileSync('mkfifo', [join(dir, 'fifo')])
  const daemon = await startDaemon(`
repeat_suppression=off
mark_interval=0
listen tcp://127.0.0.1:0
*.*   DIR/all.log
*.*   |DIR/fifo buffer=64k
`, { dir })
  t.after(async () => { await daemon.close() })
  const COUNT = 5000
  const socket = net.connect(daemon.port('tcp://127.0.0.1:0'), '127.0.0.1')
  await once(socket, 'connect')
  let batch = ''
  for (let n = 1; n <= COUNT; n++) batch += `<13>Nov 22 10:00:00 h app: pipe message number ${n} ${'p'.repeat(60)}\n`
  socket.end(batch)
  await once(socket, 'close')
  await waitFor(async () => (await daemon.stats()).outputs[0].written >= COUNT, 'the file output to keep up without a pipe reader')
  const before = (await daemon.stats()).outputs.find((o: { name: string }) => o.name.includes('fifo'))
  const dropped = before.dropped['pipe-full'] as number
  assert.ok(dropped > 0, 'a 64 KiB buffer cannot hold 5000 messages')
  // Now a reader comes: the buffered messages flow, and the drop is reported in the log.
  const reader = spawn('cat', [join(dir, 'fifo')], { stdio: ['ignore', 'pipe', 'ignore'] })
  t.after(() => { reader.kill() })
  let read = ''
  reader.stdout.setEncoding('utf8').on('data', (chunk: string) => { read += chunk })
  await waitFor(async () => (await readLines(join(dir, 'all.log'))).some((line) => line.includes(`dropped ${dropped} messages`)), `"dropped ${dropped} messages" in the log`)
  // Every record the daemon counts as written reaches the reader; the rest is counted dropped.
  await waitFor(async () => {
    const pipe = (await daemon.stats()).outputs.find((o: { name: string }) => o.name.includes('fifo'))
    const lines = read.split('\n').length - 1
    return pipe.written + (pipe.dropped['pipe-full'] ?? 0) === pipe.received && lines === pipe.written
  }, 'every pipe message read by the reader or counted as dropped')
  assert.equal((await readLines(join(dir, 'all.log'))).filter((line) => line.includes('pipe message number')).length, COUNT)
})
