// The named-pipe output: "|/var/run/xconsole". In classic syslogd, a FIFO that nobody reads, or
// that is read slowly, blocks the daemon: open(2) waits for a reader and write(2) waits for
// room. stele must never stall, so:
//
// - The FIFO is opened O_WRONLY | O_NONBLOCK: with no reader that fails at once with ENXIO, and
//   the output retries every openRetryMs (and on reopen()).
// - Writes are fs.writev on the non-blocking descriptor: EAGAIN (pipe full, the reader is slow)
//   means "try again later", polled with a timer that backs off from pollMinMs to pollMaxMs.
// - Meanwhile records wait in a bounded MemoryRecordQueue (buffer=, default 1 MiB). What does
//   not fit is dropped ('pipe-full'), and the count is logged once the pipe has drained:
//   "pipe /x: dropped N messages: pipe full".
// - A write may take part of a record (pipes only promise atomic writes up to PIPE_BUF). The rest
//   of that record is always the next thing written, so a reader never sees one record's bytes
//   interleaved with another's.
// - EPIPE (the reader went away): the descriptor is closed, the half-written record (if any) is
//   dropped ('write-error') since a new reader would see only its tail, and the FIFO is reopened
//   later. Records already in the pipe's kernel buffer when the reader closed are lost with it;
//   they were counted written when write(2) took them, which is all a writer can know.
// - A path that exists but is not a FIFO is refused (start() rejects with NotAFifoError); its
//   messages are dropped ('write-error') until the path is a FIFO again.
//
// write() always returns true: a pipe is a local side channel (xconsole, a monitoring script),
// and it must not hold up the daemon's inputs; it drops and counts instead.

import { close, constants, fstat, open, stat, writev, type Stats } from 'node:fs'
import type { PipeAction } from '../config/schema.js'
import type { DropReason, Output, OutputContext, OutputCounters } from '../daemon/component.js'
import { NotAFifoError, SteleError } from '../errors.js'
import { ByteWriter } from '../message/byte-writer.js'
import { createFormatter, type Formatter } from '../message/format.js'
import type { SyslogMessage } from '../message/model.js'
import { countDropped, errorCode, messages, newCounters, Progress, settleWithin } from './accounting.js'
import { MemoryRecordQueue } from './record-queue.js'

export interface PipeOutputOptions {
  /** How often to try opening a FIFO with no reader. Default 1000 ms. */
  openRetryMs?: number
  /** Polling a full pipe: first and longest wait. Default 2 ms -> 100 ms. */
  pollMinMs?: number
  pollMaxMs?: number
  /** stop() waits this long for buffered records to be read, then drops them. Default 2000 ms. */
  stopGraceMs?: number
}

/** Most records and bytes in one writev(2) (IOV_MAX is 1024; a pipe holds 64 KiB by default). */
const MAX_BATCH_RECORDS = 1024
const MAX_BATCH_BYTES = 64 * 1024

export class PipeOutput implements Output {
  readonly name: string
  readonly counters: OutputCounters = newCounters()
  readonly path: string
  readonly #ctx: OutputContext
  readonly #formatter: Formatter
  readonly #scratch = new ByteWriter(16 * 1024)
  readonly #queue: MemoryRecordQueue
  readonly #progress = new Progress()
  readonly #openRetryMs: number
  readonly #pollMinMs: number
  readonly #pollMaxMs: number
  readonly #stopGraceMs: number
  readonly #iov: Buffer[] = []
  #iovBytes = 0
  #fd: number | null = null
  #opening: Promise<void> | null = null
  #writing = false
  #writeDone: Array<() => void> = []
  #scheduled = false
  #timer: NodeJS.Timeout | null = null
  #pollMs: number
  /** Bytes of the head record already written. */
  #headOffset = 0
  #enqueued = 0
  #notFifo: string | null = null
  #fullDrops = 0
  #notFifoDrops = 0
  /** What the last failed open was (logged once until it changes or an open succeeds). */
  #openProblem: string | null = null
  #stopping = false
  #destroyed = false
  /** After stop()'s grace period (or destroy()): no more opening. */
  #closed = false
  #stopped: Promise<void> | null = null

