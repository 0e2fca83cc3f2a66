// The client library: `createLogger()` gives an application a syslog logger that never blocks the
// event loop and never throws from a logging call. A call formats one record (RFC 5424 or RFC
// 3164, cut to the transport's limit) into a shared buffer and returns; delivery.ts writes the
// records out once per event-loop turn, buffers them (bounded, in memory or on disk) while the
// collector is unreachable, reconnects with back-off and jitter, and reports what it had to drop.
// Over RELP a record is delivered once the collector acknowledged it. docs/client.md has it all.
//
//   const log = createLogger({ transport: 'tcp', host: 'logs.example', port: 514, appName: 'web' })
//   log.info('listening', { 'http@32473': { port: 8080 } })
//   const db = log.child({ msgId: 'DB', structuredData: { 'db@32473': { pool: 'main' } } })
//   db.err('query failed')
//   await log.close(5000)   // { ok: true, pending: 0 } once every record was written

import { SEVERITY_NAMES } from '../message/priority.js'
import type { SdElement } from '../message/model.js'
import { Delivery, type FlushResult, type LoggerCounters, type LoggerEvents } from './delivery.js'
import { resolveFacility, resolveOptions, type LoggerOptions } from './options.js'
import { mergeStructuredData, RecordEncoder, toStructuredData, type RecordHeader, type StructuredData } from './record-encoder.js'

/** RFC 5424 §6.2.1 severities, as syslog.conf spells them. */
export type Severity = 'emerg' | 'alert' | 'crit' | 'err' | 'warning' | 'notice' | 'info' | 'debug'
/** A severity name (also 'error', 'warn', 'panic' as syslog.conf accepts) or number 0..7. */
export type SeverityLevel = Severity | 'error' | 'warn' | 'panic' | 'critical' | 'emergency' | number

export interface ChildOptions {
  appName?: string
  procId?: string | number
  msgId?: string
  hostname?: string
  facility?: string | number
  /** Added to every record of the child (merged over the parent's, by SD-ID). */
  structuredData?: StructuredData
}

/** The application's message: a string, or anything (an Error gives its stack). */
export type LogMessage = unknown

const DEFAULT_FLUSH_MS = 10_000
const SEVERITY_BY_NAME: Record<string, number> = {
  emerg: 0, emergency: 0, panic: 0, alert: 1, crit: 2, critical: 2, err: 3, error: 3, warning: 4, warn: 4, notice: 5, info: 6, informational: 6, debug: 7
}

export class Logger {
  readonly #delivery: Delivery
  readonly #header: RecordHeader

  /** @internal use createLogger() */
  constructor (delivery: Delivery, header: RecordHeader) {
    this.#delivery = delivery
    this.#header = header
  }

