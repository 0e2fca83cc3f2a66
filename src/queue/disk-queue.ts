// The crash-safe disk queue (issue 5): a RecordQueue whose records live in segment files, so that
// a forward's backlog survives a destination that is down, a kill -9 and a power loss.
//
// On-disk layout: segment.ts (segments, records, CRC-32C) and ledger.ts (the delivery position).
//
// Invariants, and what recovery relies on:
// 1. Append only. A batch of records (everything push()ed in one event-loop turn) is one pwrite
//    at the end of the newest segment. fsync=batch: one fdatasync after it, and only then do the
//    records count as committed; fsync=always: every record is its own write + fdatasync;
//    fsync=interval:MS: fdatasync at most every MS (a power loss may lose that long).
// 2. A failed or short append is cut back (ftruncate to where it started) and the batch kept in
//    memory to be appended again. ENOSPC makes the queue refuse push() (it "is full") and retries
//    with a back-off until space returns; the daemon keeps running.
// 3. A record leaves the queue (shift) only when the destination took it. The ledger then moves
//    forward (one pwrite of 20 bytes, coalesced), and only after the ledger write are segments
//    whose records all lie below it unlinked. So the ledger is never behind a removed segment.
// 4. Recovery (open): every segment is read and every record checked. A torn tail of the newest
//    segment (an interrupted append) is cut, keeping every record before it. Damage anywhere
//    else is never skipped silently: the segment is renamed aside (*.corrupt-TIME), reported,
//    its intact records still delivered from the renamed file, and the records known to be lost
//    (SEQ gaps) are counted in `lost`. A missing or damaged ledger loses nothing: delivery
//    restarts at the oldest record found, and those records are counted in `replayed` (they
//    may be duplicates at the destination).
// 5. Records reach the destination in SEQ order: the backlog found at open() first, then newer
//    ones. A window of head records is kept in memory (peek/first); when the backlog is larger
//    than the window, it is refilled a segment at a time from disk, and onReadable fires.
// 6. drop-oldest (evict) works on the in-memory window. Evicted records stay in their segment
//    until it is removed, so after a crash they can come back (late, not lost).

import { join } from 'node:path'
import type { DaemonLog } from '../daemon/component.js'
import { QueueOpenError } from '../errors.js'
import { errorCode, messages } from '../outputs/accounting.js'
import { Backoff } from '../outputs/backoff.js'
import type { RecordQueue } from '../outputs/record-queue.js'
import { inspectQueue, type QueueReport } from './inspect.js'
import { encodeLedger, LEDGER_BYTES, LEDGER_NAME } from './ledger.js'
import { nodeQueueFs, type QueueFile, type QueueFs } from './queue-fs.js'
import { encodeRecordHeader, RECORD_HEADER_BYTES, scanSegment, SEGMENT_MAGIC, segmentName } from './segment.js'

export type FsyncPolicy = { mode: 'always' | 'batch' } | { mode: 'interval', intervalMs: number }

export interface DiskQueueOptions {
  dir: string
  /** Bytes of waiting records (headers included) the queue holds; push() refuses beyond. */
  maxBytes: number
  fsync?: FsyncPolicy
  /**
   * A new segment is started once the newest one reaches this size. Default maxBytes/8, 64 KiB..4 MiB:
   * a backlog is read back a whole segment at a time, so this bounds what a refill holds in memory.
   */
  segmentBytes?: number
  /** Bytes of head records kept in memory. Default 4 segments (at most 16 MiB). */
  windowBytes?: number
  fs?: QueueFs
  log?: DaemonLog
  /** Retry of a failed append (disk full). Default 100 ms -> 5 s. */
  retryMinMs?: number
  retryMaxMs?: number
}

/** What `stele stats` shows under an output's "queue". */
export interface DiskQueueStats {
  type: 'disk'
  dir: string
  /** Records and bytes waiting. */
  depth: number
  bytes: number
  segments: number
  /** Appends (batches) and fdatasyncs done. */
  appends: number
  fsyncs: number
  /** Records known to be on disk and durable (fsync=batch|always) since start. */
  committed: number
  diskFull: boolean
  appendErrors: number
  /** Recovery: torn tails cut, segments set aside, records lost to damage, records replayed without a ledger. */
  torn: number
  quarantined: number
  lost: number
  replayed: number
}

