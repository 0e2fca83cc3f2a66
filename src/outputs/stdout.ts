// Standard output, for containers: the runtime's log driver reads the daemon's stdout.
//
// process.stdout is synchronous on Linux for files and pipes, so a log driver that stops reading
// would block the event loop. This output writes batches to file descriptor 1 with fs.write
// instead: the write waits in libuv's thread pool, never on the event loop, one batch at a
// time, and messages that arrive meanwhile collect in the next batch. write() returns false
// past highWaterBytes / highWaterMessages (onDrain below half); a caller that ignores that is
// stopped at maxPendingBytes, where messages are dropped ('buffer-full') and reported.
//
// fd 1 may be non-blocking (libuv makes a pipe non-blocking once process.stdout is used), so
// EAGAIN is waited out with a short polling timer. A short write is continued. EPIPE (the
// reader is gone for good) stops the output: later messages are counted dropped
// ('write-error'). `written` counts a message once write(2) has taken all of its bytes.

import { write as writeFd } from 'node:fs'
import type { StdoutAction } from '../config/schema.js'
import type { DropReason, Output, OutputContext, OutputCounters } from '../daemon/component.js'
import { createFormatter, type Formatter } from '../message/format.js'
import type { SyslogMessage } from '../message/model.js'
import { countDropped, DrainSignal, errorCode, messages, newCounters, Progress } from './accounting.js'
import { completeMessages, RecordBatch } from './record-batch.js'

export interface StdoutOutputOptions {
  /** The descriptor to write to. Default 1. */
  fd?: number
  /** write() returns false past this many bytes not yet written. Default 1 MiB. */
  highWaterBytes?: number
  /** ... or this many messages. Default 4096. */
  highWaterMessages?: number
  /** Past this many bytes not yet written, messages are dropped ('buffer-full'). Default 16 MiB. */
  maxPendingBytes?: number
  /** Waiting out EAGAIN: first and longest poll. Default 2 ms -> 100 ms. */
  pollMinMs?: number
  pollMaxMs?: number
}

const NEWLINE = Buffer.from('\n')

export class StdoutOutput implements Output {
  readonly name: string
  readonly counters: OutputCounters = newCounters()
  readonly #ctx: OutputContext
  readonly #fd: number
  readonly #formatter: Formatter
  readonly #batch = new RecordBatch()
  readonly #progress = new Progress()
  readonly #drain = new DrainSignal()
  readonly #highWaterBytes: number
  readonly #highWaterMessages: number
  readonly #maxPendingBytes: number
  readonly #pollMinMs: number
  readonly #pollMaxMs: number
  #accepted = 0
  #pendingBytes = 0
  #pendingMessages = 0
  #overflowDrops = 0
  #scheduled = false
  #running = false
  #brokenLine = false
  /** EPIPE: the reader is gone; nothing more is written. */
  #closedByReader = false
  #problem: string | null = null
  #problemDrops = 0
  #stopping = false
  #destroyed = false

  constructor (action: StdoutAction, ctx: OutputContext, options: StdoutOutputOptions = {}) {
    this.#fd = options.fd ?? 1
    this.name = this.#fd === 1 ? 'stdout' : `stdout (fd ${this.#fd})`
    this.#ctx = ctx
    this.#formatter = createFormatter(action.format, { newline: action.newline, terminator: '\n', timeZone: ctx.timeZone, hostname: ctx.hostname })
    this.#highWaterBytes = options.highWaterBytes ?? 1024 * 1024
    this.#highWaterMessages = options.highWaterMessages ?? 4096
    this.#maxPendingBytes = Math.max(this.#highWaterBytes, options.maxPendingBytes ?? 16 * 1024 * 1024)
    this.#pollMinMs = options.pollMinMs ?? 2
    this.#pollMaxMs = options.pollMaxMs ?? 100
  }

  async start (): Promise<void> {}

