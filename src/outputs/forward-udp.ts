// Forwarding over UDP (RFC 5426; rfc3164 format by default, as BSD syslogd sends): one record per
// datagram, no framing.
//
// - A record longer than max_datagram_size (default 8192, at most 65507) is cut on a UTF-8
//   boundary and counted in `truncated`; it is still sent.
// - The host name is resolved once at start (dns.lookup, so /etc/hosts counts), again every
//   resolveIntervalMs, and after send errors (at most every 5 s). The socket is connect(2)ed to
//   the address: sends are cheaper, and ICMP port-unreachable comes back as ECONNREFUSED.
// - `written` counts a datagram when the kernel took it (the send callback without error); UDP
//   itself says nothing about delivery. A send that fails (ENETUNREACH with no route, ...) drops
//   that message ('write-error'). An ICMP error for an earlier datagram (port unreachable ->
//   ECONNREFUSED, host unreachable) comes back as a socket error: that datagram was counted
//   written and is moved to dropped ('write-error'). ICMP is rate-limited, so this count is a
//   lower bound of what the destination refused. The first drop of an episode is logged, and
//   once sends have gone a second without error, the count:
//   "dropped N messages to HOST:PORT: datagrams refused (ECONNREFUSED)".
// - UDP has no backpressure: write() always returns true. Sends the kernel has not taken yet are
//   bounded (maxQueuedBytes); past that, messages are dropped ('buffer-full').

import dgram from 'node:dgram'
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import type { ForwardAction } from '../config/schema.js'
import type { DropReason, Output, OutputContext, OutputCounters } from '../daemon/component.js'
import { ByteWriter } from '../message/byte-writer.js'
import { createFormatter, type Formatter } from '../message/format.js'
import type { SyslogMessage } from '../message/model.js'
import { countDropped, errorCode, messages, newCounters, Progress } from './accounting.js'
import { Backoff } from './backoff.js'
import { hostPort, numberOption } from './forward-options.js'

export interface UdpForwardOptions {
  /** Re-resolve the host name this often. Default 5 minutes. */
  resolveIntervalMs?: number
  /** Sends not yet taken by the kernel, at most. Default 1 MiB. */
  maxQueuedBytes?: number
}

export const DEFAULT_MAX_DATAGRAM_BYTES = 8192
/** 65535 - 8 (UDP header) - 20 (IPv4 header). */
export const MAX_UDP4_PAYLOAD = 65_507
const ERROR_QUIET_MS = 1000
/** What an ICMP error about an earlier datagram surfaces as on a connected UDP socket. */
const ICMP_ERRORS: ReadonlySet<string> = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH'])
const RESOLVE_AFTER_ERROR_MS = 5000

export class UdpForward implements Output {
  readonly name: string
  readonly counters: OutputCounters = newCounters()
  /** "host:port" */
  readonly target: string
  readonly maxDatagramBytes: number
  readonly #host: string
  readonly #port: number
  readonly #ctx: OutputContext
  readonly #formatter: Formatter
  readonly #out = new ByteWriter(64 * 1024)
  readonly #progress = new Progress()
  readonly #resolveBackoff = new Backoff(1000, 60_000)
  readonly #resolveIntervalMs: number
  readonly #maxQueuedBytes: number
  readonly #optionError: Error | null
  #socket: dgram.Socket | null = null
  #address: string | null = null
  #resolving: Promise<void> | null = null
  #lastResolveMs = 0
  #resolveTimer: NodeJS.Timeout | null = null
  #refreshTimer: NodeJS.Timeout | null = null
  #enqueued = 0
  /** The current episode of drops: its reason text, count, and last error time. */
  #episode: string | null = null
  #episodeDrops = 0
  #lastErrorMs = 0
  #stopping = false
  #stopped: Promise<void> | null = null

