// TLS pieces of the end-to-end benchmark (bench/e2e/tcp-file.bench.ts, --transport tls): a
// throwaway self-signed certificate made with the openssl CLI in the run's temp directory, and a
// readiness probe that completes a handshake (a bare TCP connect to a TLS listener would be
// counted and logged as a failed handshake by the daemon under test).

import net from 'node:net'
import tls from 'node:tls'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

export interface BenchCert {
  /** PEM certificate (self-signed, CN=localhost, SAN DNS:localhost and IP:127.0.0.1). */
  readonly cert: string
  /** PEM private key (PKCS#8, unencrypted). */
  readonly key: string
  /** e.g. 'ECDSA P-256' */
  readonly keyType: string
}

/** Writes a self-signed certificate valid for 2 days into `dir`; throws with openssl's stderr. */
export function makeBenchCert (dir: string): BenchCert {
  const cert = join(dir, 'bench-cert.pem')
  const key = join(dir, 'bench-key.pem')
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'
    ], { stdio: ['ignore', 'ignore', 'pipe'] })
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString('utf8').trim() ?? ''
    throw new Error(`openssl req -x509 (a self-signed certificate for the TLS scenario) failed: ${stderr || (err as Error).message}; is openssl installed?`, { cause: err })
  }
  return { cert, key, keyType: 'ECDSA P-256' }
}

/** The session a TLS sender negotiated. */
export interface TlsSession { protocol: string | null, cipher: string }

/** One connection attempt: true when a TCP connect (or, for 'tls', a full TLS handshake) succeeds. */
export async function probe (port: number, transport: 'tcp' | 'tls'): Promise<boolean> {
  return await new Promise<boolean>((resolve) => {
    const socket = transport === 'tls'
      // The bench's own self-signed certificate: nothing to verify it against.
      ? tls.connect({ host: '127.0.0.1', port, minVersion: 'TLSv1.2', rejectUnauthorized: false }, () => { socket.end(); resolve(true) })
      : net.connect({ host: '127.0.0.1', port }, () => { socket.destroy(); resolve(true) })
    socket.once('error', () => { socket.destroy(); resolve(false) })
    socket.setTimeout(5000, () => { socket.destroy(); resolve(false) })
  })
}
