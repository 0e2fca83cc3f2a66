// The connections `stele send` writes to: TCP, TLS (RFC 5425), UDP, and the local socket (AF_UNIX datagram
// through the unix-dgram addon, else AF_UNIX stream).
//
// A stream transport takes batches of frames; a datagram transport takes one message per
// send(). Either way send() returns false when the caller should `await ready()` before sending
// more: on a stream when the socket buffer is full ('drain'), on UDP every YIELD_EVERY sends or
// when MAX_IN_FLIGHT sends await their callbacks (dgram has no backpressure of its own, so
// this keeps memory bounded and lets the event loop run), and on a unix datagram socket when
// the receiver's queue is full (EAGAIN): those messages wait here and go out on 'writable',
// as glibc's syslog(3) would block.

import dgram from 'node:dgram'
import { lookup } from 'node:dns/promises'
import { once } from 'node:events'
import net from 'node:net'
import tls from 'node:tls'
import { resolve as resolvePath } from 'node:path'
import { getSystemErrorName } from 'node:util'
import { loadUnixDgram } from '../../inputs/unix.js'
import { RelpTransport } from './relp-transport.js'
import { loadTlsMaterial, secureContextOptions } from '../../tls/context.js'
import { checkServer, describeTlsError } from '../../tls/peer.js'

export interface Transport {
  /** "tcp://127.0.0.1:5514", "udp://[::1]:514", "unix:///run/stele.sock" */
  readonly url: string
  /** Datagram transports take one message per send(); stream transports take framed batches. */
  readonly datagram: boolean
  /** Sends whose failure was reported asynchronously (datagram transports). */
  readonly errors: number
  /** The first send error, or the error that broke the connection. */
  readonly error: Error | null
  /** Takes ownership of `bytes`. False: `await ready()` before the next send(). */
  send (bytes: Buffer): boolean
  /** Resolves when more can be sent; rejects when the connection has failed. */
  ready (): Promise<void>
  /** Sends what is queued, closes gracefully; rejects when the connection failed on the way. */
  end (): Promise<void>
  /** Closes now; never throws. */
  destroy (): void
}

/** Connecting failed: `url` could not be reached; `cause` has the errno code. */
export class ConnectFailure extends Error {
  constructor (readonly url: string, readonly reason: string, options?: ErrorOptions) {
    super(`cannot connect to ${url}: ${reason}`, options)
  }
}

export interface TransportOptions {
  transport: 'tcp' | 'tls' | 'udp' | 'unix' | 'relp' | 'relp+tls'
  server: string
  port: number
  socketPath: string
  /** tls, relp+tls: as the @tls:// forward's options (RFC 5425 §5.2). */
  tls?: TlsSendOptions
}

export interface TlsSendOptions {
  ca: string | null
  cert: string | null
  key: string | null
  /** The name the receiver's certificate must carry; default the server. */
  name: string | null
  /** Canonical pins; non-empty replaces the chain and name checks. */
  fingerprints: string[]
  verify: boolean
}

export function transportUrl (options: TransportOptions): string {
  if (options.transport === 'unix') return `unix://${resolvePath(options.socketPath)}`
  const host = net.isIPv6(options.server) ? `[${options.server}]` : options.server
  return `${options.transport}://${host}:${options.port}`
}

export async function connectTransport (options: TransportOptions): Promise<Transport> {
  const url = transportUrl(options)
  switch (options.transport) {
    case 'tcp': return await connectStream(url, { host: options.server, port: options.port })
    case 'tls': return await connectTls(url, options.server, options.port, options.tls ?? { ca: null, cert: null, key: null, name: null, fingerprints: [], verify: true })
    case 'udp': return await connectUdp(url, options.server, options.port)
    case 'unix': return await connectUnix(url, options.socketPath)
    case 'relp':
    case 'relp+tls': {
      const stream = options.transport === 'relp'
        ? await connectStream(url, { host: options.server, port: options.port })
        : await connectTls(url, options.server, options.port, options.tls ?? { ca: null, cert: null, key: null, name: null, fingerprints: [], verify: true })
      return await RelpTransport.open(url, stream.socket)
    }
  }
}

/** The errno name ("ECONNREFUSED") of an error, else its message. */
export function reasonOf (err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === 'string') return code
  if (typeof code === 'number' && code < 0) return getSystemErrorName(code)
  return err instanceof Error ? err.message : String(err)
}

async function connectStream (url: string, where: net.NetConnectOpts): Promise<StreamTransport> {
  const socket = net.connect(where)
  socket.setNoDelay(true)
  try {
    await once(socket, 'connect')
  } catch (err) {
    socket.destroy()
    throw new ConnectFailure(url, reasonOf(err), { cause: err })
  }
  return new StreamTransport(url, socket)
}

