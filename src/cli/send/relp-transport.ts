// `stele send --transport relp` (and relp+tls): one RELP session (framing/relp.ts). Each message
// is one "syslog" transaction; at most WINDOW are unanswered, so send() returns false when the
// window is full and ready() waits for answers. end() waits for every answer, sends "close" and
// waits for its answer: exit status 0 means the receiver acknowledged every message. A message
// answered with anything but 200 is counted in `errors`; a session lost on the way rejects with
// how many messages were not acknowledged (stele send does not reconnect: run it again).

import type net from 'node:net'
import { VERSION } from '../version.js'
import { encodeRelpFrame, nextTxnr, parseOffers, parseRelpResponse, RelpDecoder, type RelpFrame } from '../../framing/relp.js'
import { ConnectFailure, type Transport } from './transport.js'

const WINDOW = 128
const OPEN_TIMEOUT_MS = 10_000

export class RelpTransport implements Transport {
  readonly datagram = true
  readonly url: string
  errors = 0
  error: Error | null = null
  readonly #socket: net.Socket
  #txnr = 1
  #unanswered = 0
  #closeTxnr = -1
  #wake: (() => void) | null = null
  #onOpen: ((frame: RelpFrame | Error) => void) | null = null

  private constructor (url: string, socket: net.Socket) {
    this.url = url
    this.#socket = socket
    const decoder = new RelpDecoder({
      maxDataBytes: 64 * 1024,
      onFrame: this.#onFrame,
      onProblem: (_p, detail) => { this.#lose(new Error(`bad frame from the receiver: ${detail}`)) }
    })
    socket.on('data', (chunk: Buffer) => { decoder.push(chunk) })
    socket.on('error', (err) => { this.#lose(err) })
    socket.on('close', () => { this.#lose(new Error('connection closed by the receiver')) })
  }

  /** Opens the session: our offers, the receiver's "200 OK" with commands=syslog. */
  static async open (url: string, socket: net.Socket): Promise<RelpTransport> {
    const transport = new RelpTransport(url, socket)
    const answer = await new Promise<RelpFrame | Error>((resolve) => {
      transport.#onOpen = resolve
      const timer = setTimeout(() => resolve(new Error(`no answer to "open" within ${OPEN_TIMEOUT_MS / 1000} s`)), OPEN_TIMEOUT_MS)
      timer.unref()
      socket.write(encodeRelpFrame(transport.#take(), 'open', `relp_version=0\nrelp_software=stele,${VERSION}\ncommands=syslog`))
    })
    transport.#onOpen = null
    const rsp = answer instanceof Error ? null : parseRelpResponse(answer.data)
    const why = answer instanceof Error
      ? answer.message
      : rsp === null || rsp.code !== 200
        ? `the receiver refused the RELP session (${rsp === null ? 'no status code' : `${rsp.code} ${rsp.text}`})`
        : !(parseOffers(rsp.data).get('commands') ?? '').split(',').includes('syslog') ? 'the receiver does not offer commands=syslog' : null
    if (why !== null) {
      socket.destroy()
      throw new ConnectFailure(url, why)
    }
    return transport
  }

  send (bytes: Buffer): boolean {
    if (this.error !== null) return false
    this.#unanswered++
    this.#socket.write(encodeRelpFrame(this.#take(), 'syslog', bytes))
    return this.#unanswered < WINDOW
  }

  async ready (): Promise<void> { await this.#until(WINDOW - 1) }

  async end (): Promise<void> {
    await this.#until(0)
    this.#closeTxnr = this.#take()
    this.#unanswered++
    this.#socket.write(encodeRelpFrame(this.#closeTxnr, 'close'))
    await this.#until(0)
    this.#socket.end()
    if (this.errors > 0) throw this.error ?? new Error(`${this.errors} messages refused`)
  }

  destroy (): void { this.#socket.destroy() }

  #take (): number {
    const txnr = this.#txnr
    this.#txnr = nextTxnr(txnr)
    return txnr
  }

  async #until (unanswered: number): Promise<void> {
    while (this.#unanswered > unanswered) {
      if (this.#lost !== null) throw this.#lost
      await new Promise<void>((resolve) => { this.#wake = resolve })
    }
    if (this.#lost !== null && this.#closeTxnr === -1) throw this.#lost
  }

  #lost: Error | null = null

  #lose (err: Error): void {
    if (this.#lost !== null || (this.#closeTxnr !== -1 && this.#unanswered === 0)) return
    this.#lost = this.#unanswered > 0 ? new Error(`${err.message}; ${this.#unanswered} messages not acknowledged`, { cause: err }) : err
    this.error ??= this.#lost
    this.#onOpen?.(err)
    this.#wakeUp()
  }

  #wakeUp (): void {
    const wake = this.#wake
    this.#wake = null
    wake?.()
  }

  readonly #onFrame = (frame: RelpFrame): void => {
    if (this.#onOpen !== null) { this.#onOpen(frame); return }
    if (frame.command === 'serverclose') { this.#lose(new Error('the receiver closed the session (serverclose)')); return }
    if (frame.command !== 'rsp') return
    const rsp = parseRelpResponse(frame.data)
    if (frame.txnr !== this.#closeTxnr && (rsp === null || rsp.code !== 200)) {
      this.errors++
      this.error ??= new Error(`the receiver answered ${rsp === null ? 'without a status code' : `${rsp.code} ${rsp.text}`}`)
    }
    this.#unanswered--
    this.#wakeUp()
  }
}
