// `listen relp://ADDR:PORT` (and `relp+tls://` or tls=on): rsyslog's Reliable Event Logging
// Protocol. The listener is the TCP (or TLS) listener with RELP sessions in place of RFC 6587
// framing: admission, the descriptor budget, TLS client checks, idle timeouts and pause/resume
// are shared (stream-server.ts); framing/relp.ts decodes, relp/server-session.ts answers.
//
// Acknowledgement means durability: a syslog transaction is answered "200 OK" only after the
// daemon's flushOutputs() resolved, i.e. every output took the message (file written, forward
// acknowledged or handed to the kernel, disk queue committed). A sender that loses its session
// before the answer sends the message again, so a receiver crash can duplicate, never lose.
//
// Limits per session: a frame's DATA beyond max_message_size is read and discarded (the message
// is delivered cut, counted in `truncated`); at most MAX_PENDING_RESPONSES answers are held
// (a client that keeps sending without reading answers is stopped being read, as TCP flow
// control stops it); a frame that breaks the grammar ends the session with serverclose,
// counted in `protocolErrors` and logged with the peer's address.

import type net from 'node:net'
import type { ListenerConfig } from '../config/schema.js'
import type { DaemonLog, Input, InputCounters, InputDeps } from '../daemon/component.js'
import { VERSION } from '../cli/version.js'
import { RelpDecoder } from '../framing/relp.js'
import type { MessageSource } from '../message/model.js'
import { RelpServerSession } from '../relp/server-session.js'
import type { Receiver } from './receive.js'
import type { ConnectionHandler, StreamProtocol } from './stream-server.js'
import { TcpInput } from './tcp.js'
import { TlsInput } from './tls.js'

/** Answers held per session before its socket stops being read (librelp's window is 128). */
export const MAX_PENDING_RESPONSES = 1024
export const RELP_SOFTWARE = `stele,${VERSION}`

export class RelpInput implements Input {
  readonly #inner: TcpInput | TlsInput

  constructor (config: ListenerConfig, deps: InputDeps) {
    const protocol: StreamProtocol = {
      handlerFor: (receiver, socket, source, from, paused) =>
        new RelpConnection({ receiver, socket, source, from, paused, config, deps, counters: this.#inner.counters })
    }
    this.#inner = config.tls !== undefined ? new TlsInput(config, deps, protocol) : new TcpInput(config, deps, protocol)
    this.#inner.counters.protocolErrors = 0
    this.#inner.counters.acked = 0
  }

  get name (): string { return this.#inner.name }
  get counters (): InputCounters { return this.#inner.counters }
  async start (): Promise<void> { await this.#inner.start() }
  address (): string { return this.#inner.address() }
  port (): number { return this.#inner.port() }
  pause (): void { this.#inner.pause() }
  resume (): void { this.#inner.resume() }
  async reload (): Promise<void> { if (this.#inner instanceof TlsInput) await this.#inner.reload() }
  async stop (): Promise<void> { await this.#inner.stop() }
}

interface RelpConnectionOptions {
  receiver: Receiver
  socket: net.Socket
  source: MessageSource
  from: string
  paused: () => boolean
  config: ListenerConfig
  deps: InputDeps
  counters: InputCounters
}

/** One RELP session on one connection. */
class RelpConnection implements ConnectionHandler {
  readonly #socket: net.Socket
  readonly #decoder: RelpDecoder
  readonly #session: RelpServerSession
  readonly #log: DaemonLog
  readonly #from: string
  readonly #counters: InputCounters
  readonly #paused: () => boolean
  #receivedAt = 0
  #heldBack = false

  constructor (options: RelpConnectionOptions) {
    const { receiver, socket, source, counters } = options
    this.#socket = socket
    this.#log = options.deps.log
    this.#from = options.from
    this.#counters = counters
    this.#paused = options.paused
    this.#session = new RelpServerSession({
      software: RELP_SOFTWARE,
      deliver: (data, truncated) => { receiver.receive(data, source, truncated, this.#receivedAt) },
      flush: options.deps.flushOutputs,
      write: this.#write,
      end: () => { socket.end() },
      onProblem: this.#onProblem,
      onAcked: (count) => { counters.acked! += count }
    })
    this.#decoder = new RelpDecoder({
      maxDataBytes: options.config.maxMessageSize,
      onFrame: (frame) => { this.#session.receive(frame) },
      onProblem: (_problem, detail) => { this.#session.fail(`bad frame: ${detail}`) }
    })
  }

  push (chunk: Buffer, receivedAt: number): void {
    if (!this.#session.reading) return
    this.#receivedAt = receivedAt
    this.#decoder.push(chunk)
    this.#session.pump()
    if (this.#session.pending >= MAX_PENDING_RESPONSES && !this.#heldBack) {
      this.#heldBack = true
      this.#socket.pause()
    }
  }

  end (): void {
    // A peer that half-closes gets its due answers, then our FIN.
    if (this.#session.reading && !this.#decoder.idle) this.#onProblem('connection ended inside a frame; the partial frame is discarded')
    this.#session.shutdown()
  }

  shutdown (): void { this.#session.shutdown() }

  closed (): void { this.#session.closed() }

  readonly #write = (bytes: Buffer): void => {
    const socket = this.#socket
    if (socket.destroyed) return
    // One buffer, one write: a window's answers are a few hundred frames of about 16 bytes each.
    socket.write(bytes)
    if (this.#heldBack && this.#session.pending < MAX_PENDING_RESPONSES / 2) {
      this.#heldBack = false
      if (!this.#paused()) socket.resume()
    }
  }

  readonly #onProblem = (text: string): void => {
    this.#counters.protocolErrors!++
    this.#log.log(4, `${this.#from}: RELP: ${text}`)
  }
}
