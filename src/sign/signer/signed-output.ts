// The signing stage of one signed destination: an Output in front of the real one. Each message
// is turned into its signed record by the session (formatted RFC 5424 once, hashed over exactly
// those bytes) and the real output, built with format=raw, writes those bytes unchanged plus its
// own framing (newline for files, octet count for TCP). Unsigned outputs never see this class,
// so they pay nothing for signing.
//
// The stage is rebound to a new session on each reload; the real output is kept, as the daemon
// keeps any unchanged output.

import type { Output, OutputCounters } from '../../daemon/component.js'
import type { SyslogMessage } from '../../message/model.js'
import type { SigningSession } from './signing-session.js'

export class SignedOutput implements Output {
  readonly inner: Output
  #session: SigningSession | null = null
  #destination = -1

  constructor (inner: Output) {
    this.inner = inner
  }

  get name (): string { return this.inner.name }
  get counters (): OutputCounters { return this.inner.counters }

  /** Messages from now on are signed in `session`, as its destination number `destination`. */
  bind (session: SigningSession, destination: number): void {
    this.#session = session
    this.#destination = destination
  }

  write (msg: SyslogMessage): boolean {
    const session = this.#session
    // Not bound only between start and the first session (the daemon binds before routing).
    if (session === null) return this.inner.write(msg)
    return this.inner.write(session.sign(msg, this.#destination))
  }

  async start (): Promise<void> { await this.inner.start() }
  onDrain (fn: () => void): void { this.inner.onDrain(fn) }
  async flush (): Promise<void> { await this.inner.flush() }
  async reopen (): Promise<void> { await this.inner.reopen() }
  async stop (): Promise<void> { await this.inner.stop() }
  destroy (err?: Error): void { this.inner.destroy(err) }
}
