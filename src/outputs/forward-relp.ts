// Forwarding over RELP (rsyslog's Reliable Event Logging Protocol, librelp): `@relp://host:port`,
// and over TLS with `@relp+tls://` or tls=on (the @tls:// options: ca=, cert=, key=, name=,
// fingerprint=, verify=). Framing is in framing/relp.ts.
//
// Delivery model: a message leaves the queue only when the receiver answered its transaction
// with "rsp 200". Nothing else counts: not the kernel taking the bytes, not the connection
// closing cleanly.
// - Every message is formatted once into a record (its bytes, unframed: the txnr is given when
//   it is sent) and pushed onto the forward's queue (forward-queue.ts, as for TCP and TLS):
//   queue=disk by default (queue_dir=, queue_max=, fsync=), so that what the receiver has not
//   acknowledged survives a restart or a kill -9 of this daemon; queue=memory, or the legacy
//   buffer=. overflow= applies as for TCP. peek() (re)sends the head records; shift() happens
//   only for records answered "200", in order, so a record that leaves the queue is one the
//   receiver has made durable.
// - Window: at most window= (default 128, librelp's) transactions are sent and unanswered. The
//   records in flight are always the first ones of the queue. Answers normally come in order;
//   an answer that comes early is remembered until the ones before it arrive.
// - A session: connect (stream-link.ts; TLS: handshake and the receiver's check,
//   forward-tls.ts), "open" with our offers; the receiver's "200 OK" must offer commands=syslog.
//   Then syslog transactions.
// - Lost session (reset, serverclose, a non-200 answer, or no answer for stall_timeout, default
//   30 s): every unanswered record is still at the head of the queue and is sent again, in
//   order, on the next session, after a capped back-off (1 s -> 60 s). Those are counted in
//   `resent` (the receiver may have stored some of them: at most `window` per lost session).
// - Backpressure: a disk queue absorbs an outage up to queue_max (then overflow= decides). A
//   memory queue makes write() return false at its high-water mark (half the buffer, at most
//   1 MiB) whether or not the receiver is up: a down or silent receiver pauses the stream
//   listeners (TCP flow control pushes back on their senders) rather than filling the buffer
//   and dropping; only what cannot be paused (UDP) can fill it.
// - flush() (what a RELP acknowledgement to our own senders waits for): every record accepted
//   so far was answered "200", dropped, or committed to the disk queue.
// - stop(): with a disk queue, waits up to stopGraceMs for the answers to the records in flight
//   (fewer duplicates next time), sends "close", and keeps the rest on disk: the next start
//   sends it first, in order (records sent and unanswered are sent again: duplicates at most a
//   window). With a memory queue, waits for every record, then counts the rest as dropped
//   ('shutdown').

import type { Socket } from 'node:net'
import { DEFAULT_RELP_WINDOW } from '../config/action.js'
import type { ForwardAction } from '../config/schema.js'
import type { Output, OutputContext, OutputCounters } from '../daemon/component.js'
import { VERSION } from '../cli/version.js'
import { encodeRelpFrame, MAX_TXNR, nextTxnr, parseOffers, parseRelpResponse, RelpDecoder, type RelpFrame, type RelpResponse } from '../framing/relp.js'
import { ByteWriter } from '../message/byte-writer.js'
import { createFormatter, type Formatter } from '../message/format.js'
import type { SyslogMessage } from '../message/model.js'
import { countDropped, messages, newCounters, settleWithin } from './accounting.js'
import { tcpConnector, type StreamConnector } from './forward-tcp.js'
import { hostPort } from './forward-options.js'
import { ForwardQueue } from './forward-queue.js'
import type { RecordQueue } from './record-queue.js'
import { linkSettings, StreamLink, type LinkTimings } from './stream-link.js'

export interface RelpForwardOptions extends LinkTimings {
  stopGraceMs?: number
  /** The queue (default: createRecordQueue(action), as the action's queue= options say). */
  queue?: RecordQueue
  /** How connections are made: plain TCP (default) or a TlsConnector. */
  connector?: StreamConnector
}

