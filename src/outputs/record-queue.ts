// The buffer between an output's write() and its transport: a FIFO of encoded records (each one
// message, already framed for the wire) with byte accounting. Forwards and pipes take records
// from the head, and remove them only once the transport has taken them, so a record that was
// handed to a connection that then failed is still at the head, to be sent again.
//
// The interface is what a disk queue (queue/disk-queue.ts, a later issue) implements to stand in
// front of any forward without the router or the forward changing: push() is "append", shift()
// is "acknowledge". It is synchronous on purpose; a disk queue keeps a window of head records in
// memory and appends in batches.

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

  #grow (): void {
    const old = this.#ring
    const ring = new Array<Buffer | undefined>(old.length * 2)
    for (let i = 0; i < this.#length; i++) ring[i] = old[(this.#head + i) & this.#mask]
    this.#ring = ring
    this.#mask = ring.length - 1
    this.#head = 0
  }
}
