// Forwarding over TCP, RFC 6587 framing: octet counting (framing=octet, the default: any byte may
// be in a message) or LF-terminated (framing=lf).
//
// Delivery model:
// - Every message is encoded once into a record (its frames) and pushed onto a RecordQueue:
//   queue=disk (queue/disk-queue.ts, the default for TCP and TLS: it survives restarts and
//   crashes) or queue=memory (buffer=, the only kind before issue 5). forward-queue.ts builds it.
// - When the queue is full, overflow= decides. drop-newest (the default): the NEW message is
//   dropped ('queue-full', or 'buffer-full' for the legacy buffer=): the oldest records are the
//   ones a reader of the remote log needs to understand what followed. drop-oldest: the oldest
//   records not being sent now make room. block: write() returns false before the queue is full
//   (headroom for the frames already read), so the daemon pauses its stream inputs; UDP, which
//   cannot be paused, is dropped while blocked. Drops are logged with their count once the
//   destination takes messages again or the queue has room: "dropped N messages to HOST:PORT:
//   queue full". A disk queue on a full disk is a full queue: new messages are dropped
//   ('disk-full'; block pauses the inputs first) until an append succeeds again.
// - A disk queue keeps what is left at stop() for the next start (nothing is dropped), and
//   delivers that backlog first, in order.
// - While connected, the head of the queue is written in batches (up to 64 KiB / 1024 records,
//   corked into one writev), one batch at a time. A batch leaves the queue, and its messages
//   are counted `written`, when the socket's write callback reports that Node handed the bytes
//   to the kernel. Plain TCP can know no more: bytes in the kernel's send buffer when the peer
//   resets are lost, counted written. A batch whose callback has not come when the connection
//   fails stays at the head of the queue and is sent again on the next connection (so a reset
//   can duplicate at most the records of that one batch; the receiver drops a frame cut off by
//   the reset).
// - Connecting uses a capped exponential back-off with jitter (1 s -> 60 s). "cannot connect"
//   and "connection lost" are logged once per outage, "connected" when it is back.
// - Stall detection: a batch that has not been taken by the kernel after stall_timeout (the
//   peer stopped reading: its window is zero) resets the connection and reconnects, logged.
// - Backpressure: while connected, write() returns false once the queue holds highWaterBytes
//   (half the buffer, at most 1 MiB), and onDrain fires below half of that. While the
//   destination is down write() always returns true: a down loghost must not stall local
//   logging, so the buffer fills and then drops, counted.
// - The connection itself comes from a StreamConnector: plain TCP here, TLS in forward-tls.ts
//   (which adds the handshake, the check of the receiver's certificate, and close_notify), so
//   that both transports share this one delivery model.

import { connect, type Socket, type TcpNetConnectOpts } from 'node:net'
import type { ForwardAction } from '../config/schema.js'
import type { Output, OutputContext, OutputCounters } from '../daemon/component.js'
import { octetCountPrefix } from '../framing/octet-counting.js'
import { ByteWriter } from '../message/byte-writer.js'
import { createFormatter, type Formatter } from '../message/format.js'
import type { SyslogMessage } from '../message/model.js'
import { countDropped, DrainSignal, errorCode, messages, newCounters, Progress, settleWithin } from './accounting.js'
import { Backoff } from './backoff.js'
import { hostPort, numberOption } from './forward-options.js'
import { createRecordQueue, type Overflow } from './forward-queue.js'
import type { RecordQueue } from './record-queue.js'

