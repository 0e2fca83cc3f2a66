// Forwarding over RELP (rsyslog's Reliable Event Logging Protocol, librelp): `@relp://host:port`,
// and over TLS with `@relp+tls://` or tls=on (the @tls:// options: ca=, cert=, key=, name=,
// fingerprint=, verify=). Framing is in framing/relp.ts.
//
// Delivery model: a message leaves the queue only when the receiver answered its transaction
// with "rsp 200". Nothing else counts: not the kernel taking the bytes, not the connection
// closing cleanly.
// - Every message is formatted once into a record (its bytes, unframed: the txnr is given when
//   it is sent) and pushed onto a RecordQueue (buffer=, default 8 MiB). THE SEAM: the queue is
//   taken through TcpForwardOptions-like `RelpForwardOptions.queue`; a disk queue implementing
//   record-queue.ts's RecordQueue replaces the MemoryRecordQueue without anything here
//   changing. This forward calls push() on write(), peek() to (re)send the head records, and
//   shift() only for records acknowledged "200" in order (or given up at shutdown), so a
//   record that is shift()ed is one the receiver has made durable.
// - Window: at most window= (default 128, librelp's) transactions are sent and unanswered. The
//   records in flight are always the first ones of the queue. Answers normally come in order;
//   an answer that comes early is remembered until the ones before it arrive.
// - A session: connect (TLS: handshake and the receiver's check, forward-tls.ts), "open" with our
//   offers; the receiver's "200 OK" must offer commands=syslog. Then syslog transactions.
// - Lost session (reset, serverclose, a non-200 answer, or no answer for stall_timeout, default
//   30 s): every unanswered record is still at the head of the queue and is sent again, in
//   order, on the next session, after a capped back-off (1 s -> 60 s). Those are counted in
//   `resent` (the receiver may have stored some of them: at most `window` per lost session).
// - Backpressure: write() returns false once the queue holds highWaterBytes (half the buffer,
//   at most 1 MiB) whether or not the receiver is up: RELP is chosen where loss is not
//   acceptable, so a down or silent receiver pauses the stream listeners (TCP flow control
//   pushes back on their senders) rather than filling the buffer and dropping. Only what
//   cannot be paused (UDP) can fill buffer=; then the new message is dropped, counted
//   'buffer-full' and reported when the receiver takes messages again.
// - stop(): waits up to stopGraceMs for every record to be acknowledged, sends "close", then
//   counts what is left as dropped ('shutdown'). A disk queue would keep those instead.

import type { Socket } from 'node:net'
import { DEFAULT_RELP_WINDOW } from '../config/action.js'
import type { ForwardAction } from '../config/schema.js'
import type { Output, OutputContext, OutputCounters } from '../daemon/component.js'
import { VERSION } from '../cli/version.js'
import { encodeRelpFrame, MAX_TXNR, nextTxnr, parseOffers, parseRelpResponse, RelpDecoder, type RelpFrame } from '../framing/relp.js'
import { ByteWriter } from '../message/byte-writer.js'
import { createFormatter, type Formatter } from '../message/format.js'
import type { SyslogMessage } from '../message/model.js'
import { countDropped, DrainSignal, messages, newCounters, Progress, settleWithin } from './accounting.js'
import { Backoff } from './backoff.js'
import { tcpConnector, type StreamConnector } from './forward-tcp.js'
import { hostPort, numberOption } from './forward-options.js'
import { MemoryRecordQueue, type RecordQueue } from './record-queue.js'

export interface RelpForwardOptions {
  retryMinMs?: number
  retryMaxMs?: number
  connectTimeoutMs?: number
  stopGraceMs?: number
  /** The queue (default: a MemoryRecordQueue of action.bufferBytes). See the header: the seam. */
  queue?: RecordQueue
  /** How connections are made: plain TCP (default) or a TlsConnector. */
  connector?: StreamConnector
}

const OPEN_TXNR = 1
/** Answers are short; a receiver that sends more than this in one frame is broken. */
const MAX_RESPONSE_BYTES = 64 * 1024
const CLOSE_WAIT_MS = 1000

