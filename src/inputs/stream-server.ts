// What every stream listener (TCP, unix stream, and later TLS) does with its connections:
// admission within max_connections and the daemon's descriptor budget, one RFC 6587 frame
// decoder per connection, pause/resume for backpressure, idle timeouts, counting, and a
// graceful close that reads what peers already sent. The listener supplies the server (net or
// tls), how to frame a connection, and who a connection's messages come from.

import type net from 'node:net'
import type { DaemonLog, InputCounters } from '../daemon/component.js'
import type { DescriptorBudget } from '../daemon/descriptor-budget.js'
import { ListenError } from '../errors.js'
import { FrameDecoder, FRAME_TRUNCATED, type Framing } from '../framing/frame-decoder.js'
import type { MessageSource } from '../message/model.js'
import type { Receiver } from './receive.js'

export interface StreamServerOptions {
  /** The listener's name, for log lines. */
  name: string
  counters: InputCounters
  log: DaemonLog
  budget: DescriptorBudget
  receiver: Receiver
  maxConnections: number
  maxFrameBytes: number
  /** Seconds without data before a connection is closed; 0 = never. */
  idleTimeoutS: number
  /** The framing of a connection, given its first chunk. */
  framingFor: (firstChunk: Buffer) => Framing
  /** Where a connection's messages come from. */
  sourceFor: (socket: net.Socket) => MessageSource
  /**
   * The server event that hands over a connection ready for data: 'connection' (net, the
   * default) or 'secureConnection' (tls: after the handshake).
   */
  connectionEvent?: 'connection' | 'secureConnection'
  /**
   * Called first for each connection (TLS: after the handshake, before any data is read).
   * false refuses it: the socket is not taken (the hook has closed it, counted and logged why).
   */
  accept?: (socket: net.Socket) => boolean
  /**
   * A protocol with its own framing and answers (RELP): when given, each connection's bytes go
   * to the handler it returns instead of an RFC 6587 frame decoder (framingFor is not used).
   */
  handlerFor?: (socket: net.Socket, source: MessageSource, from: string, paused: () => boolean) => ConnectionHandler
}

/** A stream listener's protocol when it is not RFC 6587 (RELP): how each connection is handled. */
export interface StreamProtocol {
  handlerFor: (receiver: Receiver, socket: net.Socket, source: MessageSource, from: string, paused: () => boolean) => ConnectionHandler
}

/** What a protocol with answers does with one connection (see StreamServerOptions.handlerFor). */
export interface ConnectionHandler {
  /** Bytes read; `receivedAt` is the read's time. */
  push (chunk: Buffer, receivedAt: number): void
  /** The peer closed its side: finish, then end ours. */
  end (): void
  /** The listener stops: answer what is in hand, then close the connection. */
  shutdown (): void
  /** The socket closed. */
  closed (): void
}

const GRACE_MS = 2000

export class StreamServer {
  readonly #server: net.Server
  readonly #options: StreamServerOptions
  readonly #connections = new Set<net.Socket>()
  readonly #handlers = new WeakMap<net.Socket, ConnectionHandler>()
  #paused = false
  #emfileLogged = false