export interface TcpForwardOptions {
  /** Reconnect back-off. Default 1 s -> 60 s. */
  retryMinMs?: number
  retryMaxMs?: number
  /** A connection attempt is given up after this long. Default 10 s. */
  connectTimeoutMs?: number
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

/** How long a graceful close (TLS close_notify) may take before the socket is destroyed. */
const CLOSE_GRACE_MS = 2000

const MAX_BATCH_BYTES = 64 * 1024
const MAX_BATCH_RECORDS = 1024
const LF = 0x0a
const SP = 0x20

export class TcpForward implements Output {
  readonly name: string
  readonly counters: OutputCounters = newCounters()
  /** "host:port" */
  readonly target: string
  readonly #host: string
  readonly #port: number
  readonly #ctx: OutputContext
  readonly #encoder: StreamRecordEncoder
  readonly #queue: RecordQueue
  readonly #progress = new Progress()
  readonly #drain = new DrainSignal()
  readonly #backoff: Backoff
  readonly #connectTimeoutMs: number
  readonly #stopGraceMs: number
  readonly #highWaterBytes: number
  readonly #stallMs: number
  #optionError: Error | null
  readonly #connector: StreamConnector
  readonly #batch: Buffer[] = []
  #socket: Socket | null = null
  #connected = false
  /** Failed connection attempts since the last connection. */
  #failures = 0
  #lastError = ''
  #stalled = false
  #reconnectTimer: NodeJS.Timeout | null = null
  #stallTimer: NodeJS.Timeout | null = null
  #scheduled = false
  #inFlight = 0
  #inFlightSinceMs = 0
  #enqueued = 0
  /** Drops not yet reported in the log: queue (or buffer) full, disk full. */
  #fullDrops = 0
  #diskDrops = 0
  readonly #overflow: Overflow
  readonly #fullReason: 'queue-full' | 'buffer-full'
  /** overflow=block: write() says "full" from this many queued bytes, and "drained" below resumeBelow. */
  readonly #blockAtBytes: number
  readonly #resumeBelowBytes: number
  #blocking = false
  #queueReady = false
  #started = false
  #stopping = false
  /** After stop()'s grace period: no more connecting. */
  #closing = false
  #stopped: Promise<void> | null = null