/** The same checks as the @tls:// forward (tls/peer.ts); a receiver that fails is never sent to. */
async function connectTls (url: string, host: string, port: number, options: TlsSendOptions): Promise<StreamTransport> {
  let material
  try {
    material = await loadTlsMaterial(options)
  } catch (err) {
    throw new ConnectFailure(url, (err as Error).message, { cause: err })
  }
  const name = options.name ?? host
  const socket = tls.connect({
    host,
    port,
    ...secureContextOptions(material),
    servername: net.isIP(name) === 0 ? name : undefined,
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined
  })
  socket.setNoDelay(true)
  try {
    await once(socket, 'secureConnect')
  } catch (err) {
    socket.destroy()
    throw new ConnectFailure(url, describeTlsError(err as Error), { cause: err })
  }
  const refusal = checkServer(socket, { name, fingerprints: options.fingerprints, verify: options.verify })
  if (refusal !== null) {
    socket.destroy()
    throw new ConnectFailure(url, refusal)
  }
  // end() on a TLS socket sends close_notify before the FIN (RFC 5425 §4.4).
  return new StreamTransport(url, socket)
}

class StreamTransport implements Transport {
  readonly datagram = false
  readonly errors = 0
  readonly url: string
  error: Error | null = null
  readonly #socket: net.Socket

  constructor (url: string, socket: net.Socket) {
    this.url = url
    this.#socket = socket
    socket.on('error', this.#onError)
  }

  get socket (): net.Socket { return this.#socket }

  #onError = (err: Error): void => { this.error ??= err }

  send (bytes: Buffer): boolean { return this.#socket.write(bytes) }

  async ready (): Promise<void> {
    const socket = this.#socket
    if (socket.destroyed) throw this.error ?? new Error('connection closed')
    if (!socket.writableNeedDrain) return
    // 'close' too: a peer reset destroys the socket, and then 'drain' never comes.
    await new Promise<void>((resolve) => {
      const done = (): void => { socket.off('drain', done); socket.off('close', done); resolve() }
      socket.on('drain', done)
      socket.on('close', done)
    })
    if (socket.destroyed && this.error !== null) throw this.error
  }

  async end (): Promise<void> {
    const socket = this.#socket
    if (!socket.destroyed) {
      const closed = once(socket, 'close')
      socket.end()
      // 'close' comes when the receiver has read everything and closed its side too. One that
      // keeps its side open is left END_GRACE_MS after our FIN went out; one that stops
      // reading before our FIN could go out is an error.
      let finished = false
      const timer = setTimeout(() => {
        if (!finished) this.error ??= new Error(`the receiver stopped reading; ${socket.writableLength} bytes not sent`)
        socket.destroy()
      }, END_GRACE_MS)
      socket.once('finish', () => { finished = true; timer.refresh() })
      await closed.catch(() => {})
      clearTimeout(timer)
    }
    if (this.error !== null) throw this.error
  }

  destroy (): void { this.#socket.destroy() }
}

const END_GRACE_MS = 5000

// UDP: one datagram per send(), on a connected socket so that ICMP port-unreachable comes back
// as ECONNREFUSED on later sends (Linux) and is counted.
const YIELD_EVERY = 256
const MAX_IN_FLIGHT = 4096

async function connectUdp (url: string, host: string, port: number): Promise<UdpTransport> {
  let address: string
  let family: number
  try {
    ({ address, family } = await lookup(host))
  } catch (err) {
    throw new ConnectFailure(url, reasonOf(err), { cause: err })
  }
  const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4')
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.connect(port, address, () => { socket.off('error', reject); resolve() })
    })
  } catch (err) {
    socket.close()
    throw new ConnectFailure(url, reasonOf(err), { cause: err })
  }
  return new UdpTransport(url, socket)
}

class UdpTransport implements Transport {
  readonly datagram = true
  readonly url: string
  errors = 0
  error: Error | null = null
  readonly #socket: dgram.Socket
  #inFlight = 0
  #sinceYield = 0
  /** Resolves ready()/end() once #inFlight is down to #wakeAt. */
  #wake: (() => void) | null = null
  #wakeAt = 0

  constructor (url: string, socket: dgram.Socket) {
    this.url = url
    this.#socket = socket
    socket.on('error', this.#onError)
  }

  #onError = (err: Error): void => {
    this.errors++
    this.error ??= err
  }

  // Bound once: dgram calls it for every datagram.
  #onSent = (err: Error | null): void => {
    this.#inFlight--
    if (err !== null) this.#onError(err)
    if (this.#wake !== null && this.#inFlight <= this.#wakeAt) {
      const wake = this.#wake
      this.#wake = null
      wake()
    }
  }

  send (bytes: Buffer): boolean {
    this.#inFlight++
    this.#socket.send(bytes, this.#onSent)
    return ++this.#sinceYield < YIELD_EVERY && this.#inFlight < MAX_IN_FLIGHT
  }

