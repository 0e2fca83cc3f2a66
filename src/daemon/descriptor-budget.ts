// File descriptors are shared by every connection, file and socket of the daemon. When they run
// out, accept() fails with EMFILE, and libuv quietly accepts and closes the pending connections
// without telling Node; worse, a file reopened on SIGHUP could then fail. So stele keeps its own
// budget: connections across all stream listeners may use the descriptor limit minus a reserve
// kept for files, outputs and the control socket. A connection past the budget is closed at
// once, counted as refused and reported (once per episode), and the daemon goes on serving the
// others. The limit is read once, at start, from /proc/self/limits (RLIMIT_NOFILE, soft).

import { readFileSync } from 'node:fs'

/** Descriptors kept for everything that is not an inbound connection. */
export function reserveFor (limit: number): number {
  return limit >= 256 ? 64 : Math.floor(limit / 2)
}

/** The soft RLIMIT_NOFILE, or null where /proc is not there to tell (no budget then). */
export function descriptorLimit (): number | null {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8')
    const match = /^Max open files\s+(\d+|unlimited)/m.exec(limits)
    if (match === null || match[1] === 'unlimited') return null
    return Number(match[1])
  } catch {
    return null
  }
}

export class DescriptorBudget {
  readonly limit: number | null
  readonly connections: number
  #open = 0
  #refusing = false

  constructor (limit: number | null = descriptorLimit()) {
    this.limit = limit
    this.connections = limit === null ? Infinity : Math.max(1, limit - reserveFor(limit))
  }

  get open (): number { return this.#open }

  /**
   * Takes a descriptor for a new connection. Returns null when there is one, or the text to log
   * when the budget is exhausted and this is the first refusal of the episode ('' after that).
   */
  acquire (): string | null {
    if (this.#open < this.connections) {
      this.#open++
      return null
    }
    if (this.#refusing) return ''
    this.#refusing = true
    return `out of file descriptors: ${this.#open} connections open, descriptor limit ${this.limit ?? '?'} less ${this.limit === null ? 0 : reserveFor(this.limit)} kept for files and outputs; refusing new connections`
  }

  /** Gives a connection's descriptor back; returns a line to log when refusals end. */
  release (): string | null {
    this.#open--
    if (this.#refusing && this.#open < this.connections) {
      this.#refusing = false
      return 'file descriptors available again; accepting connections'
    }
    return null
  }
}
