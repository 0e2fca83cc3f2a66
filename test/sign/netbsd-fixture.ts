// A NetBSD-faithful syslog-sign log generator for tests (we have no NetBSD machine).
//
// It reproduces what NetBSD syslogd (usr.sbin/syslogd/sign.c) writes to a file:
//   - each signed message is hashed over its formatted RFC 5424 line without "\n";
//   - a Certificate Block (key type C: the DER certificate of a DSA key made with openssl(1),
//     or K: the DER public key) is written just before the first Signature Block;
//   - Signature Blocks use NetBSD's sliding window: a block is written whenever the queue of
//     hashes reaches a multiple of `division`; it carries every queued hash (at most
//     division * redundancy), and once the queue is full the oldest division is dropped, so
//     every hash appears in `redundancy` consecutive blocks; at shutdown a last block carries
//     whatever is queued;
//   - block messages are "<110>1 TIMESTAMP HOST syslogd - - [ssign ...]" with GBC counting
//     every block (CB fragments included) from 0.
// seedLog() builds the example of the syslog-sign seed (003): msg0..msg19 from
// host.example.org, RSID 1217632162, VER 0111, SG 3, SPRI 0, CB + SB after msg14, SB after
// msg19, and msg12 modified afterwards. SEED_STDOUT/SEED_STDERR are the published output.
//
// The signer helper may reuse this module to check its own output against the same layout.

import { execFileSync } from 'node:child_process'
import { createPrivateKey, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  VER_SHA1, buildCertificateBlocks, buildSignatureBlock, hashMessage, keyBlobFromCertificate, keyBlobFromPublicKey,
  type KeyBlobType, type SignatureEncoding, type Ver
} from '../../src/sign/index.js'

export interface DsaIdentity {
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  readonly keyBlobType: KeyBlobType
  readonly keyBlob: string
}

const cache = new Map<string, DsaIdentity>()

/**
 * A DSA-1024 key with a self-signed certificate made by the openssl CLI (type 'C', as NetBSD
 * with a TLS certificate) or a bare DSA key (type 'K', as NetBSD when it generates one).
 * `name` gives distinct keys; the same name returns the same key within a process.
 */
export function dsaIdentity (keyBlobType: KeyBlobType = 'C', name = 'default'): DsaIdentity {
  const cacheKey = `${keyBlobType}:${name}`
  const known = cache.get(cacheKey)
  if (known !== undefined) return known
  let identity: DsaIdentity
  if (keyBlobType === 'K') {
    const { privateKey, publicKey } = generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 })
    identity = { privateKey, publicKey, keyBlobType, keyBlob: keyBlobFromPublicKey(publicKey) }
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'stele-sign-'))
    try {
      const run = (args: string[]): void => { execFileSync('openssl', args, { stdio: 'pipe' }) }
      run(['dsaparam', '-out', join(dir, 'param.pem'), '1024'])
      run(['gendsa', '-out', join(dir, 'key.pem'), join(dir, 'param.pem')])
      run(['req', '-x509', '-new', '-key', join(dir, 'key.pem'), '-subj', '/CN=host.example.org', '-days', '3650', '-sha256', '-out', join(dir, 'cert.pem')])
      const privateKey = createPrivateKey(readFileSync(join(dir, 'key.pem')))
      const cert = new X509Certificate(readFileSync(join(dir, 'cert.pem')))
      identity = { privateKey, publicKey: cert.publicKey, keyBlobType, keyBlob: keyBlobFromCertificate(cert) }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  cache.set(cacheKey, identity)
  return identity
}

export interface SignedLogOptions {
  readonly identity: DsaIdentity
  /** the messages as complete RFC 5424 lines, numbered 1.. in this order */
  readonly messages: readonly string[]
  readonly hostname?: string
  readonly rsid?: number
  readonly ver?: Ver
  readonly sg?: number
  readonly spri?: number
  /** hashes per division of the sliding window (NetBSD: 33; the seed's example fits 15) */
  readonly division?: number
  /** how many consecutive blocks carry each hash (NetBSD: 3) */
  readonly redundancy?: number
  readonly blockTimestamp?: string
  readonly payloadTimestamp?: string
  readonly maxFragmentChars?: number
  readonly signatureEncoding?: SignatureEncoding
  /** sign with this identity's key but announce `identity` in the CB (a CB signed by another key) */
  readonly cbSigner?: DsaIdentity
}

