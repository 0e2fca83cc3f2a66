// Helpers for the disk queue tests: a temp dir, a queue with small segments, a reader that
// drains a queue the way a forward does (peek, wait for onReadable, shift), and a QueueFs that
// injects faults (ENOSPC on the next appends).

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import type { DaemonLog } from '../../src/daemon/component.js'
import { DiskRecordQueue, type DiskQueueOptions } from '../../src/queue/disk-queue.js'
import { nodeQueueFs, type QueueFile, type QueueFs } from '../../src/queue/queue-fs.js'

export async function tempDir (t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stele-queue-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

export class LogLines implements DaemonLog {
  readonly lines: string[] = []
  log (_severity: number, text: string): void { this.lines.push(text) }
}

export async function openQueue (dir: string, options: Partial<DiskQueueOptions> = {}): Promise<DiskRecordQueue> {
  const queue = new DiskRecordQueue({ dir, maxBytes: 1024 * 1024, segmentBytes: 1024, ...options })
  await queue.open()
  return queue
}

export function record (n: number, pad = 20): Buffer {
  return Buffer.from(`record ${n} ${'x'.repeat(pad)}`)
}

/** Takes `count` records as a forward would: peek, wait for onReadable when none are in memory, shift. */
export async function take (queue: DiskRecordQueue, count: number, timeoutMs = 5000): Promise<string[]> {
  const out: string[] = []
  const deadline = Date.now() + timeoutMs
  let wake: (() => void) | null = null
  queue.onReadable(() => { wake?.() })
  while (out.length < count) {
    if (Date.now() > deadline) throw new Error(`took ${out.length} of ${count} records before the deadline`)
    const batch: Buffer[] = []
    const n = queue.peek(batch, 64 * 1024, Math.min(100, count - out.length))
    if (n === 0) {
      await new Promise<void>((resolve) => { wake = resolve; setTimeout(resolve, 50) })
      continue
    }
    for (const b of batch) out.push(b.toString())
    queue.shift(n)
  }
  return out
}

export function expected (from: number, to: number, pad = 20): string[] {
  const out: string[] = []
  for (let n = from; n <= to; n++) out.push(record(n, pad).toString())
  return out
}

/** The real file system, with an errno thrown by write() while `writeFault` is set. */
export class FaultyQueueFs implements QueueFs {
  writeFault: string | null = null
  writes = 0
  failures = 0
  mkdirp = nodeQueueFs.mkdirp
  readdir = nodeQueueFs.readdir
  readFile = nodeQueueFs.readFile
  rename = nodeQueueFs.rename
  unlink = nodeQueueFs.unlink
  syncDir = nodeQueueFs.syncDir

  async open (path: string, flags: 'r+' | 'wx' | 'w'): Promise<QueueFile> {
    if (this.writeFault !== null && flags !== 'r+' && !path.endsWith('lock') && !path.endsWith('ledger')) throw errno(this.writeFault, 'open')
    const file = await nodeQueueFs.open(path, flags)
    return {
      write: async (buffer, position) => {
        this.writes++
        if (this.writeFault !== null && !path.endsWith('lock') && !path.endsWith('ledger')) {
          this.failures++
          // A short write first, as a file system that fills up in the middle of a write does.
          await file.write(buffer.subarray(0, Math.floor(buffer.length / 2)), position)
          throw errno(this.writeFault, 'write')
        }
        return await file.write(buffer, position)
      },
      datasync: file.datasync,
      truncate: file.truncate,
      close: file.close
    }
  }
}

function errno (code: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected, ${syscall}`), { code, syscall })
}
