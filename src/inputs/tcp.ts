// RFC 6587 syslog over TCP: framing (octet counting, or LF / CRLF / NUL) detected per connection
// unless framing= fixes it. Limits: max_connections (Node refuses the excess at accept, which
// we count), maxFrameBytes per connection (the decoder holds no more), idle_timeout. When the
// outputs are full the daemon calls pause(): every connection stops reading and TCP flow
// control pushes back on the senders instead of stele buffering without bound.

import net from 'node:net'
import type { ListenerConfig } from '../config/schema.js'
import type { DaemonLog, Input, InputCounters } from '../daemon/component.js'
import type { DescriptorBudget } from '../daemon/descriptor-budget.js'
import { ListenError } from '../errors.js'
import { FrameDecoder, FRAME_TRUNCATED } from '../framing/frame-decoder.js'
import type { MessageSource } from '../message/model.js'
import { newInputCounters, Receiver } from './receive.js'
import type { InputDeps } from './udp.js'

export class TcpInput implements Input {
  readonly name: string
  readonly counters: InputCounters = newInputCounters(true)
  readonly #config: ListenerConfig
  readonly #log: DaemonLog
  readonly #receiver: Receiver
  readonly #connections = new Set<net.Socket>()
  readonly #budget: DescriptorBudget
  #server: net.Server | undefined
  #paused = false
  #address = ''
  #emfileLogged = false

  constructor (config: ListenerConfig, deps: InputDeps) {
    this.#config = config
    this.name = config.url
    this.#log = deps.log
    this.#budget = deps.budget
    this.#receiver = new Receiver({
      input: config.url,
      sink: deps.sink,
      counters: this.counters,
      maxMessageBytes: config.maxMessageSize,
      parse: { timeZone: deps.timeZone, expectHostname: true }
    })
  }

  async start (): Promise<void> {
    const config = this.#config
    const server = net.createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: 60000 }, this.#onConnection)
    server.maxConnections = config.maxConnections
    // Node refuses connections past maxConnections itself; 'drop' tells us so we can count it.
    server.on('drop', this.#onDrop)
    this.#server = server
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(new ListenError(config.url, { cause: err }))
      server.once('error', onError)
      server.listen({ host: config.host, port: config.port, backlog: 511 }, () => {
        server.off('error', onError)
        resolve()
      })
    })
    server.on('error', this.#onServerError)
    const bound = server.address() as net.AddressInfo
    this.#address = bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`
  }

  address (): string { return this.#address }
  port (): number { return (this.#server?.address() as net.AddressInfo | null)?.port ?? 0 }

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

  async stop (): Promise<void> {
    const server = this.#server
    if (server === undefined) return
    this.#server = undefined
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    // Stop accepting, then read what each peer already sent: end our side and let each socket
    // deliver its buffered frames until it closes (bounded by a short grace period).
    const graceful = [...this.#connections].map(async (socket) => await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { socket.destroy(); resolve() }, 2000)
      socket.once('close', () => { clearTimeout(timer); resolve() })
      socket.resume()
      socket.end()
    }))
    await Promise.all([closed, ...graceful])
  }

  /** Within the daemon's descriptor budget, or closed at once, counted and reported. */
  #admit (socket: net.Socket): boolean {
    const refusal = this.#budget.acquire()
    if (refusal === null) return true
    socket.on('error', () => {})
    socket.destroy()
    this.counters.refused!++
    if (refusal !== '') this.#log.log(3, `${this.name}: ${refusal}`)
    return false
  }

  #onConnection = (socket: net.Socket): void => {
    const counters = this.counters
    if (this.#emfileLogged) {
      this.#emfileLogged = false
      this.#log.log(5, `${this.name}: accepting connections again`)
    }
    if (!this.#admit(socket)) return
    counters.accepted!++
    counters.connections!++
    this.#connections.add(socket)
    const config = this.#config
    const source: MessageSource = this.#receiver.sourceFor(socket.remoteAddress ?? '?', socket.remotePort ?? 0)
    const receiver = this.#receiver
    // Frames of one socket read share its receive time (one clock read per chunk, not per message).
    let receivedAt = 0
    const decoder = new FrameDecoder({
      framing: config.framing,
      maxFrameBytes: config.maxMessageSize,
      onFrame: (frame, flags) => { receiver.receive(frame, source, (flags & FRAME_TRUNCATED) !== 0, receivedAt) },
      onProblem: (problem) => { this.#log.log(4, `${this.name} from ${source.peer ?? '?'}: ${problem}`) }
    })
    if (this.#paused) socket.pause()
    socket.on('data', (chunk: Buffer) => {
      receivedAt = Date.now()
      decoder.push(chunk)
    })
    socket.on('end', () => { receivedAt = Date.now(); decoder.end(); socket.end() })
    socket.on('error', (err) => {
      counters.errors++
      // A reset from a peer is routine; anything else is worth a line in the log.
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') this.#log.log(4, `${this.name} from ${source.peer ?? '?'}: ${err.message}`)
    })
    socket.on('close', () => {
      counters.connections!--
      this.#connections.delete(socket)
      const recovered = this.#budget.release()
      if (recovered !== null) this.#log.log(5, `${this.name}: ${recovered}`)
    })
    if (config.idleTimeoutS > 0) {
      socket.setTimeout(config.idleTimeoutS * 1000, () => {
        this.#log.log(6, `${this.name} from ${source.peer ?? '?'}: idle for ${config.idleTimeoutS} s; connection closed`)
        decoder.end()
        socket.destroy()
      })
    }
  }

  #onDrop = (data?: net.DropArgument): void => {
    this.counters.refused!++
    this.#log.log(4, `${this.name}: connection from ${data?.remoteAddress ?? '?'} refused: max_connections ${this.#config.maxConnections} reached`)
  }

  // accept() failing with EMFILE/ENFILE (out of file descriptors) must not stop the daemon.
  // libuv keeps listening and sheds the connections it cannot accept; we count each failure,
  // log once per episode, and say so again when an accept succeeds.
  #onServerError = (err: NodeJS.ErrnoException): void => {
    this.counters.errors++
    if (err.code === 'EMFILE' || err.code === 'ENFILE') {
      this.counters.refused!++
      if (!this.#emfileLogged) this.#log.log(3, `${this.name}: out of file descriptors (${err.code}); refusing connections until some are free`)
      this.#emfileLogged = true
      return
    }
    this.#log.log(3, `${this.name}: ${err.message}`)
  }
}
