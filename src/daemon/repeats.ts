// "last message repeated N times", as BSD syslogd writes it. A message identical to the
// previous one from the same source (same sender and hostname, PRI, app, pid, msgid, text) is
// counted instead of written; the count is written as a message of its own when a different
// message arrives from that source, or after REPEAT_FLUSH_MS. Never across different sources:
// the key is the sending peer (or the local input) and the hostname is compared too. The
// table is bounded; an entry pushed out writes its pending count first.

import type { SyslogMessage } from '../message/model.js'
import { createMessage } from '../message/model.js'

export const REPEAT_FLUSH_MS = 30_000
const MAX_SOURCES = 4096

interface Entry {
  last: SyslogMessage
  repeats: number
  firstRepeatAt: number
}

export class RepeatSuppressor {
  readonly #entries = new Map<string, Entry>()
  readonly #forward: (msg: SyslogMessage) => boolean
  #timer: NodeJS.Timeout | undefined
  /** Messages folded into a repeat count (still accounted: they are reported by count). */
  suppressed = 0

  constructor (forward: (msg: SyslogMessage) => boolean) {
    this.#forward = forward
  }

  start (): void {
    this.#timer = setInterval(() => { this.flush(Date.now() - REPEAT_FLUSH_MS) }, REPEAT_FLUSH_MS / 3)
    this.#timer.unref()
  }

  stop (): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.flush(Infinity)
  }

  /** Forwards the message, or counts it as a repeat. Returns the forward's answer (true for a repeat). */
  accept (msg: SyslogMessage): boolean {
    const source = msg.source
    const key = source === null ? '' : source.peer ?? source.input
    const entry = this.#entries.get(key)
    if (entry !== undefined && isRepeat(entry.last, msg)) {
      if (entry.repeats === 0) entry.firstRepeatAt = msg.receivedAt
      entry.repeats++
      this.suppressed++
      return true
    }
    let ok = true
    if (entry !== undefined) {
      if (entry.repeats > 0) ok = this.#emitRepeats(entry)
      entry.last = msg
      entry.repeats = 0
    } else {
      if (this.#entries.size >= MAX_SOURCES) this.#evictOldest()
      this.#entries.set(key, { last: msg, repeats: 0, firstRepeatAt: 0 })
    }
    return this.#forward(msg) && ok
  }

  /** Writes the pending counts whose first repeat came before `before` (ms). */
  flush (before: number): void {
    for (const entry of this.#entries.values()) {
      if (entry.repeats > 0 && entry.firstRepeatAt <= before) {
        this.#emitRepeats(entry)
        entry.repeats = 0
      }
    }
  }

  #emitRepeats (entry: Entry): boolean {
    const last = entry.last
    const notice = createMessage({
      facility: last.facility,
      severity: last.severity,
      hostname: last.hostname,
      appName: last.appName,
      procId: last.procId,
      body: `last message repeated ${entry.repeats} time${entry.repeats === 1 ? '' : 's'}`
    })
    notice.source = last.source
    return this.#forward(notice)
  }

  #evictOldest (): void {
    const [key, entry] = this.#entries.entries().next().value as [string, Entry]
    if (entry.repeats > 0) this.#emitRepeats(entry)
    this.#entries.delete(key)
  }
}

function isRepeat (previous: SyslogMessage, msg: SyslogMessage): boolean {
  return previous.pri === msg.pri &&
    previous.hostname === msg.hostname &&
    previous.appName === msg.appName &&
    previous.procId === msg.procId &&
    previous.msgId === msg.msgId &&
    previous.bodyEquals(msg)
}