  constructor (action: ForwardAction, ctx: OutputContext, options: TcpForwardOptions = {}) {
    this.#host = action.host
    this.#port = action.port
    this.target = hostPort(action.host, action.port)
    this.#connector = options.connector ?? tcpConnector
    this.name = `forward ${this.#connector.scheme}://${this.target}`
    this.#ctx = ctx
    this.#encoder = new StreamRecordEncoder(action, ctx)
    this.#queue = options.queue ?? createRecordQueue(action, ctx)
    this.#overflow = action.queue?.overflow ?? 'drop-newest'
    this.#fullReason = action.queue === undefined ? 'buffer-full' : 'queue-full'
    const headroom = Math.min(1024 * 1024, Math.floor(this.#queue.maxBytes / 2))
    this.#blockAtBytes = this.#queue.maxBytes - headroom
    this.#resumeBelowBytes = Math.floor(this.#blockAtBytes / 2)
    this.#queueReady = true
    this.#queue.onReadable?.(() => { this.#kick() })
    this.#queue.onWritable?.(() => { this.#reportDrops(); this.#maybeDrain() })
    this.counters.queue = this.#queue.stats
    this.#backoff = new Backoff(options.retryMinMs ?? 1000, options.retryMaxMs ?? 60_000)
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000
    this.#stopGraceMs = options.stopGraceMs ?? 5000
    this.#highWaterBytes = Math.min(1024 * 1024, Math.floor(this.#queue.maxBytes / 2))
    let stallMs = 30_000
    let optionError: Error | null = null
    try {
      stallMs = numberOption(action.options, 'stall_timeout', 30, 86_400) * 1000
    } catch (err) {
      optionError = err as Error
    }
    this.#stallMs = stallMs
    this.#optionError = optionError
  }

  /** True while a connection is up. */
  get connected (): boolean { return this.#connected }

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
      if (this.#queue.open !== undefined) this.#openQueue()
      this.#connect()
    }
    if (this.#optionError !== null) throw this.#optionError
  }

  write (msg: SyslogMessage): boolean {
    this.counters.received++
    if (this.#stopping) {
      countDropped(this.counters, 'shutdown')
      return true
    }
    const record = this.#encoder.encode(msg)
    this.counters.truncated = this.#encoder.truncated
    if (record.length === 0) {
      // Nothing to send (an empty 'raw' record cannot be octet-counted): delivered as nothing.
      this.counters.written++
      return true
    }
    this.#admit(record, msg)
    const queue = this.#queue
    if (this.#overflow === 'block' && (queue.bytes >= this.#blockAtBytes || queue.diskFull === true)) {
      this.#blocking = true
      this.#drain.setFull()
      return false
    }
    // A memory queue paces the inputs to the destination while connected; a disk queue absorbs.
    if (queue.persistent !== true && this.#connected && queue.bytes >= this.#highWaterBytes) {
      this.#drain.setFull()
      return false
    }
    return true
  }

  /** Queues the record, or counts it (or older ones, with drop-oldest) as dropped. */
  #admit (record: Buffer, msg: SyslogMessage): void {
    const queue = this.#queue
    if (!this.#queueReady) {
      countDropped(this.counters, 'write-error')
      return
    }
    // overflow=block pauses stream inputs; a UDP input cannot pause, so its messages are dropped.
    if (this.#blocking && msg.source?.input.startsWith('udp') === true) {
      this.#dropFull(1)
      return
    }
    if (queue.push(record)) {
      this.#enqueued++
      this.#kick()
      return
    }
    if (queue.diskFull === true) {
      countDropped(this.counters, 'disk-full')
      this.#diskDrops++
      return
    }
    if (this.#overflow === 'drop-oldest') {
      const evicted = queue.evict(this.#inFlight, record.length)
      if (evicted > 0) {
        this.#dropFull(evicted)
        this.#progress.advance(evicted)
        if (queue.push(record)) {
          this.#enqueued++
          this.#kick()
          return
        }
      }
    }
    this.#dropFull(1)
  }

  #dropFull (count: number): void {
    countDropped(this.counters, this.#fullReason, count)
    this.#fullDrops += count
  }

  /** Fires onDrain once the queue has room again (by the rules write() used to say "full"). */
  #maybeDrain (): void {
    const queue = this.#queue
    if (queue.diskFull === true) return
    if (this.#overflow === 'block' && queue.bytes >= this.#resumeBelowBytes && this.#blocking) return
    if (queue.persistent !== true && this.#connected && queue.bytes >= this.#highWaterBytes / 2) return
    const wasBlocking = this.#blocking
    this.#blocking = false
    this.#drain.drained()
    if (wasBlocking) this.#reportDrops()
  }

  onDrain (fn: () => void): void { this.#drain.add(fn) }

  /** Resolves when every message accepted so far was handed to the kernel (or dropped). */
  flush (): Promise<void> {
    return this.#progress.until(this.#enqueued)
  }

  /** SIGHUP: when disconnected, try again now instead of at the end of the back-off. */
  async reopen (): Promise<void> {
    // Renewed certificates are used from the next connection on; this one keeps running.
    await this.#connector.reload()
    if (this.#connected || this.#socket !== null || this.#closing || !this.#started) return
    this.#backoff.reset()
    this.#connect()
  }

  stop (): Promise<void> {
    if (this.#stopped === null) this.#stopped = this.#stop()
    return this.#stopped
  }

  destroy (_err?: Error): void {
    this.#stopping = true
    this.#shutDown()
    void this.#closeQueue()
  }

  /**
   * Opens (recovers) a disk queue without holding up the daemon's start: the queue takes
   * messages in memory meanwhile, and its backlog is sent once it is open.
   */
  #openQueue (): void {
    const queue = this.#queue
    queue.open!().then(() => { this.#kick() }, async (err: unknown) => {
      // Without its queue the forward drops what it is given ('write-error'), counted.
      this.#queueReady = false
      this.counters.errors++
      this.#ctx.log.log(3, `${this.name}: ${(err as Error).message}`)
      const lost = await queue.close?.() ?? 0
      countDropped(this.counters, 'write-error', lost)
      this.#progress.advance(lost)
      if (lost > 0) this.#ctx.log.log(4, `dropped ${messages(lost)} to ${this.target}: no queue`)
    })
  }

  async #stop (): Promise<void> {
    this.#stopping = true
    if (this.#queue.persistent === true) {
      // What is queued stays on disk for the next start; only let the batch being sent finish
      // (fewer duplicates next time).
      if (this.#inFlight > 0) await settleWithin(this.#progress.until(this.#progress.done + this.#inFlight), this.#stopGraceMs)
    } else if (this.#queue.length > 0) {
      await settleWithin(this.flush(), this.#stopGraceMs)
    }
    this.#shutDown()
    await this.#closeQueue()
  }

  async #closeQueue (): Promise<void> {
    if (this.#queue.close === undefined) return
    const kept = this.#queue.length
    const lost = await this.#queue.close()
    if (lost > 0) {
      countDropped(this.counters, 'disk-full', lost)
      this.#diskDrops += lost
      this.#reportDrops()
    }
    if (kept - lost > 0) this.#ctx.log.log(6, `${this.name}: ${messages(kept - lost)} kept in the queue for the next start`)
  }

  #shutDown (): void {
    if (this.#closing) return
    this.#closing = true
    if (this.#reconnectTimer !== null) clearTimeout(this.#reconnectTimer)
    this.#reconnectTimer = null
    this.#stopStallTimer()
    const socket = this.#socket
    this.#socket = null
    this.#connected = false
    this.#inFlight = 0
    const left = this.#queue.persistent === true ? 0 : this.#queue.length
    if (left > 0) {
      this.#queue.shift(left)
      countDropped(this.counters, 'shutdown', left)
      this.#progress.advance(left)
      this.#ctx.log.log(4, `${this.name}: dropped ${messages(left)} at shutdown: destination did not take them`)
    }
    this.#reportDrops()
    // Records already handed over are in the kernel's send buffer; close(2) still sends them.
    if (socket === null) return
    if (this.#connector.closeGracefully && !socket.connecting) {
      socket.end()
      setTimeout(() => { socket.destroy() }, CLOSE_GRACE_MS).unref()
    } else {
      socket.destroy()
    }
  }

  #connect (): void {
    this.#reconnectTimer = null
    if (this.#closing || this.#socket !== null) return
    const connector = this.#connector
    const socket = connector.connect({ host: this.#host, port: this.#port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000 })
    this.#socket = socket
    this.#stalled = false
    socket.setTimeout(this.#connectTimeoutMs)
    socket.on('timeout', () => {
      if (!this.#connected) socket.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' }))
    })
    socket.on('error', (err) => { this.#lastError = connector.describe(err) })
    socket.on(connector.readyEvent, () => { this.#onConnect(socket) })
    socket.on('close', () => { this.#onClose(socket) })
    // Read and discard anything the server sends, so that its FIN is seen.
    socket.resume()
  }

  readonly #reconnect = (): void => { this.#connect() }

  #onConnect (socket: Socket): void {
    if (socket !== this.#socket) return
    const refusal = this.#connector.check(socket)
    if (refusal !== null) {
      // Counted and logged as a failed attempt by the close handler ("cannot connect (why)").
      this.#lastError = refusal
      socket.destroy()
      return
    }
    socket.setTimeout(0)
    this.#connected = true
    const failures = this.#failures
    this.#failures = 0
    this.#backoff.reset()
    this.#ctx.log.log(6, `${this.name}: connected${failures > 0 ? ` after ${failures} failed attempts` : ''}`)
    this.#reportDrops()
    if (this.#stallMs > 0) {
      this.#stallTimer = setInterval(this.#checkStall, Math.max(20, Math.min(1000, this.#stallMs / 4)))
      this.#stallTimer.unref()
    }
    this.#pump()
  }

  #onClose (socket: Socket): void {
    if (socket !== this.#socket) return
    this.#socket = null
    const wasConnected = this.#connected
    this.#connected = false
    // The batch in flight (if any) is still at the head of the queue: it is sent again.
    this.#inFlight = 0
    this.#stopStallTimer()
    const why = this.#lastError !== '' ? this.#lastError : 'closed by peer'
    this.#lastError = ''
    if (wasConnected) {
      if (!this.#stalled) {
        this.counters.errors++
        this.#ctx.log.log(4, `${this.name}: connection lost (${why}); reconnecting`)
      }
    } else {
      if (this.#failures === 0) {
        this.counters.errors++
        this.#ctx.log.log(4, `${this.name}: cannot connect (${why}); retrying with back-off up to ${this.#backoff.maxMs / 1000} s, buffering up to ${this.#queue.maxBytes} bytes`)
      }
      this.#failures++
    }
    // Down: write() now accepts everything (and drops past the queue) instead of pacing, unless
    // overflow=block holds the inputs because the queue is full.
    this.#maybeDrain()
    if (this.#closing) return
    this.#reconnectTimer = setTimeout(this.#reconnect, this.#backoff.next())
  }

  #kick (): void {
    if (!this.#connected || this.#inFlight > 0 || this.#scheduled) return
    this.#scheduled = true
    // On the next turn, so that every message routed in this turn goes in one batch.
    setImmediate(this.#pump)
  }

  readonly #pump = (): void => {
    this.#scheduled = false
    const socket = this.#socket
    if (!this.#connected || socket === null || this.#inFlight > 0 || this.#queue.length === 0) return
    const batch = this.#batch
    const count = this.#queue.peek(batch, MAX_BATCH_BYTES, MAX_BATCH_RECORDS)
    // A disk queue may have its next records on disk only: onReadable kicks us again.
    if (count === 0) return
    this.#inFlight = count
    this.#inFlightSinceMs = Date.now()
    socket.cork()
    for (let i = 0; i < count - 1; i++) socket.write(batch[i]!)
    // Writes complete in order: the last one's callback covers the batch.
    socket.write(batch[count - 1]!, (err) => { this.#onBatchWritten(socket, err) })
    socket.uncork()
    batch.length = 0
  }

  #onBatchWritten (socket: Socket, err: Error | null | undefined): void {
    if (socket !== this.#socket || err != null) return // the close handler sends it again
    const count = this.#inFlight
    this.#inFlight = 0
    this.#queue.shift(count)
    this.counters.written += count
    this.#progress.advance(count)
    this.#maybeDrain()
    if (this.#queue.length === 0) this.#reportDrops()
    else this.#pump()
  }

  readonly #checkStall = (): void => {
    const socket = this.#socket
    if (this.#inFlight === 0 || socket === null || !this.#connected) return
    const stuckMs = Date.now() - this.#inFlightSinceMs
    if (stuckMs < this.#stallMs) return
    this.#stalled = true
    this.counters.errors++
    this.#ctx.log.log(4, `${this.name}: no progress for ${(stuckMs / 1000).toFixed(1)} s with ${socket.writableLength} bytes unsent (the peer is not reading); resetting the connection and reconnecting`)
    // RST rather than FIN: the stalled peer must not get half a batch later.
    socket.resetAndDestroy()
  }

  #stopStallTimer (): void {
    if (this.#stallTimer !== null) clearInterval(this.#stallTimer)
    this.#stallTimer = null
  }

  #reportDrops (): void {
    if (this.#fullDrops > 0) {
      this.#ctx.log.log(4, `dropped ${messages(this.#fullDrops)} to ${this.target}: ${this.#fullReason === 'buffer-full' ? 'buffer' : 'queue'} full`)
      this.#fullDrops = 0
    }
    if (this.#diskDrops > 0) {
      this.#ctx.log.log(4, `dropped ${messages(this.#diskDrops)} to ${this.target}: disk full under its queue`)
      this.#diskDrops = 0
    }
  }
}

/**
 * Formats messages into framed records for a stream: RFC 6587 §3.4.1 octet counting
 * ("LEN SP MSG") or §3.4.2 non-transparent framing with an LF trailer. With newline=split a
 * message becomes several frames, all in one record.
 */
export class StreamRecordEncoder {
  readonly #formatter: Formatter
  readonly #octet: boolean
  readonly #split: boolean
  readonly #scratch = new ByteWriter(16 * 1024)
  readonly #out = new ByteWriter(64 * 1024)

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
    const scratch = this.#scratch
    scratch.truncate(0)
    this.#formatter.write(msg, scratch)
    const formatted = scratch.view(0)
    if (!this.#split) {
      this.#frame(formatted)
    } else {
      let start = 0
      for (let lf = formatted.indexOf(LF, start); lf >= 0; lf = formatted.indexOf(LF, start)) {
        this.#frame(formatted.subarray(start, lf))
        start = lf + 1
      }
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
    // RFC 6587 §3.4.2: an LF inside would end the frame early (possible only with newline=keep);
    // like encodeNonTransparent, it becomes a space.
    const framed = out.view(start)
    for (let lf = framed.indexOf(LF); lf >= 0; lf = framed.indexOf(LF, lf + 1)) framed[lf] = SP
    out.byte(LF)
  }
}
