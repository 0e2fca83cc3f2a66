// `stele queue inspect DIR` and `stele queue verify DIR`: look at a forward's disk queue without
// starting the daemon (and without changing the directory: recovery happens only when the
// daemon opens the queue). inspect prints depth, the oldest record, segments and damage;
// verify checks every record's CRC-32C and exits 1 on damage.

import { parseArgs } from 'node:util'
import { inspectQueue, isDamaged, type QueueReport } from '../queue/inspect.js'
import { nodeQueueFs } from '../queue/queue-fs.js'

export const QUEUE_HELP = `Usage: stele queue inspect DIR [--json]
       stele queue verify DIR

Looks at a forward's disk queue (queue_dir=, by default ./spool/SCHEME-HOST-PORT) without
starting the daemon and without changing anything in DIR.

  inspect   depth (records and bytes waiting), the oldest waiting record, each segment
            (records, bytes, damage), files set aside as damaged, and the ledger
  verify    checks the CRC-32C of every record in every segment; prints what is damaged

A torn record at the end of the newest segment (an append cut by a crash or power loss) is
reported but is not damage: the daemon cuts it when it opens the queue, and every record before
it is intact. Damage anywhere else, records missing between segments, or files already set
aside (*.corrupt-*) are damage.

Exit status: 0 no damage, 1 damage found, 2 usage error or DIR cannot be read.

Options:
      --json    inspect: print the report as JSON
  -h, --help    show this help
`

export async function runQueue (argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) { process.stdout.write(QUEUE_HELP); return 0 }
  const [verb, dir, ...extra] = positionals
  if ((verb !== 'inspect' && verb !== 'verify') || dir === undefined || extra.length > 0) {
    process.stderr.write(`stele queue: expected "inspect DIR" or "verify DIR"; see stele queue --help\n`)
    return 2
  }
  let report: QueueReport
  try {
    report = await inspectQueue(nodeQueueFs, dir)
  } catch (err) {
    process.stderr.write(`stele queue: cannot read queue "${dir}": ${(err as Error).message}\n`)
    return 2
  }
  const damaged = isDamaged(report) || report.quarantined.length > 0
  if (verb === 'inspect' && values.json) {
    process.stdout.write(`${JSON.stringify({ ...report, oldest: report.oldest?.toString('utf8') ?? null, damaged }, null, 2)}\n`)
  } else if (verb === 'inspect') {
    process.stdout.write(describe(report))
  } else {
    process.stdout.write(damageLines(report).map((line) => `${line}\n`).join(''))
    const records = report.segments.reduce((sum, s) => sum + s.records, 0)
    process.stdout.write(`${report.segments.length} segments, ${records} records checked: ${damaged ? 'DAMAGED' : 'ok'}\n`)
  }
  return damaged ? 1 : 0
}

function describe (report: QueueReport): string {
  const lines = [
    `queue ${report.dir}`,
    `depth: ${report.depth} records, ${report.bytes} bytes waiting; next SEQ ${report.nextSeq}`,
    `ledger: ${report.ledger}${report.ledger === 'ok' ? ` (delivered below SEQ ${report.acked})` : ' (the daemon will deliver every record found again)'}`
  ]
  if (report.oldest !== null) lines.push(`oldest: SEQ ${report.oldestSeq}: ${printable(report.oldest)}`)
  lines.push(`segments: ${report.segments.length}`)
  for (const s of report.segments) {
    lines.push(`  ${s.name}  ${s.records} records (SEQ ${s.firstSeq}..${s.lastSeq}), ${s.liveRecords} waiting, ${s.size} bytes`)
  }
  lines.push(...damageLines(report))
  lines.push(`damage: ${isDamaged(report) || report.quarantined.length > 0 ? 'yes' : 'none'}`)
  return lines.map((line) => `${line}\n`).join('')
}

function damageLines (report: QueueReport): string[] {
  const lines: string[] = []
  const last = report.segments.length - 1
  for (const [i, s] of report.segments.entries()) {
    if (s.badMagic) lines.push(`damaged: ${s.name}: bad segment header`)
    for (const d of s.damage) lines.push(`damaged: ${s.name}: ${d.bytes} bytes at offset ${d.offset}, ${d.lostRecords} records lost`)
    if (s.tailAt >= 0) {
      lines.push(i === last
        ? `torn: ${s.name}: ${s.size - s.tailAt} bytes at offset ${s.tailAt} from an interrupted append (cut when the daemon opens the queue)`
        : `damaged: ${s.name}: ${s.size - s.tailAt} bytes at offset ${s.tailAt} form no record`)
    }
  }
  for (const gap of report.gaps) lines.push(`missing: ${gap.records} records from SEQ ${gap.fromSeq} are in no segment`)
  for (const name of report.quarantined) lines.push(`set aside earlier: ${name}`)
  return lines
}

/** The first 120 characters, control characters shown as \xNN. */
function printable (buf: Buffer): string {
  const text = buf.subarray(0, 480).toString('utf8')
  // eslint-disable-next-line no-control-regex
  const shown = text.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
  return shown.length > 120 ? `${shown.slice(0, 120)}...` : shown
}
