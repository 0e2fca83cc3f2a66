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

export interface RelpServerSessionOptions {
  /** relp_software offer: "stele,0.1.0,URL". */
  software: string
  /** Hands one message's DATA on; the return value (outputs full) is the daemon's business. */
  deliver: (data: Buffer, truncated: boolean) => void
  /** Resolves when everything delivered so far is durable. */
  flush: () => Promise<void>
  /** Writes responses to the peer, in order. */
  write: (frames: Buffer[]) => void
  /** Ends the connection after what was written. */
  end: () => void
  /** A protocol error or refused session, for counting and the log (the session handles it). */
  onProblem: (text: string) => void
  /** Transactions acknowledged (count). */
  onAcked: (count: number) => void
}

interface Pending { frame: Buffer, acks: number }

const OK = '200 OK'
const SERVERCLOSE = encodeRelpFrame(0, 'serverclose')

export class RelpServerSession {
  readonly #options: RelpServerSessionOptions
  #state: 'init' | 'open' | 'ending' | 'closed' = 'init'
  #expectedTxnr = -1
  /** Responses not yet written, in order; each acknowledgement waits for a flush. */
  #pending: Pending[] = []
  #syslogPending = 0
  #flushing = false

  constructor (options: RelpServerSessionOptions) {
    this.#options = options
  }

  /** Responses held (for the input's memory bound: it stops reading past a limit). */
  get pending (): number { return this.#pending.length }
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
        this.#respond(frame.txnr, OK, 1)
        return
      case 'open': return this.#open(frame)
      case 'close':
        this.#respond(frame.txnr, OK, 0)
        this.#state = 'ending'
        return
      case 'rsp':
      case 'serverclose':
        return this.fail(`a client sent "${frame.command}"`)
      default:
        this.#options.onProblem(`unknown command "${frame.command}" (txnr ${frame.txnr}); answered 500`)
        this.#respond(frame.txnr, '500 command not supported', 0)
    }
  }

  /**
   * After each chunk read: starts a flush for the acknowledgements due, or writes responses
   * that need none. Call it once per chunk so that a chunk's transactions share one flush.
   */
  pump (): void {
    if (this.#flushing || this.#state === 'closed') return
    if (this.#syslogPending === 0) {
      this.#writeFirst(this.#pending.length)
      return
    }
    this.#flushing = true
    const count = this.#pending.length
    this.#options.flush().then(() => {
      this.#flushing = false
      this.#writeFirst(count)
      this.pump()
    }, (err: Error) => {
      // Nothing held may be acknowledged now: the sender keeps those and sends them again.
      this.#flushing = false
      this.#pending = []
      this.#syslogPending = 0
      if (this.reading) this.#options.onProblem(`flushing the outputs failed (${err.message}); session closed with serverclose`)
      this.#state = 'ending'
      this.#pending.push({ frame: SERVERCLOSE, acks: 0 })
      this.pump()
    })
  }

  /** The daemon stops: what is due is acknowledged, then serverclose, then the end. */
  shutdown (): void {
    if (this.#state === 'closed') return
    if (this.#state !== 'ending') {
      this.#state = 'ending'
      this.#pending.push({ frame: SERVERCLOSE, acks: 0 })
    }
    this.pump()
  }

  /** The connection is gone: nothing more is written. */
  closed (): void {
    this.#state = 'closed'
    this.#pending = []
  }

  // librelp's open: the client offers relp_version, relp_software and commands; the server
  // answers with the same offers it supports. A client that does not offer "syslog" has
  // nothing to send us.
  #open (frame: RelpFrame): void {
    if (this.#state !== 'init') return this.fail('a second "open" in one session')
    const offers = parseOffers(frame.data.toString('utf8'))
    const commands = (offers.get('commands') ?? '').split(',')
    if (!commands.includes('syslog')) {
      this.#respond(frame.txnr, '500 required command not supported by client', 0)
      this.#options.onProblem(`client did not offer commands=syslog (offered "${offers.get('commands') ?? ''}"); session refused`)
      this.#state = 'ending'
      return
    }
    this.#state = 'open'
    this.#respond(frame.txnr, `${OK}\nrelp_version=0\nrelp_software=${this.#options.software}\ncommands=syslog`, 0)
  }

  #respond (txnr: number, data: string, acks: number): void {
    this.#pending.push({ frame: encodeRelpFrame(txnr, 'rsp', data), acks })
    this.#syslogPending += acks
  }

  /** A protocol error: answers already due are sent, then serverclose, then the end. */
  fail (why: string): void {
    if (!this.reading) return
    this.#options.onProblem(`${why}; session closed with serverclose`)
    this.#state = 'ending'
    this.#pending.push({ frame: SERVERCLOSE, acks: 0 })
  }

  #writeFirst (count: number): void {
    if (this.#state === 'closed' || count === 0) {
      if (this.#state === 'ending' && this.#pending.length === 0 && !this.#flushing) this.#finish()
      return
    }
    const taken = this.#pending.splice(0, count)
    const frames: Buffer[] = []
    let acks = 0
    for (const item of taken) {
      frames.push(item.frame)
      acks += item.acks
    }
    this.#syslogPending -= acks
    this.#options.write(frames)
    if (acks > 0) this.#options.onAcked(acks)
    if (this.#state === 'ending' && this.#pending.length === 0) this.#finish()
  }

  #finish (): void {
    this.#state = 'closed'
    this.#options.end()
  }
}