export class RelpForward implements Output {
  readonly name: string
  readonly counters: OutputCounters = newCounters()
  readonly target: string
  readonly #host: string
  readonly #port: number
  readonly #ctx: OutputContext
  readonly #formatter: Formatter
  readonly #scratch = new ByteWriter(16 * 1024)
  readonly #queue: RecordQueue
  readonly #window: number
  readonly #progress = new Progress()
  readonly #drain = new DrainSignal()
  readonly #backoff: Backoff
  readonly #connector: StreamConnector
  readonly #connectTimeoutMs: number
  readonly #stopGraceMs: number
  readonly #highWaterBytes: number
  #stallMs = 30_000
  #optionError: Error | null = null
  readonly #batch: Buffer[] = []
  #socket: Socket | null = null
  #state: 'down' | 'connecting' | 'opening' | 'open' | 'closing' = 'down'
  /** Absolute number of the record at the head of the queue (records ever shifted). */
  #headSeq = 0
  /** Absolute number of the next record to send in this session. */
  #sentSeq = 0
  /** One past the highest record ever sent: records below it sent again are `resent`. */
  #everSentSeq = 0
  /** This session: the record #sessionSeq was (or will be) sent with txnr #sessionTxnr. */
  #sessionSeq = 0
  #sessionTxnr = 2
  #nextTxnr = 1
  /** Records answered 200 ahead of an earlier one still unanswered. */
  readonly #ackedAhead = new Set<number>()
  #lastProgressMs = 0
  #failures = 0
  #lastError = ''
  #stalled = false
  #reconnectTimer: NodeJS.Timeout | null = null
  #stallTimer: NodeJS.Timeout | null = null
  #scheduled = false
  #enqueued = 0
  #bufferDrops = 0
  #started = false
  #stopping = false
  #closing = false
  #stopped: Promise<void> | null = null
  #onCloseAnswered: (() => void) | null = null

  constructor (action: ForwardAction, ctx: OutputContext, options: RelpForwardOptions = {}) {
    this.#host = action.host
    this.#port = action.port
    this.target = hostPort(action.host, action.port)
    this.#connector = options.connector ?? tcpConnector
    this.name = `forward ${action.tls === undefined ? 'relp' : 'relp+tls'}://${this.target}`
    this.#ctx = ctx
    this.#formatter = createFormatter(action.format, { newline: action.newline, terminator: '', timeZone: ctx.timeZone, hostname: ctx.hostname })
    this.#queue = options.queue ?? new MemoryRecordQueue(action.bufferBytes)
    this.#window = action.window ?? DEFAULT_RELP_WINDOW
    this.#backoff = new Backoff(options.retryMinMs ?? 1000, options.retryMaxMs ?? 60_000)
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000
    this.#stopGraceMs = options.stopGraceMs ?? 5000
    this.#highWaterBytes = Math.min(1024 * 1024, Math.floor(this.#queue.maxBytes / 2))
    this.counters.resent = 0
    try {
      this.#stallMs = numberOption(action.options, 'stall_timeout', 30, 86_400) * 1000
    } catch (err) {
      this.#optionError = err as Error
    }
  }

