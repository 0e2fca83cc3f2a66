// queue on a full disk: daemon A forwards local0 over TCP to daemon B (down at first) through a
// disk queue whose directory is a 1 MiB tmpfs, most of it taken by a filler file. 5000 messages
// (more than the space left) are sent: the append fails with ENOSPC, A keeps running, its queue
// says diskFull and keeps that batch in memory. 1000 more are sent: a full disk is a full
// queue, so each is counted ('disk-full'). The filler is removed: appends resume (logged), 100
// later messages queue again, and when B comes up it gets the 5000 and the 100, in order, and
// A's log reports "dropped 1000 messages ...".

import { test } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readLines, startDaemon, waitFor, type RunningDaemon } from './harness.js'
import { freePort } from '../interop/free-port.js'

const QUIET = 'repeat_suppression=off\nmark_interval=0\n'

function mountTmpfs (dir: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' })
    return undefined
  } catch {
    return 'cannot mount a tmpfs here (needs root)'
  }
}


async function send (daemon: RunningDaemon, tag: string, count: number): Promise<void> {
  const socket = net.connect(daemon.port('tcp://127.0.0.1:0'), '127.0.0.1')
  await once(socket, 'connect')
  let text = ''
  for (let n = 1; n <= count; n++) text += `<133>Nov 22 10:00:00 h app: ${tag} ${n} ${'f'.repeat(100)}\n`
  socket.end(text)
  await once(socket, 'close')
}

test('queue disk full: the daemon survives, counts and reports, resumes when space returns, delivers the rest', { timeout: 90000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stele-qfull-'))
  const queueDir = join(dir, 'q')
  await mkdir(queueDir)
  const skip = mountTmpfs(queueDir)
  if (skip !== undefined) { t.skip(skip); return }
  let sender: RunningDaemon | undefined
  // One hook, in order: the daemon must be gone before the tmpfs can be unmounted.
  t.after(async () => {
    await sender?.stop()
    try { execFileSync('umount', [queueDir]) } catch {}
    await rm(dir, { recursive: true, force: true })
  })
  await writeFile(join(queueDir, 'filler'), Buffer.alloc(640 * 1024))
  const port = await freePort()
  sender = await startDaemon(`${QUIET}listen tcp://127.0.0.1:0
syslog.*   DIR/a.log
local0.*   @tcp://127.0.0.1:${port} queue_dir=DIR/q queue_max=4m
`, { dir })
  const forward = async (): Promise<any> => (await sender!.stats()).outputs.find((o: { name: string }) => o.name.includes(`:${port}`))
  const COUNT = 5000 // ~650 KB of records: more than the ~380 KB left
  await send(sender, 'first', COUNT)
  await waitFor(async () => (await forward()).queue.diskFull === true, 'the append to fail')
  await send(sender, 'second', 1000)
  await waitFor(async () => (await forward()).received === COUNT + 1000, 'every message offered to the forward')
  const full = await forward()
  const dropped = full.dropped['disk-full'] as number
  assert.equal(dropped, 1000, `the messages sent while the disk was full are counted (${JSON.stringify(full.dropped)})`)
  assert.ok(full.queue.appendErrors >= 1)
  assert.equal(full.queue.depth, COUNT, 'the batch that did not fit waits in memory')
  assert.equal(sender.child.exitCode, null, 'the daemon is still running')
  await waitFor(async () => (await readLines(join(dir, 'a.log'))).some((line) => line.includes('disk full (ENOSPC)')), 'the disk-full report')

  await rm(join(queueDir, 'filler'))
  await waitFor(async () => (await forward()).queue.diskFull === false, 'appends to resume', 30000)
  await waitFor(async () => (await readLines(join(dir, 'a.log'))).some((line) => line.includes('appending again after the disk was full')), 'the resumption in the log')
  await send(sender, 'later', 100)
  await waitFor(async () => (await forward()).queue.depth === COUNT + 100, 'the later messages queued')

  const receiver = await startDaemon(`${QUIET}listen tcp://127.0.0.1:${port}\nlocal0.*   DIR/b.log\n`)
  t.after(async () => { await receiver.close() })
  const numbers = async (tag: string): Promise<number[]> => (await readLines(join(receiver.dir, 'b.log')))
    .map((line) => new RegExp(` ${tag} (\\d+) `).exec(line)).filter((m) => m !== null).map((m) => Number(m[1]))
  await waitFor(async () => (await numbers('later')).length === 100, 'everything queued at the receiver', 60000)
  assert.deepEqual(await numbers('first'), Array.from({ length: COUNT }, (_, i) => i + 1), 'every message not counted as dropped arrived, in order')
  assert.deepEqual(await numbers('second'), [])
  const report = `dropped ${dropped} messages to 127.0.0.1:${port}: disk full under its queue`
  await waitFor(async () => (await readLines(join(dir, 'a.log'))).some((line) => line.endsWith(report)), `"${report}"`)
})
