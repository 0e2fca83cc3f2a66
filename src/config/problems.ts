// Collects every problem found while reading a config, each with FILE:LINE, so `stele check` and
// the daemon can print them all at once rather than stopping at the first (STYLE.md, "Errors").

import type { ConfigProblem } from './schema.js'

/** Reports one problem at a fixed place (a logical line of a config file). */
export type Report = (severity: ConfigProblem['severity'], message: string) => void

export class ProblemList {
  readonly list: ConfigProblem[] = []

  /** A Report bound to FILE:LINE. Line 0 means the file as a whole (e.g. it cannot be read). */
  at (file: string, line: number): Report {
    return (severity, message) => { this.list.push({ file, line, severity, message }) }
  }

  get hasErrors (): boolean {
    return this.list.some((p) => p.severity === 'error')
  }
}

/** "FILE:LINE: error: message", or "FILE: error: message" for line 0. */
export function formatProblem (problem: ConfigProblem): string {
  const where = problem.line > 0 ? `${problem.file}:${problem.line}` : problem.file
  return `${where}: ${problem.severity}: ${problem.message}`
}

/** ` (did you mean "hostname"?)` when `key` is one or two edits from a known key, else "". */
export function suggestKey (key: string, known: readonly string[]): string {
  let best = ''
  let bestDistance = 3
  for (const candidate of known) {
    const d = editDistance(key, candidate)
    if (d < bestDistance) { best = candidate; bestDistance = d }
  }
  return best === '' ? '' : ` (did you mean "${best}"?)`
}

function editDistance (a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost)
    }
    previous = current
  }
  return previous[b.length]!
}
