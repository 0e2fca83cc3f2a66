// The disk queue's ledger: how far delivery has got. 20 bytes (segment.ts has the whole layout):
// magic "STELELG1", u64 ACKED (every record with SEQ < ACKED was taken by the destination),
// u32 CRC-32C of the 16 bytes before it. Rewritten in place with one pwrite: a write of 20 bytes
// at offset 0 does not straddle a sector, and a torn or lost ledger costs duplicates, never
// records (recovery then replays from the oldest segment and counts the replay).

import { crc32c } from './crc32c.js'

export const LEDGER_NAME = 'ledger'
export const LEDGER_BYTES = 20
const MAGIC = Buffer.from('STELELG1', 'latin1')

export function encodeLedger (acked: number, out: Buffer = Buffer.alloc(LEDGER_BYTES)): Buffer {
  MAGIC.copy(out, 0)
  out.writeUInt32LE(acked >>> 0, 8)
  out.writeUInt32LE(Math.floor(acked / 0x1_0000_0000), 12)
  out.writeUInt32LE(crc32c(out, 0, 16), 16)
  return out
}

/** ACKED from a ledger file's bytes, or undefined when they are not a valid ledger. */
export function decodeLedger (buf: Buffer): number | undefined {
  if (buf.length < LEDGER_BYTES || !buf.subarray(0, 8).equals(MAGIC)) return undefined
  if (crc32c(buf, 0, 16) !== buf.readUInt32LE(16)) return undefined
  return buf.readUInt32LE(8) + buf.readUInt32LE(12) * 0x1_0000_0000
}
