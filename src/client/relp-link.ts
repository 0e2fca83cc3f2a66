// The client's RELP link (rsyslog's Reliable Event Logging Protocol, librelp), over TCP or TLS.
// Frames are framing/relp.ts's; the session is the sender's half of librelp's:
//
//   connect (TLS: handshake and the collector's certificate checked)
//   -> "1 open" with our offers; the answer must be "200" and offer commands=syslog; then opened()
//   -> "N syslog LEN RECORD" per record, N = 2, 3, ... (wrapping after 999999999 to 1)
//   <- "N rsp 6 200 OK" per record: the records answered, oldest first, are reported as
//      `written`, so the logger counts a record as sent, and flush()/close() resolve, only once
//      the collector acknowledged it.
//   end(): "N close", wait for its answer (bounded), then FIN.
//
// At most `window` records are unanswered (librelp's default 128): `room` says how many more
// the link takes; when an answer frees room after the logger ran out of it, `writable` follows.
// Answers normally come in order; one that comes early is remembered until those before it
// arrive. Anything else ends the session with an error: a non-200 answer, an answer for a txnr
// not in flight, "serverclose", a broken frame, or no answer for stallTimeoutMs while records
// wait for one. The logger then puts every unanswered record back at the front of its buffer
// and sends it again on the next session: the collector may have stored some of them already,
// so a lost session can duplicate at most `window` records, and loses none.

import type net from 'node:net'
import { VERSION } from '../cli/version.js'
import { encodeRelpFrame, MAX_TXNR, nextTxnr, parseOffers, parseRelpResponse, RelpDecoder, type RelpFrame } from '../framing/relp.js'
import type { ByteWriter } from '../message/byte-writer.js'
import type { TlsMaterial } from '../tls/context.js'
import type { Link, LinkEvents } from './links.js'
import type { ResolvedOptions } from './options.js'
import { connectStream } from './stream-connect.js'

const OPEN_TXNR = 1
const LF = 0x0a
/** Answers are short; a collector that sends more in one frame is broken. */
const MAX_ANSWER_BYTES = 64 * 1024
const CLOSE_ANSWER_WAIT_MS = 1000
const OFFERS = `relp_version=0\nrelp_software=stele-client,${VERSION}\ncommands=syslog`

type State = 'connecting' | 'opening' | 'open' | 'closing' | 'closed'

class RelpLink implements Link {
  readonly datagram = false
  readonly #socket: net.Socket
  readonly #events: LinkEvents
  readonly #window: number
  readonly #stallMs: number
  readonly #check: ((socket: net.Socket) => string | null) | null
  #state: State = 'connecting'
  #error: Error | null = null
  /** The next txnr to give, the oldest unanswered one, and how many are unanswered. */
  #nextTxnr = OPEN_TXNR
  #oldestTxnr = OPEN_TXNR + 1
  #unanswered = 0
  /** Distances (from #oldestTxnr) of records answered ahead of an older one. */
  readonly #answeredAhead = new Set<number>()
  /** write() returned false (socket full or window full): `writable` is owed. */
  #blocked = false
  #lastAnswerMs = 0
  #stallTimer: NodeJS.Timeout | null = null
  #closeAnswered: (() => void) | null = null

