// Where the client's records wait: a Backlog holds the records not yet delivered, in order, and
// knows which of them are in flight (handed to the connection, not yet confirmed). Two kinds:
//
//   MemoryBacklog  a bounded ring in memory (record-queue.ts) plus the records in flight; a
//                  record leaves memory when it is confirmed, and records in flight go back to
//                  the front when a connection is lost (rewind).
//   DiskBacklog    the daemon's crash-safe disk queue (queue/disk-queue.ts): every record is
//                  appended to a segment file (fdatasync per event-loop turn by default) and
//                  leaves the queue only when confirmed (shift moves the ledger), so records
//                  survive an application that exits or is killed while the collector is down;
//                  the next start with the same directory sends them first.
//
// Both apply the overflow policy when full and return how many records that dropped, for the
// logger to count and report.

import { DiskRecordQueue } from '../queue/disk-queue.js'
import type { FsyncPolicy } from '../queue/disk-queue.js'
import type { OverflowPolicy } from './options.js'
import { RecordQueue } from './record-queue.js'

export interface Backlog {
  /** Records waiting, not in flight. */
  readonly waiting: number
  /** Records in flight. */
  readonly inflight: number
  /** Takes a record; returns how many records the overflow policy dropped (the new one or old ones). */
  add (record: Buffer): number
  /** The next waiting record, now in flight; undefined when none is ready. */
  take (): Buffer | undefined
  /** The `count` oldest records in flight were delivered. */
  confirm (count: number): void
  /** Every record in flight waits again, in front, in order. Returns records dropped to stay within the limits. */
  rewind (): number
  /** Gives up every record (close timed out); returns how many. */
  discard (): number
  /** Resolves when records can be taken (a disk backlog recovers its directory first). */
  open (): Promise<void>
  /** Disk: makes what is left durable and closes; resolves to the records kept for the next start. */
  close (): Promise<number>
  /** Records became ready to take without an add() (read back from disk). */
  onReady (fn: () => void): void
}

export class MemoryBacklog implements Backlog {
  readonly #queue: RecordQueue
  readonly #overflow: OverflowPolicy
  /** Records in flight, oldest first; #head indexes the oldest. */
  #inflight: Array<Buffer | undefined> = []
  #head = 0

  constructor (maxRecords: number, maxBytes: number, overflow: OverflowPolicy) {
    this.#queue = new RecordQueue(maxRecords, maxBytes)
    this.#overflow = overflow
  }

  get waiting (): number { return this.#queue.length }
  get inflight (): number { return this.#inflight.length - this.#head }

  add (record: Buffer): number {
    const queue = this.#queue
    if (!queue.full(record.length)) { queue.push(record); return 0 }
    if (this.#overflow === 'drop-newest') return 1
    let dropped = 0
    while (queue.length > 0 && queue.full(record.length)) { queue.shift(); dropped++ }
    if (queue.full(record.length)) return dropped + 1
    queue.push(record)
    return dropped
  }

  take (): Buffer | undefined {
    const record = this.#queue.shift()
    if (record !== undefined) this.#inflight.push(record)
    return record
  }

  confirm (count: number): void {
    const inflight = this.#inflight
    const end = this.#head + count
    for (let i = this.#head; i < end; i++) inflight[i] = undefined // let the slab go
    this.#head = end
    if (this.#head >= inflight.length) { inflight.length = 0; this.#head = 0 }
  }

  rewind (): number {
    const inflight = this.#inflight
    for (let i = inflight.length - 1; i >= this.#head; i--) this.#queue.unshift(inflight[i]!)
    inflight.length = 0
    this.#head = 0
    // The limits hold for what came back too.
    const queue = this.#queue
    let dropped = 0
    while (queue.length > queue.maxRecords || queue.bytes > queue.maxBytes) {
      if (this.#overflow === 'drop-newest') queue.pop()
      else queue.shift()
      dropped++
    }
    return dropped
  }

  discard (): number {
    const count = this.waiting + this.inflight
    while (this.#queue.shift() !== undefined) {}
    this.#inflight.length = 0
    this.#head = 0
    return count
  }

  async open (): Promise<void> {}
  async close (): Promise<number> { return 0 }
  onReady (): void {}
}

/** Records taken from the disk queue per peek: bounds the cost of skipping those in flight. */
const PEEK_RECORDS = 512
/** At most this many records in flight from disk (each take() peeks past them). */
export const MAX_DISK_INFLIGHT = 8192

export class DiskBacklog implements Backlog {
  readonly #queue: DiskRecordQueue
  readonly #overflow: OverflowPolicy
  #inflight = 0
  /** Records peeked past those in flight, ready to take. */
  #ready: Buffer[] = []
  #readyHead = 0
  #opened = false

  constructor (options: { dir: string, maxBytes: number, fsync: FsyncPolicy, overflow: OverflowPolicy }) {
    this.#queue = new DiskRecordQueue({ dir: options.dir, maxBytes: options.maxBytes, fsync: options.fsync })
    this.#overflow = options.overflow
  }

  get waiting (): number { return this.#queue.length - this.#inflight }
  get inflight (): number { return this.#inflight }

  add (record: Buffer): number {
    const queue = this.#queue
    if (queue.push(record)) return 0
    if (this.#overflow === 'drop-newest' || queue.diskFull) return 1
    this.#dropReady()
    const evicted = queue.evict(this.#inflight, record.length)
    return queue.push(record) ? evicted : evicted + 1
  }

  take (): Buffer | undefined {
    if (!this.#opened || this.#inflight >= MAX_DISK_INFLIGHT) return undefined
    if (this.#readyHead === this.#ready.length) {
      // peek() always starts at the head: take the records in flight and the next ones, keep the next.
      const out: Buffer[] = []
      this.#queue.peek(out, Infinity, this.#inflight + PEEK_RECORDS)
      this.#ready = out.length > this.#inflight ? out.slice(this.#inflight) : []
      this.#readyHead = 0
      if (this.#ready.length === 0) return undefined
    }
    this.#inflight++
    return this.#ready[this.#readyHead++]
  }

  confirm (count: number): void {
    this.#queue.shift(count)
    this.#inflight -= count
  }

  rewind (): number {
    this.#inflight = 0
    this.#dropReady()
    return 0
  }

  discard (): number {
    const count = this.#queue.length
    this.#queue.shift(count)
    this.#inflight = 0
    this.#dropReady()
    return count
  }

  async open (): Promise<void> {
    await this.#queue.open()
    this.#opened = true
  }

  async close (): Promise<number> {
    const left = this.#queue.length
    const lost = await this.#queue.close()
    this.#inflight = 0
    this.#dropReady()
    return left - lost
  }

  onReady (fn: () => void): void { this.#queue.onReadable(fn) }

  /** Records peeked ahead may be evicted or moved: peek again next time. */
  #dropReady (): void {
    this.#ready = []
    this.#readyHead = 0
  }
}
