// One open file of a file output: batches records, appends each batch with one write, and
// handles every way that write can fail without stopping the daemon.
//
// - At most one operation (open, write, datasync, close) is in flight; records that arrive
//   meanwhile collect in the next batch, so a slow disk makes bigger batches, not more calls.
// - A short write is continued from where it stopped. When a write fails part-way through, the
//   messages wholly written are counted written, the rest dropped, and if a record was cut in
//   the middle a newline is written before the next batch so that the next record starts a line.
// - ENOSPC / EDQUOT / EFBIG: the batch is dropped ('disk-full'), logged once per episode, and
//   every following batch tries again (space can come back at any moment; a failing write costs
//   one system call). The first batch that succeeds logs how many messages the episode cost.
// - Any other error (EIO, EACCES, EBADF, ...): the batch is dropped ('write-error'), the file is
//   closed, and it is reopened by path after a capped back-off (1 s -> 60 s); batches that arrive
//   during the back-off are dropped without touching the disk, so a broken file never makes the
//   output report "full" and hold up the daemon's other outputs.
// - reopen() (SIGHUP, logrotate): the batch in flight completes on the old file, which is then
//   closed; the next batch opens the path again (a renamed file keeps what was written to it).

import { dirname } from 'node:path'
import type { DaemonLog, DropReason } from '../daemon/component.js'
import { FileOpenError } from '../errors.js'
import type { Formatter } from '../message/format.js'
import type { SyslogMessage } from '../message/model.js'
import { errorCode, messages, Progress } from './accounting.js'
import { Backoff } from './backoff.js'
import type { FileHandleLike, FileSystem } from './file-system.js'
import { completeMessages, RecordBatch } from './record-batch.js'

/** Directories made for new files (mkdir -p). */
export const DIR_MODE = 0o750
const DISK_FULL_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EFBIG'])
const NEWLINE = Buffer.from('\n')
/**
 * Back-to-back writes: a batch smaller than LINGER_BYTES that collected while the previous write
 * ran waits up to LINGER_MS for more. Datagrams arrive one event each, so without this a UDP
 * stream makes a write (a thread-pool round trip) per 3-4 messages. There is no wait while a
 * flush() waits for pending messages, and flush(), reopen() and close() end a wait at once, so
 * nobody waiting on the file (a RELP acknowledgement, a stop) waits for it; the first write after
 * an idle spell never waits.
 */
const LINGER_BYTES = 64 * 1024
const LINGER_MS = 2

/** What a FileWriter needs from the FileOutput that owns it. */
export interface FileWriterHost {
  readonly fs: FileSystem
  readonly log: DaemonLog
  /** fsync (fdatasync) after each batch. */
  readonly sync: boolean
  /** Permission bits for new files. */
  readonly mode: number
  readonly retryMinMs: number
  readonly retryMaxMs: number
  /** A batch of `bytes` finished: `written` messages are in the file, `dropped` were given up. */
  settle (written: number, dropped: number, reason: DropReason, bytes: number): void
  /** An error was logged. */
  countError (): void
}

type Problem = 'disk-full' | 'write-error'

export class FileWriter {
  readonly path: string
  /** Date.now() of the last message, for closing idle files. */
  lastUsedMs = 0
  readonly #host: FileWriterHost
  readonly #batch: RecordBatch
  readonly #progress = new Progress()
  readonly #backoff: Backoff
  #fh: FileHandleLike | null = null
  /** A previous writer of the same path must finish closing before this one opens it. */
  #after: Promise<void> | undefined
  #accepted = 0
  #scheduled = false
  #running = false
  #reopenWanted = false
  #reopenWaiters: Array<() => void> = []
  #closing = false
  #destroyed = false
  #closed: Promise<void> | null = null
  #onClosed: () => void = () => {}
  #brokenLine = false
  /** Ends a linger early (set while the loop lingers). */
  #endLinger: (() => void) | null = null
  /** The highest count a flush() waits for: while messages it waits for are pending, no linger. */
  #flushTarget = 0
  #problem: Problem | null = null
  #problemDrops = 0
  #retryAtMs = 0

