// The file output: "/var/log/messages" (fdatasync after each batch, the classic syslog.conf
// default) and "-/var/log/messages" (no fsync). The path may be a template
// ("/var/log/hosts/%HOSTNAME%/messages", see file-template.ts); each expanded path gets a
// FileWriter of its own (file-writer.ts has the batching and error handling). Template outputs
// keep at most maxOpenFiles files open, closing the least recently used, and close files that
// have been idle for idleCloseMs.
//
// Backpressure: write() returns false once the messages not yet written pass highWaterBytes or
// highWaterMessages, and onDrain fires when they are back under half of that. A caller that
// keeps writing anyway is stopped at maxPendingBytes, where messages are dropped ('buffer-full')
// and reported once the backlog has been written.
//
// `written` counts a message once write(2) returned for all of its bytes, and with sync, once
// fdatasync(2) returned too.

import type { FileAction } from '../config/schema.js'
import type { DaemonLog, DropReason, Output, OutputContext, OutputCounters } from '../daemon/component.js'
import { FileTemplateError } from '../errors.js'
import { createFormatter, type Formatter } from '../message/format.js'
import type { SyslogMessage } from '../message/model.js'
import { countDropped, DrainSignal, messages, newCounters } from './accounting.js'
import { FileTemplate } from './file-template.js'
import { nodeFileSystem, type FileSystem } from './file-system.js'
import { FileWriter, type FileWriterHost } from './file-writer.js'

export interface FileOutputOptions {
  /** The file-system calls (tests inject failures here). Default node:fs/promises. */
  fs?: FileSystem
  /** Template outputs: files kept open at most. Default 64. */
  maxOpenFiles?: number
  /** Template outputs: a file unused this long is closed. Default 5 minutes. */
  idleCloseMs?: number
  /** write() returns false past this many bytes not yet written. Default 1 MiB. */
  highWaterBytes?: number
  /** ... or this many messages. Default 4096. */
  highWaterMessages?: number
  /** Past this many bytes not yet written, messages are dropped ('buffer-full'). Default 64 MiB. */
  maxPendingBytes?: number
  /** Reopen back-off after a write error. Default 1 s -> 60 s. */
  retryMinMs?: number
  retryMaxMs?: number
}

export const DEFAULT_MAX_OPEN_FILES = 64
export const DEFAULT_IDLE_CLOSE_MS = 5 * 60_000

export class FileOutput implements Output {
  readonly name: string
  readonly counters: OutputCounters = newCounters()
  readonly #host: FileWriterHost
  readonly #log: DaemonLog
  readonly #ctx: OutputContext
  readonly #formatter: Formatter
  readonly #template: FileTemplate | null
  readonly #templateError: FileTemplateError | null
  readonly #maxOpenFiles: number
  readonly #idleCloseMs: number
  readonly #highWaterBytes: number
  readonly #highWaterMessages: number
  readonly #maxPendingBytes: number
  readonly #drain = new DrainSignal()
  /** The one writer of a path without fields. */
  readonly #single: FileWriter | null
  /** Template outputs: open writers by path, least recently used first. */
  readonly #writers = new Map<string, FileWriter>()
  /** Writers being closed (evicted), so that a new writer of the same path waits for them. */
  readonly #closing = new Map<string, Promise<void>>()
  #lastWriter: FileWriter | null = null
  #pendingBytes = 0
  #pendingMessages = 0
  #overflowDrops = 0
  #idleTimer: NodeJS.Timeout | null = null
  #stopping = false
  #stopped: Promise<void> | null = null