// Directories open in this process, and a promise that resolves when each is closed. A reload
// that changes a forward's options starts the new forward before it stops the old one: the new
// queue waits (up to RELEASE_WAIT_MS) for the old one to close, taking pushes in memory meanwhile.
const OPEN_DIRS = new Map<string, Promise<void>>()
const RELEASE_WAIT_MS = 60_000
const LOCK_NAME = 'lock'
const DISK_FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'ESHORT'])
const MAX_WRITE_BYTES = 4 * 1024 * 1024
const MAX_SEGMENT_BYTES = 4 * 1024 * 1024

export class DiskRecordQueue implements RecordQueue {
  readonly maxBytes: number
  readonly persistent = true
  readonly stats: DiskQueueStats
  readonly #dir: string
  readonly #fs: QueueFs
  readonly #log: DaemonLog | undefined
  readonly #fsync: FsyncPolicy
  readonly #segmentBytes: number
  readonly #windowCap: number
  readonly #retry: Backoff
  #state: 'new' | 'opening' | 'open' | 'failed' | 'closing' | 'closed' = 'new'
  #opening: Promise<void> | null = null
  #release: () => void = () => {}
  // Records pushed while the queue is opening (recovery reads the directory first); they are
  // appended after the backlog once it is open.
  #early: Buffer[] = []
  // Segments, oldest first. lastSeq: the last record in the file (firstSeq - 1 when none).
  #segments: Array<{ firstSeq: number, lastSeq: number, path: string, size: number, corrupt: boolean }> = []
  #active: QueueFile | null = null
  #length = 0
  #bytes = 0
  /** Next SEQ to assign; every SEQ below #written is in a file. */
  #tailSeq = 1
  #written = 1
  // Records pushed but not yet appended (#pending), and the batch being appended (#writing).
  #pending: Buffer[] = []
  #pendingSeq = 1
  #writing: Buffer[] = []
  #writingSeq = 1
  #writeBusy: Promise<void> | null = null
  #writeScheduled = false
  #dirty = false
  #diskFull = false
  #retryTimer: NodeJS.Timeout | null = null
  #syncTimer: NodeJS.Timeout | null = null
  // The window: head records in memory, SEQ order. #caughtUp: it ends at the newest record, so
  // push() adds to it; else #readSeq is the next SEQ to load from disk.
  #wSeq: number[] = []
  #wRec: Buffer[] = []
  #wHead = 0
  #windowBytes = 0
  #caughtUp = true
  #readSeq = 1
  #loading = false
  // The ledger: the value to write, the value on disk.
  #acked = 1
  #ledgerOnDisk = 0
  #ledger: QueueFile | null = null
  #ledgerBusy: Promise<void> | null = null
  /** whenCommitted(): resolved once #written reaches target. */
  #commitWaiters: Array<{ target: number, resolve: () => void }> = []
  readonly #readable: Array<() => void> = []
  readonly #writable: Array<() => void> = []

  constructor (options: DiskQueueOptions) {
    this.#dir = options.dir
    this.maxBytes = options.maxBytes
    this.#fs = options.fs ?? nodeQueueFs
    this.#log = options.log
    this.#fsync = options.fsync ?? { mode: 'batch' }
    this.#segmentBytes = options.segmentBytes ?? Math.max(64 * 1024, Math.min(MAX_SEGMENT_BYTES, Math.floor(options.maxBytes / 8)))
    this.#windowCap = options.windowBytes ?? 4 * this.#segmentBytes
    this.#retry = new Backoff(options.retryMinMs ?? 100, options.retryMaxMs ?? 5000)
    this.stats = {
      type: 'disk', dir: this.#dir, depth: 0, bytes: 0, segments: 0, appends: 0, fsyncs: 0, committed: 0,
      diskFull: false, appendErrors: 0, torn: 0, quarantined: 0, lost: 0, replayed: 0
    }
  }

