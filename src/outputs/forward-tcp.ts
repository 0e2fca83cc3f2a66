// Forwarding over TCP, RFC 6587 framing: octet counting (framing=octet, the default: any byte may
// be in a message) or LF-terminated (framing=lf).
//
// Delivery model:
// - Every message is encoded once into a record (its frames) and pushed onto the forward's queue
//   (forward-queue.ts: queue=disk, the default, survives restarts and crashes; queue=memory, or
//   the legacy buffer=). That file holds the rules shared with RELP: overflow= (drop-newest,
//   drop-oldest, block), the drop reports, backpressure, a disk queue kept at stop() and its
//   backlog delivered first, in order.
// - While connected, the head of the queue is written in batches (up to 64 KiB / 1024 records,
//   corked into one writev), one batch at a time. A batch leaves the queue, and its messages
//   are counted `written`, when the socket's write callback reports that Node handed the bytes
//   to the kernel. Plain TCP can know no more: bytes in the kernel's send buffer when the peer
//   resets are lost, counted written. A batch whose callback has not come when the connection
//   fails stays at the head of the queue and is sent again on the next connection (so a reset
//   can duplicate at most the records of that one batch; the receiver drops a frame cut off by
//   the reset).
// - The connection (stream-link.ts): back-off with jitter (1 s -> 60 s), "cannot connect" and
//   "connection lost" logged once per outage, "connected" when it is back; stall detection: a
//   batch not taken by the kernel after stall_timeout (the peer stopped reading: its window is
//   zero) resets the connection and reconnects, logged.
// - The socket itself comes from a StreamConnector: plain TCP here, TLS in forward-tls.ts
//   (which adds the handshake, the check of the receiver's certificate, and close_notify), so
//   that both transports share this one delivery model.

import { connect, type Socket, type TcpNetConnectOpts } from 'node:net'
import type { ForwardAction } from '../config/schema.js'
import type { Output, OutputContext, OutputCounters } from '../daemon/component.js'
import { DIGIT_0, octetCountPrefix } from '../framing/octet-counting.js'
import { ByteWriter } from '../message/byte-writer.js'
import { createFormatter, type Formatter } from '../message/format.js'
import type { SyslogMessage } from '../message/model.js'
import { countDropped, errorCode, newCounters, settleWithin } from './accounting.js'
import { hostPort } from './forward-options.js'
import { ForwardQueue } from './forward-queue.js'
import type { RecordQueue } from './record-queue.js'
import { linkSettings, StreamLink, type LinkTimings } from './stream-link.js'

/** Timings: reconnect back-off (default 1 s -> 60 s) and connect timeout (default 10 s). */
export interface TcpForwardOptions extends LinkTimings {
  /** stop() waits this long for the buffer to be sent, then drops the rest. Default 5 s. */
  stopGraceMs?: number
  /** The queue (default: createRecordQueue(action), as the action's queue= options say). */
  queue?: RecordQueue
  /** How connections are made (default: plain TCP). */
  connector?: StreamConnector
}

/** How a stream forward opens its connections: plain TCP (tcpConnector), or TLS (forward-tls.ts). */
export interface StreamConnector {
  /** The scheme in the output's name: "tcp", "tls". */
  readonly scheme: string
  /** The socket event after which data may be sent: 'connect', or 'secureConnect' for TLS. */
  readonly readyEvent: 'connect' | 'secureConnect'
  /** true: close with end() (TLS: close_notify, RFC 5425 §4.4) rather than destroy(). */
  readonly closeGracefully: boolean
  /** Loads what connect() needs (TLS: certificate files). Rejects with a configuration error. */
  prepare (): Promise<void>
  connect (options: TcpNetConnectOpts): Socket
  /** After readyEvent: null when the peer may be sent to, else why not (the connection is closed). */
  check (socket: Socket): string | null
  /** A connection error as a short reason for the log. */
  describe (err: Error): string
  /** SIGHUP: re-read files for the next connections. Never rejects. */
  reload (): Promise<void>
}

export const tcpConnector: StreamConnector = {
  scheme: 'tcp',
  readyEvent: 'connect',
  closeGracefully: false,
  prepare: async () => {},
  connect: (options) => connect(options),
  check: () => null,
  describe: errorCode,
  reload: async () => {}
}