  write (msg: SyslogMessage): boolean {
    this.counters.received++
    if (this.#stopping || this.#closedByReader) {
      countDropped(this.counters, this.#stopping ? 'shutdown' : 'write-error')
      return true
    }
    if (this.#pendingBytes >= this.#maxPendingBytes) {
      countDropped(this.counters, 'buffer-full')
      this.#overflowDrops++
      this.#drain.setFull()
      return false
    }
    const batch = this.#batch
    const before = batch.bytes
    this.#formatter.write(msg, batch.writer)
    batch.endMessage()
    this.counters.truncated = this.#formatter.truncated
    this.#pendingBytes += batch.bytes - before
    this.#pendingMessages++
    this.#accepted++
    this.#schedule()
    if (this.#pendingBytes >= this.#highWaterBytes || this.#pendingMessages >= this.#highWaterMessages) {
      this.#drain.setFull()
      return false
    }
    return true
  }

  onDrain (fn: () => void): void { this.#drain.add(fn) }

  flush (): Promise<void> {
    return this.#progress.until(this.#accepted)
  }

  async reopen (): Promise<void> {}

  async stop (): Promise<void> {
    this.#stopping = true
    await this.flush()
    this.#reportProblem()
  }

  destroy (_err?: Error): void {
    this.#stopping = true
    this.#destroyed = true
    if (!this.#running) this.#dropPending('shutdown')
  }

  #schedule (): void {
    if (this.#running || this.#scheduled) return
    this.#scheduled = true
    setImmediate(this.#run)
  }

  readonly #run = (): void => {
    this.#scheduled = false
    if (this.#running) return
    this.#running = true
    void this.#loop()
  }

  async #loop (): Promise<void> {
    try {
      await this.#writeBatches()
    } finally {
      this.#running = false
    }
    if (this.#batch.messages > 0) this.#schedule()
  }

  async #writeBatches (): Promise<void> {
    while (this.#batch.messages > 0) {
      if (this.#destroyed || this.#closedByReader) {
        this.#dropPending(this.#destroyed ? 'shutdown' : 'write-error')
        return
      }
      const { bytes, ends } = this.#batch.take()
      let done = 0
      try {
        if (this.#brokenLine) {
          await this.#writeAll(NEWLINE, 0)
          this.#brokenLine = false
        }
        done = await this.#writeAll(bytes, 0)
      } catch (err) {
        done = (err as { done?: number }).done ?? 0
        this.#failed(err, done, ends, bytes.length)
        continue
      }
      this.#settle(ends.length, 0, 'write-error', bytes.length)
      this.#reportProblem()
    }
  }

  /** Writes all of `bytes` from `from`, continuing short writes and waiting out EAGAIN. */
  async #writeAll (bytes: Buffer, from: number): Promise<number> {
    let done = from
    let pollMs = this.#pollMinMs
    while (done < bytes.length) {
      try {
        const written = await writeSome(this.#fd, bytes, done)
        if (!(written > 0)) throw Object.assign(new Error('write(2) wrote nothing'), { code: 'EIO' })
        done += written
        pollMs = this.#pollMinMs
      } catch (err) {
        const code = errorCode(err)
        if ((code !== 'EAGAIN' && code !== 'EWOULDBLOCK') || this.#destroyed) throw Object.assign(err as object, { done })
        await new Promise((resolve) => setTimeout(resolve, pollMs))
        pollMs = Math.min(pollMs * 2, this.#pollMaxMs)
      }
    }
    return done
  }

  #failed (err: unknown, done: number, ends: readonly number[], total: number): void {
    const code = errorCode(err)
    let written = 0
    if (done > 0) {
      written = completeMessages(ends, done)
      if (done > (written > 0 ? ends[written - 1]! : 0)) this.#brokenLine = true
    }
    const dropped = ends.length - written
    this.#settle(written, dropped, 'write-error', total)
    if (code === 'EPIPE') {
      this.#closedByReader = true
      this.counters.errors++
      this.#ctx.log.log(3, `${this.name}: the reader went away (EPIPE); dropping every further message`)
      return
    }
    if (this.#problem === null) {
      this.#problem = code
      this.#problemDrops = 0
      this.counters.errors++
      this.#ctx.log.log(3, `${this.name}: write failed (${code}); dropping messages until writes succeed`)
    }
    this.#problemDrops += dropped
  }

  #reportProblem (): void {
    if (this.#problem === null) return
    this.#ctx.log.log(4, `${this.name}: resumed after dropping ${messages(this.#problemDrops)}: write error (${this.#problem})`)
    this.#problem = null
    this.#problemDrops = 0
  }

  #dropPending (reason: DropReason): void {
    if (this.#batch.messages === 0) return
    const { bytes, ends } = this.#batch.take()
    this.#settle(0, ends.length, reason, bytes.length)
  }

  #settle (written: number, dropped: number, reason: DropReason, bytes: number): void {
    this.counters.written += written
    countDropped(this.counters, reason, dropped)
    this.#pendingBytes -= bytes
    this.#pendingMessages -= written + dropped
    this.#progress.advance(written + dropped)
    if (!this.#drain.full) return
    if (this.#pendingBytes >= this.#highWaterBytes / 2 || this.#pendingMessages >= this.#highWaterMessages / 2) return
    if (this.#overflowDrops > 0) {
      this.#ctx.log.log(4, `${this.name}: dropped ${messages(this.#overflowDrops)}: buffer full (the reader did not keep up)`)
      this.#overflowDrops = 0
    }
    this.#drain.drained()
  }
}

function writeSome (fd: number, bytes: Buffer, offset: number): Promise<number> {
  return new Promise((resolve, reject) => {
    writeFd(fd, bytes, offset, bytes.length - offset, null, (err, written) => { if (err !== null) reject(err); else resolve(written) })
  })
}
