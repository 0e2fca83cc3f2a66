// Loading the PEM files a TLS listener or forward is configured with, and turning them into a
// node:tls secure context. Used three times with the same code: by the config loader (so that
// `stele check`, start and SIGHUP report a bad file as FILE:LINE before anything changes), at
// start, and at reload (renewed certificates are read again; a listener swaps its context with
// server.setSecureContext, so established sessions keep running).
//
// Why the extra checks: tls.createSecureContext() accepts a CA file with no certificate in it
// (garbage, or a key by mistake) without complaint, and then every peer fails as "unknown CA"
// at run time. Each CA PEM block is therefore parsed here, and a file without one is an error.

import { X509Certificate } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import tls from 'node:tls'
import { TlsFileError } from '../errors.js'

/** RFC 5425 §4.2: TLS 1.2 or newer (TLS 1.0 and 1.1 are refused at the handshake). */
export const TLS_MIN_VERSION = 'TLSv1.2'

export interface TlsFiles {
  readonly cert: string | null
  readonly key: string | null
  readonly ca: string | null
}

/** The files' contents, checked: usable as tls.SecureContextOptions. */
export interface TlsMaterial {
  readonly cert?: Buffer
  readonly key?: Buffer
  readonly ca?: Buffer
  /** Our own certificate (the first in `cert`), for its validity dates. */
  readonly certificate: X509Certificate | null
}

/** Reads and checks the files; throws TlsFileError saying which file is wrong and how. */
export async function loadTlsMaterial (files: TlsFiles): Promise<TlsMaterial> {
  const read = async (what: string, path: string | null): Promise<Buffer | undefined> => {
    if (path === null) return undefined
    try {
      return await readFile(path)
    } catch (err) {
      throw new TlsFileError(`${what} "${path}": cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err })
    }
  }
  const [cert, key, ca] = await Promise.all([read('cert', files.cert), read('key', files.key), read('ca', files.ca)])
  let certificate: X509Certificate | null = null
  if (cert !== undefined) {
    const blocks = pemCertificates(cert)
    if (blocks.length === 0) throw new TlsFileError(`cert "${files.cert}": no PEM certificate ("-----BEGIN CERTIFICATE-----") in it`)
    certificate = parseCertificate('cert', files.cert!, blocks[0]!)
    for (const block of blocks.slice(1)) parseCertificate('cert', files.cert!, block)
  }
  if (ca !== undefined) {
    const blocks = pemCertificates(ca)
    if (blocks.length === 0) throw new TlsFileError(`ca "${files.ca}": no PEM certificate ("-----BEGIN CERTIFICATE-----") in it`)
    for (const block of blocks) parseCertificate('ca', files.ca!, block)
  }
  if (key !== undefined) {
    try {
      tls.createSecureContext({ key })
    } catch (err) {
      throw new TlsFileError(`key "${files.key}": not a usable PEM private key (${opensslReason(err)}; an encrypted key is not supported)`, { cause: err })
    }
  }
  if (cert !== undefined && key !== undefined) {
    try {
      tls.createSecureContext({ cert, key })
    } catch (err) {
      throw new TlsFileError(`key "${files.key}" does not belong to cert "${files.cert}" (${opensslReason(err)})`, { cause: err })
    }
  }
  return { cert, key, ca, certificate }
}

/** Warnings about a usable but doubtful own certificate (expired, not yet valid). */
export function certificateWarnings (material: TlsMaterial, path: string, nowMs = Date.now()): string[] {
  const certificate = material.certificate
  if (certificate === null) return []
  if (Date.parse(certificate.validTo) < nowMs) return [`cert "${path}" expired on ${certificate.validTo}; peers that verify it will refuse the connection`]
  if (Date.parse(certificate.validFrom) > nowMs) return [`cert "${path}" is not valid before ${certificate.validFrom}; peers that verify it will refuse the connection`]
  return []
}

/** The options for tls.createServer / tls.connect / setSecureContext. */
export function secureContextOptions (material: TlsMaterial): tls.SecureContextOptions {
  const options: tls.SecureContextOptions = { minVersion: TLS_MIN_VERSION }
  if (material.cert !== undefined) options.cert = material.cert
  if (material.key !== undefined) options.key = material.key
  // Without ca=, the system's trusted roots (Node's default) verify the peer.
  if (material.ca !== undefined) options.ca = material.ca
  return options
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g

function pemCertificates (pem: Buffer): string[] {
  return pem.toString('latin1').match(PEM_CERTIFICATE) ?? []
}

function parseCertificate (what: string, path: string, block: string): X509Certificate {
  try {
    return new X509Certificate(block)
  } catch (err) {
    throw new TlsFileError(`${what} "${path}": a PEM certificate in it cannot be parsed (${opensslReason(err)})`, { cause: err })
  }
}

/** "key values mismatch" from "error:05800074:x509 certificate routines::key values mismatch". */
function opensslReason (err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  const parts = message.split(':')
  return parts.length > 4 ? parts.slice(4).join(':').trim() || message : message
}
