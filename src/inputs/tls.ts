// RFC 5425 syslog over TLS. Everything after the handshake is the TCP listener's work, shared
// through stream-server.ts (admission, framing, backpressure, idle timeouts, graceful close,
// which for TLS sends close_notify before the FIN). This file adds what TLS brings:
//
// - TLS 1.2 or newer only (RFC 5425 §4.2); older handshakes fail and are counted.
// - Framing: octet counting is what RFC 5425 §4.3 sends; framing=auto (the default) also takes
//   LF-framed senders (rsyslog's and syslog-ng's network() TLS default), detected per connection.
// - Peer authentication (tls/peer.ts): with ca= every client must present a certificate chaining
//   to it; allow= limits which names / fingerprints may send. Verification is done after the
//   handshake by stele itself so that the log says why a client was refused, with its address;
//   a refused client is closed before any of its data is read.
// - The authenticated identity travels with each message (source.identity): %IDENTITY% in file
//   paths, "identity" in format=json.
// - Every failed handshake (protocol version, timeout, garbage instead of a ClientHello, a peer
//   that rejects our certificate) is logged with the peer's address and counted in
//   `handshakeErrors`; refusals by allow= are counted in `refused`. None stops the daemon.
// - SIGHUP: reload() reads cert/key/ca again and swaps them in with server.setSecureContext();
//   established connections keep their session and their messages.

import type net from 'node:net'
import tls from 'node:tls'
import type { ListenerConfig, TlsListenSettings } from '../config/schema.js'
import type { DaemonLog, Input, InputCounters, InputDeps } from '../daemon/component.js'
import type { MessageSource } from '../message/model.js'
import { certificateWarnings, loadTlsMaterial, secureContextOptions, type TlsMaterial } from '../tls/context.js'
import { AllowList, checkClient, describeTlsError, type ClientPolicy } from '../tls/peer.js'
import { newInputCounters, Receiver } from './receive.js'
import { StreamServer, type StreamProtocol } from './stream-server.js'

export class TlsInput implements Input {
  readonly name: string
  readonly counters: InputCounters = newInputCounters(true)
  readonly #config: ListenerConfig
  readonly #settings: TlsListenSettings
  readonly #log: DaemonLog
  readonly #policy: ClientPolicy
  readonly #server: tls.Server
  readonly #streams: StreamServer
  /** Identity of each admitted connection, from accept() to sourceFor(). */
  readonly #identities = new WeakMap<net.Socket, string | null>()
  /** Peer address of each raw connection, for handshake errors reported after the socket closed. */
  readonly #peers = new WeakMap<net.Socket, string>()
  #address = ''