  get length (): number { return this.#length }
  get bytes (): number { return this.#bytes }
  get diskFull (): boolean { return this.#diskFull }
  get dir (): string { return this.#dir }
  get spilled (): boolean { return !this.#caughtUp }

  onReadable (fn: () => void): void { this.#readable.push(fn) }
  onWritable (fn: () => void): void { this.#writable.push(fn) }

  push (record: Buffer): boolean {
    const size = RECORD_HEADER_BYTES + record.length
    if (this.#diskFull || this.#bytes + size > this.maxBytes) return false
    if (this.#state === 'new' || this.#state === 'opening') {
      this.#early.push(record)
      this.#length++
      this.#bytes += size
      this.#updateStats()
      return true
    }
    if (this.#state !== 'open') return false
    this.#enqueue(record, size)
    return true
  }

  #enqueue (record: Buffer, size: number): void {
    const seq = this.#tailSeq++
    if (this.#pending.length === 0) this.#pendingSeq = seq
    this.#pending.push(record)
    this.#length++
    this.#bytes += size
    this.stats.depth = this.#length
    this.stats.bytes = this.#bytes
    if (this.#caughtUp) {
      if (this.#windowBytes + size <= this.#windowCap) {
        this.#windowPush(seq, record)
        this.#readSeq = this.#tailSeq
      } else {
        this.#caughtUp = false
        this.#readSeq = seq
      }
    }
    this.#scheduleWrite()
  }

  first (): Buffer | undefined {
    return this.#wHead < this.#wRec.length ? this.#wRec[this.#wHead] : undefined
  }

  peek (out: Buffer[], maxBytes: number, maxRecords: number): number {
    let count = 0
    let bytes = 0
    const end = Math.min(this.#wRec.length, this.#wHead + maxRecords)
    for (let i = this.#wHead; i < end; i++) {
      const record = this.#wRec[i]!
      if (count > 0 && bytes + record.length > maxBytes) break
      out.push(record)
      bytes += record.length
      count++
    }
    if (count === 0) this.#maybeLoad()
    return count
  }

  shift (count: number): void {
    const n = Math.min(count, this.#wRec.length - this.#wHead)
    if (n <= 0) return
    let freed = 0
    for (let i = this.#wHead; i < this.#wHead + n; i++) freed += this.#wRec[i]!.length
    this.#wHead += n
    this.#windowBytes -= freed
    this.#length -= n
    this.#bytes -= freed + n * RECORD_HEADER_BYTES
    this.#compactWindow()
    this.#acked = this.#wHead < this.#wSeq.length ? this.#wSeq[this.#wHead]! : this.#readSeq
    this.#writeLedger()
    this.#updateStats()
    this.#maybeLoad()
  }

  evict (skip: number, bytes: number): number {
    const need = RECORD_HEADER_BYTES + bytes
    if (this.#state === 'new' || this.#state === 'opening') {
      // Nothing is being sent yet: the oldest records taken while opening make room.
      let count = 0
      while (count < this.#early.length && this.#bytes + need > this.maxBytes) {
        this.#bytes -= RECORD_HEADER_BYTES + this.#early[count]!.length
        count++
      }
      this.#early = this.#early.slice(count)
      this.#length -= count
      this.#updateStats()
      return count
    }
    let count = 0
    let freed = 0
    const start = this.#wHead + skip
    while (start + count < this.#wRec.length && this.#bytes - freed + need > this.maxBytes) {
      freed += RECORD_HEADER_BYTES + this.#wRec[start + count]!.length
      count++
    }
    if (count === 0) return 0
    // The `skip` records in flight move up over the evicted ones: O(skip), not O(window).
    for (let i = start - 1; i >= this.#wHead; i--) {
      this.#wRec[i + count] = this.#wRec[i]!
      this.#wSeq[i + count] = this.#wSeq[i]!
    }
    this.#wHead += count
    this.#windowBytes -= freed - count * RECORD_HEADER_BYTES
    this.#length -= count
    this.#bytes -= freed
    this.#compactWindow()
    if (skip === 0) {
      this.#acked = this.#wHead < this.#wSeq.length ? this.#wSeq[this.#wHead]! : this.#readSeq
      this.#writeLedger()
    }
    this.#updateStats()
    return count
  }

  /**
   * Resolves once every record pushed so far has been appended (and, unless fsync=interval,
   * fdatasync'ed), or the disk is full. For tests and for callers that must know.
   */
  async committed (): Promise<void> {
    const target = this.#tailSeq
    for (let turns = 0; this.#written < target && this.#state === 'open' && !this.#diskFull; turns++) {
      if (this.#writeBusy === null && this.#pending.length > 0) this.#startWrite()
      if (this.#writeBusy !== null) await this.#writeBusy
      else await new Promise((resolve) => setImmediate(resolve))
      if (turns > 1_000_000) throw new Error('disk queue: committed() made no progress')
    }
  }

  whenCommitted (): Promise<void> | null {
    if (this.#state === 'opening') return this.#opening!.then(() => this.whenCommitted() ?? undefined, () => {})
    if (this.#state !== 'open') return null
    const target = this.#tailSeq
    if (this.#written >= target) return Promise.resolve()
    return new Promise((resolve) => { this.#commitWaiters.push({ target, resolve }) })
  }

  #resolveCommitted (all = false): void {
    const waiters = this.#commitWaiters
    let i = 0
    while (i < waiters.length && (all || waiters[i]!.target <= this.#written)) i++
    if (i === 0) return
    for (const waiter of waiters.splice(0, i)) waiter.resolve()
  }

  // ---- open: recovery -------------------------------------------------------------------

  /**
   * Recovers the directory (see the invariants above). Rejects with QueueOpenError; the queue
   * then refuses pushes, and close() tells how many it had taken meanwhile.
   */
  async open (): Promise<void> {
    if (this.#state !== 'new') return await this.#opening!
    this.#state = 'opening'
    this.#opening = this.#open()
    try {
      await this.#opening
    } catch (err) {
      this.#state = 'failed'
      throw err
    }
  }

  async #open (): Promise<void> {
    await this.#waitForRelease()
    try {
      await this.#fs.mkdirp(this.#dir)
      await this.#lock()
    } catch (err) {
      throw err instanceof QueueOpenError ? err : new QueueOpenError(this.#dir, `cannot use the directory (${errorCode(err)})`, { cause: err })
    }
    try {
      await this.#recover(await inspectQueue(this.#fs, this.#dir))
    } catch (err) {
      OPEN_DIRS.delete(this.#dir)
      this.#release()
      throw new QueueOpenError(this.#dir, `cannot recover (${errorCode(err)})`, { cause: err })
    }
    // What was pushed while opening (recovery counted only the backlog) goes after the backlog,
    // past queue_max if need be: it was accepted already.
    const early = this.#early
    this.#early = []
    this.#state = 'open'
    for (const record of early) {
      // #enqueue counts it again.
      this.#length--
      this.#bytes -= RECORD_HEADER_BYTES + record.length
      this.#enqueue(record, RECORD_HEADER_BYTES + record.length)
    }
    if (this.#fsync.mode === 'interval') {
      this.#syncTimer = setInterval(this.#syncNow, this.#fsync.intervalMs)
      this.#syncTimer.unref()
    }
    this.#maybeLoad()
  }

  async #waitForRelease (): Promise<void> {
    const held = OPEN_DIRS.get(this.#dir)
    if (held === undefined) return
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((resolve) => { timer = setTimeout(resolve, RELEASE_WAIT_MS) })
    await Promise.race([held, timeout])
    clearTimeout(timer)
  }

  async #lock (): Promise<void> {
    if (OPEN_DIRS.has(this.#dir)) throw new QueueOpenError(this.#dir, 'already open in this process (two forwards with one queue_dir?)')
    const path = join(this.#dir, LOCK_NAME)
    let holder = NaN
    try { holder = Number((await this.#fs.readFile(path)).toString('latin1').trim()) } catch {}
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new QueueOpenError(this.#dir, `in use by process ${holder} (${path})`)
    }
    OPEN_DIRS.set(this.#dir, new Promise<void>((resolve) => { this.#release = resolve }))
    try {
      const file = await this.#fs.open(path, 'w')
      try { await file.write(Buffer.from(`${process.pid}\n`), 0) } finally { await file.close() }
    } catch (err) {
      OPEN_DIRS.delete(this.#dir)
      this.#release()
      throw err
    }
  }

  async #recover (report: QueueReport): Promise<void> {
    const name = `queue ${this.#dir}`
    const last = report.segments.length - 1
    for (const [i, seg] of report.segments.entries()) {
      const damaged = seg.badMagic || seg.damage.length > 0 || (seg.tailAt >= 0 && i !== last)
      let path = seg.path
      if (!damaged && seg.tailAt >= 0) {
        // An append that a crash interrupted: cut it; every record before it is intact.
        const file = await this.#fs.open(path, 'r+')
        try { await file.truncate(seg.tailAt) } finally { await file.close() }
        this.stats.torn++
        this.#log?.log(4, `${name}: cut a torn record at the end of ${seg.name} (${seg.size - seg.tailAt} bytes from an interrupted append); the ${messages(seg.records)} before it are intact`)
      }
      if (damaged) {
        path = `${seg.path}.corrupt-${Date.now()}`
        await this.#fs.rename(seg.path, path)
        this.stats.quarantined++
        this.stats.lost += seg.lostRecords
        const where = seg.badMagic ? 'bad segment header' : seg.damage.map((d) => `${d.bytes} bytes at offset ${d.offset}`).concat(seg.tailAt >= 0 && i !== last ? [`a cut tail at offset ${seg.tailAt}`] : []).join(', ')
        this.#log?.log(3, `${name}: segment ${seg.name} is damaged (${where}); set aside as ${path.slice(this.#dir.length + 1)}; ${seg.lostRecords} records known lost, its ${seg.liveRecords} intact waiting records are still delivered`)
      }
      if (seg.records === 0 || (report.ledger === 'ok' && seg.lastSeq < report.acked)) {
        // Empty, or delivered already (the unlink after the ledger write did not happen).
        if (!damaged) await this.#fs.unlink(path)
        continue
      }
      this.#segments.push({ firstSeq: seg.firstSeq, lastSeq: seg.lastSeq, path, size: seg.tailAt >= 0 && !damaged ? seg.tailAt : seg.size, corrupt: damaged })
    }
    for (const gap of report.gaps) {
      this.stats.lost += gap.records
      this.#log?.log(3, `${name}: ${messages(gap.records)} from SEQ ${gap.fromSeq} are missing (a segment was removed or cut short); counted as lost`)
    }
    const first = this.#segments[0]
    let acked = report.acked
    if (report.ledger !== 'ok') {
      acked = first?.firstSeq ?? report.nextSeq
      if (report.depth > 0) {
        this.stats.replayed = report.depth
        this.#log?.log(4, `${name}: the ledger is ${report.ledger}; delivering all ${messages(report.depth)} found again from SEQ ${acked} (those delivered before are duplicates; counted in replayed)`)
      }
    }
    this.#tailSeq = this.#written = report.nextSeq
    this.#acked = this.#readSeq = acked
    // += : records pushed while opening are counted already (they are appended after this).
    this.#length += report.depth
    this.#bytes += report.bytes
    this.#caughtUp = report.depth === 0
    if (this.#caughtUp) this.#readSeq = this.#tailSeq
    const newest = this.#segments[this.#segments.length - 1]
    if (newest !== undefined && !newest.corrupt && newest.size < this.#segmentBytes) this.#active = await this.#fs.open(newest.path, 'r+')
    this.#ledger = await this.#fs.open(join(this.#dir, LEDGER_NAME), report.ledger === 'ok' ? 'r+' : 'w')
    await this.#ledger.write(encodeLedger(this.#acked), 0)
    this.#ledgerOnDisk = this.#acked
    this.#updateStats()
    if (report.depth > 0) this.#log?.log(6, `${name}: ${messages(report.depth)} (${report.bytes} bytes) waiting from an earlier run; delivering them first`)
  }

  // ---- appending ------------------------------------------------------------------------

  #scheduleWrite (): void {
    if (this.#writeScheduled || this.#writeBusy !== null || this.#diskFull) return
    this.#writeScheduled = true
    // On the next turn, so that every record pushed in this turn goes in one write.
    setImmediate(this.#startWrite)
  }

  readonly #startWrite = (): void => {
    this.#writeScheduled = false
    if (this.#writeBusy !== null || this.#pending.length === 0 || this.#state !== 'open') return
    this.#writeBusy = this.#writeBatch().finally(() => {
      this.#writeBusy = null
      if (this.#pending.length > 0 && !this.#diskFull && this.#state === 'open') this.#scheduleWrite()
    })
  }

  async #writeBatch (): Promise<void> {
    const take = this.#batchSize()
    const records = take === this.#pending.length ? this.#pending : this.#pending.slice(0, take)
    this.#pending = take === this.#pending.length ? [] : this.#pending.slice(take)
    const firstSeq = this.#pendingSeq
    this.#pendingSeq += take
    this.#writing = records
    this.#writingSeq = firstSeq
    try {
      await this.#append(records, firstSeq)
    } catch (err) {
      // Cut back already; keep the batch, in order, ahead of what came since.
      this.#pending = this.#pending.length === 0 ? records : records.concat(this.#pending)
      this.#pendingSeq = firstSeq
      this.#writing = []
      this.#onAppendError(err, records.length)
      return
    }
    this.stats.appends++
    if (this.#fsync.mode !== 'interval') {
      try {
        await this.#active!.datasync()
        this.stats.fsyncs++
        this.stats.committed += records.length
      } catch (err) {
        this.stats.appendErrors++
        this.#log?.log(3, `queue ${this.#dir}: fdatasync failed (${errorCode(err)}); ${messages(records.length)} written but maybe not durable`)
      }
    } else {
      this.#dirty = true
    }
    // Only now do the records count as in the file (committed() and the window's refill).
    this.#writing = []
    this.#written = firstSeq + records.length
    this.#resolveCommitted()
    if (this.#diskFull) {
      this.#diskFull = false
      this.stats.diskFull = false
      this.#retry.reset()
      this.#log?.log(5, `queue ${this.#dir}: appending again after the disk was full`)
      for (const fn of this.#writable) fn()
    }
    this.#updateStats()
  }

  /** Records for the next write: what fits the newest segment (at least one), at most 4 MiB; one with fsync=always. */
  #batchSize (): number {
    if (this.#fsync.mode === 'always') return 1
    const seg = this.#segments[this.#segments.length - 1]
    const reuse = this.#active !== null && seg !== undefined && !seg.corrupt && seg.size < this.#segmentBytes
    let room = this.#segmentBytes - (reuse ? seg.size : SEGMENT_MAGIC.length)
    // A record that does not fit the rest of the segment starts the next one (see #append).
    if (this.#pending.length > 0 && RECORD_HEADER_BYTES + this.#pending[0]!.length > room) room = this.#segmentBytes - SEGMENT_MAGIC.length
    room = Math.min(MAX_WRITE_BYTES, room)
    let bytes = 0
    let count = 0
    while (count < this.#pending.length) {
      bytes += RECORD_HEADER_BYTES + this.#pending[count]!.length
      if (count > 0 && bytes > room) break
      count++
    }
    return count
  }

  async #append (records: Buffer[], firstSeq: number): Promise<void> {
    let total = 0
    for (const record of records) total += RECORD_HEADER_BYTES + record.length
    let seg = this.#segments[this.#segments.length - 1]
    if (this.#active === null || seg === undefined || seg.corrupt || (seg.size + total > this.#segmentBytes && seg.lastSeq >= seg.firstSeq)) {
      seg = await this.#newSegment(firstSeq)
    }
    const buf = Buffer.allocUnsafe(total)
    let at = 0
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!
      encodeRecordHeader(buf, at, firstSeq + i, record)
      record.copy(buf, at + RECORD_HEADER_BYTES)
      at += RECORD_HEADER_BYTES + record.length
    }
    const position = seg.size
    try {
      // A short write is retried for the rest, so that a full disk shows as its errno (ENOSPC).
      for (let written = 0; written < total;) {
        const n = await this.#active!.write(written === 0 ? buf : buf.subarray(written), position + written)
        if (n <= 0) throw Object.assign(new Error(`short write: ${written} of ${total} bytes`), { code: 'ESHORT' })
        written += n
      }
    } catch (err) {
      await this.#cutBack(position)
      throw err
    }
    seg.size += total
    seg.lastSeq = firstSeq + records.length - 1
  }

  async #cutBack (position: number): Promise<void> {
    try { await this.#active!.truncate(position) } catch {}
  }

  async #newSegment (firstSeq: number): Promise<{ firstSeq: number, lastSeq: number, path: string, size: number, corrupt: boolean }> {
    if (this.#active !== null) {
      const old = this.#active
      this.#active = null
      await old.close()
    }
    const path = join(this.#dir, segmentName(firstSeq))
    const file = await this.#fs.open(path, 'w')
    try {
      if (await file.write(SEGMENT_MAGIC, 0) < SEGMENT_MAGIC.length) throw Object.assign(new Error('short write of the segment header'), { code: 'ESHORT' })
      if (this.#fsync.mode !== 'interval') await this.#fs.syncDir(this.#dir)
    } catch (err) {
      await file.close().catch(() => {})
      await this.#fs.unlink(path).catch(() => {})
      throw err
    }
    this.#active = file
    const seg = { firstSeq, lastSeq: firstSeq - 1, path, size: SEGMENT_MAGIC.length, corrupt: false }
    this.#segments.push(seg)
    return seg
  }

  #onAppendError (err: unknown, records: number): void {
    const code = errorCode(err)
    this.stats.appendErrors++
    const delay = this.#retry.next()
    if (!this.#diskFull) {
      this.#diskFull = true
      this.stats.diskFull = true
      const why = DISK_FULL.has(code) ? 'disk full' : 'cannot append'
      this.#log?.log(3, `queue ${this.#dir}: ${why} (${code}) appending ${messages(records)}; the queue takes no more until an append succeeds (retrying every ${Math.round(delay)} ms or more)`)
    }
    if (this.#state !== 'open') return
    this.#retryTimer = setTimeout(this.#retryAppend, delay)
    this.#retryTimer.unref()
  }

  readonly #retryAppend = (): void => {
    this.#retryTimer = null
    if (this.#writeBusy !== null || this.#state !== 'open') return
    this.#startWrite()
  }

  readonly #syncNow = (): void => {
    if (!this.#dirty || this.#active === null || this.#writeBusy !== null) return
    this.#dirty = false
    const active = this.#active
    this.#writeBusy = active.datasync().then(() => { this.stats.fsyncs++ }, () => { this.stats.appendErrors++ }).finally(() => {
      this.#writeBusy = null
      if (this.#pending.length > 0) this.#scheduleWrite()
    })
  }

  // ---- the window and the ledger --------------------------------------------------------

  #windowPush (seq: number, record: Buffer): void {
    this.#wSeq.push(seq)
    this.#wRec.push(record)
    this.#windowBytes += record.length
  }

  #compactWindow (): void {
    if (this.#wHead < 1024 || this.#wHead * 2 < this.#wRec.length) return
    this.#wSeq = this.#wSeq.slice(this.#wHead)
    this.#wRec = this.#wRec.slice(this.#wHead)
    this.#wHead = 0
  }

  #maybeLoad (): void {
    if (this.#caughtUp || this.#loading || this.#state !== 'open' || this.#windowBytes >= this.#windowCap / 2) return
    this.#loading = true
    void this.#load()
  }

  /** Refills the window from disk, a segment at a time; catches up with memory at the end. */
  async #load (): Promise<void> {
    let added = 0
    try {
      while (this.#readSeq < this.#written && this.#windowBytes < this.#windowCap / 2 && this.#state === 'open') {
        const seg = this.#segments.find((s) => s.lastSeq >= this.#readSeq)
        if (seg === undefined) break
        let buf: Buffer
        try {
          buf = await this.#fs.readFile(seg.path)
        } catch (err) {
          if (errorCode(err) !== 'ENOENT') throw err
          // Removed under us (by hand): its records are gone; say so, count them, go on.
          const gone = seg.lastSeq - Math.max(this.#readSeq, seg.firstSeq) + 1
          this.stats.lost += gone
          this.#length -= gone
          this.#log?.log(3, `queue ${this.#dir}: segment ${seg.path} disappeared; ${messages(gone)} lost`)
          this.#segments.splice(this.#segments.indexOf(seg), 1)
          this.#readSeq = seg.lastSeq + 1
          continue
        }
        const from = this.#readSeq
        let next = from
        scanSegment(buf, seg.firstSeq, (seq, start, end) => {
          if (seq < from || seq >= this.#written) return
          this.#windowPush(seq, buf.subarray(start, end))
          next = seq + 1
          added++
        })
        // Records of this segment that are gone (damage) were counted at open(); go on after them.
        this.#readSeq = Math.max(next, Math.min(seg.lastSeq + 1, this.#written))
      }
      if (this.#readSeq >= this.#written && this.#state === 'open') {
        // The rest is in memory: the batch being appended and the records pushed since.
        for (let i = 0; i < this.#writing.length; i++) {
          if (this.#writingSeq + i >= this.#readSeq) { this.#windowPush(this.#writingSeq + i, this.#writing[i]!); added++ }
        }
        for (let i = 0; i < this.#pending.length; i++) {
          if (this.#pendingSeq + i >= this.#readSeq) { this.#windowPush(this.#pendingSeq + i, this.#pending[i]!); added++ }
        }
        this.#readSeq = this.#tailSeq
        this.#caughtUp = true
      }
    } catch (err) {
      this.#log?.log(3, `queue ${this.#dir}: cannot read a segment (${errorCode(err)}); trying again with the next acknowledgement`)
    } finally {
      this.#loading = false
    }
    if (added > 0) for (const fn of this.#readable) fn()
  }

  #writeLedger (): void {
    if (this.#ledgerBusy !== null || this.#ledger === null || this.#acked === this.#ledgerOnDisk) return
    const ledger = this.#ledger
    const value = this.#acked
    this.#ledgerBusy = ledger.write(encodeLedger(value, Buffer.allocUnsafe(LEDGER_BYTES)), 0).then(async () => {
      this.#ledgerOnDisk = value
      await this.#removeDelivered(value)
    }, (err) => {
      this.#log?.log(3, `queue ${this.#dir}: cannot write the ledger (${errorCode(err)}); delivered records may be sent again after a restart`)
    }).finally(() => {
      this.#ledgerBusy = null
      if (this.#state === 'open') this.#writeLedger()
    })
  }

  /** Unlinks segments whose records all lie below `acked` (after the ledger says so: invariant 3). */
  async #removeDelivered (acked: number): Promise<void> {
    while (this.#segments.length > 1 || (this.#segments.length === 1 && this.#active === null)) {
      const seg = this.#segments[0]!
      if (seg.lastSeq >= acked || seg.lastSeq < seg.firstSeq) break
      this.#segments.shift()
      // A damaged segment stays for the operator to look at (stele queue inspect).
      if (!seg.corrupt) await this.#fs.unlink(seg.path).catch(() => {})
    }
    this.#updateStats()
  }

  #updateStats (): void {
    this.stats.depth = this.#length
    this.stats.bytes = this.#bytes
    this.stats.segments = this.#segments.length
  }

  // ---- close --------------------------------------------------------------------------

  /**
   * Appends what is still in memory, makes it durable, writes the ledger and closes. Resolves
   * with the number of records that could not be written (the disk is full): the caller counts
   * them as dropped.
   */
  async close (): Promise<number> {
    if (this.#state === 'opening') await this.#opening!.catch(() => {})
    if (this.#state === 'new' || this.#state === 'failed') {
      // Never opened: what was pushed meanwhile cannot be kept.
      const lost = this.#early.length
      this.#early = []
      this.#length = this.#bytes = 0
      this.#state = 'closed'
      return lost
    }
    if (this.#state === 'closing' || this.#state === 'closed') return 0
    const wasOpen = this.#state === 'open'
    this.#state = 'closing'
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer)
    if (this.#syncTimer !== null) clearInterval(this.#syncTimer)
    let unwritten = 0
    if (wasOpen) {
      await this.#writeBusy
      await this.#ledgerBusy
      while (this.#pending.length > 0) {
        const take = this.#batchSize()
        const records = this.#pending.slice(0, take)
        try {
          await this.#append(records, this.#pendingSeq)
        } catch (err) {
          unwritten = this.#pending.length
          this.#log?.log(3, `queue ${this.#dir}: ${messages(unwritten)} could not be kept at shutdown (${errorCode(err)})`)
          break
        }
        this.#pending = this.#pending.slice(take)
        this.#pendingSeq += take
      }
      await this.#active?.datasync().catch(() => {})
      if (this.#ledger !== null && this.#acked !== this.#ledgerOnDisk) {
        await this.#ledger.write(encodeLedger(this.#acked), 0).catch(() => {})
      }
      await this.#ledger?.datasync().catch(() => {})
      await this.#removeDelivered(this.#acked).catch(() => {})
    }
    await this.#active?.close().catch(() => {})
    await this.#ledger?.close().catch(() => {})
    this.#active = null
    this.#ledger = null
    if (wasOpen) {
      await this.#fs.unlink(join(this.#dir, LOCK_NAME)).catch(() => {})
      OPEN_DIRS.delete(this.#dir)
      this.#release()
    }
    this.#state = 'closed'
    this.#resolveCommitted(true)
    this.#updateStats()
    return unwritten
  }
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
