// An append-only byte buffer that formatters write records into. Outputs batch many records in
// one writer and hand the result to a single writev()/write(), so a record costs no Buffer of
// its own. take() returns the bytes written so far and starts a fresh buffer, so what it
// returned stays valid while the next batch is written.

// Strings up to this length are copied by a JS loop; longer ones by Node's native encoder.
const SHORT_STRING = 64

interface FastWrites {
  latin1Write (text: string, offset: number): number
  utf8Write (text: string, offset: number): number
}

export class ByteWriter {
  #buf: Buffer
  #length = 0
  readonly #initialBytes: number

  constructor (initialBytes = 64 * 1024) {
    this.#initialBytes = initialBytes
    this.#buf = Buffer.allocUnsafe(initialBytes)
  }

  get length (): number { return this.#length }

  /** Makes room for at least `bytes` more. */
  reserve (bytes: number): void {
    const needed = this.#length + bytes
    if (needed <= this.#buf.length) return
    let size = this.#buf.length * 2
    while (size < needed) size *= 2
    const grown = Buffer.allocUnsafe(size)
    this.#buf.copy(grown, 0, 0, this.#length)
    this.#buf = grown
  }

  byte (value: number): void {
    if (this.#length >= this.#buf.length) this.reserve(1)
    this.#buf[this.#length++] = value
  }

  bytes (source: Buffer, start = 0, end = source.length): void {
    const count = end - start
    if (count <= 0) return
    this.reserve(count)
    source.copy(this.#buf, this.#length, start, end)
    this.#length += count
  }

  /** Copies a few bytes (a cached timestamp text) by a JS loop, cheaper than Buffer.copy for short runs. */
  small (bytes: Buffer): void {
    const count = bytes.length
    this.reserve(count)
    const buf = this.#buf
    let length = this.#length
    for (let i = 0; i < count; i++) buf[length++] = bytes[i]!
    this.#length = length
  }

  /** Writes a string whose characters are all < 0x100 (ASCII header text, digits). */
  latin1 (text: string): void {
    const count = text.length
    this.reserve(count)
    if (count > SHORT_STRING) {
      this.#length += (this.#buf as unknown as FastWrites).latin1Write(text, this.#length)
      return
    }
    const buf = this.#buf
    let length = this.#length
    for (let i = 0; i < count; i++) buf[length++] = text.charCodeAt(i)
    this.#length = length
  }

  /** Writes any string as UTF-8. */
  utf8 (text: string): void {
    const count = text.length
    this.reserve(count * 3)
    if (count <= SHORT_STRING) {
      // Header fields are short and almost always ASCII: copying them in JS is cheaper than the
      // call into C++; at the first non-ASCII character the rest goes to the native encoder.
      const buf = this.#buf
      let length = this.#length
      for (let i = 0; i < count; i++) {
        const c = text.charCodeAt(i)
        if (c >= 0x80) {
          this.#length = length + (buf as unknown as FastWrites).utf8Write(i === 0 ? text : text.slice(i), length)
          return
        }
        buf[length++] = c
      }
      this.#length = length
      return
    }
    this.#length += (this.#buf as unknown as FastWrites).utf8Write(text, this.#length)
  }

  /** The byte at `offset` of what has been written. */
  at (offset: number): number { return this.#buf[offset]! }

  /** A view of bytes start..end written so far; valid until the next write or take(). */
  view (start: number, end = this.#length): Buffer { return this.#buf.subarray(start, end) }

  /** Drops everything after `length` bytes. */
  truncate (length: number): void {
    if (length < this.#length) this.#length = length
  }

  /** Returns the bytes written and starts a fresh buffer; the result is never overwritten. */
  take (): Buffer {
    const out = this.#buf.subarray(0, this.#length)
    const spare = this.#buf.length - this.#length
    // Keep writing into the unused tail when it is large; otherwise start a new buffer.
    this.#buf = spare >= this.#initialBytes / 4 ? this.#buf.subarray(this.#length) : Buffer.allocUnsafe(this.#initialBytes)
    this.#length = 0
    return out
  }
}
