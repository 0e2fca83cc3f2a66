// DSA signatures of syslog-sign blocks (RFC 5848 §4.2.9 SIGN, §5.2 signature scheme 1).
//
// What is signed: the complete block message (PRI, HEADER, SD) without the SIGN parameter and
// the space before it; see block-line.ts signedText. The DSA digest is SHA-1: NetBSD signs
// with OpenSSL's EVP_dss1 (DSA with SHA-1) for both VER 0111 and 0121, and its verify.pl
// checks sha1(text) for every block.
//
// How the signature is encoded: NetBSD base64-encodes the OpenSSL DER form
// (SEQUENCE { INTEGER r, INTEGER s }), 46-48 octets for DSA-1024. RFC 5848 names the
// "OpenPGP DSA" scheme, whose signature material is the two OpenPGP MPIs r and s
// (RFC 4880 §3.2: a two-octet bit count, then the big-endian octets). The two are told apart
// by their first octet and lengths (DER starts with 0x30 and its length octet covers the
// rest); both are accepted, and signing writes DER unless asked for 'openpgp'.
//
// API: signBlockText(text, privateKey, encoding?) -> base64;
//      verifyBlockText(text, signatureBase64, publicKey, digests?) -> boolean (never throws).

import { sign, verify, type KeyObject } from 'node:crypto'

export type SignatureEncoding = 'der' | 'openpgp'

export function signBlockText (text: Uint8Array, privateKey: KeyObject, encoding: SignatureEncoding = 'der'): string {
  if (encoding === 'der') return sign('sha1', text, { key: privateKey, dsaEncoding: 'der' }).toString('base64')
  const raw = sign('sha1', text, { key: privateKey, dsaEncoding: 'ieee-p1363' })
  const half = raw.length / 2
  return Buffer.concat([toMpi(raw.subarray(0, half)), toMpi(raw.subarray(half))]).toString('base64')
}

/** True when the signature verifies under one of the digests (SHA-1 first, as NetBSD signs). */
export function verifyBlockText (text: Uint8Array, signatureBase64: string, publicKey: KeyObject, digests: readonly string[] = ['sha1']): boolean {
  const sig = Buffer.from(signatureBase64, 'base64')
  const candidates: Array<{ sig: Buffer, dsaEncoding: 'der' | 'ieee-p1363' }> = []
  if (looksLikeDer(sig)) candidates.push({ sig, dsaEncoding: 'der' })
  const p1363 = mpiPairToP1363(sig, divisorOctets(publicKey))
  if (p1363 !== undefined) candidates.push({ sig: p1363, dsaEncoding: 'ieee-p1363' })
  for (const c of candidates) {
    for (const digest of digests) {
      try {
        if (verify(digest, text, { key: publicKey, dsaEncoding: c.dsaEncoding }, c.sig)) return true
      } catch {
        // A malformed signature or a key of another type is a failed verification, not a crash.
      }
    }
  }
  return false
}

function looksLikeDer (sig: Buffer): boolean {
  if (sig.length < 8 || sig[0] !== 0x30) return false
  const len = sig[1]
  if (len < 0x80) return len === sig.length - 2
  if (len === 0x81) return sig[2] === sig.length - 3
  return false
}

function divisorOctets (key: KeyObject): number {
  const bits = key.asymmetricKeyDetails?.divisorLength ?? 160
  return Math.ceil(bits / 8)
}

function toMpi (value: Buffer): Buffer {
  let i = 0
  while (i < value.length - 1 && value[i] === 0) i++
  const trimmed = value.subarray(i)
  const bits = trimmed.length * 8 - Math.clz32(trimmed[0]) + 24
  const head = Buffer.alloc(2)
  head.writeUInt16BE(trimmed[0] === 0 ? 0 : bits)
  return Buffer.concat([head, trimmed])
}

/** Two OpenPGP MPIs (r, s) as r||s left-padded to the divisor length, or undefined. */
function mpiPairToP1363 (sig: Buffer, octets: number): Buffer | undefined {
  const out = Buffer.alloc(octets * 2)
  let at = 0
  for (let k = 0; k < 2; k++) {
    if (at + 2 > sig.length) return undefined
    const bytes = Math.ceil(sig.readUInt16BE(at) / 8)
    at += 2
    if (bytes > octets || at + bytes > sig.length) return undefined
    sig.copy(out, k * octets + octets - bytes, at, at + bytes)
    at += bytes
  }
  return at === sig.length ? out : undefined
}

/**
 * signBlockText off the event loop: node:crypto runs the DSA signature on the libuv thread
 * pool (the daemon's signer uses this so that signing does not stall message handling).
 */
export function signBlockTextAsync (text: Uint8Array, privateKey: KeyObject, encoding: SignatureEncoding = 'der'): Promise<string> {
  return new Promise((resolve, reject) => {
    sign('sha1', text, { key: privateKey, dsaEncoding: encoding === 'der' ? 'der' : 'ieee-p1363' }, (err, raw) => {
      if (err !== null) { reject(err); return }
      if (encoding === 'der') { resolve(raw.toString('base64')); return }
      const half = raw.length / 2
      resolve(Buffer.concat([toMpi(raw.subarray(0, half)), toMpi(raw.subarray(half))]).toString('base64'))
    })
  })
}
