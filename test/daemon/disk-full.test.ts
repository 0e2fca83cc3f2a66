// disk full: a file output on a 256 KiB tmpfs (OpenBSD's "continue after file system full").
// Messages are sent until the file system is full: the daemon keeps running, the other file
// keeps everything, the full one counts what it could not write and says so in the log; when
// space is freed, writing resumes and the resumption is logged with the count.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readLines, settledStats, startDaemon, waitFor } from './harness.js'

function mountTmpfs (dir: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir], { stdio: 'ignore' })
    return undefined
  } catch {
    return 'cannot mount a tmpfs here (needs root)'
  }
}

test('disk full: the daemon survives, counts, reports, and resumes when space returns', { timeout: 60000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stele-full-'))
  const small = join(dir, 'small')
  await mkdir(small)
  const skip = mountTmpfs(small)
  if (skip !== undefined) { t.skip(skip); return }
  t.after(() => { try { execFileSync('umount', [small]) } catch {} })
  // A filler file takes most of the space, so that freeing it later makes room again.
  await writeFile(join(small, 'filler'), Buffer.alloc(128 * 1024))
  const daemon = await startDaemon(`
repeat_suppression=off
mark_interval=0
listen tcp://127.0.0.1:0
*.*   DIR/all.log
*.*   DIR/small/messages
`, { dir })
  t.after(async () => { await daemon.close() })
  const send = async (from: number, to: number): Promise<void> => {
    const socket = net.connect(daemon.port('tcp://127.0.0.1:0'), '127.0.0.1')
    await once(socket, 'connect')
    let batch = ''
    for (let n = from; n <= to; n++) batch += `<13>Nov 22 10:00:00 h app: fill ${n} ${'f'.repeat(100)}\n`
    socket.end(batch)
    await once(socket, 'close')
  }
  const FIRST = 3000 // ~450 KB: more than the 128 KiB left
  await send(1, FIRST)
  // The full output also receives stele's own messages (the start, and the disk-full report,
  // which is routed a turn after the failed write), so counting up to FIRST is not enough:
  // wait until everything it received is written or dropped.
  const smallOf = (stats: any): any => stats.outputs.find((o: { name: string }) => o.name.includes('small'))
  const full = smallOf(await settledStats(daemon, (stats) => smallOf(stats).received >= FIRST))
  assert.ok(full.dropped['disk-full'] > 0, 'messages were dropped for a full disk')
  assert.equal(full.written + full.dropped['disk-full'], full.received)
  assert.equal(daemon.child.exitCode, null, 'the daemon is still running')
  await waitFor(async () => (await readLines(join(dir, 'all.log'))).some((line) => /disk full/i.test(line)), 'the disk-full report in the log')
  // Space returns: new messages are written again and the resumption is reported.
  await rm(join(small, 'filler'))
  await send(FIRST + 1, FIRST + 100)
  await waitFor(async () => (await readLines(join(small, 'messages'))).some((line) => line.endsWith(`fill ${FIRST + 100} ${'f'.repeat(100)}`)), 'writing to resume')
  await waitFor(async () => (await readLines(join(dir, 'all.log'))).some((line) => /resumed/i.test(line)), 'the resumption in the log')
  assert.equal((await readLines(join(dir, 'all.log'))).filter((line) => line.includes(' fill ')).length, FIRST + 100)
})
