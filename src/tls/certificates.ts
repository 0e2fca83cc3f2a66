// X.509 generation for `stele cert`: a small CA, and server and client certificates it signs,
// enough for a first mutual-TLS setup (RFC 5425). Pure apart from the CPU: PEM text in, PEM
// text out; cert-command.ts reads and writes the files.
//
// Keys come from Node's crypto (ECDSA P-256 by default, RSA 2048 on request) as PKCS#8. The
// certificate structure is built by @peculiar/x509 (ASN.1 by a maintained, typed library rather
// than by hand; node-forge cannot sign with ECDSA) and signed through Node's WebCrypto.
// @peculiar/x509 uses tsyringe, which needs a Reflect metadata polyfill loaded first: this module
// is imported lazily by the cert command only, so the daemon never loads either.

import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import { createPrivateKey, createPublicKey, generateKeyPair, randomBytes, webcrypto, type KeyObject } from 'node:crypto'
import { isIP } from 'node:net'
import { promisify } from 'node:util'
import { SteleError } from '../errors.js'

x509.cryptoProvider.set(webcrypto)

type CryptoKey = webcrypto.CryptoKey
type SigningAlgorithm = webcrypto.RsaHashedImportParams | (webcrypto.EcKeyImportParams & webcrypto.EcdsaParams)

export type KeyType = 'ec' | 'rsa'

/** A certificate and its private key, both PEM (the key PKCS#8). */
export interface CertAndKey { certPem: string, keyPem: string }

export interface CaOptions {
  /** The CA's common name. */
  name: string
  days: number
  keyType: KeyType
  /** The clock, for tests; default now. */
  now?: Date
}

export interface LeafOptions {
  /** server: serverAuth + clientAuth (a relay presents the same certificate both ways); client: clientAuth. */
  kind: 'server' | 'client'
  /** The CN. */
  commonName: string
  /** subjectAltName dNSName entries. */
  dnsNames: string[]
  /** subjectAltName iPAddress entries (IPv4 or IPv6 text). */
  ipAddresses: string[]
  days: number
  keyType: KeyType
  ca: CertAndKey
  now?: Date
}

/** The certificate's validity starts this far in the past, so a peer whose clock is a little behind accepts it. */
const BACKDATE_MS = 5 * 60_000
const DAY_MS = 86_400_000
/** RFC 5280 appendix A.1, ub-common-name. */
export const MAX_COMMON_NAME_CHARS = 64

const generateKeyPairAsync = promisify(generateKeyPair)

export async function createCa (opts: CaOptions): Promise<CertAndKey> {
  checkCommonName(opts.name)
  const keys = await newKeyPair(opts.keyType)
  const signer = await importSigner(keys.privateKey)
  const publicKey = await importPublic(keys.publicKey)
  const name: x509.JsonName = [{ CN: [opts.name] }]
  const { notBefore, notAfter } = validity(opts.now, opts.days)
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: name,
    issuer: name,
    notBefore,
    notAfter,
    publicKey,
    signingKey: signer.key,
    signingAlgorithm: signer.algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(publicKey)
    ]
  })
  return { certPem: pem(cert), keyPem: pkcs8Pem(keys.privateKey) }
}

export async function createLeaf (opts: LeafOptions): Promise<CertAndKey> {
  checkCommonName(opts.commonName)
  const ca = await loadCa(opts.ca)
  const keys = await newKeyPair(opts.keyType)
  const publicKey = await importPublic(keys.publicKey)
  const { notBefore } = validity(opts.now, opts.days)
  let { notAfter } = validity(opts.now, opts.days)
  // A certificate outliving its CA would be rejected from that day on anyway; say so by its dates.
  if (notAfter > ca.cert.notAfter) notAfter = ca.cert.notAfter
  const usages = opts.kind === 'server'
    ? [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]
    : [x509.ExtendedKeyUsage.clientAuth]
  // keyEncipherment only where it can apply: an RSA server key in TLS 1.2 RSA key exchange.
  // RFC 5480 §3 does not allow it on an EC key, and every TLS peer signs with its key otherwise.
  const keyUsage = opts.kind === 'server' && opts.keyType === 'rsa'
    ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
    : x509.KeyUsageFlags.digitalSignature
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(keyUsage, true),
    new x509.ExtendedKeyUsageExtension(usages),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ca.authorityKeyId
  ]
  const altNames: x509.JsonGeneralName[] = [
    ...opts.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...opts.ipAddresses.map((value) => ({ type: 'ip' as const, value }))
  ]
  if (altNames.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(altNames))
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: [{ CN: [opts.commonName] }],
    issuer: ca.cert.subjectName,
    notBefore,
    notAfter,
    publicKey,
    signingKey: ca.signer.key,
    signingAlgorithm: ca.signer.algorithm,
    extensions
  })
  return { certPem: pem(cert), keyPem: pkcs8Pem(keys.privateKey) }
}

