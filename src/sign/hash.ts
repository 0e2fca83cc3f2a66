// RFC 5848 §4.2.8: a message hash is the hash of the message exactly as sent or stored,
// base64-encoded with padding. NetBSD (sign.c sign_msg_hash) hashes the formatted
// RFC 5424 line from "<PRI>" to the last octet, without the transport framing and without
// the trailing newline that the file output adds; its verifier (verify.pl) hashes each log
// line after chomp, i.e. without the "\n". Callers pass exactly those bytes.
//
// API: hashMessage(bytes, ver) -> base64 hash string (28 chars for 0111, 44 for 0121).

import { createHash } from 'node:crypto'
import { parseVer, type Ver } from './ver.js'

export function hashMessage (bytes: Uint8Array | string, ver: Ver): string {
  const info = parseVer(ver)
  if (info === undefined) throw new RangeError(`syslog-sign: unknown VER "${String(ver)}"`)
  return createHash(info.hash).update(bytes).digest('base64')
}
