// One connection attempt to the collector, per transport. A Link is made by its factory, reports
// what happens through LinkEvents (bound once per logger, so a write costs no closure), and is
// thrown away after `closed`; the logger (delivery.ts) makes a new one after a back-off.
//
//   tcp, tls   net / tls sockets; batches of framed records; `written` from each write's
//              callback, i.e. once the bytes are in the kernel's socket buffer.
//   udp        a connected dgram socket, one record per datagram; ECONNREFUSED (an ICMP
//              port-unreachable for an earlier datagram, on Linux) closes the link, so the
//              logger buffers and retries with back-off instead of sending into the void.
//   unix       as glibc's syslog(3): a datagram socket through the optional unix-dgram addon
//              (the daemon's unix input and `stele send` use it too), else, or when the socket
//              is a stream socket (EPROTOTYPE), a stream connection.
//   relp       relp-link.ts: RELP's own framing (a txnr per record), over TCP or TLS; `written`
//              when the collector's "rsp 200" acknowledges records, not on the socket write, so
//              flush()/close() mean "acknowledged" there instead of "in the kernel".

import dgram from 'node:dgram'
import net from 'node:net'
import { loadUnixDgram } from '../inputs/unix.js'
import { loadTlsMaterial, type TlsMaterial } from '../tls/context.js'
import { describeTlsError } from '../tls/peer.js'
import { connectStream } from './stream-connect.js'
import { reasonOf } from '../cli/send/transport.js'
import type { ByteWriter } from '../message/byte-writer.js'
import type { ClientFraming, ResolvedOptions } from './options.js'
import { frameRecord } from './record-encoder.js'
import { relpLink } from './relp-link.js'

export interface LinkEvents {
  /** Connected (for TLS: handshake done and the collector's certificate accepted). */
  opened (link: Link): void
  /** A write() of `records` records completed. */
  written (link: Link, records: number): void
  /** After write() returned false: more can be written. */
  writable (link: Link): void
  /** The link is gone (connect failed, peer closed, error); `err` null for an orderly close. */
  closed (link: Link, err: Error | null): void
}

export interface Link {
  /** One record per write() (no framing) when true; framed batches when false. */
  readonly datagram: boolean
  /** Records the link takes now (RELP: the window's free slots); Infinity for the others. */
  readonly room: number
  /** Streams: appends one record, framed as this link frames it, to the next write's batch. */
  frame (out: ByteWriter, record: Buffer): void
  /** Hands `bytes` (records framed, or one datagram) over. False: wait for `writable`. */
  write (bytes: Buffer, records: number): boolean
  /** Graceful: what was written goes out, then the connection closes (`closed` follows). */
  end (): void
  /** Now; never throws; `closed` follows unless it already came. */
  destroy (): void
}

export type LinkFactory = (options: ResolvedOptions, events: LinkEvents, tlsMaterial: TlsMaterial | null) => Link

// ---------------------------------------------------------------------------------------------
// Streams: tcp, tls, unix stream

class StreamLink implements Link {
  readonly datagram = false
  readonly room = Infinity
  readonly framing: ClientFraming
  readonly #socket: net.Socket
  readonly #events: LinkEvents
  #closed = false
  #ending = false
  #error: Error | null = null