const MAX_BATCH_BYTES = 64 * 1024
const MAX_BATCH_RECORDS = 1024
const LF = 0x0a
const SP = 0x20

export class TcpForward implements Output {
  readonly name: string
  readonly counters: OutputCounters = newCounters()
  /** "host:port" */
  readonly target: string
  readonly #encoder: StreamRecordEncoder
  readonly #queue: ForwardQueue
  readonly #link: StreamLink
  readonly #connector: StreamConnector
  readonly #stopGraceMs: number
  #optionError: Error | null = null
  readonly #batch: Buffer[] = []
  #scheduled = false
  #inFlight = 0
  #inFlightSinceMs = 0
  #started = false
  #stopping = false
  #stopped: Promise<void> | null = null

  constructor (action: ForwardAction, ctx: OutputContext, options: TcpForwardOptions = {}) {
    this.target = hostPort(action.host, action.port)
    this.#connector = options.connector ?? tcpConnector
    this.name = `forward ${this.#connector.scheme}://${this.target}`
    this.#encoder = new StreamRecordEncoder(action, ctx)
    this.#queue = new ForwardQueue(action, ctx, {
      name: this.name,
      target: this.target,
      counters: this.counters,
      inFlight: () => this.#inFlight,
      connected: () => this.#link.ready,
      kick: () => { this.#kick() }
    }, { queue: options.queue })
    const { settings, error } = linkSettings(action, options)
    if (error !== null) this.#optionError = error
    this.#stopGraceMs = options.stopGraceMs ?? 5000
    this.#link = new StreamLink({
      ...settings,
      name: this.name,
      connector: this.#connector,
      log: ctx.log,
      counters: this.counters,
      backlogNote: () => `buffering up to ${this.#queue.maxBytes} bytes`
    }, {
      // Read and discard anything the server sends, so that its FIN is seen.
      attach: (socket) => { socket.resume() },
      ready: () => {
        const failures = this.#link.established()
        ctx.log.log(6, `${this.name}: connected${failures > 0 ? ` after ${failures} failed attempts` : ''}`)
        this.#queue.reportDrops()
        this.#pump()
      },
      down: () => {
        // The batch in flight (if any) is still at the head of the queue: it is sent again.
        this.#inFlight = 0
        // Down: write() now accepts everything (and drops past the queue) instead of pacing,
        // unless overflow=block holds the inputs because the queue is full.
        this.#queue.maybeDrain()
      },
      stalled: (stallMs) => {
        const socket = this.#link.socket
        if (this.#inFlight === 0 || socket === null) return null
        const stuckMs = Date.now() - this.#inFlightSinceMs
        if (stuckMs < stallMs) return null
        return `no progress for ${(stuckMs / 1000).toFixed(1)} s with ${socket.writableLength} bytes unsent (the peer is not reading); resetting the connection and reconnecting`
      }
    })
  }

  /** True while a connection is up. */
  get connected (): boolean { return this.#link.ready }

  /** Bytes waiting in the buffer (including the batch being sent). */
  get bufferedBytes (): number { return this.#queue.bytes }

  /** Starts connecting and returns at once: a destination that is down is retried, not an error. */
  async start (): Promise<void> {
    if (!this.#started) {
      this.#started = true
      try {
        await this.#connector.prepare()
      } catch (err) {
        // Without its certificates the forward cannot connect: messages are buffered, then
        // counted as dropped; a reload with good files (reopen) starts it.
        this.#optionError ??= err as Error
        throw err
      }
      this.#queue.open()
      this.#link.connect()
    }
    if (this.#optionError !== null) throw this.#optionError
  }

  write (msg: SyslogMessage): boolean {
    this.counters.received++
    if (this.#stopping && !this.#queue.keepsAtShutdown) {
      countDropped(this.counters, 'shutdown')
      return true
    }
    const record = this.#encoder.encode(msg)
    this.counters.truncated = this.#encoder.truncated
    if (record.length === 0) {
      // Nothing to send (an empty 'raw' record cannot be octet-counted): delivered as nothing.
      this.#queue.skip()
      return true
    }
    this.#queue.admit(record, msg)
    return this.#queue.accepting()
  }

  onDrain (fn: () => void): void { this.#queue.onDrain(fn) }

  /** Resolves when every message accepted so far was handed to the kernel, committed to a disk queue, or dropped. */
  flush (): Promise<void> { return this.#queue.flush() }

  /** SIGHUP: when disconnected, try again now instead of at the end of the back-off. */
  async reopen (): Promise<void> {
    // Renewed certificates are used from the next connection on; this one keeps running.
    await this.#connector.reload()
    if (!this.#started) return
    this.#link.retryNow()
  }

  stop (): Promise<void> {
    if (this.#stopped === null) this.#stopped = this.#stop()
    return this.#stopped
  }

  destroy (_err?: Error): void {
    this.#stopping = true
    this.#shutDown()
    void this.#queue.close()
  }

  async #stop (): Promise<void> {
    this.#stopping = true
    if (this.#queue.persistent) {
      // What is queued stays on disk for the next start; only let the batch being sent finish
      // (fewer duplicates next time).
      await this.#queue.settleInFlight(this.#inFlight, this.#stopGraceMs)
    } else if (this.#queue.length > 0) {
      await settleWithin(this.flush(), this.#stopGraceMs)
    }
    this.#shutDown()
    await this.#queue.close()
  }

  #shutDown (): void {
    this.#link.shutDown()
    this.#inFlight = 0
    this.#queue.dropRest('destination did not take them')
  }

  #kick (): void {
    if (!this.#link.ready || this.#inFlight > 0 || this.#scheduled) return
    this.#scheduled = true
    // On the next turn, so that every message routed in this turn goes in one batch.
    setImmediate(this.#pump)
  }

  readonly #pump = (): void => {
    this.#scheduled = false
    const socket = this.#link.socket
    if (!this.#link.ready || socket === null || this.#inFlight > 0 || this.#queue.length === 0) return
    const batch = this.#batch
    const count = this.#queue.queue.peek(batch, MAX_BATCH_BYTES, MAX_BATCH_RECORDS)
    // A disk queue may have its next records on disk only: onReadable kicks us again.
    if (count === 0) return
    this.#inFlight = count
    this.#inFlightSinceMs = Date.now()
    const writes = joinAdjacent(batch, count)
    socket.cork()
    for (let i = 0; i < writes - 1; i++) socket.write(batch[i]!)
    // Writes complete in order: the last one's callback covers the batch.
    socket.write(batch[writes - 1]!, (err) => { this.#onBatchWritten(socket, err) })
    socket.uncork()
    batch.length = 0
  }

  #onBatchWritten (socket: Socket, err: Error | null | undefined): void {
    if (socket !== this.#link.socket || err != null) return // the close handler sends it again
    const count = this.#inFlight
    this.#inFlight = 0
    this.#queue.delivered(count)
    if (this.#queue.length > 0) this.#pump()
  }
}

/**
 * Formats messages into framed records for a stream: RFC 6587 §3.4.1 octet counting
 * ("LEN SP MSG") or §3.4.2 non-transparent framing with an LF trailer. With newline=split a
 * message becomes several frames, all in one record.
 *
 * Without split, a message is formatted straight into the output slab, behind room for its
 * MSG-LEN: as many digits as the previous record's length had (the bytes are moved in the rare
 * case the guess is wrong). So a record costs one format and no copy; consecutive records are
 * adjacent in one slab, which lets the sender write a batch as one Buffer (joinAdjacent).
 */
export class StreamRecordEncoder {
  readonly #formatter: Formatter
  readonly #octet: boolean
  readonly #split: boolean
  readonly #scratch = new ByteWriter(16 * 1024)
  readonly #out = new ByteWriter(64 * 1024)
  /** Digits of the last MSG-LEN: the room left for the next one. */
  #prefixDigits = 3

  constructor (action: Pick<ForwardAction, 'format' | 'newline' | 'framing'>, ctx: Pick<OutputContext, 'timeZone' | 'hostname'>) {
    this.#octet = action.framing === 'octet'
    this.#split = action.newline === 'split'
    // With split, records come out LF-terminated and are cut apart at the LFs (split leaves no
    // other LF in a record); otherwise one record, unterminated.
    this.#formatter = createFormatter(action.format, {
      newline: action.newline, terminator: this.#split ? '\n' : '', timeZone: ctx.timeZone, hostname: ctx.hostname
    })
  }

  get truncated (): number { return this.#formatter.truncated }

  /** The message's frames as one Buffer, which later encodes never overwrite. */
  encode (msg: SyslogMessage): Buffer {
    if (this.#split) return this.#encodeSplit(msg)
    const out = this.#out
    if (this.#octet) {
      this.#octetFrame(msg)
    } else {
      const start = out.length
      this.#formatter.write(msg, out)
      this.#lfTrailer(start)
    }
    return out.take()
  }

  /** "MSG-LEN SP MSG", formatted in place; nothing for an empty message (MSG-LEN cannot be 0). */
  #octetFrame (msg: SyslogMessage): void {
    const out = this.#out
    const start = out.length
    const room = this.#prefixDigits
    for (let i = 0; i <= room; i++) out.byte(SP)
    this.#formatter.write(msg, out)
    const length = out.length - start - room - 1
    if (length <= 0) {
      out.truncate(start)
      return
    }
    let digits = 1
    for (let n = length; n >= 10; n = Math.floor(n / 10)) digits++
    if (digits > room) {
      for (let i = room; i < digits; i++) out.byte(SP)
      out.view(start).copyWithin(digits + 1, room + 1, room + 1 + length)
    } else if (digits < room) {
      out.view(start).copyWithin(digits + 1, room + 1, room + 1 + length)
      out.truncate(start + digits + 1 + length)
    }
    const frame = out.view(start)
    let n = length
    for (let at = digits - 1; at >= 0; at--) {
      frame[at] = DIGIT_0 + (n % 10)
      n = Math.floor(n / 10)
    }
    frame[digits] = SP
    this.#prefixDigits = digits
  }

  /** RFC 6587 §3.4.2: the LF trailer after the record written from `start`. */
  #lfTrailer (start: number): void {
    const out = this.#out
    // An LF inside would end the frame early (possible only with newline=keep); like
    // encodeNonTransparent, it becomes a space.
    const framed = out.view(start)
    for (let lf = framed.indexOf(LF); lf >= 0; lf = framed.indexOf(LF, lf + 1)) framed[lf] = SP
    out.byte(LF)
  }

  #encodeSplit (msg: SyslogMessage): Buffer {
    const scratch = this.#scratch
    scratch.truncate(0)
    this.#formatter.write(msg, scratch)
    const formatted = scratch.view(0)
    let start = 0
    for (let lf = formatted.indexOf(LF, start); lf >= 0; lf = formatted.indexOf(LF, start)) {
      this.#frame(formatted.subarray(start, lf))
      start = lf + 1
    }
    return this.#out.take()
  }

  #frame (record: Buffer): void {
    const out = this.#out
    if (this.#octet) {
      if (record.length === 0) return // MSG-LEN cannot be 0
      out.bytes(octetCountPrefix(record.length))
      out.bytes(record)
      return
    }
    const start = out.length
    out.bytes(record)
    this.#lfTrailer(start)
  }
}

/**
 * Joins records that lie next to each other in memory (the encoder's slab writes them so) into
 * one Buffer per run, in place: `batch` keeps its order; returns the new length. A batch of
 * hundreds of records becomes one or two writes instead of a writev of hundreds.
 */
export function joinAdjacent (batch: Buffer[], count: number): number {
  let runs = 0
  let run = batch[0]!
  let runEnd = run.byteOffset + run.length
  let joined = false
  for (let i = 1; i < count; i++) {
    const next = batch[i]!
    if (next.buffer === run.buffer && next.byteOffset === runEnd && next.length > 0) {
      runEnd += next.length
      joined = true
      continue
    }
    batch[runs++] = joined ? Buffer.from(run.buffer, run.byteOffset, runEnd - run.byteOffset) : run
    run = next
    runEnd = run.byteOffset + run.length
    joined = false
  }
  batch[runs++] = joined ? Buffer.from(run.buffer, run.byteOffset, runEnd - run.byteOffset) : run
  batch.length = runs
  return runs
}
