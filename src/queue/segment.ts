// The disk queue's on-disk format. One queue is one directory:
//
//   DIR/00000000000000000001.seg     segment files, named by the sequence number of their first
//   DIR/00000000000000004097.seg     record (20 decimal digits, so that names sort by number)
//   DIR/ledger                       where delivery has got to
//   DIR/lock                         the pid of the process that has the queue open
//   DIR/00000000000000000001.seg.corrupt-<time>   a segment set aside after damage was found
//
// Segment file:
//   magic   8 bytes  "STELEQ1\n"
//   record*          appended in batches, never rewritten
//
// Record (all integers little-endian):
//   0   u32  LEN     payload bytes, 1 .. MAX_RECORD_BYTES
//   4   u32  CRC     CRC-32C (crc32c.ts) of bytes 8 .. 16+LEN (SEQ and the payload)
//   8   u64  SEQ     sequence number: 1 for a new queue's first record, +1 for each record
//   16  LEN bytes    the payload: one message, framed for the wire (octet-counted or LF)
//
// Ledger file (ledger.ts): magic "STELELG1", u64 ACKED (every record with SEQ < ACKED has been
// taken by the destination), u32 CRC-32C of the 16 bytes before it. Rewritten in place.
//
// Reading a segment (scanSegment) never trusts a length it has not checked: a record counts only
// when its LEN fits in the file, its CRC matches and its SEQ is the next one expected (a SEQ
// further on means records in between are missing: counted as lost). After a bad record the
// scan looks for the next offset at which a valid record starts (resynchronises), so that one
// flipped byte costs one record, not the rest of the segment.

import { crc32c } from './crc32c.js'

export const SEGMENT_MAGIC = Buffer.from('STELEQ1\n', 'latin1')
export const RECORD_HEADER_BYTES = 16
/** A record's payload limit: messages are at most 64 MiB (max_message_size), plus framing. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024 + 64
export const SEGMENT_SUFFIX = '.seg'
const NAME = /^(\d{20})\.seg$/

export function segmentName (firstSeq: number): string {
  return `${String(firstSeq).padStart(20, '0')}${SEGMENT_SUFFIX}`
}

/** The first sequence number a segment file name says, or undefined for another file. */
export function parseSegmentName (name: string): number | undefined {
  const match = NAME.exec(name)
  return match === null ? undefined : Number(match[1])
}

/** Writes a record's 16-byte header for `payload` into buf[at, at + 16). */
export function encodeRecordHeader (buf: Buffer, at: number, seq: number, payload: Buffer): void {
  buf.writeUInt32LE(payload.length, at)
  buf.writeUInt32LE(seq >>> 0, at + 8)
  buf.writeUInt32LE(Math.floor(seq / 0x1_0000_0000), at + 12)
  const crc = crc32c(payload, 0, payload.length, crc32c(buf, at + 8, at + 16))
  buf.writeUInt32LE(crc, at + 4)
}

/** A stretch of a segment that holds no valid record. */
export interface Damage {
  /** Byte offset in the file where the damage starts, and how many bytes it spans. */
  offset: number
  bytes: number
  /** Records known to be lost with it (from the SEQ after it); -1 when it runs to the end of the file. */
  lostRecords: number
}

export interface SegmentScan {
  /** Valid records, and their total size on disk (headers included). */
  records: number
  bytes: number
  /** SEQ of the first and last valid record (0 when none). */
  firstSeq: number
  lastSeq: number
  /** The magic at the start was wrong or cut. */
  badMagic: boolean
  /** Damage in the middle (a valid record follows it). */
  damage: Damage[]
  /** Offset where trailing bytes that form no complete valid record start, or -1. In the newest
   *  segment this is a torn append (cut it); in an older one it is damage. */
  tailAt: number
  /** File length. */
  size: number
}

export type RecordVisitor = (seq: number, payloadStart: number, payloadEnd: number) => void

/**
 * Checks every record of a segment held in `buf`. `expectSeq` is the SEQ the first record should
 * have (from the file name). Calls `visit` for each valid record, in order. Pure: no I/O.
 */
export function scanSegment (buf: Buffer, expectSeq: number, visit?: RecordVisitor): SegmentScan {
  const scan: SegmentScan = { records: 0, bytes: 0, firstSeq: 0, lastSeq: 0, badMagic: false, damage: [], tailAt: -1, size: buf.length }
  const magicOk = buf.length >= SEGMENT_MAGIC.length && buf.subarray(0, SEGMENT_MAGIC.length).equals(SEGMENT_MAGIC)
  let at = SEGMENT_MAGIC.length
  if (!magicOk) {
    if (buf.length < SEGMENT_MAGIC.length && SEGMENT_MAGIC.subarray(0, buf.length).equals(buf)) {
      // The file was created but its magic was torn: an empty newest segment.
      scan.tailAt = 0
      return scan
    }
    scan.badMagic = true
  }
  let expected = expectSeq
  let damageFrom = magicOk ? -1 : 0
  while (at < buf.length) {
    const seq = recordAt(buf, at, expected)
    if (seq === -1) {
      if (damageFrom < 0) damageFrom = at
      at++
      continue
    }
    if (damageFrom >= 0 || seq !== expected) {
      const lost = seq - expected
      scan.damage.push({ offset: damageFrom >= 0 ? damageFrom : at, bytes: damageFrom >= 0 ? at - damageFrom : 0, lostRecords: lost })
      damageFrom = -1
    }
    const len = buf.readUInt32LE(at)
    const end = at + RECORD_HEADER_BYTES + len
    if (scan.records === 0) scan.firstSeq = seq
    scan.lastSeq = seq
    scan.records++
    scan.bytes += end - at
    visit?.(seq, at + RECORD_HEADER_BYTES, end)
    expected = seq + 1
    at = end
  }
  if (damageFrom >= 0) scan.tailAt = damageFrom
  return scan
}

/**
 * The SEQ of a valid record at `at`, else -1. A SEQ below `expected` is stale bytes, not a record;
 * one above it means the records in between are gone (the caller counts them).
 */
function recordAt (buf: Buffer, at: number, expected: number): number {
  if (at + RECORD_HEADER_BYTES > buf.length) return -1
  const len = buf.readUInt32LE(at)
  if (len === 0 || len > MAX_RECORD_BYTES || at + RECORD_HEADER_BYTES + len > buf.length) return -1
  const seq = buf.readUInt32LE(at + 8) + buf.readUInt32LE(at + 12) * 0x1_0000_0000
  if (seq < expected || seq > Number.MAX_SAFE_INTEGER) return -1
  if (crc32c(buf, at + 8, at + RECORD_HEADER_BYTES + len) !== buf.readUInt32LE(at + 4)) return -1
  return seq
}
