// The receiving side of one RELP session, as a state machine over decoded frames: no sockets
// here (inputs/relp.ts gives it a way to write and to close), so tests drive it with frames.
//
//   init --open--> open --syslog*--> open --close--> closed
//
// - "open": the client's offers must include commands=syslog; the answer is "200 OK" with our
//   offers (relp_version=0, relp_software, commands=syslog), as librelp answers.
// - "syslog": the DATA goes to deliver() (the daemon's sink) at once; its "rsp 200 OK" is held
//   until flush() resolves, which the input wires to the daemon's flushOutputs(): the
//   acknowledgement means every output has taken the message. Responses leave in transaction
//   order; one flush covers every transaction that arrived before it started, so a window of
//   128 transactions read in one chunk costs one flush.
// - "close": answered (after the pending acknowledgements) and the connection ends.
// - Anything out of order (a txnr that is not the previous plus one, syslog before open, a
//   second open, a client sending rsp or serverclose) is a protocol error: the acknowledgements
//   already due are still sent, then "0 serverclose 0" and the connection ends. An unknown
//   command is answered "500" and the session goes on (librelp does the same).

import { encodeRelpFrame, nextTxnr, parseOffers, type RelpFrame } from '../framing/relp.js'
import { ByteWriter } from '../message/byte-writer.js'

export interface RelpServerSessionOptions {
  /** relp_software offer: "stele,0.1.0,URL". */
  software: string
  /** Hands one message's DATA on; the return value (outputs full) is the daemon's business. */
  deliver: (data: Buffer, truncated: boolean) => void
  /** Resolves when everything delivered so far is durable. */
  flush: () => Promise<void>
  /** Writes responses to the peer, in order (the bytes of many frames; the Buffer is the callee's). */
  write: (bytes: Buffer) => void
  /** Ends the connection after what was written. */
  end: () => void
  /** A protocol error or refused session, for counting and the log (the session handles it). */
  onProblem: (text: string) => void
  /** Transactions acknowledged (count). */
  onAcked: (count: number) => void
}

const OK = '200 OK'
/** After the txnr: the rest of the answer to a syslog transaction, "rsp 200 OK". */
const SYSLOG_OK_TAIL = Buffer.from(' rsp 6 200 OK\n', 'latin1')
const DIGIT_0 = 0x30
const SERVERCLOSE = encodeRelpFrame(0, 'serverclose')

export class RelpServerSession {
  readonly #options: RelpServerSessionOptions
  #state: 'init' | 'open' | 'ending' | 'closed' = 'init'
  #expectedTxnr = -1
  // Responses not yet written, in order, from #head: their txnr, and their frame, or null for
  // the "200 OK" of a syslog transaction (almost all of them: written when due, straight into
  // #out, with no object or Buffer of its own). Each acknowledgement waits for a flush.
  #txnrs: number[] = []
  #frames: Array<Buffer | null> = []
  #head = 0
  #syslogPending = 0
  readonly #out = new ByteWriter(16 * 1024)
  #flushing = false

  constructor (options: RelpServerSessionOptions) {
    this.#options = options
  }

