// Certificate fingerprints as RFC 5425 §4.2.2 writes them, the form `fingerprint=` and
// `allow=` take: the hash name, a colon, then the digest of the DER certificate as uppercase
// hex octets joined by colons ("sha256:AB:CD:...").

import { X509Certificate } from 'node:crypto'

export interface CertFingerprints { subject: string, sha1: string, sha256: string }

export function certFingerprints (cert: X509Certificate): CertFingerprints {
  // Node gives the digests already as uppercase colon-separated hex.
  return { subject: cert.subject, sha1: `sha1:${cert.fingerprint}`, sha256: `sha256:${cert.fingerprint256}` }
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g

/** Every certificate in a file: each PEM CERTIFICATE block, or the whole file as one DER certificate. */
export function readCertificates (bytes: Buffer): X509Certificate[] {
  const blocks = bytes.toString('latin1').match(PEM_CERT)
  if (blocks === null) return [new X509Certificate(bytes)]
  return blocks.map((block) => new X509Certificate(block))
}
