// CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78), the checksum of the disk
// queue's records. Node has zlib.crc32 (plain CRC-32) only from v22, and crypto's hashes cost a
// native call per record, so this is a small table-driven version: slicing-by-4, which keeps
// the hot path (one checksum per appended record) at several hundred MB/s in V8.
//
// Check value (RFC 3720 §B.4, iSCSI): crc32c("123456789") = 0xE3069283.

const POLY = 0x82f63b78
const T = new Int32Array(4 * 256)

for (let n = 0; n < 256; n++) {
  let c = n
  for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? (c >>> 1) ^ POLY : c >>> 1
  T[n] = c
}
for (let n = 0; n < 256; n++) {
  for (let t = 1; t < 4; t++) T[t * 256 + n] = (T[(t - 1) * 256 + n]! >>> 8) ^ T[T[(t - 1) * 256 + n]! & 0xff]!
}

/** CRC-32C of buf[start, end), continuing from `crc` (0 for a fresh checksum). Unsigned. */
export function crc32c (buf: Uint8Array, start = 0, end = buf.length, crc = 0): number {
  let c = ~crc
  let i = start
  for (; i + 4 <= end; i += 4) {
    c ^= buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)
    c = T[768 + (c & 0xff)]! ^ T[512 + ((c >>> 8) & 0xff)]! ^ T[256 + ((c >>> 16) & 0xff)]! ^ T[c >>> 24]!
  }
  for (; i < end; i++) c = T[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8)
  return ~c >>> 0
}