  /** Responses held (for the input's memory bound: it stops reading past a limit). */
  get pending (): number { return this.#txnrs.length - this.#head }
  /** false once the session is ending: frames after close or a protocol error are ignored. */
  get reading (): boolean { return this.#state === 'init' || this.#state === 'open' }
  get state (): string { return this.#state }

  receive (frame: RelpFrame): void {
    if (!this.reading) return
    if (this.#expectedTxnr !== -1 && frame.txnr !== this.#expectedTxnr) {
      return this.fail(`txnr ${frame.txnr} where ${this.#expectedTxnr} was expected`)
    }
    if (frame.txnr === 0) return this.fail(`txnr 0 in a "${frame.command}" frame (0 is for serverclose only)`)
    this.#expectedTxnr = nextTxnr(frame.txnr)
    switch (frame.command) {
      case 'syslog':
        if (this.#state !== 'open') return this.fail('"syslog" before "open"')
        this.#options.deliver(frame.data, frame.truncated)
        this.#respondOk(frame.txnr)
        return
      case 'open': return this.#open(frame)
      case 'close':
        this.#respond(frame.txnr, OK)
        this.#state = 'ending'
        return
      case 'rsp':
      case 'serverclose':
        return this.fail(`a client sent "${frame.command}"`)
      default:
        this.#options.onProblem(`unknown command "${frame.command}" (txnr ${frame.txnr}); answered 500`)
        this.#respond(frame.txnr, '500 command not supported')
    }
  }

  /**
   * After each chunk read: starts a flush for the acknowledgements due, or writes responses
   * that need none. Call it once per chunk so that a chunk's transactions share one flush.
   */
  pump (): void {
    if (this.#flushing || this.#state === 'closed') return
    if (this.#syslogPending === 0) {
      this.#writeFirst(this.pending)
      return
    }
    this.#flushing = true
    const count = this.pending
    this.#options.flush().then(() => {
      this.#flushing = false
      this.#writeFirst(count)
      this.pump()
    }, (err: Error) => {
      // Nothing held may be acknowledged now: the sender keeps those and sends them again.
      this.#flushing = false
      this.#clearPending()
      if (this.reading) this.#options.onProblem(`flushing the outputs failed (${err.message}); session closed with serverclose`)
      this.#state = 'ending'
      this.#push(0, SERVERCLOSE)
      this.pump()
    })
  }

  /** The daemon stops: what is due is acknowledged, then serverclose, then the end. */
  shutdown (): void {
    if (this.#state === 'closed') return
    if (this.#state !== 'ending') {
      this.#state = 'ending'
      this.#push(0, SERVERCLOSE)
    }
    this.pump()
  }

  /** The connection is gone: nothing more is written. */
  closed (): void {
    this.#state = 'closed'
    this.#clearPending()
  }

  // librelp's open: the client offers relp_version, relp_software and commands; the server
  // answers with the same offers it supports. A client that does not offer "syslog" has
  // nothing to send us.
  #open (frame: RelpFrame): void {
    if (this.#state !== 'init') return this.fail('a second "open" in one session')
    const offers = parseOffers(frame.data.toString('utf8'))
    const commands = (offers.get('commands') ?? '').split(',')
    if (!commands.includes('syslog')) {
      this.#respond(frame.txnr, '500 required command not supported by client')
      this.#options.onProblem(`client did not offer commands=syslog (offered "${offers.get('commands') ?? ''}"); session refused`)
      this.#state = 'ending'
      return
    }
    this.#state = 'open'
    this.#respond(frame.txnr, `${OK}\nrelp_version=0\nrelp_software=${this.#options.software}\ncommands=syslog`)
  }

  /** A syslog transaction's "200 OK", due after the next flush. */
  #respondOk (txnr: number): void {
    this.#push(txnr, null)
    this.#syslogPending++
  }

  /** Any other answer: no flush needed. */
  #respond (txnr: number, data: string): void {
    this.#push(txnr, encodeRelpFrame(txnr, 'rsp', data))
  }

  #push (txnr: number, frame: Buffer | null): void {
    this.#txnrs.push(txnr)
    this.#frames.push(frame)
  }

  #clearPending (): void {
    this.#txnrs.length = 0
    this.#frames.length = 0
    this.#head = 0
    this.#syslogPending = 0
  }

  /** A protocol error: answers already due are sent, then serverclose, then the end. */
  fail (why: string): void {
    if (!this.reading) return
    this.#options.onProblem(`${why}; session closed with serverclose`)
    this.#state = 'ending'
    this.#push(0, SERVERCLOSE)
  }

  #writeFirst (count: number): void {
    if (this.#state === 'closed' || count === 0) {
      if (this.#state === 'ending' && this.pending === 0 && !this.#flushing) this.#finish()
      return
    }
    const out = this.#out
    const end = this.#head + count
    let acks = 0
    for (let i = this.#head; i < end; i++) {
      const frame = this.#frames[i]!
      if (frame !== null) {
        out.bytes(frame)
        continue
      }
      writeDecimal(out, this.#txnrs[i]!)
      out.bytes(SYSLOG_OK_TAIL)
      acks++
    }
    this.#head = end
    if (end === this.#txnrs.length) {
      this.#txnrs.length = 0
      this.#frames.length = 0
      this.#head = 0
    }
    this.#syslogPending -= acks
    this.#options.write(out.take())
    if (acks > 0) this.#options.onAcked(acks)
    if (this.#state === 'ending' && this.pending === 0) this.#finish()
  }

  #finish (): void {
    this.#state = 'closed'
    this.#options.end()
  }
}

/** A txnr (1 .. 999999999) in ASCII decimal. */
function writeDecimal (out: ByteWriter, n: number): void {
  if (n >= 10) writeDecimal(out, Math.floor(n / 10))
  out.byte(DIGIT_0 + (n % 10))
}
