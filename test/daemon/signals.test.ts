// signals: SIGHUP re-reads the config and reopens files (logrotate renames the file away, then
// sends SIGHUP); a config with errors is rejected and the old one keeps running; SIGTERM
// flushes and exits 0. Checked: the renamed file and the new one together hold every message
// exactly once, sent over one TCP connection while the rotation happens.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { once } from 'node:events'
import { rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readLines, startDaemon, waitFor } from './harness.js'

const CONFIG = `
repeat_suppression=off
mark_interval=0
listen tcp://127.0.0.1:0
*.*   DIR/messages
`

async function writtenTo (daemon: Awaited<ReturnType<typeof startDaemon>>, suffix: string): Promise<number> {
  const stats = await daemon.stats()
  return stats.outputs.find((output: { name: string }) => output.name.endsWith(suffix)).written as number
}

async function send (socket: net.Socket, from: number, to: number): Promise<void> {
  let batch = ''
  for (let n = from; n <= to; n++) {
    batch += `<13>Nov 22 10:00:00 h rot: rotate ${n}\n`
    if (batch.length > 60000 || n === to) {
      if (!socket.write(batch)) await once(socket, 'drain')
      batch = ''
    }
  }
}

test('signals: SIGHUP after renaming the file under load: old and new file together hold every message once', { timeout: 60000 }, async (t) => {
  const daemon = await startDaemon(CONFIG)
  t.after(async () => { await daemon.close() })
  const socket = net.connect(daemon.port('tcp://127.0.0.1:0'), '127.0.0.1')
  await once(socket, 'connect')
  const TOTAL = 60_000
  await send(socket, 1, 20_000)
  await waitFor(async () => await writtenTo(daemon, 'messages') >= 5_000, 'the first messages written')
  await rename(join(daemon.dir, 'messages'), join(daemon.dir, 'messages.1'))
  daemon.signal('SIGHUP')
  await send(socket, 20_001, 40_000)
  daemon.signal('SIGHUP') // a second rotation signal while messages flow; nothing must be lost or doubled
  await send(socket, 40_001, TOTAL)
  socket.end()
  await once(socket, 'close')
  await waitFor(async () => (await daemon.stats()).routed >= TOTAL + 2, 'every message routed')
  assert.equal(await daemon.stop(), 0)
  const lines = [...await readLines(join(daemon.dir, 'messages.1')), ...await readLines(join(daemon.dir, 'messages'))]
  const numbers = lines.filter((line) => line.includes(' rot: rotate ')).map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)))
  assert.equal(numbers.length, TOTAL)
  assert.deepEqual([...numbers].sort((a, b) => a - b), Array.from({ length: TOTAL }, (_, i) => i + 1))
  assert.ok((await readLines(join(daemon.dir, 'messages'))).length > 0, 'the new file was written after the rename')
  assert.ok(lines.some((line) => /stele\[\d+\]: reloaded /.test(line)), 'the reload is logged')
})

test('signals: a config with errors on SIGHUP is rejected and the running config stays', { timeout: 30000 }, async (t) => {
  const daemon = await startDaemon(CONFIG)
  t.after(async () => { await daemon.close() })
  await writeFile(join(daemon.dir, 'stele.conf'), 'listen tcp://127.0.0.1:0\nmail.bogus /tmp/x\nno_such_option=1\n')
  daemon.signal('SIGHUP')
  await waitFor(() => daemon.stderr.includes('reload rejected'), () => `the rejection on stderr; stderr so far:\n${daemon.stderr}`)
  assert.match(daemon.stderr, /stele\.conf:2: .*bogus/)
  assert.match(daemon.stderr, /stele\.conf:3: .*no_such_option/)
  // Still running on the old config: a message sent now lands in the old file.
  const socket = net.connect(daemon.port('tcp://127.0.0.1:0'), '127.0.0.1')
  await once(socket, 'connect')
  socket.end('<13>Nov 22 10:00:00 h app: after the bad reload\n')
  await waitFor(async () => (await readLines(join(daemon.dir, 'messages'))).some((line) => line.endsWith('after the bad reload')), 'the message in the old file')
  assert.equal(await daemon.stop(), 0)
})
