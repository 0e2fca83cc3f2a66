// Counting helpers every output shares. The invariant each output keeps, and each test checks:
// once flush() has resolved, counters.received === counters.written + sum(counters.dropped).
// A message is settled exactly once: written (after the write or send completed) or dropped
// (with a reason).

import type { DropReason, OutputCounters } from '../daemon/component.js'

export function newCounters (): OutputCounters {
  return { received: 0, written: 0, dropped: {}, truncated: 0, errors: 0 }
}

export function countDropped (counters: OutputCounters, reason: DropReason, count = 1): void {
  if (count <= 0) return
  counters.dropped[reason] = (counters.dropped[reason] ?? 0) + count
}

export function totalDropped (counters: OutputCounters): number {
  let total = 0
  for (const count of Object.values(counters.dropped)) total += count ?? 0
  return total
}

/** "1 message", "3 messages". */
export function messages (count: number): string {
  return count === 1 ? '1 message' : `${count} messages`
}

/** The errno code of a system error ("ENOSPC"), else its message; for log lines and branching. */
export function errorCode (err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const code = (err as { code?: unknown }).code
    if (typeof code === 'string') return code
    const message = (err as { message?: unknown }).message
    if (typeof message === 'string') return message
  }
  return String(err)
}

/**
 * Settled-item counting for flush(): items settle in the order they were accepted, so "all
 * accepted so far are settled" is "settled count >= accepted count at the time of the call".
 * This resolves under continuous load, where waiting for an empty queue would never happen.
 */
export class Progress {
  #done = 0
  #waiters: Array<{ target: number, resolve: () => void }> = []

  get done (): number { return this.#done }

  advance (count: number): void {
    this.#done += count
    const waiters = this.#waiters
    if (waiters.length === 0 || waiters[0]!.target > this.#done) return
    let i = 0
    while (i < waiters.length && waiters[i]!.target <= this.#done) i++
    const ready = waiters.splice(0, i)
    for (const waiter of ready) waiter.resolve()
  }

  /** Resolves once `target` items have settled (targets are asked for in rising order). */
  until (target: number): Promise<void> {
    if (this.#done >= target) return Promise.resolve()
    return new Promise((resolve) => { this.#waiters.push({ target, resolve }) })
  }
}

/** Listeners for Output.onDrain, fired when an output that said "full" has room again. */
export class DrainSignal {
  #listeners: Array<() => void> = []
  #full = false

  get full (): boolean { return this.#full }

  add (fn: () => void): void { this.#listeners.push(fn) }

  /** write() returned false. */
  setFull (): void { this.#full = true }

  /** Fires the listeners once if write() had returned false since the last drain. */
  drained (): void {
    if (!this.#full) return
    this.#full = false
    for (const fn of this.#listeners) {
      try { fn() } catch { /* a listener's failure is not the output's */ }
    }
  }
}

/**
 * Waits for `work` (usually flush()), but no longer than `graceMs`: stop() gives a destination
 * that is down or a reader that is gone a bounded time before what is left is counted.
 */
export async function settleWithin (work: Promise<unknown>, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const grace = new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs) })
  try {
    await Promise.race([work, grace])
  } finally {
    clearTimeout(timer)
  }
}
