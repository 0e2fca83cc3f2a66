// RFC 5848 §4.2.8: a message hash is the hash of the message exactly as sent or stored,
// base64-encoded with padding. NetBSD (sign.c sign_msg_hash) hashes the formatted
// RFC 5424 line from "<PRI>" to the last octet, without the transport framing and without
// the trailing newline that the file output adds; its verifier (verify.pl) hashes each log
// line after chomp, i.e. without the "\n". Callers pass exactly those bytes.
//
// API: hashMessage(bytes, ver) -> base64 hash string (28 chars for 0111, 44 for 0121);
//      messageHasher(ver) -> the same as a function of the bytes alone, for a caller that hashes many.

import * as crypto from 'node:crypto'
import { parseVer, type Ver } from './ver.js'

// crypto.hash (Node >= 20.12) hashes in one call, about twice as fast as createHash() for
// messages of a few hundred bytes: the signer calls this once per signed message.
const oneShot = (crypto as { hash?: (algorithm: string, data: Uint8Array | string, encoding: 'base64') => string }).hash

export function hashMessage (bytes: Uint8Array | string, ver: Ver): string {
  const info = parseVer(ver)
  if (info === undefined) throw new RangeError(`syslog-sign: unknown VER "${String(ver)}"`)
  if (oneShot !== undefined) return oneShot(info.hash, bytes, 'base64')
  return crypto.createHash(info.hash).update(bytes).digest('base64')
}

/** hashMessage for one VER, its algorithm looked up once (the signer hashes every message with it). */
export function messageHasher (ver: Ver): (bytes: Uint8Array) => string {
  const info = parseVer(ver)
  if (info === undefined) throw new RangeError(`syslog-sign: unknown VER "${String(ver)}"`)
  const algorithm = info.hash
  if (oneShot !== undefined) return (bytes) => oneShot(algorithm, bytes, 'base64')
  return (bytes) => crypto.createHash(algorithm).update(bytes).digest('base64')
}