  constructor (action: FileAction, ctx: OutputContext, options: FileOutputOptions = {}) {
    this.name = `file ${action.path}`
    this.#ctx = ctx
    this.#log = ctx.log
    this.#host = {
      fs: options.fs ?? nodeFileSystem,
      log: ctx.log,
      sync: action.sync,
      mode: action.mode,
      retryMinMs: options.retryMinMs ?? 1000,
      retryMaxMs: options.retryMaxMs ?? 60_000,
      settle: (written, dropped, reason, bytes) => { this.#settle(written, dropped, reason, bytes) },
      countError: () => { this.counters.errors++ }
    }
    this.#maxOpenFiles = Math.max(1, options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES)
    this.#idleCloseMs = options.idleCloseMs ?? DEFAULT_IDLE_CLOSE_MS
    this.#highWaterBytes = options.highWaterBytes ?? 1024 * 1024
    this.#highWaterMessages = options.highWaterMessages ?? 4096
    this.#maxPendingBytes = Math.max(this.#highWaterBytes, options.maxPendingBytes ?? 64 * 1024 * 1024)
    this.#formatter = createFormatter(action.format, {
      newline: action.newline, terminator: '\n', timeZone: ctx.timeZone, hostname: ctx.hostname
    })
    let template: FileTemplate | null = null
    let templateError: FileTemplateError | null = null
    try {
      template = FileTemplate.parse(action.path)
    } catch (err) {
      templateError = err as FileTemplateError
    }
    this.#templateError = templateError
    this.#template = template !== null && template.hasFields ? template : null
    this.#single = template !== null && this.#template === null ? new FileWriter(action.path, this.#host) : null
  }

  async start (): Promise<void> {
    if (this.#templateError !== null) throw this.#templateError
    if (this.#single !== null) {
      await this.#single.open()
      return
    }
    if (this.#idleCloseMs > 0 && this.#idleTimer === null) {
      this.#idleTimer = setInterval(this.#closeIdle, Math.min(this.#idleCloseMs, 60_000))
      this.#idleTimer.unref()
    }
  }

  write (msg: SyslogMessage): boolean {
    this.counters.received++
    if (this.#stopping || this.#templateError !== null) {
      countDropped(this.counters, this.#stopping ? 'shutdown' : 'write-error')
      return true
    }
    if (this.#pendingBytes >= this.#maxPendingBytes) {
      // The caller ignored write() === false; keep memory bounded.
      countDropped(this.counters, 'buffer-full')
      this.#overflowDrops++
      this.#drain.setFull()
      return false
    }
    const writer = this.#single ?? this.#writerFor(msg)
    this.#pendingBytes += writer.add(this.#formatter, msg)
    this.#pendingMessages++
    this.counters.truncated = this.#formatter.truncated
    if (this.#pendingBytes >= this.#highWaterBytes || this.#pendingMessages >= this.#highWaterMessages) {
      this.#drain.setFull()
      return false
    }
    return true
  }

  onDrain (fn: () => void): void { this.#drain.add(fn) }

  async flush (): Promise<void> {
    const waits: Array<Promise<void>> = [...this.#closing.values()]
    if (this.#single !== null) waits.push(this.#single.flush())
    for (const writer of this.#writers.values()) waits.push(writer.flush())
    await Promise.all(waits)
  }

  async reopen (): Promise<void> {
    if (this.#single !== null) return await this.#single.reopen()
    await Promise.all([...this.#writers.values()].map(async (writer) => await writer.reopen()))
  }

  stop (): Promise<void> {
    if (this.#stopped === null) this.#stopped = this.#stop()
    return this.#stopped
  }

  destroy (_err?: Error): void {
    this.#stopping = true
    this.#clearTimer()
    this.#single?.destroy()
    for (const writer of this.#writers.values()) writer.destroy()
    this.#writers.clear()
    this.#lastWriter = null
  }

  /** A writer finished a batch. */
  #settle (written: number, dropped: number, reason: DropReason, bytes: number): void {
    this.counters.written += written
    countDropped(this.counters, reason, dropped)
    this.#pendingBytes -= bytes
    this.#pendingMessages -= written + dropped
    if (!this.#drain.full) return
    if (this.#pendingBytes >= this.#highWaterBytes / 2 || this.#pendingMessages >= this.#highWaterMessages / 2) return
    if (this.#overflowDrops > 0) {
      this.#log.log(4, `${this.name}: dropped ${messages(this.#overflowDrops)}: buffer full (writes did not keep up)`)
      this.#overflowDrops = 0
    }
    this.#drain.drained()
  }

  async #stop (): Promise<void> {
    this.#stopping = true
    this.#clearTimer()
    await this.flush()
    const closes: Array<Promise<void>> = [...this.#closing.values()]
    if (this.#single !== null) closes.push(this.#single.close())
    for (const writer of this.#writers.values()) closes.push(writer.close())
    this.#writers.clear()
    this.#lastWriter = null
    await Promise.all(closes)
  }

  #writerFor (msg: SyslogMessage): FileWriter {
    const path = this.#template!.expand(msg, this.#ctx.hostname)
    const last = this.#lastWriter
    if (last !== null && last.path === path) {
      last.lastUsedMs = Date.now()
      return last
    }
    let writer = this.#writers.get(path)
    if (writer !== undefined) {
      // Map keeps insertion order: re-inserting makes this the most recently used.
      this.#writers.delete(path)
      this.#writers.set(path, writer)
    } else {
      writer = new FileWriter(path, this.#host, this.#closing.get(path), 16 * 1024)
      this.#writers.set(path, writer)
      if (this.#writers.size > this.#maxOpenFiles) this.#evict(this.#writers.keys().next().value!)
    }
    writer.lastUsedMs = Date.now()
    this.#lastWriter = writer
    return writer
  }

  /** Closes a writer (after writing what it holds); a new writer of its path waits for that. */
  #evict (path: string): void {
    const writer = this.#writers.get(path)
    if (writer === undefined) return
    this.#writers.delete(path)
    if (this.#lastWriter === writer) this.#lastWriter = null
    const closed = writer.close()
    this.#closing.set(path, closed)
    void closed.then(() => {
      if (this.#closing.get(path) === closed) this.#closing.delete(path)
    })
  }

  readonly #closeIdle = (): void => {
    const cutoff = Date.now() - this.#idleCloseMs
    for (const [path, writer] of this.#writers) {
      if (writer.idle && writer.lastUsedMs < cutoff) this.#evict(path)
    }
  }

  #clearTimer (): void {
    if (this.#idleTimer !== null) clearInterval(this.#idleTimer)
    this.#idleTimer = null
  }
}
