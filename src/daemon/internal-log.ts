// The daemon's own events (start, reload, errors, drops) as syslog messages of facility
// `syslog`, app-name `stele`, routed by the same rules as every other message. Messages are
// queued and routed on the next turn of the event loop, so an output that logs from inside its
// own write() never re-enters the router; the queue is bounded so a storm of errors cannot grow
// memory. Warnings and worse are also written to standard error, where systemd or a terminal
// sees them even when no rule routes them anywhere.

import type { DaemonLog } from './component.js'
import { createMessage, type MessageSource, type SyslogMessage } from '../message/model.js'
import { SEVERITY_NAMES } from '../message/priority.js'

const FACILITY_SYSLOG = 5
const MAX_QUEUED = 1000
export const INTERNAL_SOURCE: MessageSource = { input: 'internal', peer: null, peerAddress: null, identity: null }

export class InternalLog implements DaemonLog {
  readonly #queue: SyslogMessage[] = []
  #route: ((msg: SyslogMessage) => void) | undefined
  #scheduled = false
  #lost = 0
  hostname: string
  /** Echo severities up to this one (4 = warning) to stderr. */
  echoSeverity = 4
  readonly #stderr: (text: string) => void

  constructor (hostname: string, stderr: (text: string) => void = (text) => { process.stderr.write(text) }) {
    this.hostname = hostname
    this.#stderr = stderr
  }

  /** Starts routing queued and future messages through `route`. */
  attach (route: (msg: SyslogMessage) => void): void {
    this.#route = route
    this.#schedule()
  }

  log (severity: number, text: string): void {
    try {
      if (severity <= this.echoSeverity) this.#stderr(`stele: ${SEVERITY_NAMES[severity] ?? severity}: ${text}\n`)
      if (this.#queue.length >= MAX_QUEUED) { this.#lost++; return }
      const msg = createMessage({ facility: FACILITY_SYSLOG, severity, hostname: this.hostname, appName: 'stele', procId: process.pid, body: text, timestamp: Date.now() })
      msg.source = INTERNAL_SOURCE
      this.#queue.push(msg)
      this.#schedule()
    } catch {
      // Logging must never throw into the caller.
    }
  }

  /** Routes everything queued now (used at shutdown). */
  drain (): void {
    const route = this.#route
    if (route === undefined) return
    if (this.#lost > 0) {
      const lost = this.#lost
      this.#lost = 0
      this.log(4, `dropped ${lost} messages of stele's own: internal queue full`)
    }
    while (this.#queue.length > 0) route(this.#queue.shift()!)
  }

  #schedule (): void {
    if (this.#scheduled || this.#route === undefined) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      this.drain()
    })
  }
}
