// A stream forward's connection to its destination, made again whenever it is lost. TCP and TLS
// (forward-tcp.ts) and RELP (forward-relp.ts) each hold one; what they send over it is theirs.
// - Connecting: the connector (plain TCP, or TLS with the receiver's check: forward-tls.ts)
//   opens the socket; an attempt is given up after connectTimeoutMs.
// - Between attempts: a capped exponential back-off with jitter (backoff.ts, 1 s -> 60 s), reset
//   when the owner says the connection is established (RELP: only once "open" was answered,
//   so a receiver that accepts and then refuses the session is not hammered).
// - The log says each outage once: "cannot connect (why); retrying ..." on the first failed
//   attempt, "connection lost (why); reconnecting" when an established connection breaks; the
//   owner says "connected" (with the failed attempts, from established()).
// - Stall check: while ready, every stallMs/4 (at most 1 s) the owner is asked whether it made
//   progress; if not, the connection is reset (RST: the stalled peer must not get half a batch
//   later), logged, counted, and made again.

import type { Socket } from 'node:net'
import type { ForwardAction } from '../config/schema.js'
import type { DaemonLog, OutputCounters } from '../daemon/component.js'
import { Backoff } from './backoff.js'
import { numberOption } from './forward-options.js'
import type { StreamConnector } from './forward-tcp.js'

/** How long a graceful close (TLS close_notify) may take before the socket is destroyed. */
const CLOSE_GRACE_MS = 2000

export interface LinkOwner {
  /** A new socket, before it connects: attach the data handler (or resume() to discard). */
  attach (socket: Socket): void
  /** The connection may carry data (after the connector's check). */
  ready (socket: Socket): void
  /** The connection is gone; the link connects again after the back-off unless shut down. */
  down (wasReady: boolean): void
  /** While ready: a log line saying how the connection is stuck, or null while it makes progress. */
  stalled? (stallMs: number): string | null
}

export interface StreamLinkOptions {
  host: string
  port: number
  /** "forward tcp://host:port", for log lines. */
  name: string
  connector: StreamConnector
  log: DaemonLog
  counters: OutputCounters
  retryMinMs: number
  retryMaxMs: number
  connectTimeoutMs: number
  /** 0: no stall check. */
  stallMs: number
  /** "buffering up to N bytes", for the "cannot connect" line. */
  backlogNote: () => string
}

/** The timings a forward's owner may set (tests shorten them); the defaults are the daemon's. */
export interface LinkTimings {
  retryMinMs?: number
  retryMaxMs?: number
  connectTimeoutMs?: number
}

type LinkSettings = Pick<StreamLinkOptions, 'host' | 'port' | 'retryMinMs' | 'retryMaxMs' | 'connectTimeoutMs' | 'stallMs'>

/**
 * Where and how patiently a stream forward connects: the action's host, port and stall_timeout=
 * (30 s by default), with `timings` or the defaults (1 s -> 60 s back-off, 10 s to connect). A bad
 * stall_timeout= is returned as `error` for the forward to report at start(), with the default kept.
 */
export function linkSettings (action: ForwardAction, timings: LinkTimings): { settings: LinkSettings, error: Error | null } {
  let stallMs = 30_000
  let error: Error | null = null
  try {
    stallMs = numberOption(action.options, 'stall_timeout', 30, 86_400) * 1000
  } catch (err) {
    error = err as Error
  }
  const settings: LinkSettings = {
    host: action.host,
    port: action.port,
    retryMinMs: timings.retryMinMs ?? 1000,
    retryMaxMs: timings.retryMaxMs ?? 60_000,
    connectTimeoutMs: timings.connectTimeoutMs ?? 10_000,
    stallMs
  }
  return { settings, error }
}

export class StreamLink {
  readonly #options: StreamLinkOptions
  readonly #owner: LinkOwner
  readonly #backoff: Backoff
  #socket: Socket | null = null
  #ready = false
  /** Failed connection attempts since the last established connection. */
  #failures = 0
  #lastError = ''
  /** The loss was logged already (a stall, or the owner's fail()): the close handler stays quiet. */
  #quiet = false
  #reconnectTimer: NodeJS.Timeout | null = null
  #stallTimer: NodeJS.Timeout | null = null
  #closing = false

  constructor (options: StreamLinkOptions, owner: LinkOwner) {
    this.#options = options
    this.#owner = owner
    this.#backoff = new Backoff(options.retryMinMs, options.retryMaxMs)
  }