const OPEN_TXNR = 1
/** Answers are short; a receiver that sends more than this in one frame is broken. */
const MAX_RESPONSE_BYTES = 64 * 1024
const CLOSE_WAIT_MS = 1000
const LF = 0x0a
const SP = 0x20
const OK: RelpResponse = { code: 200, text: 'OK', data: '' }
const SYSLOG_COMMAND = Buffer.from(' syslog ', 'latin1')

function writeDecimal (out: ByteWriter, n: number): void {
  if (n >= 10) writeDecimal(out, Math.floor(n / 10))
  out.byte(0x30 + (n % 10))
}

/** DATA of an "rsp" that starts with code 200. */
function isOk (data: Buffer): boolean {
  return data.length >= 3 && data[0] === 0x32 && data[1] === 0x30 && data[2] === 0x30 && (data.length === 3 || data[3] === SP || data[3] === LF)
}

export class RelpForward implements Output {
  readonly name: string
  readonly counters: OutputCounters = newCounters()
  readonly target: string
  readonly #ctx: OutputContext
  readonly #formatter: Formatter
  /** Records are formatted into this slab and cut from it (take()): no Buffer of their own. */
  readonly #records = new ByteWriter(64 * 1024)
  /** The frames of one pump, written with one socket.write(). */
  readonly #frames = new ByteWriter(64 * 1024)
  readonly #queue: ForwardQueue
  readonly #link: StreamLink
  readonly #window: number
  readonly #connector: StreamConnector
  readonly #stopGraceMs: number
  #optionError: Error | null = null
  readonly #batch: Buffer[] = []
  #socket: Socket | null = null
  #state: 'down' | 'opening' | 'open' | 'closing' = 'down'
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
  /** Head records answered 200 in the chunk being read, not yet taken from the queue. */
  #acked = 0
  #lastProgressMs = 0
  #scheduled = false
  #started = false
  #stopping = false
  #stopped: Promise<void> | null = null
  #onCloseAnswered: (() => void) | null = null

