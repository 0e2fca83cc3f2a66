// The buffer between an output's write() and its transport: a FIFO of encoded records (each one
// message, already framed for the wire) with byte accounting. Forwards and pipes take records
// from the head, and remove them only once the transport has taken them, so a record that was
// handed to a connection that then failed is still at the head, to be sent again.
//
// The interface is what the disk queue (queue/disk-queue.ts) implements to stand in front of any
// forward: push() is "append", shift() is "acknowledge" (the destination took the records:
// written to a TCP/TLS socket, or acknowledged by a RELP server). It is synchronous on purpose;
// the disk queue keeps a window of head records in memory and appends in batches.
//
// A forward that takes a RecordQueue (TCP and TLS here; RELP the same way) must, for the disk
// queue: await open() before sending and close() when it stops (instead of dropping what is left:
// it stays on disk for the next start); accept that peek() may return 0 while records wait on
// disk (onReadable fires when they are in memory); and treat push() === false as "full" (see
// diskFull for why).

export interface RecordQueue {
  /** Records waiting (including any the transport is sending now). */
  readonly length: number
  /** Bytes of the records waiting. */
  readonly bytes: number
  /** The most bytes it holds; push() refuses beyond this. */
  readonly maxBytes: number
  /** Appends a record; false (and nothing kept) when it does not fit. */
  push (record: Buffer): boolean
  /** The oldest record, or undefined when empty. */
  first (): Buffer | undefined
  /**
   * Appends the oldest records to `out` (without removing them) until `maxBytes` or `maxRecords`
   * is reached; always at least one when not empty. Returns how many were appended.
   */
  peek (out: Buffer[], maxBytes: number, maxRecords: number): number
  /** Removes the `count` oldest records: they were delivered or given up. */
  shift (count: number): void
  /**
   * overflow=drop-oldest: removes the oldest records after the first `skip` (those are being
   * sent) until `bytes` more would fit. Returns how many were removed (0 when none could be).
   */
  evict (skip: number, bytes: number): number
  /** Persistent queues: recover the backlog (before the first push) / make everything durable. */
  open? (): Promise<void>
  /** Resolves with the number of records that could not be kept (counted as dropped by the caller). */
  close? (): Promise<number>
  /** True for a queue whose records survive a restart (close() keeps them). */
  readonly persistent?: boolean
  /** Disk queues: appends fail (ENOSPC...); push() refuses until they succeed again. */
  readonly diskFull?: boolean
  /**
   * Persistent queues: resolves once every record pushed so far is committed (appended, and
   * fdatasync'ed unless fsync=interval), or the queue closed; null when it is not open.
   */
  whenCommitted? (): Promise<void> | null
  /**
   * Disk queues: true while some waiting records are on disk only (a backlog larger than the
   * in-memory window, after an outage or a burst); they are read back as the window empties.
   */
  readonly spilled?: boolean
  /** Records that waited on disk are now in memory for peek(). */
  onReadable? (fn: () => void): void
  /** push() may succeed again after a diskFull refusal. */
  onWritable? (fn: () => void): void
  /** Counters for `stele stats` (a live object). */
  readonly stats?: object
}

/** A RecordQueue in memory: a ring of Buffers that grows by doubling, bounded by bytes. */
export class MemoryRecordQueue implements RecordQueue {
  readonly maxBytes: number
  #ring: Array<Buffer | undefined>
  #mask: number
  #head = 0
  #length = 0
  #bytes = 0

  constructor (maxBytes: number, initialRecords = 256) {
    this.maxBytes = maxBytes
    let capacity = 16
    while (capacity < initialRecords) capacity *= 2
    this.#ring = new Array<Buffer | undefined>(capacity)
    this.#mask = capacity - 1
  }

  get length (): number { return this.#length }
  get bytes (): number { return this.#bytes }

  push (record: Buffer): boolean {
    if (this.#bytes + record.length > this.maxBytes) return false
    if (this.#length === this.#ring.length) this.#grow()
    this.#ring[(this.#head + this.#length) & this.#mask] = record
    this.#length++
    this.#bytes += record.length
    return true
  }

  first (): Buffer | undefined {
    return this.#length === 0 ? undefined : this.#ring[this.#head]
  }

  peek (out: Buffer[], maxBytes: number, maxRecords: number): number {
    let count = 0
    let bytes = 0
    while (count < this.#length && count < maxRecords) {
      const record = this.#ring[(this.#head + count) & this.#mask]!
      if (count > 0 && bytes + record.length > maxBytes) break
      out.push(record)
      bytes += record.length
      count++
    }
    return count
  }

  shift (count: number): void {
    const n = Math.min(count, this.#length)
    for (let i = 0; i < n; i++) {
      const at = this.#head
      this.#bytes -= this.#ring[at]!.length
      this.#ring[at] = undefined
      this.#head = (at + 1) & this.#mask
    }
    this.#length -= n
    if (this.#length === 0) this.#head = 0
  }

  evict (skip: number, bytes: number): number {
    // The first `skip` records (in flight) move up over the evicted ones: O(skip), not O(length).
    let count = 0
    let freed = 0
    while (skip + count < this.#length && this.#bytes - freed + bytes > this.maxBytes) {
      freed += this.#ring[(this.#head + skip + count) & this.#mask]!.length
      count++
    }
    if (count === 0) return 0
    for (let i = skip - 1; i >= 0; i--) {
      this.#ring[(this.#head + i + count) & this.#mask] = this.#ring[(this.#head + i) & this.#mask]
    }
    for (let i = 0; i < count; i++) this.#ring[(this.#head + i) & this.#mask] = undefined
    this.#head = (this.#head + count) & this.#mask
    this.#length -= count
    this.#bytes -= freed
    return count
  }

  #grow (): void {
    const old = this.#ring
    const ring = new Array<Buffer | undefined>(old.length * 2)
    for (let i = 0; i < this.#length; i++) ring[i] = old[(this.#head + i) & this.#mask]
    this.#ring = ring
    this.#mask = ring.length - 1
    this.#head = 0
  }
}