  /** The socket being connected or connected, if any. */
  get socket (): Socket | null { return this.#socket }
  get ready (): boolean { return this.#ready }
  /** shutDown() was called: no more connecting. */
  get closing (): boolean { return this.#closing }

  connect (): void {
    this.#reconnectTimer = null
    if (this.#closing || this.#socket !== null) return
    const { connector, host, port } = this.#options
    const socket = connector.connect({ host, port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000 })
    this.#socket = socket
    this.#quiet = false
    socket.setTimeout(this.#options.connectTimeoutMs)
    socket.on('timeout', () => {
      if (!this.#ready) socket.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' }))
    })
    socket.on('error', (err) => { this.#lastError = connector.describe(err) })
    socket.on(connector.readyEvent, () => { this.#onReady(socket) })
    socket.on('close', () => { this.#onClose(socket) })
    this.#owner.attach(socket)
  }

  /** The owner's session is up: resets the back-off; returns the failed attempts before it. */
  established (): number {
    const failures = this.#failures
    this.#failures = 0
    this.#backoff.reset()
    return failures
  }

  /** SIGHUP: when down, try again now instead of at the end of the back-off. */
  retryNow (): void {
    if (this.#socket !== null || this.#closing) return
    if (this.#reconnectTimer !== null) clearTimeout(this.#reconnectTimer)
    this.#backoff.reset()
    this.connect()
  }

  /** Ends this connection for a reason the owner found (logged here, once); it is made again. */
  fail (socket: Socket, why: string, isError = true): void {
    if (socket !== this.#socket) return
    if (isError) this.#options.counters.errors++
    this.#lastError = why
    this.#options.log.log(4, `${this.#options.name}: ${why}; reconnecting`)
    this.#quiet = true
    socket.destroy()
  }

  /** No more connecting; closes the socket (TLS: close_notify first). Idempotent. */
  shutDown (): void {
    if (this.#closing) return
    this.#closing = true
    if (this.#reconnectTimer !== null) clearTimeout(this.#reconnectTimer)
    this.#reconnectTimer = null
    this.#stopStallTimer()
    const socket = this.#socket
    this.#socket = null
    this.#ready = false
    // Bytes already handed over are in the kernel's send buffer; close(2) still sends them.
    if (socket === null) return
    if (this.#options.connector.closeGracefully && !socket.connecting) {
      socket.end()
      setTimeout(() => { socket.destroy() }, CLOSE_GRACE_MS).unref()
    } else {
      socket.destroy()
    }
  }

  #onReady (socket: Socket): void {
    if (socket !== this.#socket) return
    const refusal = this.#options.connector.check(socket)
    if (refusal !== null) {
      // Counted and logged as a failed attempt by the close handler ("cannot connect (why)").
      this.#lastError = refusal
      socket.destroy()
      return
    }
    socket.setTimeout(0)
    this.#ready = true
    const stallMs = this.#options.stallMs
    if (stallMs > 0 && this.#owner.stalled !== undefined) {
      this.#stallTimer = setInterval(this.#checkStall, Math.max(20, Math.min(1000, stallMs / 4)))
      this.#stallTimer.unref()
    }
    this.#owner.ready(socket)
  }

  #onClose (socket: Socket): void {
    if (socket !== this.#socket) return
    this.#socket = null
    const wasReady = this.#ready
    this.#ready = false
    this.#stopStallTimer()
    const why = this.#lastError !== '' ? this.#lastError : 'closed by peer'
    this.#lastError = ''
    const { counters, log, name } = this.#options
    if (wasReady) {
      if (!this.#quiet) {
        counters.errors++
        log.log(4, `${name}: connection lost (${why}); reconnecting`)
      }
    } else if (!this.#quiet) {
      if (this.#failures === 0) {
        counters.errors++
        log.log(4, `${name}: cannot connect (${why}); retrying with back-off up to ${this.#backoff.maxMs / 1000} s, ${this.#options.backlogNote()}`)
      }
      this.#failures++
    }
    this.#owner.down(wasReady)
    if (this.#closing) return
    this.#reconnectTimer = setTimeout(this.#reconnect, this.#backoff.next())
  }

  readonly #reconnect = (): void => { this.connect() }

  readonly #checkStall = (): void => {
    const socket = this.#socket
    if (socket === null || !this.#ready) return
    const stuck = this.#owner.stalled!(this.#options.stallMs)
    if (stuck === null) return
    this.#quiet = true
    this.#options.counters.errors++
    this.#options.log.log(4, `${this.#options.name}: ${stuck}`)
    socket.resetAndDestroy()
  }

  #stopStallTimer (): void {
    if (this.#stallTimer !== null) clearInterval(this.#stallTimer)
    this.#stallTimer = null
  }
}
