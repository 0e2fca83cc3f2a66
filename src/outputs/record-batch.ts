// Records accumulated for one write: the bytes of many formatted messages in one ByteWriter, plus
// where each message ends, so that after a short or failed write the output knows exactly which
// messages made it whole (written) and which did not (dropped), and whether a message was cut
// in the middle (the file then needs a newline before the next record; see file-writer.ts).

import { ByteWriter } from '../message/byte-writer.js'

export interface TakenBatch {
  readonly bytes: Buffer
  /** Byte offset just past each message's records, ascending. */
  readonly ends: readonly number[]
}

export class RecordBatch {
  readonly writer: ByteWriter
  #ends: number[] = []

  constructor (initialBytes = 64 * 1024) {
    this.writer = new ByteWriter(initialBytes)
  }

  get messages (): number { return this.#ends.length }
  get bytes (): number { return this.writer.length }

  /** Marks the end of the message just formatted into `writer`. */
  endMessage (): void { this.#ends.push(this.writer.length) }

  /** Hands over what was accumulated and starts a new batch. */
  take (): TakenBatch {
    const ends = this.#ends
    this.#ends = []
    return { bytes: this.writer.take(), ends }
  }
}

/** How many messages of `ends` lie wholly within the first `bytes` bytes. */
export function completeMessages (ends: readonly number[], bytes: number): number {
  let lo = 0
  let hi = ends.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (ends[mid]! <= bytes) lo = mid + 1
    else hi = mid
  }
  return lo
}
