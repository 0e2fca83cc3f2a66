// `stele/winston`: a winston transport (winston-transport's TransportStream).
//
//   const logger = winston.createLogger({
//     levels: winston.config.syslog.levels,
//     transports: [new SteleTransport({ transport: 'tcp', host: 'logs.example', port: 514, appName: 'web' })]
//   })
//
// winston's syslog levels are syslog's own (emerg .. debug); npm levels map by name (error ->
// err, warn -> warning, info and http -> info, verbose, debug and silly -> debug). Fields:
// 'structured-data' (default) sends `message` as MSG and every other enumerable field of the
// info object as a param of one SD element (`sdId`, default "winston@32473"); 'json' sends the
// whole info object as JSON.
//
// Flushing: winston ends its transports when `logger.end()` is called and emits 'finish' when
// they have finished; this transport's _final() closes the stele logger first, so 'finish'
// means every record was written (or closeTimeoutMs passed). logger.close() / remove() call
// close(), which does the same.

import TransportStream from 'winston-transport'
import { createLogger, type Logger } from '../logger.js'
import type { FlushResult } from '../delivery.js'
import type { LoggerOptions } from '../options.js'

export interface WinstonTransportOptions extends LoggerOptions {
  /** winston's own transport options. */
  level?: string
  silent?: boolean
  /** Where the info object's fields go. Default 'structured-data'. */
  fields?: 'structured-data' | 'json'
  /** Default 'winston@32473'. */
  sdId?: string
  /** How long the end of the stream waits for the buffer to drain. Default 10000 ms. */
  closeTimeoutMs?: number
}

const SEVERITY: Record<string, number> = {
  emerg: 0, alert: 1, crit: 2, error: 3, warning: 4, warn: 4, notice: 5, info: 6, http: 6, verbose: 7, debug: 7, silly: 7
}
const LEVEL = Symbol.for('level')
const SKIP = new Set(['level', 'message', 'timestamp'])

export default class SteleTransport extends TransportStream {
  /** The stele logger underneath: counters, events, flush(). */
  readonly logger: Logger
  readonly #sdId: string
  readonly #json: boolean
  readonly #closeTimeoutMs: number
  #closed: Promise<FlushResult> | null = null

  constructor (options: WinstonTransportOptions = {}) {
    super({ level: options.level, silent: options.silent })
    this.logger = createLogger(options)
    this.#sdId = options.sdId ?? 'winston@32473'
    this.#json = options.fields === 'json'
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 10_000
  }

  override log (info: Record<string | symbol, unknown>, callback: () => void): void {
    const level = String(info[LEVEL] ?? info.level)
    const severity = SEVERITY[level] ?? 5
    const time = typeof info.timestamp === 'string' ? Date.parse(info.timestamp) : NaN
    const epochMs = Number.isNaN(time) ? Date.now() : time
    if (this.#json) {
      let text: string
      try { text = JSON.stringify(info) } catch { text = String(info.message) }
      this.logger.logAt(epochMs, severity, text)
    } else {
      let params: Record<string, unknown> | undefined
      for (const key of Object.keys(info)) {
        if (SKIP.has(key)) continue
        params ??= {}
        params[key] = info[key]
      }
      this.logger.logAt(epochMs, severity, info.message, params === undefined ? undefined : { [this.#sdId]: params })
    }
    callback()
  }

  /** Called by winston's logger.close() and remove(); resolves when the buffer was written. */
  override close (): Promise<FlushResult> {
    this.#closed ??= this.logger.close(this.#closeTimeoutMs)
    return this.#closed
  }

  // Writable: runs when winston ends the stream; 'finish' follows once the logger has closed.
  override _final (callback: (err?: Error | null) => void): void {
    this.close().then(() => callback(), callback)
  }
}

export { SteleTransport }
