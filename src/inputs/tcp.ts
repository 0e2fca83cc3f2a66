// RFC 6587 syslog over TCP: framing (octet counting, or LF / CRLF / NUL) detected per connection
// unless framing= fixes it. Limits: max_connections and the daemon's descriptor budget (refused
// connections are counted), maxFrameBytes per connection (the decoder holds no more),
// idle_timeout. When the outputs are full the daemon calls pause(): every connection stops
// reading and TCP flow control pushes back on the senders instead of stele buffering without
// bound. Connection handling is shared with the other stream listeners (stream-server.ts).

import net from 'node:net'
import type { ListenerConfig } from '../config/schema.js'
import type { Input, InputCounters, InputDeps } from '../daemon/component.js'
import { newInputCounters, Receiver } from './receive.js'
import { StreamServer, type StreamProtocol } from './stream-server.js'

export class TcpInput implements Input {
  readonly name: string
  readonly counters: InputCounters = newInputCounters(true)
  readonly #config: ListenerConfig
  readonly #streams: StreamServer
  #address = ''

  constructor (config: ListenerConfig, deps: InputDeps, protocol?: StreamProtocol) {
    this.#config = config
    this.name = config.url
    const receiver = new Receiver({
      input: config.url,
      sink: deps.sink,
      counters: this.counters,
      maxMessageBytes: config.maxMessageSize,
      parse: { timeZone: deps.timeZone, expectHostname: true }
    })
    this.#streams = new StreamServer(net.createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: 60000 }), {
      name: config.url,
      counters: this.counters,
      log: deps.log,
      budget: deps.budget,
      receiver,
      maxConnections: config.maxConnections,
      maxFrameBytes: config.maxMessageSize,
      idleTimeoutS: config.idleTimeoutS,
      framingFor: () => config.framing,
      sourceFor: (socket) => receiver.sourceFor(socket.remoteAddress ?? '?', socket.remotePort ?? 0),
      ...(protocol === undefined ? {} : { handlerFor: (socket, source, from, paused) => protocol.handlerFor(receiver, socket, source, from, paused) })
    })
  }

  async start (): Promise<void> {
    const config = this.#config
    await this.#streams.listen({ host: config.host, port: config.port, backlog: 511 }, config.url)
    const bound = this.#streams.address() as net.AddressInfo
    this.#address = bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`
  }

  address (): string { return this.#address }
  port (): number { return (this.#streams.address() as net.AddressInfo | null)?.port ?? 0 }
  pause (): void { this.#streams.pause() }
  resume (): void { this.#streams.resume() }
  async stop (): Promise<void> { await this.#streams.close() }
}