  constructor (server: net.Server, options: StreamServerOptions) {
    this.#server = server
    this.#options = options
    server.maxConnections = options.maxConnections
    server.on(options.connectionEvent ?? 'connection', this.#onConnection)
    // Node refuses connections past maxConnections itself; 'drop' tells us so we can count it.
    server.on('drop', this.#onDrop)
  }

  async listen (target: net.ListenOptions, url: string): Promise<void> {
    const server = this.#server
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(new ListenError(url, { cause: err }))
      server.once('error', onError)
      server.listen(target, () => {
        server.off('error', onError)
        resolve()
      })
    })
    server.on('error', this.#onServerError)
  }

  address (): net.AddressInfo | string | null { return this.#server.address() }

  pause (): void {
    if (this.#paused) return
    this.#paused = true
    for (const socket of this.#connections) socket.pause()
  }

  resume (): void {
    if (!this.#paused) return
    this.#paused = false
    for (const socket of this.#connections) socket.resume()
  }

  /** Stops accepting, then lets each peer's data already sent be read until it closes (bounded). */
  async close (): Promise<void> {
    const server = this.#server
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    const graceful = [...this.#connections].map(async (socket) => await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { socket.destroy(); resolve() }, GRACE_MS)
      socket.once('close', () => { clearTimeout(timer); resolve() })
      socket.resume()
      const handler = this.#handlers.get(socket)
      if (handler !== undefined) handler.shutdown()
      else socket.end()
    }))
    await Promise.all([closed, ...graceful])
  }

  /** Within the daemon's descriptor budget, or closed at once, counted and reported. */
  #admit (socket: net.Socket): boolean {
    const { budget, counters, log, name } = this.#options
    const refusal = budget.acquire()
    if (refusal === null) return true
    socket.on('error', () => {})
    socket.destroy()
    counters.refused!++
    if (refusal !== '') log.log(3, `${name}: ${refusal}`)
    return false
  }

  #onConnection = (socket: net.Socket): void => {
    const { counters, log, name, receiver } = this.#options
    if (this.#emfileLogged) {
      this.#emfileLogged = false
      log.log(5, `${name}: accepting connections again`)
    }
    if (this.#options.accept !== undefined && !this.#options.accept(socket)) return
    if (!this.#admit(socket)) return
    counters.accepted!++
    counters.connections!++
    this.#connections.add(socket)
    const source = this.#options.sourceFor(socket)
    const from = source.peer === null ? name : `${name} from ${source.peer}`
    // Frames of one socket read share its receive time (one clock read per chunk, not per
    // message); the framing is chosen from the first chunk.
    let receivedAt = 0
    let decoder: FrameDecoder | undefined
    const decoderFor = (firstChunk: Buffer): FrameDecoder => new FrameDecoder({
      framing: this.#options.framingFor(firstChunk),
      maxFrameBytes: this.#options.maxFrameBytes,
      onFrame: (frame, flags) => { receiver.receive(frame, source, (flags & FRAME_TRUNCATED) !== 0, receivedAt) },
      onProblem: (problem) => { log.log(4, `${from}: ${problem}`) }
    })
    if (this.#paused) socket.pause()
    if (this.#options.handlerFor !== undefined) {
      this.#handle(socket, this.#options.handlerFor(socket, source, from, this.#isPaused), from)
      return
    }
    socket.on('data', (chunk: Buffer) => {
      receivedAt = Date.now()
      decoder ??= decoderFor(chunk)
      decoder.push(chunk)
    })
    socket.on('end', () => {
      receivedAt = Date.now()
      decoder?.end()
      socket.end()
    })
    this.#watch(socket, from, () => {}, () => {
      decoder?.end()
      socket.destroy()
    })
  }

  readonly #isPaused = (): boolean => this.#paused

  /** A connection of a protocol with answers: the handler reads, answers and ends it. */
  #handle (socket: net.Socket, handler: ConnectionHandler, from: string): void {
    this.#handlers.set(socket, handler)
    socket.on('data', (chunk: Buffer) => { handler.push(chunk, Date.now()) })
    socket.on('end', () => { handler.end() })
    this.#watch(socket, from, () => { handler.closed() }, () => { handler.shutdown() })
  }

  /**
   * What every connection shares, whatever reads it: errors counted (and logged, but for a
   * peer's reset, which is routine), the connection's slot and descriptor given back when it
   * closes, and the idle timeout, which ends it with `onIdle`.
   */
  #watch (socket: net.Socket, from: string, onClose: () => void, onIdle: () => void): void {
    const { counters, log, name, idleTimeoutS } = this.#options
    socket.on('error', (err) => {
      counters.errors++
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') log.log(4, `${from}: ${err.message}`)
    })
    socket.on('close', () => {
      onClose()
      counters.connections!--
      this.#connections.delete(socket)
      const recovered = this.#options.budget.release()
      if (recovered !== null) log.log(5, `${name}: ${recovered}`)
    })
    if (idleTimeoutS > 0) {
      socket.setTimeout(idleTimeoutS * 1000, () => {
        counters.idleTimeouts = (counters.idleTimeouts ?? 0) + 1
        log.log(6, `${from}: idle for ${idleTimeoutS} s; connection closed`)
        onIdle()
      })
    }
  }

  #onDrop = (data?: net.DropArgument): void => {
    this.#options.counters.refused!++
    this.#options.log.log(4, `${this.#options.name}: connection from ${data?.remoteAddress ?? 'a local peer'} refused: max_connections ${this.#options.maxConnections} reached`)
  }

  // accept() failing with EMFILE/ENFILE (out of file descriptors) must not stop the daemon.
  // libuv keeps listening and sheds the connections it cannot accept; the descriptor budget
  // normally refuses connections before that happens. Counted, logged once per episode.
  #onServerError = (err: NodeJS.ErrnoException): void => {
    const { counters, log, name } = this.#options
    counters.errors++
    if (err.code === 'EMFILE' || err.code === 'ENFILE') {
      counters.refused!++
      if (!this.#emfileLogged) log.log(3, `${name}: out of file descriptors (${err.code}); refusing connections until some are free`)
      this.#emfileLogged = true
      return
    }
    log.log(3, `${name}: ${err.message}`)
  }
}
