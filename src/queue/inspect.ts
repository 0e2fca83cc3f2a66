// Reads a queue directory without changing it: every segment checked record by record against
// the ledger. `stele queue inspect|verify` print this; DiskRecordQueue.open() acts on it (cuts a
// torn tail, sets damaged segments aside) before it appends.

import { join } from 'node:path'
import { decodeLedger, LEDGER_NAME } from './ledger.js'
import type { QueueFs } from './queue-fs.js'
import { parseSegmentName, RECORD_HEADER_BYTES, scanSegment, type SegmentScan } from './segment.js'

export interface SegmentReport extends SegmentScan {
  name: string
  path: string
  /** The SEQ its name says its first record has. */
  nameSeq: number
  /** Records (and their bytes on disk) not yet acknowledged. */
  liveRecords: number
  liveBytes: number
  /** Records known lost in it (SEQ gaps after damage). */
  lostRecords: number
}

export interface QueueReport {
  dir: string
  /** 'missing' and 'invalid' ledgers mean every record found is replayed (duplicates possible). */
  ledger: 'ok' | 'missing' | 'invalid'
  /** Every SEQ below this was delivered (0 when the ledger is not ok). */
  acked: number
  segments: SegmentReport[]
  /** Files set aside earlier ("*.seg.corrupt-*"). */
  quarantined: string[]
  /** Records and bytes waiting. */
  depth: number
  bytes: number
  /** The oldest waiting record. */
  oldestSeq: number
  oldest: Buffer | null
  /** SEQ of the next record to append. */
  nextSeq: number
  /** Waiting SEQ ranges that no segment holds (a segment removed, or damage that ran to a segment's end). */
  gaps: Array<{ fromSeq: number, records: number }>
}

/** True when the report shows anything that lost or may have lost records (a torn newest tail is not damage). */
export function isDamaged (report: QueueReport): boolean {
  const last = report.segments.length - 1
  return report.gaps.length > 0 || report.segments.some((s, i) => s.badMagic || s.damage.length > 0 || (s.tailAt >= 0 && i !== last))
}

export async function inspectQueue (fs: QueueFs, dir: string): Promise<QueueReport> {
  const names = await fs.readdir(dir)
  let ledger: QueueReport['ledger'] = 'missing'
  let acked = 0
  if (names.includes(LEDGER_NAME)) {
    const value = decodeLedger(await fs.readFile(join(dir, LEDGER_NAME)))
    ledger = value === undefined ? 'invalid' : 'ok'
    acked = value ?? 0
  }
  const report: QueueReport = {
    dir, ledger, acked, segments: [], quarantined: names.filter((n) => n.includes('.seg.corrupt')).sort(),
    depth: 0, bytes: 0, oldestSeq: 0, oldest: null, nextSeq: Math.max(1, acked), gaps: []
  }
  const segments = names.map((name) => ({ name, seq: parseSegmentName(name) }))
    .filter((s): s is { name: string, seq: number } => s.seq !== undefined)
    .sort((a, b) => a.seq - b.seq)
  let expected = acked
  for (const { name, seq } of segments) {
    const path = join(dir, name)
    const buf = await fs.readFile(path)
    let liveRecords = 0
    let liveBytes = 0
    const scan = scanSegment(buf, seq, (recordSeq, start, end) => {
      if (recordSeq < acked) return
      liveRecords++
      liveBytes += end - start + RECORD_HEADER_BYTES
      if (report.oldest === null) {
        report.oldest = Buffer.from(buf.subarray(start, end))
        report.oldestSeq = recordSeq
      }
    })
    const lostRecords = scan.damage.reduce((sum, d) => sum + Math.max(0, d.lostRecords), 0)
    report.segments.push({ ...scan, name, path, nameSeq: seq, liveRecords, liveBytes, lostRecords })
    if (scan.records === 0) continue
    // With a valid ledger, records from ACKED on must all be somewhere; without one, the first
    // segment found is where replay starts.
    if (ledger !== 'ok' && expected === 0) expected = scan.firstSeq
    if (scan.firstSeq > expected && scan.lastSeq >= acked) {
      report.gaps.push({ fromSeq: expected, records: scan.firstSeq - expected })
    }
    expected = Math.max(expected, scan.lastSeq + 1)
    report.depth += liveRecords
    report.bytes += liveBytes
    report.nextSeq = Math.max(report.nextSeq, scan.lastSeq + 1)
  }
  return report
}
