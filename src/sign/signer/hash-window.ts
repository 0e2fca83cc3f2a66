// The sliding window of one signature group's message hashes (RFC 5848 §4.2.6-4.2.8, and the
// redundancy NetBSD's syslogd adds): every hash is sent in `redundancy` consecutive Signature
// Blocks, so that a receiver that loses some blocks (UDP) can still verify every message.
//
// A block is due once `division` = maxHashes / redundancy new hashes have arrived since the last
// one; it carries every hash in the window (FMN = the first one's number, CNT = how many, all
// consecutive). After a block, hashes sent `redundancy` times leave the window. In steady flow
// the window then holds at most maxHashes, and each hash is in exactly `redundancy` blocks.
//
// Blocks may also be taken early (a quiet period: the flush timer; shutdown) or late (signing
// cannot keep up: the signer waits for more hashes per block, and take(late) empties the
// window). Then hashes that have been sent at least once leave the window early: coverage is
// kept, redundancy is given up for those, and they are counted in `degraded`. No hash leaves
// unsent.

export interface HashBlock {
  /** FMN: the message number of the first hash. */
  readonly firstNumber: number
  readonly hashes: readonly string[]
}

export class HashWindow {
  readonly maxHashes: number
  readonly redundancy: number
  readonly division: number
  /** Hashes that left the window before being sent `redundancy` times. */
  degraded = 0
  #hashes: string[] = []
  #sent: number[] = []
  #firstNumber = 1
  #newSinceBlock = 0

  constructor (maxHashes: number, redundancy: number) {
    this.maxHashes = Math.max(1, maxHashes)
    this.redundancy = Math.max(1, Math.min(redundancy, this.maxHashes))
    this.division = Math.max(1, Math.floor(this.maxHashes / this.redundancy))
  }

  /** The number the next hash gets (RFC 5848 §4.2.5: message numbers start at 1). */
  get nextNumber (): number { return this.#firstNumber + this.#hashes.length }
  get length (): number { return this.#hashes.length }
  get newSinceBlock (): number { return this.#newSinceBlock }
  /** A block should be sent now (a division of new hashes has arrived). */
  get due (): boolean { return this.#newSinceBlock >= this.division }
  /** The window is full: a block must be sent before the next hash. */
  get full (): boolean { return this.#hashes.length >= this.maxHashes }
  /** Some hash still needs sending (the flush timer and shutdown use this). */
  get pending (): boolean { return this.#hashes.length > 0 }

  /** Appends a message's hash; returns its message number. Call take() first when full. */
  add (hash: string): number {
    const number = this.nextNumber
    this.#hashes.push(hash)
    this.#sent.push(0)
    this.#newSinceBlock++
    return number
  }

  /**
   * The content of the next Signature Block: the whole window; null when it is empty. `late`
   * (the signer is behind): every hash now sent leaves the window, so the next block can carry
   * a full window of new ones; the redundancy given up is counted in `degraded`.
   */
  take (late = false): HashBlock | null {
    const hashes = this.#hashes
    if (hashes.length === 0) return null
    const block: HashBlock = { firstNumber: this.#firstNumber, hashes: hashes.slice() }
    const sent = this.#sent
    for (let i = 0; i < sent.length; i++) sent[i]!++
    this.#newSinceBlock = 0
    let drop = 0
    while (drop < sent.length && sent[drop]! >= this.redundancy) drop++
    // Keep room for a division of new hashes, so that the next block is not forced early.
    const room = late ? 0 : this.maxHashes - this.division
    while (hashes.length - drop > room && drop < sent.length) {
      this.degraded++
      drop++
    }
    if (drop > 0) {
      hashes.splice(0, drop)
      sent.splice(0, drop)
      this.#firstNumber += drop
    }
    return block
  }
}