export interface SignedLog {
  readonly lines: string[]
  /** per message (0-based index into messages), its base64 hash */
  readonly hashes: string[]
}

export function netbsdSignedLog (o: SignedLogOptions): SignedLog {
  const hostname = o.hostname ?? 'host.example.org'
  const ver = o.ver ?? VER_SHA1
  const group = { ver, rsid: o.rsid ?? 1217632162, sg: o.sg ?? 3, spri: o.spri ?? 0 }
  const division = o.division ?? 15
  const windowSize = division * (o.redundancy ?? 3)
  const header = { timestamp: o.blockTimestamp ?? '2008-08-02T02:09:27.773478+02:00', hostname, appName: 'syslogd' }
  const lines: string[] = []
  const hashes: string[] = []
  let queue: Array<{ number: number, hash: string }> = []
  let gbc = 0
  let cbSent = false

  const sendBlock = (): void => {
    if (!cbSent) {
      const cbs = buildCertificateBlocks({
        header, group, payloadTimestamp: o.payloadTimestamp ?? '2008-08-02T01:09:27.773464+02:00',
        keyBlobType: o.identity.keyBlobType, keyBlob: o.identity.keyBlob,
        privateKey: (o.cbSigner ?? o.identity).privateKey, maxFragmentChars: o.maxFragmentChars, signatureEncoding: o.signatureEncoding
      })
      lines.push(...cbs)
      gbc += cbs.length
      cbSent = true
    }
    lines.push(buildSignatureBlock({
      header, group, gbc, fmn: queue[0].number, hashes: queue.map((q) => q.hash), privateKey: o.identity.privateKey, signatureEncoding: o.signatureEncoding
    }))
    gbc++
    if (queue.length >= windowSize) queue = queue.slice(division)
  }

  o.messages.forEach((message, i) => {
    lines.push(message)
    const hash = hashMessage(message, ver)
    hashes.push(hash)
    queue.push({ number: i + 1, hash })
    if (queue.length % division === 0) sendBlock()
  })
  // Shutdown (sign_global_free): a last block with whatever is still queued.
  if (queue.length > 0) sendBlock()
  return { lines, hashes }
}

/** The seed's messages: "<15>1 2008-08-02T02:09:27+02:00 host.example.org test 6255 - - msgN". */
export function seedMessages (count = 20, hostname = 'host.example.org'): string[] {
  return Array.from({ length: count }, (_, i) => `<15>1 2008-08-02T02:09:27+02:00 ${hostname} test 6255 - - msg${i}`)
}

/** The seed's test.log: signed as NetBSD did, then msg12 changed to "modified msg12". */
export function seedLog (identity = dsaIdentity('C')): string[] {
  const { lines } = netbsdSignedLog({ identity, messages: seedMessages() })
  return lines.map((line) => line.endsWith(' - - msg12') ? line.replace(' - - msg12', ' - - modified msg12') : line)
}

const M = '<15>1 2008-08-02T02:09:27+02:00 host.example.org test 6255 - - '
const T = 'host.example.org,1217632162,0111,3,0,'

/** stdout of `verify.pl -i test.log` in the seed, byte for byte (headings included). */
export const SEED_STDOUT = [
  'signed messages:',
  ...Array.from({ length: 20 }, (_, i) => i + 1 === 13
    ? `${T}13 **** msg lost`
    : `${T}${i + 1}${i + 1 < 10 ? '  ' : ' '}${M}msg${i}`),
  'messages without signature:',
  `${M}modified msg12`,
  ''
].join('\n')

/** The status lines of the seed's transcript, in order (stderr). */
export const SEED_STDERR_STATUS = [
  'reading input...',
  'processing CBs...',
  'decoding SGs...',
  'got PKIX DSA key',
  'verifying CBs...',
  'verified CB and got key for SG: (host.example.org,1217632162,0111,3,0), start: 2008-08-02T01:09:27.773464+02:00',
  'now process SBs'
]