  constructor (connection: ReturnType<typeof connectStream>, options: ResolvedOptions, events: LinkEvents) {
    this.#socket = connection.socket
    this.#check = connection.check
    this.#events = events
    this.#window = options.relpWindow
    this.#stallMs = options.relpStallMs
    const socket = this.#socket
    socket.unref()
    const decoder = new RelpDecoder({
      maxDataBytes: MAX_ANSWER_BYTES,
      onFrame: this.#onFrame,
      onProblem: (_problem, detail) => { this.#fail(`bad frame from the collector: ${detail}`) }
    })
    socket.on('data', (chunk: Buffer) => { decoder.push(chunk) })
    socket.on('error', (err: Error) => { this.#error ??= err })
    socket.on('drain', this.#onDrain)
    socket.on('end', () => { if (this.#state !== 'closing') this.#error ??= new Error('the collector closed the connection') })
    socket.on('close', this.#onClose)
    socket.once(connection.openEvent, this.#onConnect)
  }

  get room (): number { return this.#state === 'open' ? this.#window - this.#unanswered : 0 }

  #onConnect = (): void => {
    const refusal = this.#check === null ? null : this.#check(this.#socket)
    if (refusal !== null) { this.#fail(refusal); return }
    this.#socket.setNoDelay(true)
    this.#state = 'opening'
    this.#lastAnswerMs = Date.now()
    this.#nextTxnr = nextTxnr(OPEN_TXNR)
    this.#oldestTxnr = this.#nextTxnr
    this.#socket.write(encodeRelpFrame(OPEN_TXNR, 'open', OFFERS))
    this.#stallTimer = setInterval(this.#checkStall, Math.max(10, Math.min(1000, this.#stallMs / 4)))
    this.#stallTimer.unref()
  }

  // Bound once: every frame the collector sends.
  #onFrame = (frame: RelpFrame): void => {
    if (this.#state === 'closed') return
    if (frame.command === 'serverclose') { this.#fail('the collector closed the session (serverclose)'); return }
    if (frame.command !== 'rsp') { this.#fail(`unexpected command "${frame.command}" from the collector`); return }
    const answer = parseRelpResponse(frame.data)
    if (answer === null) { this.#fail(`an answer without a status code for txnr ${frame.txnr}`); return }
    this.#lastAnswerMs = Date.now()
    if (this.#state === 'opening') {
      if (frame.txnr !== OPEN_TXNR) { this.#fail(`answer for txnr ${frame.txnr} before the answer to "open"`); return }
      if (answer.code !== 200) { this.#fail(`the collector refused the session (${answer.code} ${answer.text})`); return }
      const commands = (parseOffers(answer.data).get('commands') ?? '').split(',')
      if (!commands.includes('syslog')) { this.#fail('the collector does not offer commands=syslog'); return }
      this.#state = 'open'
      this.#events.opened(this)
      return
    }
    if (this.#state === 'closing' && this.#unanswered === 0) { this.#closeAnswered?.(); return }
    const distance = frame.txnr >= this.#oldestTxnr ? frame.txnr - this.#oldestTxnr : frame.txnr + MAX_TXNR - this.#oldestTxnr
    if (distance >= this.#unanswered) { this.#fail(`an answer for txnr ${frame.txnr}, which is not in flight`); return }
    if (answer.code !== 200) { this.#fail(`the collector answered ${answer.code} ${answer.text} for a record`); return }
    if (distance > 0) { this.#answeredAhead.add(distance); return }
    this.#answer()
  }

  /** The oldest record was answered, maybe with some after it answered early. */
  #answer (): void {
    let count = 1
    if (this.#answeredAhead.size > 0) {
      while (this.#answeredAhead.delete(count)) count++
      const rest = [...this.#answeredAhead]
      this.#answeredAhead.clear()
      for (const distance of rest) this.#answeredAhead.add(distance - count)
    }
    for (let i = 0; i < count; i++) this.#oldestTxnr = nextTxnr(this.#oldestTxnr)
    this.#unanswered -= count
    const events = this.#events
    events.written(this, count)
    if (this.#blocked && this.#state === 'open' && !this.#socket.writableNeedDrain) {
      this.#blocked = false
      events.writable(this)
    }
  }

  #onDrain = (): void => {
    if (this.#blocked && this.#state === 'open' && this.#unanswered < this.#window) {
      this.#blocked = false
      this.#events.writable(this)
    }
  }

  frame (out: ByteWriter, record: Buffer): void {
    const txnr = this.#nextTxnr
    this.#nextTxnr = nextTxnr(txnr)
    this.#unanswered++
    out.latin1(`${txnr} syslog ${record.length} `)
    out.bytes(record)
    out.byte(LF)
  }

  write (bytes: Buffer): boolean {
    if (this.#state !== 'open') return false
    const more = this.#socket.write(bytes)
    if (!more || this.#unanswered >= this.#window) { this.#blocked = true; return false }
    return true
  }

  #checkStall = (): void => {
    const waiting = this.#state === 'opening' || this.#unanswered > 0
    if (!waiting) { this.#lastAnswerMs = Date.now(); return }
    const stuckMs = Date.now() - this.#lastAnswerMs
    if (stuckMs < this.#stallMs) return
    this.#fail(`no answer for ${stuckMs} ms with ${this.#unanswered} records unacknowledged${this.#state === 'opening' ? ' (to "open")' : ''}`)
  }

  #fail (why: string): void {
    this.#error ??= new Error(why)
    this.#socket.destroy()
  }

  #onClose = (): void => {
    if (this.#state === 'closed') return
    const wasClosing = this.#state === 'closing'
    this.#state = 'closed'
    if (this.#stallTimer !== null) clearInterval(this.#stallTimer)
    this.#closeAnswered?.()
    // An orderly close we asked for is not an error even if the collector did not answer "close".
    this.#events.closed(this, wasClosing && this.#unanswered === 0 ? null : this.#error)
  }

  /** RELP close: "close", its answer (at most CLOSE_ANSWER_WAIT_MS), then FIN. */
  end (): void {
    if (this.#state !== 'open') { this.#socket.destroy(); return }
    this.#state = 'closing'
    const socket = this.#socket
    const finish = (): void => {
      clearTimeout(timer)
      this.#closeAnswered = null
      if (!socket.destroyed) socket.end()
    }
    const timer = setTimeout(finish, CLOSE_ANSWER_WAIT_MS)
    timer.unref()
    this.#closeAnswered = finish
    if (this.#unanswered > 0) return // not expected (the logger flushed first); finish at the timer
    socket.write(encodeRelpFrame(this.#nextTxnr, 'close'))
  }

  destroy (): void { this.#socket.destroy() }
}

export function relpLink (options: ResolvedOptions, events: LinkEvents, material: TlsMaterial | null): Link {
  return new RelpLink(connectStream(options, material), options, events)
}