  constructor (action: PipeAction, ctx: OutputContext, options: PipeOutputOptions = {}) {
    this.path = action.path
    this.name = `pipe ${action.path}`
    this.#ctx = ctx
    this.#formatter = createFormatter(action.format, { newline: action.newline, terminator: '\n', timeZone: ctx.timeZone, hostname: ctx.hostname })
    this.#queue = new MemoryRecordQueue(action.bufferBytes)
    this.#openRetryMs = options.openRetryMs ?? 1000
    this.#pollMinMs = options.pollMinMs ?? 2
    this.#pollMaxMs = options.pollMaxMs ?? 100
    this.#stopGraceMs = options.stopGraceMs ?? 2000
    this.#pollMs = this.#pollMinMs
  }

  /** Records buffered, waiting for the reader. */
  get bufferedBytes (): number { return this.#queue.bytes }

  /** True while the FIFO is open for writing (a reader was there when it was opened). */
  get connected (): boolean { return this.#fd !== null }

  async start (): Promise<void> {
    let st: Stats
    try {
      st = await statPath(this.path)
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw new SteleError('STELE_PIPE_OPEN', `pipe "${this.path}": cannot stat (${errorCode(err)})`, { cause: err })
      this.#ctx.log.log(4, `${this.name}: does not exist; buffering up to ${this.#queue.maxBytes} bytes and retrying every ${this.#openRetryMs} ms`)
      this.#openProblem = 'ENOENT'
      this.#scheduleOpen(this.#openRetryMs)
      return
    }
    if (!st.isFIFO()) {
      this.#notFifo = fileKind(st)
      this.counters.errors++
      this.#scheduleOpen(this.#openRetryMs)
      throw new NotAFifoError(this.path, this.#notFifo)
    }
    await this.#open()
  }

  write (msg: SyslogMessage): boolean {
    this.counters.received++
    if (this.#stopping) { countDropped(this.counters, 'shutdown'); return true }
    if (this.#notFifo !== null) {
      countDropped(this.counters, 'write-error')
      this.#notFifoDrops++
      return true
    }
    this.#formatter.write(msg, this.#scratch)
    this.counters.truncated = this.#formatter.truncated
    if (!this.#queue.push(this.#scratch.take())) {
      countDropped(this.counters, 'pipe-full')
      this.#fullDrops++
      return true
    }
    this.#enqueued++
    this.#kick()
    return true
  }

  onDrain (_fn: () => void): void {
    // write() never returns false.
  }

  /** Resolves when every record accepted so far has been written to the pipe or dropped. */
  flush (): Promise<void> {
    return this.#progress.until(this.#enqueued)
  }

  /** SIGHUP: closes the FIFO and opens it again now (a new reader may be waiting). */
  async reopen (): Promise<void> {
    if (this.#stopping) return
    await this.#idle()
    this.#clearTimer()
    this.#closeFd()
    this.#pollMs = this.#pollMinMs
    await this.#open()
  }

  stop (): Promise<void> {
    if (this.#stopped === null) this.#stopped = this.#stop()
    return this.#stopped
  }

  destroy (_err?: Error): void {
    this.#stopping = true
    this.#destroyed = true
    this.#clearTimer()
    if (!this.#writing) this.#shutDown()
  }

  async #stop (): Promise<void> {
    this.#stopping = true
    if (this.#queue.length > 0) await settleWithin(this.flush(), this.#stopGraceMs)
    this.#clearTimer()
    await this.#idle()
    this.#shutDown()
  }

  /** Drops what is still buffered ('shutdown') and closes. */
  #shutDown (): void {
    this.#closed = true
    this.#clearTimer()
    const left = this.#queue.length
    if (left > 0) {
      this.#dropHead(left, 'shutdown')
      this.#ctx.log.log(4, `${this.name}: dropped ${messages(left)} at shutdown: no reader took them`)
    }
    this.#reportDrops()
    this.#closeFd()
  }

  #kick (): void {
    if (this.#fd === null || this.#writing || this.#timer !== null || this.#scheduled) return
    this.#scheduled = true
    setImmediate(this.#pump)
  }

  readonly #pump = (): void => {
    this.#scheduled = false
    const fd = this.#fd
    if (fd === null || this.#writing || this.#queue.length === 0 || this.#destroyed) return
    const iov = this.#iov
    iov.length = 0
    this.#queue.peek(iov, MAX_BATCH_BYTES, MAX_BATCH_RECORDS)
    if (this.#headOffset > 0) iov[0] = iov[0]!.subarray(this.#headOffset)
    let bytes = 0
    for (let i = 0; i < iov.length; i++) bytes += iov[i]!.length
    this.#iovBytes = bytes
    this.#writing = true
    writev(fd, iov, null, this.#onWritten)
  }

  readonly #onWritten = (err: NodeJS.ErrnoException | null, bytesWritten: number): void => {
    this.#writing = false
    this.#iov.length = 0
    if (err === null) this.#advance(bytesWritten)
    const waiters = this.#writeDone
    if (waiters.length > 0) {
      this.#writeDone = []
      for (const resolve of waiters) resolve()
    }
    if (this.#destroyed) return this.#shutDown()
    if (err !== null) return this.#writeFailed(err)
    if (bytesWritten < this.#iovBytes) return this.#schedulePoll()
    this.#pollMs = this.#pollMinMs
    if (this.#queue.length > 0) return this.#pump()
    this.#reportDrops()
  }

  /** Removes the records (and part of a record) that `bytes` covered, counting them written. */
  #advance (bytes: number): void {
    let left = bytes
    let whole = 0
    while (left > 0) {
      const rest = this.#queue.first()!.length - this.#headOffset
      if (left < rest) {
        this.#headOffset += left
        break
      }
      left -= rest
      this.#headOffset = 0
      this.#queue.shift(1)
      whole++
    }
    this.counters.written += whole
    this.#progress.advance(whole)
  }

  #writeFailed (err: NodeJS.ErrnoException): void {
    const code = errorCode(err)
    if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return this.#schedulePoll()
    this.counters.errors++
    this.#closeFd()
    if (this.#headOffset > 0) {
      // A new reader would see only the tail of this record.
      this.#dropHead(1, 'write-error')
    }
    if (code === 'EPIPE') {
      this.#ctx.log.log(4, `${this.name}: reader went away (EPIPE); buffering up to ${this.#queue.maxBytes} bytes until a reader opens it`)
      this.#openProblem = 'ENXIO'
    } else {
      this.#ctx.log.log(3, `${this.name}: write failed (${code}); reopening in ${this.#openRetryMs} ms`)
    }
    this.#scheduleOpen(this.#openRetryMs)
  }

  /** Drops `count` records from the head (and the partly written head). */
  #dropHead (count: number, reason: DropReason): void {
    const n = Math.min(count, this.#queue.length)
    this.#queue.shift(n)
    this.#headOffset = 0
    countDropped(this.counters, reason, n)
    this.#progress.advance(n)
  }

  /** Once the pipe has drained: one line for everything dropped since the last report. */
  #reportDrops (): void {
    if (this.#fullDrops > 0) {
      this.#ctx.log.log(4, `${this.name}: dropped ${messages(this.#fullDrops)}: pipe full`)
      this.#fullDrops = 0
    }
  }

  #open (): Promise<void> {
    if (this.#opening === null) {
      this.#opening = this.#openOnce().finally(() => { this.#opening = null })
    }
    return this.#opening
  }

  async #openOnce (): Promise<void> {
    if (this.#fd !== null || this.#closed) return
    let fd: number
    try {
      fd = await openFifo(this.path)
    } catch (err) {
      return this.#openFailed(err)
    }
    let st: Stats
    try {
      st = await fstatFd(fd)
    } catch (err) {
      close(fd, ignore)
      return this.#openFailed(err)
    }
    if (this.#closed) { close(fd, ignore); return }
    if (!st.isFIFO()) {
      close(fd, ignore)
      if (this.#notFifo === null) {
        this.#notFifo = fileKind(st)
        this.counters.errors++
        this.#ctx.log.log(3, new NotAFifoError(this.path, this.#notFifo).message)
      }
      this.#scheduleOpen(this.#openRetryMs)
      return
    }
    if (this.#notFifo !== null) {
      this.#ctx.log.log(4, `${this.name}: is a FIFO again; dropped ${messages(this.#notFifoDrops)} meanwhile: not a FIFO`)
      this.#notFifo = null
      this.#notFifoDrops = 0
    }
    this.#fd = fd
    this.#openProblem = null
    this.#pollMs = this.#pollMinMs
    this.#kick()
  }

  #openFailed (err: unknown): void {
    const code = errorCode(err)
    // Logged once per condition: a FIFO nobody reads would otherwise log every second.
    if (this.#openProblem !== code && this.#notFifo === null) {
      this.#openProblem = code
      if (code === 'ENXIO' || code === 'ENOENT') {
        // No reader yet (or no FIFO yet): keep buffering.
        this.#ctx.log.log(6, `${this.name}: ${code === 'ENXIO' ? 'no reader' : 'does not exist'}; buffering up to ${this.#queue.maxBytes} bytes and retrying every ${this.#openRetryMs} ms`)
      } else {
        this.counters.errors++
        this.#ctx.log.log(3, `${this.name}: cannot open (${code}); retrying every ${this.#openRetryMs} ms`)
      }
    }
    this.#scheduleOpen(this.#openRetryMs)
  }

  #scheduleOpen (ms: number): void {
    if (this.#closed) return
    this.#clearTimer()
    this.#timer = setTimeout(this.#retryOpen, ms)
  }

  readonly #retryOpen = (): void => {
    this.#timer = null
    void this.#open()
  }

  #schedulePoll (): void {
    this.#clearTimer()
    this.#timer = setTimeout(this.#poll, this.#pollMs)
    this.#pollMs = Math.min(this.#pollMs * 2, this.#pollMaxMs)
  }

  readonly #poll = (): void => {
    this.#timer = null
    this.#pump()
  }

  #idle (): Promise<void> {
    if (!this.#writing) return Promise.resolve()
    return new Promise((resolve) => { this.#writeDone.push(resolve) })
  }

  #closeFd (): void {
    const fd = this.#fd
    if (fd === null) return
    this.#fd = null
    close(fd, ignore)
  }

  #clearTimer (): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }
}

function ignore (): void {}

function openFifo (path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    open(path, constants.O_WRONLY | constants.O_NONBLOCK, (err, fd) => { if (err !== null) reject(err); else resolve(fd) })
  })
}

function fstatFd (fd: number): Promise<Stats> {
  return new Promise((resolve, reject) => {
    fstat(fd, (err, st) => { if (err !== null) reject(err); else resolve(st) })
  })
}

function statPath (path: string): Promise<Stats> {
  return new Promise((resolve, reject) => {
    stat(path, (err, st) => { if (err !== null) reject(err); else resolve(st) })
  })
}

function fileKind (st: Stats): string {
  if (st.isFile()) return 'regular file'
  if (st.isDirectory()) return 'directory'
  if (st.isSocket()) return 'socket'
  if (st.isCharacterDevice()) return 'character device'
  if (st.isBlockDevice()) return 'block device'
  return 'special file'
}
