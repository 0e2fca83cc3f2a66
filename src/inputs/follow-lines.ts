// Bytes read from a followed file -> lines, each with the file offset just after it (the
// position to commit once its message is written). Pure: no I/O, so it is tested with bytes.
//
// - A line is the bytes before LF; a CR before the LF is dropped (files written on Windows).
// - A line longer than maxLineBytes keeps its first maxLineBytes bytes (cut on a UTF-8 boundary
//   by the caller's parser or here) and is flagged TRUNCATED; the rest up to its LF is skipped,
//   so memory stays bounded whatever the file holds.
// - Bytes after the last LF wait for more data. flushPartial() hands them out as a line of their
//   own, flagged PARTIAL (the writer has not finished it, or never will); the bytes that later
//   complete it become a line flagged CONTINUES. Nothing is lost either way.

export const LINE_TRUNCATED = 1
export const LINE_PARTIAL = 2
export const LINE_CONTINUES = 4

/**
 * Receives each line (a view into the pushed chunk), its end offset and flags. Returns false to
 * stop: push() then drops the rest of the chunk, which the caller reads again from the last
 * line's end offset (rewind()) when it is ready.
 */
export type OnLine = (line: Buffer, endOffset: number, flags: number) => boolean

export class LineAssembler {
  readonly #maxLineBytes: number
  readonly #onLine: OnLine
  /** Bytes of the unfinished line (at most maxLineBytes in all). */
  #pending: Buffer[] = []
  #pendingBytes = 0
  /** Bytes of the unfinished line beyond maxLineBytes, skipped. */
  #skippedBytes = 0
  /** The next line completes one already delivered as PARTIAL. */
  #continues = false
  /** File offset after the last byte pushed. */
  #end = 0

  constructor (maxLineBytes: number, onLine: OnLine) {
    this.#maxLineBytes = maxLineBytes
    this.#onLine = onLine
  }

  /** True when bytes after the last LF wait for their newline. */
  get hasPartial (): boolean { return this.#pendingBytes > 0 || this.#skippedBytes > 0 }

  /** File offset after the last byte pushed. */
  get end (): number { return this.#end }

  /**
   * Bytes from file offset `offset` on (offsets are contiguous across calls until reset()).
   * Returns false when onLine asked to stop; the bytes after that line were not taken.
   */
  push (chunk: Buffer, offset: number): boolean {
    let start = 0
    this.#end = offset + chunk.length
    for (;;) {
      const lf = chunk.indexOf(0x0a, start)
      if (lf === -1) break
      if (!this.#emit(chunk, start, lf, offset + lf + 1, 0)) {
        this.#end = offset + lf + 1
        return false
      }
      start = lf + 1
    }
    if (start < chunk.length) this.#hold(chunk, start)
    return true
  }

  /** Delivers the unfinished line now, flagged PARTIAL; its end offset is end. */
  flushPartial (): void {
    if (!this.hasPartial) return
    this.#emit(Buffer.alloc(0), 0, 0, this.#end, LINE_PARTIAL)
    this.#continues = true
  }

  /** After push() returned false: the next push starts at `offset`, the end of the last line taken. */
  rewind (offset: number): void {
    this.#pending = []
    this.#pendingBytes = 0
    this.#skippedBytes = 0
    this.#end = offset
  }

  /** Forgets everything held; the next push starts a new line at its offset. */
  reset (offset: number): void {
    this.#pending = []
    this.#pendingBytes = 0
    this.#skippedBytes = 0
    this.#continues = false
    this.#end = offset
  }

  #hold (chunk: Buffer, start: number): void {
    const room = this.#maxLineBytes - this.#pendingBytes
    const take = Math.min(room, chunk.length - start)
    // Copied: the caller may reuse its read buffer.
    if (take > 0) {
      this.#pending.push(Buffer.from(chunk.subarray(start, start + take)))
      this.#pendingBytes += take
    }
    this.#skippedBytes += chunk.length - start - take
  }

  /** Emits pending + chunk[start..lf) as one line. */
  #emit (chunk: Buffer, start: number, lf: number, endOffset: number, extraFlags: number): boolean {
    let line: Buffer
    let skipped = this.#skippedBytes
    if (this.#pendingBytes === 0) {
      line = chunk.subarray(start, lf)
    } else {
      const room = this.#maxLineBytes - this.#pendingBytes
      const take = Math.min(room, lf - start)
      skipped += lf - start - take
      line = Buffer.concat([...this.#pending, chunk.subarray(start, start + take)])
    }
    if (line.length > this.#maxLineBytes) {
      skipped += line.length - this.#maxLineBytes
      line = line.subarray(0, this.#maxLineBytes)
    }
    // CRLF line ends: the CR belongs to the line end, not the message.
    if (skipped === 0 && extraFlags === 0 && line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1)
    let flags = extraFlags
    if (skipped > 0) flags |= LINE_TRUNCATED
    if (this.#continues) flags |= LINE_CONTINUES
    this.#pending = []
    this.#pendingBytes = 0
    this.#skippedBytes = 0
    this.#continues = false
    return this.#onLine(line, endOffset, flags)
  }
}
