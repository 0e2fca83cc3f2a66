// The client's bounded buffer: framed records waiting to be written, oldest first, limited by
// count and by bytes. A ring of Buffers that grows by doubling up to what the limits allow, so
// pushing, taking the oldest and dropping at either end cost O(1) and never copy the ring
// (no shift(), no compaction pass that could stall the event loop with a million records).
//
// Records written to a connection but not yet confirmed are not here: the logger keeps them
// aside and puts them back at the front (unshift) when the connection is lost before their
// write completed, so a lost connection re-sends them rather than loses them.

export class RecordQueue {
  readonly maxRecords: number
  readonly maxBytes: number
  #slots: Array<Buffer | undefined>
  #head = 0
  #length = 0
  #bytes = 0

  constructor (maxRecords: number, maxBytes: number) {
    this.maxRecords = maxRecords
    this.maxBytes = maxBytes
    this.#slots = new Array<Buffer | undefined>(Math.min(1024, ceilPowerOfTwo(maxRecords)))
  }

  get length (): number { return this.#length }
  get bytes (): number { return this.#bytes }

  /** True when one more record of `size` bytes would pass a limit. */
  full (size: number): boolean {
    return this.#length >= this.maxRecords || this.#bytes + size > this.maxBytes
  }

  push (record: Buffer): void {
    if (this.#length === this.#slots.length) this.#grow()
    this.#slots[(this.#head + this.#length) & (this.#slots.length - 1)] = record
    this.#length++
    this.#bytes += record.length
  }

  /** Puts a record back in front of the oldest (a write that did not complete). */
  unshift (record: Buffer): void {
    if (this.#length === this.#slots.length) this.#grow()
    this.#head = (this.#head - 1) & (this.#slots.length - 1)
    this.#slots[this.#head] = record
    this.#length++
    this.#bytes += record.length
  }

  /** The oldest record, without taking it. */
  peek (): Buffer | undefined {
    return this.#length === 0 ? undefined : this.#slots[this.#head]
  }

  /** Takes the oldest record. */
  shift (): Buffer | undefined {
    if (this.#length === 0) return undefined
    const record = this.#slots[this.#head]!
    this.#slots[this.#head] = undefined
    this.#head = (this.#head + 1) & (this.#slots.length - 1)
    this.#length--
    this.#bytes -= record.length
    return record
  }

  /** Takes the newest record. */
  pop (): Buffer | undefined {
    if (this.#length === 0) return undefined
    const index = (this.#head + this.#length - 1) & (this.#slots.length - 1)
    const record = this.#slots[index]!
    this.#slots[index] = undefined
    this.#length--
    this.#bytes -= record.length
    return record
  }

  #grow (): void {
    const old = this.#slots
    const slots = new Array<Buffer | undefined>(old.length * 2)
    for (let i = 0; i < this.#length; i++) slots[i] = old[(this.#head + i) & (old.length - 1)]
    this.#slots = slots
    this.#head = 0
  }
}

function ceilPowerOfTwo (n: number): number {
  let size = 1
  while (size < n) size *= 2
  return size
}