  constructor (action: ForwardAction, ctx: OutputContext, options: RelpForwardOptions = {}) {
    this.target = hostPort(action.host, action.port)
    this.#connector = options.connector ?? tcpConnector
    this.name = `forward ${action.tls === undefined ? 'relp' : 'relp+tls'}://${this.target}`
    this.#ctx = ctx
    this.#formatter = createFormatter(action.format, { newline: action.newline, terminator: '', timeZone: ctx.timeZone, hostname: ctx.hostname })
    this.#queue = new ForwardQueue(action, ctx, {
      name: this.name,
      target: this.target,
      counters: this.counters,
      inFlight: () => this.inFlight,
      connected: () => this.#state === 'open',
      kick: () => { this.#kick() },
      evicted: (count) => {
        // Records evicted right after those in flight may have been sent in a lost session:
        // the ones that move up in their place were not.
        this.#everSentSeq = Math.max(this.#sentSeq, this.#everSentSeq - count)
      }
    }, { queue: options.queue, paceAlways: true })
    this.#window = action.window ?? DEFAULT_RELP_WINDOW
    this.#stopGraceMs = options.stopGraceMs ?? 5000
    this.counters.resent = 0
    const { settings, error } = linkSettings(action, options)
    if (error !== null) this.#optionError = error
    this.#link = new StreamLink({
      ...settings,
      name: this.name,
      connector: this.#connector,
      log: ctx.log,
      counters: this.counters,
      backlogNote: () => `keeping up to ${this.#queue.maxBytes} bytes${this.#queue.persistent ? ' in its disk queue' : ''}`
    }, {
      attach: (socket) => { this.#attach(socket) },
      ready: (socket) => { this.#onConnect(socket) },
      down: () => { this.#onDown() },
      stalled: (stallMs) => this.#stalled(stallMs)
    })
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
    this.#formatter.write(msg, this.#records)
    this.counters.truncated = this.#formatter.truncated
    this.#queue.admit(this.#records.take(), msg)
    return this.#queue.accepting()
  }

  onDrain (fn: () => void): void { this.#queue.onDrain(fn) }

  /** Resolves when every message accepted so far was acknowledged, committed to a disk queue, or dropped. */
  flush (): Promise<void> { return this.#queue.flush() }

  async reopen (): Promise<void> {
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
      // The queue is kept on disk; only let the answers to what is in flight come.
      await this.#queue.settleInFlight(this.inFlight, this.#stopGraceMs)
    } else if (this.#queue.length > 0) {
      await settleWithin(this.flush(), this.#stopGraceMs)
    }
    const socket = this.#socket
    if (this.#state === 'open' && socket !== null) {
      // RELP close: the receiver answers, then the connection ends.
      this.#state = 'closing'
      const answered = new Promise<void>((resolve) => { this.#onCloseAnswered = resolve })
      socket.write(encodeRelpFrame(this.#takeTxnr(), 'close'))
      await settleWithin(answered, CLOSE_WAIT_MS)
    }
    this.#shutDown()
    await this.#queue.close()
  }

  #shutDown (): void {
    this.#link.shutDown()
    this.#socket = null
    this.#state = 'down'
    if (!this.#queue.persistent) {
      this.#headSeq += this.#queue.length
      this.#sentSeq = this.#headSeq
    }
    this.#queue.dropRest('not acknowledged by the receiver')
  }

  #attach (socket: Socket): void {
    const decoder = new RelpDecoder({
      maxDataBytes: MAX_RESPONSE_BYTES,
      onFrame: (frame) => { if (socket === this.#socket) this.#onFrame(socket, frame) },
      onProblem: (_problem, detail) => { this.#link.fail(socket, `bad frame from the receiver: ${detail}`) }
    })
    socket.on('data', (chunk: Buffer) => {
      decoder.push(chunk)
      // The answers of one chunk leave the queue together: one shift, one ledger update.
      this.#settleAcknowledged()
    })
  }

  #onConnect (socket: Socket): void {
    this.#socket = socket
    this.#state = 'opening'
    this.#nextTxnr = OPEN_TXNR
    socket.write(encodeRelpFrame(this.#takeTxnr(), 'open', `relp_version=0\nrelp_software=stele,${VERSION}\ncommands=syslog`))
    this.#lastProgressMs = Date.now()
  }

  #onFrame (socket: Socket, frame: RelpFrame): void {
    if (frame.command === 'serverclose') {
      this.#link.fail(socket, 'the receiver closed the session (serverclose)', false)
      return
    }
    if (frame.command !== 'rsp') {
      this.#link.fail(socket, `unexpected command "${frame.command}" from the receiver`)
      return
    }
    // The answer to almost every transaction is "200 OK": known from three bytes, nothing parsed.
    const rsp = this.#state === 'open' && isOk(frame.data) ? OK : parseRelpResponse(frame.data)
    if (rsp === null) {
      this.#link.fail(socket, `an answer without a status code for txnr ${frame.txnr}`)
      return
    }
    this.#lastProgressMs = Date.now()
    if (this.#state === 'opening') {
      if (frame.txnr !== OPEN_TXNR) return this.#link.fail(socket, `answer for txnr ${frame.txnr} before the answer to "open"`)
      const commands = (parseOffers(rsp.data).get('commands') ?? '').split(',')
      if (rsp.code !== 200) return this.#link.fail(socket, `the receiver refused the session (${rsp.code} ${rsp.text})`)
      if (!commands.includes('syslog')) return this.#link.fail(socket, 'the receiver does not offer commands=syslog')
      this.#onOpen()
      return
    }
    if (this.#state === 'closing') {
      this.#onCloseAnswered?.()
      return
    }
    const seq = this.#seqOf(frame.txnr)
    if (seq === null) return this.#link.fail(socket, `an answer for txnr ${frame.txnr}, which is not in flight`)
    if (rsp.code !== 200) {
      // The record stays at the head of the queue and is sent again on a new session.
      return this.#link.fail(socket, `the receiver answered ${rsp.code} ${rsp.text} for a message`)
    }
    this.#acknowledge(seq)
  }

  #onOpen (): void {
    this.#state = 'open'
    const failures = this.#link.established()
    this.#sessionSeq = this.#headSeq
    this.#sentSeq = this.#headSeq
    this.#sessionTxnr = this.#nextTxnr
    const unacked = this.#everSentSeq - this.#headSeq
    this.#ctx.log.log(6, `${this.name}: connected${failures > 0 ? ` after ${failures} failed attempts` : ''}${unacked > 0 ? `; sending ${messages(unacked)} again that were not acknowledged` : ''}`)
    this.#queue.reportDrops()
    this.#pump()
  }

  /** The record number a txnr of this session stands for, if it is in flight. */
  #seqOf (txnr: number): number | null {
    const distance = txnr >= this.#sessionTxnr ? txnr - this.#sessionTxnr : txnr + MAX_TXNR - this.#sessionTxnr
    const seq = this.#sessionSeq + distance
    return seq >= this.#headSeq + this.#acked && seq < this.#sentSeq ? seq : null
  }

  #acknowledge (seq: number): void {
    const next = this.#headSeq + this.#acked
    if (seq !== next) {
      this.#ackedAhead.add(seq)
      return
    }
    let count = 1
    while (this.#ackedAhead.delete(next + count)) count++
    this.#acked += count
  }

  /** Records answered 200 in order (#acked of them, from the head) leave the queue. */
  #settleAcknowledged (): void {
    const count = this.#acked
    if (count === 0) return
    this.#acked = 0
    this.#headSeq += count
    this.#queue.delivered(count)
    this.#kick()
  }

  #takeTxnr (): number {
    const txnr = this.#nextTxnr
    this.#nextTxnr = nextTxnr(txnr)
    return txnr
  }

  #onDown (): void {
    this.#settleAcknowledged()
    this.#socket = null
    this.#state = 'down'
    this.#sentSeq = this.#headSeq
    this.#ackedAhead.clear()
    this.#onCloseAnswered?.()
    this.#onCloseAnswered = null
    // A disk queue paces the inputs only while connected: down, it takes them again.
    this.#queue.maybeDrain()
  }

  #kick (): void {
    if (this.#state !== 'open' || this.#scheduled) return
    const inFlight = this.#sentSeq - this.#headSeq
    // Refill once half the window is free: a few large chunks rather than one per answer, so
    // that the receiver's flush (and its file write) covers many transactions.
    if (inFlight > this.#window / 2 || inFlight >= this.#queue.length) return
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
    // A disk queue may have fewer in memory than asked (onReadable kicks again when it loads).
    this.#queue.queue.peek(batch, Infinity, want)
    if (inFlight === 0) this.#lastProgressMs = Date.now()
    const frames = this.#frames
    for (let i = inFlight; i < batch.length; i++) {
      const seq = this.#sentSeq++
      if (seq < this.#everSentSeq) this.counters.resent!++
      const record = batch[i]!
      // RELP frame: TXNR SP "syslog" SP DATALEN SP DATA LF (the numbers written digit by digit:
      // no string per record).
      writeDecimal(frames, this.#takeTxnr())
      frames.bytes(SYSLOG_COMMAND)
      writeDecimal(frames, record.length)
      frames.byte(SP)
      frames.bytes(record)
      frames.byte(LF)
    }
    if (frames.length > 0) socket.write(frames.take())
    if (this.#sentSeq > this.#everSentSeq) this.#everSentSeq = this.#sentSeq
    batch.length = 0
  }

  /** The stall check (stream-link.ts): "open" or records unanswered for stallMs. */
  #stalled (stallMs: number): string | null {
    const waiting = this.#state === 'opening' || (this.#state === 'open' && this.#sentSeq > this.#headSeq)
    if (!waiting) return null
    const stuckMs = Date.now() - this.#lastProgressMs
    if (stuckMs < stallMs) return null
    return `no answer for ${(stuckMs / 1000).toFixed(1)} s with ${messages(this.#sentSeq - this.#headSeq)} unacknowledged${this.#state === 'opening' ? ' (to "open")' : ''}; resetting the connection and sending them again on a new one`
  }
}