  constructor (action: ForwardAction, ctx: OutputContext, options: UdpForwardOptions = {}) {
    this.#host = action.host
    this.#port = action.port
    this.target = hostPort(action.host, action.port)
    this.name = `forward udp://${this.target}`
    this.#ctx = ctx
    this.#resolveIntervalMs = options.resolveIntervalMs ?? 5 * 60_000
    this.#maxQueuedBytes = options.maxQueuedBytes ?? 1024 * 1024
    let maxBytes = DEFAULT_MAX_DATAGRAM_BYTES
    let optionError: Error | null = null
    try {
      maxBytes = numberOption(action.options, 'max_datagram_size', DEFAULT_MAX_DATAGRAM_BYTES, MAX_UDP4_PAYLOAD)
      if (!Number.isInteger(maxBytes) || maxBytes < 64) throw new RangeError(`max_datagram_size=${maxBytes}: must be a whole number from 64 to ${MAX_UDP4_PAYLOAD}`)
    } catch (err) {
      optionError = err as Error
      maxBytes = DEFAULT_MAX_DATAGRAM_BYTES
    }
    this.maxDatagramBytes = maxBytes
    this.#optionError = optionError
    // One datagram per message: newline=split would need several, so it is written as escape.
    const newline = action.newline === 'split' ? 'escape' : action.newline
    this.#formatter = createFormatter(action.format, {
      newline, terminator: '', timeZone: ctx.timeZone, hostname: ctx.hostname, maxBytes
    })
  }

  /** The address datagrams go to, once resolved. */
  get address (): string | null { return this.#address }

  async start (): Promise<void> {
    await this.#resolve()
    if (isIP(this.#host) === 0 && this.#refreshTimer === null && this.#resolveIntervalMs > 0) {
      this.#refreshTimer = setInterval(this.#refresh, this.#resolveIntervalMs)
      this.#refreshTimer.unref()
    }
    if (this.#optionError !== null) throw this.#optionError
  }

  write (msg: SyslogMessage): boolean {
    this.counters.received++
    const socket = this.#socket
    if (this.#stopping) {
      countDropped(this.counters, 'shutdown')
    } else if (socket === null) {
      this.#drop('write-error', 'host not resolved')
    } else if (socket.getSendQueueSize() > this.#maxQueuedBytes) {
      this.#drop('buffer-full', 'send queue full')
    } else {
      this.#formatter.write(msg, this.#out)
      this.counters.truncated = this.#formatter.truncated
      this.#enqueued++
      socket.send(this.#out.take(), this.#onSent)
    }
    return true
  }

  onDrain (_fn: () => void): void {
    // write() never returns false.
  }

  /** Resolves when the kernel has taken (or refused) every datagram sent so far. */
  flush (): Promise<void> {
    return this.#progress.until(this.#enqueued)
  }

  /** SIGHUP: resolve the host name again. */
  async reopen (): Promise<void> {
    if (!this.#stopping) await this.#resolve()
  }

  stop (): Promise<void> {
    if (this.#stopped === null) this.#stopped = this.#stop()
    return this.#stopped
  }

  destroy (_err?: Error): void {
    this.#stopping = true
    this.#clearTimers()
    this.#reportEpisode()
    this.#socket?.close()
    this.#socket = null
  }

  async #stop (): Promise<void> {
    this.#stopping = true
    this.#clearTimers()
    await this.flush()
    this.#reportEpisode()
    const socket = this.#socket
    this.#socket = null
    if (socket !== null) await new Promise<void>((resolve) => { socket.close(resolve) })
  }

  readonly #onSent = (err: Error | null): void => {
    if (err !== null) {
      this.#drop('write-error', `send failed (${errorCode(err)})`)
      if (Date.now() - this.#lastResolveMs > RESOLVE_AFTER_ERROR_MS) void this.#resolve()
    } else {
      this.counters.written++
      if (this.#episode !== null && Date.now() - this.#lastErrorMs >= ERROR_QUIET_MS) this.#reportEpisode()
    }
    this.#progress.advance(1)
  }

  #drop (reason: DropReason, why: string): void {
    countDropped(this.counters, reason)
    this.#lastErrorMs = Date.now()
    if (this.#episode === null) {
      this.#episode = why
      this.#episodeDrops = 0
      this.counters.errors++
      this.#ctx.log.log(4, `${this.name}: ${why}; dropping messages until sends succeed`)
    }
    this.#episodeDrops++
  }

  #reportEpisode (): void {
    if (this.#episode === null) return
    this.#ctx.log.log(4, `dropped ${messages(this.#episodeDrops)} to ${this.target}: ${this.#episode}`)
    this.#episode = null
    this.#episodeDrops = 0
  }

  readonly #refresh = (): void => { void this.#resolve() }

  #resolve (): Promise<void> {
    if (this.#resolving === null) {
      this.#resolving = this.#resolveOnce().finally(() => { this.#resolving = null })
    }
    return this.#resolving
  }

  /** Looks the host up; on a new address, connects a new socket to it. Never rejects. */
  async #resolveOnce (): Promise<void> {
    this.#lastResolveMs = Date.now()
    let address = this.#host
    let family = isIP(address)
    if (family === 0) {
      try {
        const found = await lookup(this.#host)
        address = found.address
        family = found.family
      } catch (err) {
        if (this.#socket === null) {
          // Not resolved yet: messages are dropped until it is; try again with back-off.
          if (this.#resolveBackoff.attempts === 0) {
            this.counters.errors++
            this.#ctx.log.log(4, `${this.name}: cannot resolve "${this.#host}" (${errorCode(err)}); retrying with back-off`)
          }
          if (!this.#stopping) this.#resolveTimer = setTimeout(this.#refresh, this.#resolveBackoff.next())
        }
        return
      }
    }
    this.#resolveBackoff.reset()
    if (address === this.#address || this.#stopping) return
    let socket: dgram.Socket
    try {
      socket = await connectedSocket(family === 6 ? 'udp6' : 'udp4', this.#port, address)
    } catch (err) {
      this.counters.errors++
      this.#ctx.log.log(3, `${this.name}: cannot use address ${address} (${errorCode(err)})`)
      return
    }
    if (this.#stopping) { socket.close(); return }
    socket.on('error', this.#onSocketError)
    const old = this.#socket
    if (old !== null) this.#ctx.log.log(6, `${this.name}: "${this.#host}" now resolves to ${address}`)
    this.#socket = socket
    this.#address = address
    old?.close()
  }

  readonly #onSocketError = (err: Error): void => {
    const code = errorCode(err)
    if (ICMP_ERRORS.has(code) && this.counters.written > 0) {
      // An earlier datagram, counted written, was refused: correct the count.
      this.counters.written--
      this.#drop('write-error', `datagrams refused (${code})`)
      return
    }
    this.counters.errors++
    this.#ctx.log.log(4, `${this.name}: socket error (${code})`)
  }

  #clearTimers (): void {
    if (this.#resolveTimer !== null) clearTimeout(this.#resolveTimer)
    if (this.#refreshTimer !== null) clearInterval(this.#refreshTimer)
    this.#resolveTimer = null
    this.#refreshTimer = null
  }
}

function connectedSocket (type: 'udp4' | 'udp6', port: number, address: string): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(type)
    const onError = (err: Error): void => {
      try { socket.close() } catch { /* already closed */ }
      reject(err)
    }
    socket.once('error', onError)
    socket.connect(port, address, () => {
      socket.off('error', onError)
      resolve(socket)
    })
  })
}
