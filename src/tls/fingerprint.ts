// Certificate fingerprints as RFC 5425 §4.2.2 writes them: the hash algorithm's name, a colon,
// then the hash of the DER-encoded certificate in colon-separated upper-case hex pairs
// ("sha256:9E:4B:..."). SHA-1 must be supported (RFC 5425 §4.2.2); SHA-256 is what stele writes
// by default. Pure functions: `stele cert fingerprint` and the TLS listener/forward share them.

import { createHash } from 'node:crypto'

export type FingerprintAlgorithm = 'sha1' | 'sha256'

export const FINGERPRINT_ALGORITHMS: readonly FingerprintAlgorithm[] = ['sha1', 'sha256']

/** Digest length in bytes, to reject a pin of the wrong length when the config is read. */
const DIGEST_BYTES: Readonly<Record<FingerprintAlgorithm, number>> = { sha1: 20, sha256: 32 }

/** "sha256:AB:CD:..." of a DER certificate. */
export function certificateFingerprint (der: Buffer | Uint8Array, algorithm: FingerprintAlgorithm = 'sha256'): string {
  const hex = createHash(algorithm).update(der).digest('hex').toUpperCase()
  return `${algorithm}:${hex.replace(/(..)(?!$)/g, '$1:')}`
}

/**
 * Reads a written fingerprint: "sha256:AB:CD:...", also lower case, without colons, or with
 * "SHA-256"/"SHA1" as the name. Returns the canonical form, or an error saying what is wrong.
 */
export function parseFingerprint (text: string): { fingerprint: string, algorithm: FingerprintAlgorithm } | { error: string } {
  const match = /^(sha-?1|sha-?256):([0-9a-f:]+)$/i.exec(text.trim())
  if (match === null) return { error: `fingerprint "${text}" is not "sha256:HEX" or "sha1:HEX" (hex pairs, colons optional)` }
  const algorithm = match[1]!.toLowerCase().replace('-', '') as FingerprintAlgorithm
  const hex = match[2]!.replaceAll(':', '').toUpperCase()
  const bytes = DIGEST_BYTES[algorithm]
  if (hex.length !== bytes * 2) return { error: `fingerprint "${text}": a ${algorithm} fingerprint has ${bytes} bytes, this has ${hex.length / 2}` }
  return { fingerprint: `${algorithm}:${hex.replace(/(..)(?!$)/g, '$1:')}`, algorithm }
}

/** True when the DER certificate has one of the canonical `fingerprints` (as parseFingerprint returns them). */
export function matchesFingerprint (der: Buffer | Uint8Array, fingerprints: readonly string[]): boolean {
  let sha1: string | undefined
  let sha256: string | undefined
  for (const pin of fingerprints) {
    if (pin.startsWith('sha1:')) {
      sha1 ??= certificateFingerprint(der, 'sha1')
      if (pin === sha1) return true
    } else {
      sha256 ??= certificateFingerprint(der, 'sha256')
      if (pin === sha256) return true
    }
  }
  return false
}