  constructor (socket: net.Socket, framing: ClientFraming, events: LinkEvents, openEvent: 'connect' | 'secureConnect', check: ((socket: net.Socket) => string | null) | null) {
    this.framing = framing
    this.#socket = socket
    this.#events = events
    // An idle logger must not keep the process alive; pending writes still do (libuv requests).
    socket.unref()
    socket.on('error', this.#onError)
    socket.on('drain', this.#onDrain)
    socket.on('close', this.#onClose)
    // The peer half-closed (a collector stopping gracefully reads what we sent until our FIN,
    // as stele's listeners do): stop writing at once; allowHalfOpen=false ends our side after
    // the bytes already written.
    socket.on('end', this.#onEnd)
    socket.once(openEvent, () => {
      const refusal = check === null ? null : check(socket)
      if (refusal !== null) {
        this.#error = new Error(refusal)
        socket.destroy()
        return
      }
      socket.setNoDelay(true)
      this.#events.opened(this)
    })
  }

  #onError = (err: Error): void => { this.#error ??= err }
  #onDrain = (): void => { if (!this.#closed) this.#events.writable(this) }
  #onEnd = (): void => { if (!this.#ending) this.#error ??= new Error('the collector closed the connection') }
  #onClose = (): void => {
    if (this.#closed) return
    this.#closed = true
    this.#events.closed(this, this.#error)
  }

  // Bound once: the callback of every write. Write callbacks run in order, so the counts
  // queued by write() are matched to them first in, first out.
  #counts: number[] = []
  #countsHead = 0
  #onWritten = (err?: Error | null): void => {
    if (err !== undefined && err !== null) { this.#onError(err); return }
    const records = this.#counts[this.#countsHead++]!
    if (this.#countsHead === this.#counts.length) { this.#counts.length = 0; this.#countsHead = 0 }
    if (!this.#closed) this.#events.written(this, records)
  }

  frame (out: ByteWriter, record: Buffer): void { frameRecord(out, record, this.framing) }

  write (bytes: Buffer, records: number): boolean {
    if (this.#closed || this.#socket.readableEnded) return false
    this.#counts.push(records)
    return this.#socket.write(bytes, this.#onWritten)
  }

  end (): void {
    this.#ending = true
    if (!this.#socket.destroyed) this.#socket.end()
  }

  destroy (): void { this.#socket.destroy() }
}

/** tcp, and tls (RFC 5425: octet counting, whatever `framing` says). */
function streamLink (options: ResolvedOptions, events: LinkEvents, material: TlsMaterial | null): Link {
  const { socket, openEvent, check } = connectStream(options, material)
  return new StreamLink(socket, options.useTls ? 'octet' : options.framing, events, openEvent, check)
}

// ---------------------------------------------------------------------------------------------
// UDP

class UdpLink implements Link {
  readonly datagram = true
  readonly room = Infinity
  readonly framing: ClientFraming = 'octet'
  frame (): void {}
  readonly #socket: dgram.Socket
  readonly #events: LinkEvents
  #closed = false

  constructor (options: ResolvedOptions, events: LinkEvents) {
    this.#events = events
    this.#socket = dgram.createSocket(net.isIPv6(options.host) ? 'udp6' : 'udp4')
    this.#socket.on('error', this.#onError)
    this.#socket.unref()
    this.#socket.connect(options.port, options.host, () => { if (!this.#closed) this.#events.opened(this) })
  }

  #onError = (err: Error): void => { this.#close(err) }

  #close (err: Error | null): void {
    if (this.#closed) return
    this.#closed = true
    try { this.#socket.close() } catch {}
    this.#events.closed(this, err)
  }

  // Bound once: dgram calls it for every datagram, in order.
  #onSent = (err: Error | null): void => {
    if (this.#closed) return
    if (err !== null) { this.#close(err); return }
    this.#events.written(this, 1)
  }

  write (bytes: Buffer): boolean {
    if (this.#closed) return false
    this.#socket.send(bytes, this.#onSent)
    return true
  }

  end (): void { this.#close(null) }
  destroy (): void { this.#close(null) }
}

function udpLink (options: ResolvedOptions, events: LinkEvents): Link {
  return new UdpLink(options, events)
}

// ---------------------------------------------------------------------------------------------
// unix: datagram through the unix-dgram addon, else stream

type AddonError = Error & { code?: number | string }
interface UnixDgramClient {
  on (event: 'error', fn: (err: AddonError) => void): void
  on (event: 'writable', fn: () => void): void
  once (event: 'error', fn: (err: AddonError) => void): void
  removeAllListeners (event: string): void
  connect (path: string): void
  send (buf: Buffer, callback: (err?: AddonError) => void): void
  close (): void
}
interface UnixDgramFactory { createSocket (type: 'unix_dgram'): UnixDgramClient }
/** unix-dgram's send callback code when the receiver's queue is full (EAGAIN). */
const CONGESTION = 1

class UnixDgramLink implements Link {
  readonly datagram = true
  readonly room = Infinity
  readonly framing: ClientFraming = 'nul'
  frame (): void {}
  readonly #socket: UnixDgramClient
  readonly #events: LinkEvents
  #closed = false
  #congested = false
  /** The datagram the receiver had no room for; sent again on 'writable'. */
  #waiting: Buffer | null = null

  constructor (socket: UnixDgramClient, events: LinkEvents) {
    this.#socket = socket
    this.#events = events
    socket.on('error', this.#onError)
    socket.on('writable', this.#onWritable)
    // The addon connects synchronously; report it on the next turn, as the other links do.
    setImmediate(() => { if (!this.#closed) this.#events.opened(this) })
  }

  #onError = (err: AddonError): void => { this.#close(new Error(`send: ${reasonOf(err)}`, { cause: err })) }

  #close (err: Error | null): void {
    if (this.#closed) return
    this.#closed = true
    try { this.#socket.close() } catch {}
    this.#events.closed(this, err)
  }

  // The addon's send() is synchronous: this runs before send() returns.
  #onSent = (err?: AddonError): void => {
    if (err === undefined) return
    if (err.code === CONGESTION) this.#congested = true
    else this.#onError(err)
  }

  #trySend (bytes: Buffer): boolean {
    this.#congested = false
    this.#socket.send(bytes, this.#onSent)
    return !this.#congested
  }

  write (bytes: Buffer): boolean {
    if (this.#closed) return false
    if (!this.#trySend(bytes)) {
      if (!this.#closed) this.#waiting = bytes
      return false
    }
    if (!this.#closed) this.#events.written(this, 1)
    return !this.#closed
  }

  #onWritable = (): void => {
    const waiting = this.#waiting
    if (waiting === null || this.#closed) return
    if (!this.#trySend(waiting)) return
    this.#waiting = null
    if (this.#closed) return
    this.#events.written(this, 1)
    this.#events.writable(this)
  }

  end (): void { this.#close(null) }
  destroy (): void { this.#close(null) }
}

function unixLink (options: ResolvedOptions, events: LinkEvents): Link {
  const addon = loadUnixDgram() as unknown as UnixDgramFactory | null
  if (addon !== null) {
    const socket = addon.createSocket('unix_dgram')
    const failed: AddonError[] = []
    socket.once('error', (err) => { failed.push(err) })
    socket.connect(options.path) // emits 'connect' or 'error' before it returns
    socket.removeAllListeners('error')
    if (failed.length === 0) return new UnixDgramLink(socket, events)
    try { socket.close() } catch {}
    // glibc's rule: a stream socket at the path refuses a datagram connect with EPROTOTYPE.
    if (reasonOf(failed[0]) !== 'EPROTOTYPE') return new FailedLink(events, new Error(reasonOf(failed[0]), { cause: failed[0] }))
  }
  const socket = net.connect({ path: options.path })
  return new StreamLink(socket, options.framing, events, 'connect', null)
}

/** A connect that failed synchronously: reports `closed` on the next turn. */
class FailedLink implements Link {
  readonly datagram = true
  readonly room = Infinity
  readonly framing: ClientFraming = 'octet'
  frame (): void {}
  constructor (events: LinkEvents, err: Error) {
    setImmediate(() => events.closed(this, err))
  }

  write (): boolean { return false }
  end (): void {}
  destroy (): void {}
}

export function describeLinkError (err: Error): string {
  const reason = reasonOf(err)
  return reason === err.message ? describeTlsError(err) : reason
}

/** One factory per transport. */
export const LINKS = {
  tcp: streamLink,
  relp: relpLink,
  tls: streamLink,
  udp: udpLink,
  unix: unixLink
} satisfies Record<ResolvedOptions['transport'], LinkFactory>

export { loadTlsMaterial }