  constructor (config: ListenerConfig, deps: InputDeps, protocol?: StreamProtocol) {
    if (config.tls === undefined) throw new Error(`${config.url}: a tls listener without TLS settings`)
    this.#config = config
    this.#settings = config.tls
    this.#log = deps.log
    this.name = config.url
    this.counters.handshakeErrors = 0
    const allow = config.tls.allow === null ? null : AllowList.parse(config.tls.allow)
    // The config loader has already rejected a bad allow=; this only narrows the type.
    if (allow !== null && 'error' in allow) throw new Error(`${config.url}: ${allow.error}`)
    this.#policy = { requireChain: config.tls.ca !== null, verify: config.tls.verify, allow }
    this.#server = tls.createServer({
      noDelay: true,
      keepAlive: true,
      keepAliveInitialDelay: 60000,
      // A client certificate is asked for when something will look at it.
      requestCert: config.tls.ca !== null || allow !== null,
      // stele decides after the handshake (checkClient), so that the reason can be logged.
      rejectUnauthorized: false,
      handshakeTimeout: config.tls.handshakeTimeoutS * 1000
    })
    this.#server.on('connection', this.#onRawConnection)
    this.#server.on('tlsClientError', this.#onHandshakeError)
    const receiver = new Receiver({
      input: config.url,
      sink: deps.sink,
      counters: this.counters,
      maxMessageBytes: config.maxMessageSize,
      parse: { timeZone: deps.timeZone, expectHostname: true }
    })
    this.#streams = new StreamServer(this.#server, {
      name: config.url,
      counters: this.counters,
      log: deps.log,
      budget: deps.budget,
      receiver,
      maxConnections: config.maxConnections,
      maxFrameBytes: config.maxMessageSize,
      idleTimeoutS: config.idleTimeoutS,
      framingFor: () => config.framing,
      connectionEvent: 'secureConnection',
      accept: this.#accept,
      sourceFor: this.#sourceFor,
      ...(protocol === undefined ? {} : { handlerFor: (socket, source, from, paused) => protocol.handlerFor(receiver, socket, source, from, paused) })
    })
  }

  async start (): Promise<void> {
    const material = await this.#load()
    this.#server.setSecureContext(secureContextOptions(material))
    const config = this.#config
    await this.#streams.listen({ host: config.host, port: config.port, backlog: 511 }, config.url)
    const bound = this.#streams.address() as net.AddressInfo
    this.#address = bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`
    if (!this.#settings.verify) this.#log.log(4, `${this.name}: verify=none: client certificates are not verified; any client may send`)
  }

  /** SIGHUP: renewed certificates for new handshakes; established sessions keep running. */
  async reload (): Promise<void> {
    try {
      const material = await this.#load()
      this.#server.setSecureContext(secureContextOptions(material))
    } catch (err) {
      this.counters.errors++
      this.#log.log(3, `${this.name}: ${(err as Error).message}; keeping the certificates loaded before`)
    }
  }

  address (): string { return this.#address }
  port (): number { return (this.#streams.address() as net.AddressInfo | null)?.port ?? 0 }
  pause (): void { this.#streams.pause() }
  resume (): void { this.#streams.resume() }
  async stop (): Promise<void> { await this.#streams.close() }

  async #load (): Promise<TlsMaterial> {
    const settings = this.#settings
    const material = await loadTlsMaterial({ cert: settings.cert, key: settings.key, ca: settings.ca })
    for (const warning of certificateWarnings(material, settings.cert)) this.#log.log(4, `${this.name}: ${warning}`)
    return material
  }

  readonly #onRawConnection = (socket: net.Socket): void => {
    this.#peers.set(socket, peerName(socket.remoteAddress, socket.remotePort))
  }

  readonly #onHandshakeError = (err: Error, socket: tls.TLSSocket): void => {
    this.counters.handshakeErrors!++
    this.#log.log(4, `${this.name}: TLS handshake with ${this.#peerOf(socket)} failed: ${describeTlsError(err)}; connection closed`)
    socket.destroy()
  }

  /** "192.0.2.1:40000"; once a peer has closed, the TLS socket forgets it, the raw socket's was kept. */
  #peerOf (socket: tls.TLSSocket): string {
    if (socket.remoteAddress !== undefined) return peerName(socket.remoteAddress, socket.remotePort)
    // `_parent` is the net.Socket node:tls wrapped (not a documented property, hence the fallback).
    const raw = (socket as unknown as { _parent?: net.Socket | null })._parent
    return (raw === undefined || raw === null ? undefined : this.#peers.get(raw)) ?? 'an unknown peer'
  }

  readonly #accept = (socket: net.Socket): boolean => {
    const tlsSocket = socket as tls.TLSSocket
    const verdict = checkClient(tlsSocket, this.#policy)
    if (verdict.ok) {
      this.#identities.set(socket, verdict.identity)
      return true
    }
    socket.on('error', () => {})
    socket.destroy()
    if (verdict.kind === 'handshake') this.counters.handshakeErrors!++
    else this.counters.refused!++
    this.#log.log(4, `${this.name}: client ${this.#peerOf(tlsSocket)} refused: ${verdict.reason}; connection closed`)
    return false
  }

  readonly #sourceFor = (socket: net.Socket): MessageSource => {
    const address = socket.remoteAddress ?? '?'
    return { input: this.name, peer: peerName(address, socket.remotePort), peerAddress: address, identity: this.#identities.get(socket) ?? null }
  }
}

function peerName (address: string | undefined, port: number | undefined): string {
  if (address === undefined) return 'an unknown peer'
  return address.includes(':') ? `[${address}]:${port ?? 0}` : `${address}:${port ?? 0}`
}