/** A hostname as a dNSName may hold it (RFC 1035 §2.3.1 letters-digits-hyphens, RFC 6125 §6.4.3 a leading "*." wildcard). */
export function isDnsName (name: string): boolean {
  if (name.length === 0 || name.length > 253 || isIP(name) !== 0) return false
  const labels = (name.endsWith('.') ? name.slice(0, -1) : name).split('.')
  return labels.every((label, i) => (i === 0 && label === '*' && labels.length > 2) ||
    /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label))
}

interface Signer { key: CryptoKey, algorithm: SigningAlgorithm }

interface LoadedCa { cert: x509.X509Certificate, signer: Signer, authorityKeyId: x509.AuthorityKeyIdentifierExtension }

async function loadCa (ca: CertAndKey): Promise<LoadedCa> {
  let cert: x509.X509Certificate
  let privateKey: KeyObject
  try {
    cert = new x509.X509Certificate(ca.certPem)
  } catch (err) {
    throw new SteleError('STELE_CERT', `CA certificate: cannot parse (${(err as Error).message})`, { cause: err })
  }
  try {
    privateKey = createPrivateKey(ca.keyPem)
  } catch (err) {
    throw new SteleError('STELE_CERT', `CA key: cannot parse (${(err as Error).message})`, { cause: err })
  }
  const certSpki = Buffer.from(cert.publicKey.rawData)
  const keySpki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' })
  if (!certSpki.equals(keySpki)) throw new SteleError('STELE_CERT', 'CA key does not match the CA certificate')
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension)
  // RFC 5280 §4.2.1.1: the keyIdentifier is the issuer's subjectKeyIdentifier, so a verifier can pick the CA.
  const authorityKeyId = ski !== null
    ? new x509.AuthorityKeyIdentifierExtension(ski.keyId)
    : await x509.AuthorityKeyIdentifierExtension.create(cert.publicKey)
  return { cert, signer: await importSigner(privateKey), authorityKeyId }
}

async function newKeyPair (keyType: KeyType): Promise<{ privateKey: KeyObject, publicKey: KeyObject }> {
  return keyType === 'rsa'
    ? await generateKeyPairAsync('rsa', { modulusLength: 2048, publicExponent: 0x10001 })
    : await generateKeyPairAsync('ec', { namedCurve: 'prime256v1' })
}

/** The WebCrypto algorithm for a key, with the hash that goes with its size. */
function algorithmOf (key: KeyObject): SigningAlgorithm {
  const details = key.asymmetricKeyDetails ?? {}
  if (key.asymmetricKeyType === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
  if (key.asymmetricKeyType === 'ec') {
    switch (details.namedCurve) {
      case 'prime256v1': return { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
      case 'secp384r1': return { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' }
      case 'secp521r1': return { name: 'ECDSA', namedCurve: 'P-521', hash: 'SHA-512' }
    }
  }
  const what = key.asymmetricKeyType === 'ec' ? `ec ${details.namedCurve ?? '?'}` : key.asymmetricKeyType ?? '?'
  throw new SteleError('STELE_CERT', `key type "${what}" is not supported (RSA, or EC P-256, P-384, P-521)`)
}

async function importSigner (privateKey: KeyObject): Promise<Signer> {
  const algorithm = algorithmOf(privateKey)
  const der = privateKey.export({ type: 'pkcs8', format: 'der' })
  const key = await webcrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign'])
  return { key, algorithm }
}

async function importPublic (publicKey: KeyObject): Promise<CryptoKey> {
  const der = publicKey.export({ type: 'spki', format: 'der' })
  return await webcrypto.subtle.importKey('spki', der, algorithmOf(publicKey), true, ['verify'])
}

/**
 * RFC 5280 §4.1.2.2: a positive integer of at most 20 octets, unique per CA. 16 random bytes
 * (CA/Browser Forum asks for 64 bits of entropy); the top bit cleared keeps it positive and the
 * next one set keeps it 16 bytes long, with no leading zero octet.
 */
function randomSerialHex (): string {
  const bytes = randomBytes(16)
  bytes[0] = (bytes[0]! & 0x7f) | 0x40
  return bytes.toString('hex')
}

function validity (now: Date | undefined, days: number): { notBefore: Date, notAfter: Date } {
  const nowMs = (now ?? new Date()).getTime()
  // X.509 times have whole seconds; round so the dates printed are the dates in the certificate.
  const second = (ms: number): Date => new Date(Math.floor(ms / 1000) * 1000)
  return { notBefore: second(nowMs - BACKDATE_MS), notAfter: second(nowMs + days * DAY_MS) }
}

function checkCommonName (name: string): void {
  if (name.length === 0) throw new SteleError('STELE_CERT', 'the name is empty')
  if (name.length > MAX_COMMON_NAME_CHARS) {
    throw new SteleError('STELE_CERT', `name "${name}" is longer than ${MAX_COMMON_NAME_CHARS} characters, the limit for a certificate's CN`)
  }
}

function pem (cert: x509.X509Certificate): string {
  return `${cert.toString('pem').trim()}\n`
}

function pkcs8Pem (key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString()
}
