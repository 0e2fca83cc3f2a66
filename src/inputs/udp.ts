// RFC 5426: one syslog message per UDP datagram. UDP cannot be paused, so what the outputs
// cannot take is counted by them; the socket gets a large receive buffer (rcvbuf=) so bursts
// wait in the kernel rather than being dropped there, and what the kernel still drops when it
// is full is read from the kernel and counted (udp-kernel-drops.ts). Datagrams longer than
// max_message_size are truncated and counted.

import dgram from 'node:dgram'
import { isIPv6 } from 'node:net'
import type { ListenerConfig } from '../config/schema.js'
import type { DaemonLog, Input, InputCounters, InputDeps } from '../daemon/component.js'
import { ListenError } from '../errors.js'
import { newInputCounters, Receiver } from './receive.js'
import { KernelDropWatch } from './udp-kernel-drops.js'

export class UdpInput implements Input {
  readonly name: string
  readonly counters: InputCounters = newInputCounters(false)
  readonly #config: ListenerConfig
  readonly #log: DaemonLog
  readonly #receiver: Receiver
  #socket: dgram.Socket | undefined
  #kernelDrops: KernelDropWatch | undefined
  #address = ''

  constructor (config: ListenerConfig, deps: InputDeps) {
    this.#config = config
    this.name = config.url
    this.#log = deps.log
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
    const socket = dgram.createSocket({ type: isIPv6(config.host) ? 'udp6' : 'udp4', recvBufferSize: config.rcvbufBytes })
    this.#socket = socket
    socket.on('message', this.#onMessage)
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(new ListenError(config.url, { cause: err }))
      socket.once('error', onError)
      socket.bind(config.port, config.host, () => {
        socket.off('error', onError)
        resolve()
      })
    })
    // After binding, errors are reported and survived (ICMP errors, ENOBUFS).
    socket.on('error', (err) => {
      this.counters.errors++
      this.#log.log(3, `${this.name}: ${err.message}`)
    })
    const bound = socket.address()
    this.#address = isIPv6(bound.address) ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`
    this.#kernelDrops = new KernelDropWatch({
      family: isIPv6(config.host) ? 'udp6' : 'udp4',
      port: bound.port,
      onDrops: (count) => {
        const dropped = this.counters.dropped
        dropped['rcvbuf-overflow'] = (dropped['rcvbuf-overflow'] ?? 0) + count
        this.#log.log(4, `${this.name}: dropped ${count} message${count === 1 ? '' : 's'}: receive buffer full (the kernel dropped them; raise rcvbuf= or net.core.rmem_max)`)
      }
    })
    this.#kernelDrops.start()
    const granted = socket.getRecvBufferSize()
    if (granted < config.rcvbufBytes) {
      this.#log.log(4, `${this.name}: receive buffer is ${granted} bytes, less than rcvbuf=${config.rcvbufBytes} asked (raise net.core.rmem_max)`)
    }
  }

  address (): string { return this.#address }

  /** The port bound (useful with port 0). */
  port (): number { return this.#socket?.address().port ?? 0 }

  // UDP has no flow control: a datagram not read is lost in the kernel, so keep reading.
  pause (): void {}
  resume (): void {}

  async stop (): Promise<void> {
    const socket = this.#socket
    if (socket === undefined) return
    this.#socket = undefined
    // A last reading before the socket (and its line in /proc) goes away.
    await this.#kernelDrops?.stop()
    await new Promise<void>((resolve) => socket.close(() => resolve()))
  }

  #onMessage = (datagram: Buffer, rinfo: dgram.RemoteInfo): void => {
    // The parser cuts an oversize datagram on a UTF-8 boundary and marks it.
    this.#receiver.receive(datagram, this.#receiver.sourceFor(rinfo.address, rinfo.port), false)
  }
}
