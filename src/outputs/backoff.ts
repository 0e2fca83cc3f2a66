// Capped exponential back-off with jitter, for reconnecting and reopening. Starting at minMs and
// doubling to maxMs, like syslogd's 1 s -> 600 s; each delay is drawn from [delay/2, delay] so
// that many daemons that lost the same server do not reconnect in lockstep.

export class Backoff {
  readonly minMs: number
  readonly maxMs: number
  #attempts = 0
  readonly #random: () => number

  constructor (minMs: number, maxMs: number, random: () => number = Math.random) {
    this.minMs = minMs
    this.maxMs = Math.max(minMs, maxMs)
    this.#random = random
  }

  /** Failed attempts since the last reset(). */
  get attempts (): number { return this.#attempts }

  /** The delay before the next attempt. */
  next (): number {
    const exponent = Math.min(this.#attempts, 30)
    this.#attempts++
    const delay = Math.min(this.maxMs, this.minMs * 2 ** exponent)
    return Math.round(delay / 2 + this.#random() * delay / 2)
  }

  reset (): void { this.#attempts = 0 }
}