  emerg (message: LogMessage, structuredData?: StructuredData): void { this.#write(0, message, structuredData) }
  alert (message: LogMessage, structuredData?: StructuredData): void { this.#write(1, message, structuredData) }
  crit (message: LogMessage, structuredData?: StructuredData): void { this.#write(2, message, structuredData) }
  err (message: LogMessage, structuredData?: StructuredData): void { this.#write(3, message, structuredData) }
  /** Alias of err(). */
  error (message: LogMessage, structuredData?: StructuredData): void { this.#write(3, message, structuredData) }
  warning (message: LogMessage, structuredData?: StructuredData): void { this.#write(4, message, structuredData) }
  /** Alias of warning(). */
  warn (message: LogMessage, structuredData?: StructuredData): void { this.#write(4, message, structuredData) }
  notice (message: LogMessage, structuredData?: StructuredData): void { this.#write(5, message, structuredData) }
  info (message: LogMessage, structuredData?: StructuredData): void { this.#write(6, message, structuredData) }
  debug (message: LogMessage, structuredData?: StructuredData): void { this.#write(7, message, structuredData) }

  /** Any severity by name or number; an unknown one is logged as notice (and counted as an error). */
  log (severity: SeverityLevel, message: LogMessage, structuredData?: StructuredData): void {
    let level = typeof severity === 'number' ? severity : SEVERITY_BY_NAME[severity]
    if (level === undefined || !Number.isInteger(level) || level < 0 || level > 7) {
      this.#delivery.counters.errors++
      level = 5
    }
    this.#write(level, message, structuredData)
  }

  /**
   * For adapters (pino, winston): a record with the event's own time (ms since the epoch) and
   * severity as a number 0..7 (not checked).
   */
  logAt (epochMs: number, severity: number, message: LogMessage, structuredData?: StructuredData): void {
    this.#write(severity, message, structuredData, epochMs)
  }

  #write (severity: number, message: LogMessage, structuredData: StructuredData | undefined, epochMs = Date.now()): void {
    const delivery = this.#delivery
    if (delivery.closing) { delivery.refuse(); return }
    try {
      const text = typeof message === 'string' ? message : messageText(message)
      delivery.push(delivery.encoder.encode(this.#header, severity, text, structuredData, epochMs))
    } catch {
      // A message whose toString() throws, or a getter in structured data that does: counted, not thrown.
      delivery.counters.errors++
      delivery.counters.dropped++
    }
  }

  /** A logger with some fields fixed; it shares the parent's connection, buffer and counters. */
  child (fields: ChildOptions): Logger {
    const parent = this.#header
    const sd: readonly SdElement[] = fields.structuredData === undefined ? parent.structuredData : mergeStructuredData(parent.structuredData, fields.structuredData)
    return new Logger(this.#delivery, {
      facility: fields.facility === undefined ? parent.facility : resolveFacility(fields.facility),
      hostname: fields.hostname ?? parent.hostname,
      appName: fields.appName ?? parent.appName,
      procId: fields.procId === undefined ? parent.procId : String(fields.procId),
      msgId: fields.msgId ?? parent.msgId,
      structuredData: sd
    })
  }

  /**
   * Resolves when everything buffered so far was delivered (RELP: acknowledged by the collector;
   * TCP/TLS: written to the socket and the socket drained; UDP/unix: sent), or at `timeoutMs`
   * with `pending` > 0: how many were not.
   */
  async flush (timeoutMs = DEFAULT_FLUSH_MS): Promise<FlushResult> {
    return await this.#delivery.flush(timeoutMs)
  }

  /**
   * Stops taking records (later calls are counted as dropped), flushes, closes the connection.
   * Records still pending at `timeoutMs` are returned as `pending` and dropped (counted), or,
   * with buffer.disk, kept in the disk queue for the next start (`kept`).
   */
  async close (timeoutMs = DEFAULT_FLUSH_MS): Promise<FlushResult> {
    liveDeliveries.delete(this.#delivery)
    return await this.#delivery.close(timeoutMs)
  }

  /** Counters shared by the logger and its children; plain numbers. */
  get counters (): Readonly<LoggerCounters> { return this.#delivery.counters }
  /** Records buffered or in flight now. */
  get pending (): number { return this.#delivery.pending }
  get connected (): boolean { return this.#delivery.connected }
  /** "tcp://127.0.0.1:514" */
  get target (): string { return this.#delivery.options.target }

  on<K extends keyof LoggerEvents> (event: K, listener: (...args: LoggerEvents[K]) => void): this {
    this.#delivery.emitter.on(event, listener as (...args: unknown[]) => void)
    return this
  }

  once<K extends keyof LoggerEvents> (event: K, listener: (...args: LoggerEvents[K]) => void): this {
    this.#delivery.emitter.once(event, listener as (...args: unknown[]) => void)
    return this
  }

  off<K extends keyof LoggerEvents> (event: K, listener: (...args: LoggerEvents[K]) => void): this {
    this.#delivery.emitter.off(event, listener as (...args: unknown[]) => void)
    return this
  }
}

function messageText (message: unknown): string {
  if (message instanceof Error) return message.stack ?? `${message.name}: ${message.message}`
  if (message === undefined) return ''
  return String(message)
}

/**
 * A logger for `options`. Throws InvalidOptionError only here, for bad options; the logging
 * calls never throw.
 */
export function createLogger (options: LoggerOptions = {}): Logger {
  const resolved = resolveOptions(options)
  const encoder = new RecordEncoder({
    format: resolved.format,
    maxMessageBytes: resolved.maxMessageBytes,
    localHeader: resolved.transport === 'unix' && resolved.format === 'rfc3164'
  })
  const header: RecordHeader = {
    facility: resolved.facility,
    hostname: resolved.hostname,
    appName: resolved.appName,
    procId: resolved.procId,
    msgId: resolved.msgId,
    structuredData: toStructuredData(undefined)
  }
  const delivery = new Delivery(resolved, encoder, { ...header, msgId: null })
  watchExit(delivery)
  return new Logger(delivery, header)
}

// When the event loop empties with records still pending (a script that did not close its
// logger), one bounded flush is attempted before the process exits: sockets are unref'd, so an
// idle logger never keeps a process alive, but its last records get their chance.
const EXIT_FLUSH_MS = 2000
const liveDeliveries = new Set<Delivery>()
const exitFlushed = new WeakSet<Delivery>()
let exitHooked = false

function watchExit (delivery: Delivery): void {
  liveDeliveries.add(delivery)
  if (exitHooked) return
  exitHooked = true
  process.on('beforeExit', () => {
    for (const d of liveDeliveries) {
      if (d.pending === 0 || exitFlushed.has(d)) continue
      exitFlushed.add(d)
      void d.flush(EXIT_FLUSH_MS)
    }
  })
}

export { SEVERITY_NAMES }
export type { FlushResult, LoggerCounters, LoggerEvents, LoggerOptions, StructuredData }