  async ready (): Promise<void> {
    this.#sinceYield = 0
    if (this.#inFlight < MAX_IN_FLIGHT) await new Promise<void>((resolve) => setImmediate(resolve))
    else await this.#inFlightAtMost(MAX_IN_FLIGHT / 2)
  }

  #inFlightAtMost (count: number): Promise<void> {
    if (this.#inFlight <= count) return Promise.resolve()
    this.#wakeAt = count
    return new Promise<void>((resolve) => { this.#wake = resolve })
  }

  async end (): Promise<void> {
    await this.#inFlightAtMost(0)
    await new Promise<void>((resolve) => this.#socket.close(resolve))
  }

  destroy (): void {
    try { this.#socket.close() } catch {}
  }
}

// The unix-dgram addon's client side (lib/unix_dgram.js). send() is synchronous: the callback
// runs before send() returns, with code 1 ("congestion") when the socket would block; then the
// datagram was not sent and 'writable' follows when it can be.
/** The addon's errors carry the negative errno (or 1, congestion) as a number `code`. */
type AddonError = Error & { code?: number | string }
interface UnixDgramClient {
  on (event: 'error', fn: (err: AddonError) => void): void
  on (event: 'writable', fn: () => void): void
  once (event: 'error', fn: (err: AddonError) => void): void
  once (event: 'connect', fn: () => void): void
  removeAllListeners (event: string): void
  connect (path: string): void
  send (buf: Buffer, callback: (err?: AddonError) => void): void
  close (): void
}
interface UnixDgramFactory { createSocket (type: 'unix_dgram'): UnixDgramClient }
const CONGESTION = 1

async function connectUnix (url: string, path: string): Promise<Transport> {
  const addon = loadUnixDgram() as unknown as UnixDgramFactory | null
  if (addon !== null) {
    const socket = addon.createSocket('unix_dgram')
    const failed: AddonError[] = []
    socket.once('error', (err) => { failed.push(err) })
    socket.connect(path) // emits 'connect' or 'error' before it returns
    socket.removeAllListeners('error')
    if (failed.length === 0) return new UnixDgramTransport(url, socket)
    socket.close()
    const reason = reasonOf(failed[0])
    // glibc's rule: a stream socket at the path refuses a datagram connect with EPROTOTYPE.
    if (reason !== 'EPROTOTYPE') throw new ConnectFailure(url, reason, { cause: failed[0] })
  }
  try {
    return await connectStream(url, { path })
  } catch (err) {
    if (addon === null && err instanceof ConnectFailure && err.reason === 'EPROTOTYPE') {
      throw new ConnectFailure(url, 'EPROTOTYPE (a datagram socket; sending to it needs the optional unix-dgram addon, which is not installed)', { cause: err })
    }
    throw err
  }
}

class UnixDgramTransport implements Transport {
  readonly datagram = true
  readonly url: string
  errors = 0
  error: Error | null = null
  readonly #socket: UnixDgramClient
  /** Datagrams waiting for 'writable', oldest first; #head indexes the next one. */
  #queue: Buffer[] = []
  #head = 0
  #congested = false
  #wake: (() => void) | null = null

  constructor (url: string, socket: UnixDgramClient) {
    this.url = url
    this.#socket = socket
    socket.on('error', this.#onError)
    socket.on('writable', this.#onWritable)
  }

  #onError = (err: Error): void => {
    this.errors++
    this.error ??= err
  }

  #onSent = (err?: AddonError): void => {
    if (err === undefined) return
    if (err.code === CONGESTION) this.#congested = true
    else this.#onError(new Error(`send: ${reasonOf(err)}`, { cause: err }))
  }

  /** Sends one datagram now; false when the socket would block (it is then still ours to send). */
  #trySend (bytes: Buffer): boolean {
    this.#congested = false
    this.#socket.send(bytes, this.#onSent)
    return !this.#congested
  }

  send (bytes: Buffer): boolean {
    if (this.#head < this.#queue.length || !this.#trySend(bytes)) {
      this.#queue.push(bytes)
      return false
    }
    return true
  }

  #onWritable = (): void => {
    const queue = this.#queue
    while (this.#head < queue.length && this.#trySend(queue[this.#head]!)) this.#head++
    if (this.#head < queue.length) return
    this.#queue = []
    this.#head = 0
    const wake = this.#wake
    this.#wake = null
    wake?.()
  }

  async ready (): Promise<void> {
    if (this.#head === this.#queue.length) return
    await new Promise<void>((resolve) => { this.#wake = resolve })
  }

  async end (): Promise<void> {
    await this.ready()
    this.destroy()
  }

  destroy (): void {
    try { this.#socket.close() } catch {}
  }
}
