// A minimal RELP sender for scenario tests, playing a daemon's upstream: it sends numbered
// messages with a window, remembers which ones the receiver acknowledged ("rsp 200"), and, like
// any RELP sender after a lost session, can send everything unacknowledged again on a new one.

import { once } from 'node:events'
import net from 'node:net'
import { encodeRelpFrame, parseRelpResponse, RelpDecoder } from '../../src/framing/relp.js'

export class RelpTestSender {
  /** acked[n]: message n was answered 200 (in any session). */
  readonly acked: Uint8Array
  readonly #count: number
  readonly #text: (n: number) => string
  #ackedCount = 0
  /** Messages after this one are held back (a session then stays open, waiting): a test can kill its receiver mid-stream. */
  holdAfter = Number.MAX_SAFE_INTEGER

  constructor (count: number, text: (n: number) => string) {
    this.#count = count
    this.#text = text
    this.acked = new Uint8Array(count + 1)
  }

  get ackedCount (): number { return this.#ackedCount }

  /**
   * One session to `port`: sends every message not yet acknowledged, in order, keeping at most
   * `window` unanswered. Resolves when all are acknowledged (after "close") or the session is
   * lost (the receiver died): then false.
   */
  async session (port: number, window: number): Promise<boolean> {
    const socket = net.connect(port, '127.0.0.1')
    socket.on('error', () => {})
    await once(socket, 'connect')
    const inFlight = new Map<number, number>() // txnr -> message number
    let txnr = 1
    let next = 1
    let opened = false
    let done: (ok: boolean) => void = () => {}
    const finished = new Promise<boolean>((resolve) => { done = resolve })
    const pump = (): void => {
      while (inFlight.size < window) {
        while (next <= this.#count && this.acked[next] === 1) next++
        if (next > this.#count || next > this.holdAfter) break
        const t = ++txnr
        inFlight.set(t, next)
        socket.write(encodeRelpFrame(t, 'syslog', this.#text(next)))
        next++
      }
      if (inFlight.size === 0 && next > this.#count) socket.write(encodeRelpFrame(++txnr, 'close'))
    }
    const decoder = new RelpDecoder({
      maxDataBytes: 1 << 16,
      onFrame: (frame) => {
        if (frame.command !== 'rsp') return
        const rsp = parseRelpResponse(frame.data)
        if (!opened) {
          opened = rsp?.code === 200
          if (opened) pump()
          return
        }
        const n = inFlight.get(frame.txnr)
        if (n === undefined) return // the answer to "close"
        inFlight.delete(frame.txnr)
        if (rsp?.code === 200 && this.acked[n] === 0) {
          this.acked[n] = 1
          this.#ackedCount++
        }
        pump()
      },
      onProblem: () => { socket.destroy() }
    })
    socket.on('data', (chunk: Buffer) => { decoder.push(chunk) })
    socket.on('close', () => { done(this.#ackedCount === this.#count) })
    socket.write(encodeRelpFrame(txnr, 'open', 'relp_version=0\nrelp_software=test\ncommands=syslog'))
    return await finished
  }
}
