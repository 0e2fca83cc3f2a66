// The signer's DSA key and the key blob its Certificate Blocks carry (RFC 5848 §4.2.9, §5.2):
//
//   sign_key=FILE sign_cert=FILE  the key and its X.509 certificate: key blob type 'C' (the
//                                 certificate, DER), as NetBSD sends its TLS certificate
//   sign_key=FILE                 the key alone: type 'K' (the public key, DER SubjectPublicKeyInfo)
//   neither                       a key generated at first start and kept in
//                                 STATE_DIR/sign-key.pem (mode 0600); type 'K'
//
// RFC 5848 §5.2 defines only DSA signatures (VER 0111, 0121). Generated keys are 2048-bit DSA
// with a 256-bit q (FIPS 186-4); NetBSD generates 1024-bit keys, which OpenSSL and NetBSD's
// verifier read as well, but which give only 80-bit security. Give sign_key= to use another key.

import { createPrivateKey, createPublicKey, generateKeyPair, X509Certificate, type KeyObject } from 'node:crypto'
import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { DIR_MODE } from '../../outputs/file-writer.js'
import type { SignSettings } from './settings.js'

export const GENERATED_KEY_FILE = 'sign-key.pem'
export const GENERATED_KEY_BITS = 2048
export const GENERATED_KEY_MODE = 0o600

export interface SigningKey {
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  /** RFC 5848 §4.2.9 key blob type: 'C' PKIX certificate, 'K' public key. */
  readonly blobType: 'C' | 'K'
  /** The key blob, DER: the certificate (C) or SubjectPublicKeyInfo (K). */
  readonly blob: Buffer
  /** Where the key came from, for the start-up log line. */
  readonly source: string
}

/** Reads and checks a DSA private key (PEM); throws an Error that says what is wrong. */
export async function readDsaKey (file: string): Promise<KeyObject> {
  let key: KeyObject
  try {
    key = createPrivateKey(await readFile(file))
  } catch (err) {
    throw new Error(`sign_key "${file}": cannot read a private key: ${(err as Error).message}`)
  }
  if (key.asymmetricKeyType !== 'dsa') throw new Error(`sign_key "${file}": is a ${key.asymmetricKeyType ?? 'unknown'} key; RFC 5848 signatures need a DSA key`)
  return key
}

/** Reads a certificate (PEM or DER) and checks that it holds the public half of `key`. */
export async function readCertificate (file: string, key: KeyObject): Promise<X509Certificate> {
  let cert: X509Certificate
  try {
    cert = new X509Certificate(await readFile(file))
  } catch (err) {
    throw new Error(`sign_cert "${file}": cannot read an X.509 certificate: ${(err as Error).message}`)
  }
  const expected = createPublicKey(key).export({ type: 'spki', format: 'der' })
  if (!cert.publicKey.export({ type: 'spki', format: 'der' }).equals(expected)) {
    throw new Error(`sign_cert "${file}": its public key is not the one of sign_key`)
  }
  return cert
}

/** The configured key, or the one kept in stateDir (generated there at first use). */
export async function loadSigningKey (settings: SignSettings, stateDir: string): Promise<SigningKey> {
  if (settings.keyFile !== null) {
    const privateKey = await readDsaKey(settings.keyFile)
    const publicKey = createPublicKey(privateKey)
    if (settings.certFile !== null) {
      const cert = await readCertificate(settings.certFile, privateKey)
      return { privateKey, publicKey, blobType: 'C', blob: Buffer.from(cert.raw), source: `${settings.keyFile} with certificate ${settings.certFile}` }
    }
    return { privateKey, publicKey, blobType: 'K', blob: spki(publicKey), source: settings.keyFile }
  }
  const path = join(stateDir, GENERATED_KEY_FILE)
  const privateKey = await readOrGenerate(path)
  const publicKey = createPublicKey(privateKey)
  return { privateKey, publicKey, blobType: 'K', blob: spki(publicKey), source: path }
}

function spki (publicKey: KeyObject): Buffer {
  return publicKey.export({ type: 'spki', format: 'der' })
}

async function readOrGenerate (path: string): Promise<KeyObject> {
  let pem: Buffer | null = null
  try {
    pem = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${path}: cannot read the signing key: ${(err as Error).message}`)
  }
  if (pem !== null) return await readDsaKey(path)
  const { privateKey } = await promisify(generateKeyPair)('dsa', { modulusLength: GENERATED_KEY_BITS, divisorLength: 256 })
  const text = privateKey.export({ type: 'pkcs8', format: 'pem' })
  await mkdir(join(path, '..'), { recursive: true, mode: DIR_MODE })
  // Written under a temporary name with mode 0600 from the start, then renamed: the key is never
  // readable by others, and never half-written under its real name.
  const temp = `${path}.tmp`
  const file = await open(temp, 'w', GENERATED_KEY_MODE)
  try {
    await file.chmod(GENERATED_KEY_MODE) // the umask may have cleared bits; never more than 0600 either way
    await file.writeFile(text)
    await file.sync()
  } finally {
    await file.close()
  }
  await rename(temp, path)
  return privateKey
}
