// What the bare reference receivers (udp-bare-receiver.ts, tcp-bare-receiver.ts) share: appending
// buffers to one file in batches, one writev in flight and the rest collecting, as a daemon's file
// output does but with nothing else, and stopping on SIGTERM once the last write is done.

import { open, type FileHandle } from 'node:fs/promises'

export class BareAppender {
  readonly #fh: FileHandle
  /** Called after each write with the bytes still not written (collected or in flight). */
  readonly #onWritten: (pendingBytes: number) => void
  #batch: Buffer[] = []
  #pendingBytes = 0
  #writing: Promise<void> | null = null

  private constructor (fh: FileHandle, onWritten: (pendingBytes: number) => void) {
    this.#fh = fh
    this.#onWritten = onWritten
  }

  static async open (file: string, onWritten: (pendingBytes: number) => void = () => {}): Promise<BareAppender> {
    return new BareAppender(await open(file, 'a'), onWritten)
  }

  /** Bytes added and not yet written. */
  get pendingBytes (): number { return this.#pendingBytes }
  /** Buffers collected for the next write. */
  get collected (): number { return this.#batch.length }

  add (bytes: Buffer): void {
    this.#batch.push(bytes)
    this.#pendingBytes += bytes.length
  }

  /** Starts a write of what has collected, unless one is in flight (its end starts the next). */
  flush (): void {
    if (this.#writing !== null || this.#batch.length === 0) return
    const parts = this.#batch
    this.#batch = []
    let bytes = 0
    for (const part of parts) bytes += part.length
    this.#writing = this.#fh.writev(parts).then(() => {
      this.#writing = null
      this.#pendingBytes -= bytes
      this.#onWritten(this.#pendingBytes)
      this.flush()
    })
  }

  /** On SIGTERM: `stopInput()`, write what is left, close the file, exit 0. */
  exitOnSigterm (stopInput: () => void): void {
    process.once('SIGTERM', () => {
      stopInput()
      this.flush()
      void (async () => {
        while (this.#writing !== null) await this.#writing
        await this.#fh.close()
        process.exit(0)
      })()
    })
  }
}