  /** True while a RELP session is open. */
  get connected (): boolean { return this.#state === 'open' }
  get bufferedBytes (): number { return this.#queue.bytes }
  /** Records sent and not yet answered. */
  get inFlight (): number { return this.#sentSeq - this.#headSeq }

  async start (): Promise<void> {
    if (!this.#started) {
      this.#started = true
      try {
        await this.#connector.prepare()
      } catch (err) {
        this.#optionError ??= err as Error
        throw err
      }
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
    const scratch = this.#scratch
    scratch.truncate(0)
    this.#formatter.write(msg, scratch)
    this.counters.truncated = this.#formatter.truncated
    if (this.#queue.push(Buffer.from(scratch.view(0)))) {
      this.#enqueued++
      this.#kick()
    } else {
      countDropped(this.counters, 'buffer-full')
      this.#bufferDrops++
    }
    if (this.#queue.bytes >= this.#highWaterBytes) {
      this.#drain.setFull()
      return false
    }
    return true
  }

  onDrain (fn: () => void): void { this.#drain.add(fn) }

  /** Resolves when every message accepted so far was acknowledged by the receiver (or dropped). */
  flush (): Promise<void> { return this.#progress.until(this.#enqueued) }

  async reopen (): Promise<void> {
    await this.#connector.reload()
    if (this.#socket !== null || this.#closing || !this.#started) return
    if (this.#reconnectTimer !== null) clearTimeout(this.#reconnectTimer)
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
  }

  async #stop (): Promise<void> {
    this.#stopping = true
    if (this.#queue.length > 0) await settleWithin(this.flush(), this.#stopGraceMs)
    if (this.#state === 'open' && this.#socket !== null) {
      // RELP close: the receiver answers, then the connection ends.
      const socket = this.#socket
      this.#state = 'closing'
      const answered = new Promise<void>((resolve) => { this.#onCloseAnswered = resolve })
      socket.write(encodeRelpFrame(this.#takeTxnr(), 'close'))
      await settleWithin(answered, CLOSE_WAIT_MS)
    }
    this.#shutDown()
  }

  #shutDown (): void {
    if (this.#closing) return
    this.#closing = true
    if (this.#reconnectTimer !== null) clearTimeout(this.#reconnectTimer)
    this.#reconnectTimer = null
    this.#stopStallTimer()
    const socket = this.#socket
    this.#socket = null
    this.#state = 'down'
    const left = this.#queue.length
    if (left > 0) {
      this.#queue.shift(left)
      this.#headSeq += left
      this.#sentSeq = this.#headSeq
      countDropped(this.counters, 'shutdown', left)
      this.#progress.advance(left)
      this.#ctx.log.log(4, `${this.name}: dropped ${messages(left)} at shutdown: not acknowledged by the receiver`)
    }
    this.#reportDrops()
    if (socket === null) return
    if (this.#connector.closeGracefully && !socket.connecting) {
      socket.end()
      setTimeout(() => { socket.destroy() }, 2000).unref()
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
    this.#state = 'connecting'
    this.#stalled = false
    socket.setTimeout(this.#connectTimeoutMs)
    socket.on('timeout', () => {
      if (this.#state === 'connecting') socket.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' }))
    })
    socket.on('error', (err) => { this.#lastError = connector.describe(err) })
    socket.on(connector.readyEvent, () => { this.#onConnect(socket) })
    socket.on('close', () => { this.#onClose(socket) })
    const decoder = new RelpDecoder({
      maxDataBytes: MAX_RESPONSE_BYTES,
      onFrame: (frame) => { if (socket === this.#socket) this.#onFrame(socket, frame) },
      onProblem: (_problem, detail) => { this.#fail(socket, `bad frame from the receiver: ${detail}`) }
    })
    socket.on('data', (chunk: Buffer) => { decoder.push(chunk) })
  }

  readonly #reconnect = (): void => { this.#connect() }

  #onConnect (socket: Socket): void {
    if (socket !== this.#socket) return
    const refusal = this.#connector.check(socket)
    if (refusal !== null) {
      this.#lastError = refusal
      socket.destroy()
      return
    }
    socket.setTimeout(0)
    this.#state = 'opening'
    this.#nextTxnr = OPEN_TXNR
    socket.write(encodeRelpFrame(this.#takeTxnr(), 'open', `relp_version=0\nrelp_software=stele,${VERSION}\ncommands=syslog`))
    this.#lastProgressMs = Date.now()
    if (this.#stallMs > 0) {
      this.#stallTimer = setInterval(this.#checkStall, Math.max(20, Math.min(1000, this.#stallMs / 4)))
      this.#stallTimer.unref()
    }
  }

  #onFrame (socket: Socket, frame: RelpFrame): void {
    if (frame.command === 'serverclose') {
      this.#fail(socket, 'the receiver closed the session (serverclose)', false)
      return
    }
    if (frame.command !== 'rsp') {
      this.#fail(socket, `unexpected command "${frame.command}" from the receiver`)
      return
    }
    const rsp = parseRelpResponse(frame.data)
    if (rsp === null) {
      this.#fail(socket, `an answer without a status code for txnr ${frame.txnr}`)
      return
    }
    this.#lastProgressMs = Date.now()
    if (this.#state === 'opening') {
      if (frame.txnr !== OPEN_TXNR) return this.#fail(socket, `answer for txnr ${frame.txnr} before the answer to "open"`)
      const commands = (parseOffers(rsp.data).get('commands') ?? '').split(',')
      if (rsp.code !== 200) return this.#fail(socket, `the receiver refused the session (${rsp.code} ${rsp.text})`)
      if (!commands.includes('syslog')) return this.#fail(socket, 'the receiver does not offer commands=syslog')
      this.#onOpen()
      return
    }
    if (this.#state === 'closing') {
      this.#onCloseAnswered?.()
      return
    }
    const seq = this.#seqOf(frame.txnr)
    if (seq === null) return this.#fail(socket, `an answer for txnr ${frame.txnr}, which is not in flight`)
    if (rsp.code !== 200) {
      // The record stays at the head of the queue and is sent again on a new session.
      return this.#fail(socket, `the receiver answered ${rsp.code} ${rsp.text} for a message`)
    }
    this.#acknowledge(seq)
  }

  #onOpen (): void {
    this.#state = 'open'
    const failures = this.#failures
    this.#failures = 0
    this.#backoff.reset()
    this.#sessionSeq = this.#headSeq
    this.#sentSeq = this.#headSeq
    this.#sessionTxnr = this.#nextTxnr
    const unacked = this.#everSentSeq - this.#headSeq
    this.#ctx.log.log(6, `${this.name}: connected${failures > 0 ? ` after ${failures} failed attempts` : ''}${unacked > 0 ? `; sending ${messages(unacked)} again that were not acknowledged` : ''}`)
    this.#reportDrops()
    this.#pump()
  }

  /** The record number a txnr of this session stands for, if it is in flight. */
  #seqOf (txnr: number): number | null {
    const distance = txnr >= this.#sessionTxnr ? txnr - this.#sessionTxnr : txnr + MAX_TXNR - this.#sessionTxnr
    const seq = this.#sessionSeq + distance
    return seq >= this.#headSeq && seq < this.#sentSeq ? seq : null
  }

  #acknowledge (seq: number): void {
    if (seq !== this.#headSeq) {
      this.#ackedAhead.add(seq)
      return
    }
    let count = 1
    while (this.#ackedAhead.delete(this.#headSeq + count)) count++
    this.#queue.shift(count)
    this.#headSeq += count
    this.counters.written += count
    this.#progress.advance(count)
    if (this.#queue.bytes < this.#highWaterBytes / 2) this.#drain.drained()
    if (this.#queue.length === 0) this.#reportDrops()
    this.#kick()
  }

  #takeTxnr (): number {
    const txnr = this.#nextTxnr
    this.#nextTxnr = nextTxnr(txnr)
    return txnr
  }

  /** Ends this session; what is unanswered is sent again on the next. */
  #fail (socket: Socket, why: string, isError = true): void {
    if (socket !== this.#socket) return
    if (isError) this.counters.errors++
    this.#lastError = why
    this.#ctx.log.log(4, `${this.name}: ${why}; reconnecting`)
    this.#stalled = true // logged here, not again by the close handler
    socket.destroy()
  }

  #onClose (socket: Socket): void {
    if (socket !== this.#socket) return
    this.#socket = null
    const state = this.#state
    this.#state = 'down'
    this.#sentSeq = this.#headSeq
    this.#ackedAhead.clear()
    this.#stopStallTimer()
    this.#onCloseAnswered?.()
    this.#onCloseAnswered = null
    const why = this.#lastError !== '' ? this.#lastError : 'closed by peer'
    this.#lastError = ''
    if (state === 'open' || state === 'opening') {
      if (!this.#stalled) {
        this.counters.errors++
        this.#ctx.log.log(4, `${this.name}: connection lost (${why}); reconnecting`)
      }
    } else if (state === 'connecting') {
      if (this.#failures === 0) {
        this.counters.errors++
        this.#ctx.log.log(4, `${this.name}: cannot connect (${why}); retrying with back-off up to ${this.#backoff.maxMs / 1000} s, keeping up to ${this.#queue.maxBytes} bytes`)
      }
      this.#failures++
    }
    if (this.#closing) return
    this.#reconnectTimer = setTimeout(this.#reconnect, this.#backoff.next())
  }

  #kick (): void {
    if (this.#state !== 'open' || this.#scheduled) return
    if (this.#sentSeq - this.#headSeq >= this.#window || this.#sentSeq - this.#headSeq >= this.#queue.length) return
    this.#scheduled = true
    setImmediate(this.#pump)
  }

  /** Sends the records after those in flight, up to the window. */
  readonly #pump = (): void => {
    this.#scheduled = false
    const socket = this.#socket
    if (this.#state !== 'open' || socket === null) return
    const inFlight = this.#sentSeq - this.#headSeq
    const want = Math.min(this.#window, this.#queue.length)
    if (inFlight >= want) return
    const batch = this.#batch
    this.#queue.peek(batch, Infinity, want)
    if (inFlight === 0) this.#lastProgressMs = Date.now()
    socket.cork()
    for (let i = inFlight; i < batch.length; i++) {
      const seq = this.#sentSeq++
      if (seq < this.#everSentSeq) this.counters.resent!++
      socket.write(encodeRelpFrame(this.#takeTxnr(), 'syslog', batch[i]!))
    }
    socket.uncork()
    if (this.#sentSeq > this.#everSentSeq) this.#everSentSeq = this.#sentSeq
    batch.length = 0
  }

  readonly #checkStall = (): void => {
    const socket = this.#socket
    if (socket === null) return
    const waiting = this.#state === 'opening' || (this.#state === 'open' && this.#sentSeq > this.#headSeq)
    if (!waiting) return
    const stuckMs = Date.now() - this.#lastProgressMs
    if (stuckMs < this.#stallMs) return
    this.counters.errors++
    this.#stalled = true
    this.#ctx.log.log(4, `${this.name}: no answer for ${(stuckMs / 1000).toFixed(1)} s with ${messages(this.#sentSeq - this.#headSeq)} unacknowledged${this.#state === 'opening' ? ' (to "open")' : ''}; resetting the connection and sending them again on a new one`)
    socket.resetAndDestroy()
  }

  #stopStallTimer (): void {
    if (this.#stallTimer !== null) clearInterval(this.#stallTimer)
    this.#stallTimer = null
  }

  #reportDrops (): void {
    if (this.#bufferDrops === 0) return
    this.#ctx.log.log(4, `dropped ${messages(this.#bufferDrops)} to ${this.target}: buffer full`)
    this.#bufferDrops = 0
  }
}
