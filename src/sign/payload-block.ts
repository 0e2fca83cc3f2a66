// The Certificate Block payload (RFC 5848 §5.3.1) and its key blob.
//
// Payload block = "TIMESTAMP KEYBLOBTYPE KEYBLOB", single spaces, e.g.
//   2008-08-02T01:09:27.773464+02:00 C MIIC...base64 DER certificate...
// It is fragmented over one or more ssign-cert messages (FRAG, INDEX = 1-based offset,
// FLEN = fragment length, TBPL/TPBL = total length). NetBSD writes the payload text itself
// into FRAG (no second base64 layer); a payload that is base64 of such text is accepted too.
//
// Key blob types read and written here (as NetBSD's sign.c and verify.pl):
//   'C'  PKIX: base64 of the DER X.509 certificate; the DSA public key is taken from it
//   'K'  public key: base64 of the DER SubjectPublicKeyInfo of the DSA key
//
// API: formatPayloadBlock, parsePayloadBlock, fragmentPayload, keyBlobFromCertificate,
//      keyBlobFromPublicKey, publicKeyFromBlob(type, base64) -> result.

import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto'

export type KeyBlobType = 'C' | 'K'

export interface PayloadBlock {
  readonly timestamp: string
  readonly keyBlobType: string
  readonly keyBlob: string
}

export function formatPayloadBlock (p: PayloadBlock): string {
  return `${p.timestamp} ${p.keyBlobType} ${p.keyBlob}`
}

const PAYLOAD = /^(\S+) (\S) (\S+)/

export function parsePayloadBlock (text: string): PayloadBlock | undefined {
  let m = PAYLOAD.exec(text)
  if (m === null && /^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    m = PAYLOAD.exec(Buffer.from(text, 'base64').toString('latin1'))
  }
  return m === null ? undefined : { timestamp: m[1], keyBlobType: m[2], keyBlob: m[3] }
}

/** Splits the payload into FRAG pieces of at most maxChars: [{ index (1-based), frag }]. */
export function fragmentPayload (payload: string, maxChars: number): Array<{ index: number, frag: string }> {
  if (!(maxChars >= 1)) throw new RangeError(`syslog-sign: fragment size ${maxChars} must be >= 1`)
  const out: Array<{ index: number, frag: string }> = []
  for (let at = 0; at < payload.length; at += maxChars) out.push({ index: at + 1, frag: payload.slice(at, at + maxChars) })
  return out
}

export function keyBlobFromCertificate (certificate: X509Certificate | Buffer): string {
  const der = certificate instanceof X509Certificate ? certificate.raw : new X509Certificate(certificate).raw
  return der.toString('base64')
}

export function keyBlobFromPublicKey (publicKey: KeyObject): string {
  return (publicKey.export({ type: 'spki', format: 'der' })).toString('base64')
}

export type PublicKeyResult =
  | { ok: true, key: KeyObject, label: 'PKIX DSA' | 'DER DSA' }
  | { ok: false, why: string }

/** The DSA public key of a key blob. Never throws. */
export function publicKeyFromBlob (type: string, blobBase64: string): PublicKeyResult {
  let key: KeyObject
  try {
    const der = Buffer.from(blobBase64, 'base64')
    if (type === 'C') key = new X509Certificate(der).publicKey
    else if (type === 'K') key = createPublicKey({ key: der, format: 'der', type: 'spki' })
    else return { ok: false, why: `unsupported key type ${type}` }
  } catch (err) {
    return { ok: false, why: `cannot read ${type === 'C' ? 'PKIX' : 'DER'} key blob: ${(err as Error).message}` }
  }
  if (key.asymmetricKeyType !== 'dsa') return { ok: false, why: `key blob holds a ${String(key.asymmetricKeyType)} key, only DSA is supported` }
  return { ok: true, key, label: type === 'C' ? 'PKIX DSA' : 'DER DSA' }
}