  constructor (path: string, host: FileWriterHost, after?: Promise<void>, initialBytes = 64 * 1024) {
    this.path = path
    this.#host = host
    this.#after = after
    this.#batch = new RecordBatch(initialBytes)
    this.#backoff = new Backoff(host.retryMinMs, host.retryMaxMs)
  }

  /** Nothing pending and nothing in flight. */
  get idle (): boolean {
    return !this.#running && !this.#scheduled && this.#batch.messages === 0
  }

  /** Formats `msg` into the next batch; returns the bytes it took. */
  add (formatter: Formatter, msg: SyslogMessage): number {
    const before = this.#batch.bytes
    formatter.write(msg, this.#batch.writer)
    this.#batch.endMessage()
    this.#accepted++
    this.#schedule()
    return this.#batch.bytes - before
  }

  /** Opens the file now (the output's start()); rejects with FileOpenError, and keeps retrying later. */
  async open (): Promise<void> {
    if (this.#fh !== null || this.#running) return
    this.#running = true
    try {
      this.#fh = await this.#openHandle()
    } catch (err) {
      this.#problem = DISK_FULL_CODES.has(errorCode(err)) ? 'disk-full' : 'write-error'
      this.#problemDrops = 0
      this.#retryAtMs = Date.now() + this.#backoff.next()
      this.#host.countError()
      throw new FileOpenError(this.path, { cause: err })
    } finally {
      this.#running = false
      if (this.#batch.messages > 0) this.#schedule()
    }
  }

  /** Resolves when every message added so far is written or counted dropped. */
  flush (): Promise<void> {
    this.#flushTarget = this.#accepted
    const done = this.#progress.until(this.#accepted)
    this.#endLinger?.()
    return done
  }

  /** Closes the file after the batch in flight; the next batch opens the path again (at once,
   *  even during a back-off). */
  reopen (): Promise<void> {
    if (this.#closing) return Promise.resolve()
    // An administrator who fixed a broken file and sent SIGHUP wants the next batch to try it.
    this.#retryAtMs = 0
    if (!this.#running && this.#fh === null) return Promise.resolve()
    this.#reopenWanted = true
    const done = new Promise<void>((resolve) => { this.#reopenWaiters.push(resolve) })
    this.#endLinger?.()
    this.#schedule()
    return done
  }

  /** Writes what is pending, then closes. Idempotent. */
  close (): Promise<void> {
    if (this.#closed === null) {
      this.#closing = true
      this.#closed = new Promise((resolve) => { this.#onClosed = resolve })
      this.#endLinger?.()
      this.#schedule()
    }
    return this.#closed
  }

  /** Drops what is pending ('shutdown') and closes once the operation in flight ends. */
  destroy (): void {
    this.#destroyed = true
    void this.close()
  }

  async #linger (): Promise<void> {
    await new Promise<void>((resolve) => {
      const end = (): void => { clearTimeout(timer); this.#endLinger = null; resolve() }
      const timer = setTimeout(end, LINGER_MS)
      this.#endLinger = end
    })
  }

  #schedule (): void {
    if (this.#running || this.#scheduled) return
    this.#scheduled = true
    // On the next turn: every message routed in this turn joins the batch.
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
      if (this.#after !== undefined) {
        await this.#after
        this.#after = undefined
      }
      for (;;) {
        if (this.#destroyed) this.#dropPending('shutdown')
        if (this.#reopenWanted) {
          this.#reopenWanted = false
          await this.#closeHandle()
          const waiters = this.#reopenWaiters
          this.#reopenWaiters = []
          for (const resolve of waiters) resolve()
        }
        if (this.#batch.messages === 0) break
        await this.#writeBatch()
        if (this.#batch.messages > 0 && this.#batch.bytes < LINGER_BYTES && this.#flushTarget <= this.#progress.done &&
          !this.#closing && !this.#destroyed && !this.#reopenWanted) await this.#linger()
      }
      if (this.#closing) await this.#closeHandle()
    } finally {
      this.#running = false
    }
    if (this.#closing && this.#batch.messages === 0) this.#onClosed()
    else if (this.#batch.messages > 0 || this.#reopenWanted || this.#closing) this.#schedule()
  }

  async #writeBatch (): Promise<void> {
    const { bytes, ends } = this.#batch.take()
    if (this.#problem === 'write-error' && Date.now() < this.#retryAtMs) {
      // Still backing off after an error: drop without touching the disk.
      this.#settle(0, ends.length, 'write-error', bytes.length)
      this.#problemDrops += ends.length
      return
    }
    let fh = this.#fh
    if (fh === null) {
      try {
        fh = this.#fh = await this.#openHandle()
      } catch (err) {
        return await this.#failed(err, 0, ends, bytes.length)
      }
    }
    let done = 0
    try {
      if (this.#brokenLine) {
        await writeAll(fh, NEWLINE)
        this.#brokenLine = false
      }
      while (done < bytes.length) {
        const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, null)
        if (!(bytesWritten > 0)) throw Object.assign(new Error('write(2) wrote nothing'), { code: 'EIO' })
        done += bytesWritten
      }
      if (this.#host.sync) await fh.datasync()
    } catch (err) {
      return await this.#failed(err, done, ends, bytes.length)
    }
    this.#backoff.reset()
    this.#settle(ends.length, 0, 'write-error', bytes.length)
    if (this.#problem !== null) this.#reportRecovery()
  }

  /**
   * A batch failed after `done` of its `total` bytes. Messages wholly written count as written
   * (when only fdatasync failed, none do: their durability is unknown).
   */
  async #failed (err: unknown, done: number, ends: readonly number[], total: number): Promise<void> {
    const code = errorCode(err)
    const reason: Problem = DISK_FULL_CODES.has(code) ? 'disk-full' : 'write-error'
    let written = 0
    if (done > 0 && done < total) {
      written = completeMessages(ends, done)
      if (done > (written > 0 ? ends[written - 1]! : 0)) this.#brokenLine = true
    }
    const dropped = ends.length - written
    this.#settle(written, dropped, reason, total)
    let retryMs = 0
    if (reason === 'write-error') {
      retryMs = this.#backoff.next()
      this.#retryAtMs = Date.now() + retryMs
      await this.#closeHandle()
    }
    if (this.#problem !== reason) {
      if (this.#problem !== null) this.#reportRecovery()
      this.#problem = reason
      this.#problemDrops = 0
      this.#host.countError()
      this.#host.log.log(3, reason === 'disk-full'
        ? `file ${this.path}: disk full (${code}); dropping messages until space returns`
        : `file ${this.path}: cannot write (${code}); dropping messages, reopening in ${(retryMs / 1000).toFixed(1)} s and then with back-off`)
    }
    this.#problemDrops += dropped
  }

  #reportRecovery (): void {
    const what = this.#problem === 'disk-full' ? 'disk full' : 'write error'
    this.#host.log.log(4, `file ${this.path}: resumed after dropping ${messages(this.#problemDrops)}: ${what}`)
    this.#problem = null
    this.#problemDrops = 0
  }

  #dropPending (reason: DropReason): void {
    if (this.#batch.messages === 0) return
    const { bytes, ends } = this.#batch.take()
    this.#settle(0, ends.length, reason, bytes.length)
  }

  #settle (written: number, dropped: number, reason: DropReason, bytes: number): void {
    this.#progress.advance(written + dropped)
    this.#host.settle(written, dropped, reason, bytes)
  }

  async #openHandle (): Promise<FileHandleLike> {
    const fs = this.#host.fs
    try {
      return await fs.openAppend(this.path, this.#host.mode)
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw err
    }
    await fs.mkdirp(dirname(this.path), DIR_MODE)
    return await fs.openAppend(this.path, this.#host.mode)
  }

  async #closeHandle (): Promise<void> {
    const fh = this.#fh
    if (fh === null) return
    this.#fh = null
    try {
      await fh.close()
    } catch (err) {
      this.#host.countError()
      this.#host.log.log(4, `file ${this.path}: close failed (${errorCode(err)})`)
    }
  }
}

async function writeAll (fh: FileHandleLike, bytes: Buffer): Promise<void> {
  let done = 0
  while (done < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, null)
    if (!(bytesWritten > 0)) throw Object.assign(new Error('write(2) wrote nothing'), { code: 'EIO' })
    done += bytesWritten
  }
}
