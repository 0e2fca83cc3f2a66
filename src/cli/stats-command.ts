// `stele stats`: asks the running daemon (over its control socket) for its counters and prints
// them per listener and per output, or as JSON.

import { parseArgs } from 'node:util'
import { requestControl } from '../daemon/control.js'

export const STATS_HELP = `Usage: stele stats [-s SOCKET] [--json]

Prints the running daemon's counters: per listener (received, malformed, truncated, dropped,
connections) and per output (received, written, dropped by reason, truncated, errors), with
each forward's disk queue (directory, depth, segments, and damage or a full disk).

Options:
  -s, --socket PATH   the daemon's control_socket (default ./stele.ctl)
      --json          print the daemon's answer as JSON
  -h, --help          show this help
`

interface Counted { name: string, received: number, dropped: Record<string, number>, [key: string]: unknown }
interface Stats { version: string, pid: number, config: string, uptimeS: number, routed: number, repeatsSuppressed: number, inputs: Counted[], outputs: Counted[] }

export async function runStats (argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      socket: { type: 'string', short: 's', default: './stele.ctl' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) { process.stdout.write(STATS_HELP); return 0 }
  let stats: Stats
  try {
    stats = await requestControl(values.socket, 'stats') as Stats
  } catch (err) {
    process.stderr.write(`stele stats: cannot reach the daemon at ${values.socket}: ${(err as Error).message}\n`)
    return 1
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`)
    return 0
  }
  const lines = [`stele ${stats.version}, pid ${stats.pid}, up ${stats.uptimeS} s, ${stats.config}`,
    `routed ${stats.routed}, repeats folded ${stats.repeatsSuppressed}`, '', 'inputs:']
  for (const input of stats.inputs) lines.push(`  ${input.name}: ${describe(input, ['received', 'malformed', 'truncated', 'errors', 'connections', 'accepted', 'refused', 'handshakeErrors', 'idleTimeouts', 'rotations', 'truncations', 'partialLines'])}`)
  lines.push('', 'outputs:')
  for (const output of stats.outputs) {
    lines.push(`  ${output.name}: ${describe(output, ['received', 'written', 'truncated', 'errors'])}`)
    if (typeof output.queue === 'object' && output.queue !== null) lines.push(`    queue: ${describeQueue(output.queue as Record<string, unknown>)}`)
  }
  process.stdout.write(`${lines.join('\n')}\n`)
  return 0
}

function describe (counted: Counted, keys: string[]): string {
  const parts = keys.filter((key) => typeof counted[key] === 'number').map((key) => `${key} ${counted[key] as number}`)
  const dropped = Object.entries(counted.dropped ?? {}).filter(([, count]) => count > 0)
  parts.push(dropped.length === 0 ? 'dropped 0' : `dropped ${dropped.map(([reason, count]) => `${count} (${reason})`).join(', ')}`)
  return parts.join(', ')
}

/** A forward's disk queue: where, how much waits, and anything recovery or a full disk did. */
function describeQueue (queue: Record<string, unknown>): string {
  const parts = [`${String(queue['type'])} ${String(queue['dir'])}`, `depth ${String(queue['depth'])} (${String(queue['bytes'])} bytes)`, `segments ${String(queue['segments'])}`]
  if (queue['diskFull'] === true) parts.push('DISK FULL')
  for (const key of ['appendErrors', 'torn', 'quarantined', 'lost', 'replayed']) {
    if (typeof queue[key] === 'number' && queue[key] > 0) parts.push(`${key} ${queue[key] as number}`)
  }
  return parts.join(', ')
}
