// Who is on the other end of a TLS connection, and whether to talk to them (RFC 5425 §5).
//
// stele verifies peers itself, after the handshake, instead of letting node:tls reject them
// (rejectUnauthorized): node:tls closes a rejected client without telling the server why, and
// an administrator needs the reason ("certificate has expired", "unknown CA", "host name
// mismatch", "no client certificate") with the peer's address in the log. No application data
// is read from or written to a connection before it has passed these checks.
//
// Sender side (forward, stele send), RFC 5425 §5.2: with a pinned fingerprint, the peer's
// certificate must have it (chain verification is replaced by the pin, for self-signed
// receivers, §4.2.2); otherwise the chain must verify against ca= (or the system's roots) and
// the host name (name=, else the host connected to) must match the certificate's subject alt
// names, else its CN (tls.checkServerIdentity). verify=none skips both, explicitly.
//
// Receiver side (listener), RFC 5425 §5.3: with ca= every client must present a certificate that
// chains to it; allow= then limits which identities may send (names with * wildcards, matched
// against the DNS subject alt names and the CN; or fingerprints, which also admit self-signed
// clients without ca=).

import type { PeerCertificate, TLSSocket } from 'node:tls'
import { checkServerIdentity } from 'node:tls'
import { certificateFingerprint, matchesFingerprint, parseFingerprint } from './fingerprint.js'

/** What a sender checks about the receiver. */
export interface ServerCheck {
  /** The name the certificate must carry. */
  readonly name: string
  /** Canonical fingerprints (parseFingerprint); non-empty: pinning instead of chain + name. */
  readonly fingerprints: readonly string[]
  /** false: verify=none, nothing is checked. */
  readonly verify: boolean
}

/** Null when the receiver passes, else the reason to refuse it. */
export function checkServer (socket: TLSSocket, check: ServerCheck): string | null {
  if (!check.verify) return null
  const peer = peerCertificate(socket)
  if (peer === null) return 'the server sent no certificate'
  if (check.fingerprints.length > 0) {
    return matchesFingerprint(peer.raw, check.fingerprints)
      ? null
      : `certificate fingerprint mismatch (got ${certificateFingerprint(peer.raw, 'sha256')})`
  }
  if (!socket.authorized) return verifyReason(socket.authorizationError)
  const mismatch = checkServerIdentity(check.name, peer)
  return mismatch === undefined ? null : `host name mismatch: "${check.name}" is not in the certificate (${mismatch.message.replace(/^.*?: /, '')})`
}

/** How a listener admits clients. */
export interface ClientPolicy {
  /** ca= given: a client certificate is required and must chain to it (unless verify=none). */
  readonly requireChain: boolean
  /** false: verify=none, the chain is not checked (fingerprints in allow= still are). */
  readonly verify: boolean
  /** null: any client that passes the chain check. */
  readonly allow: AllowList | null
}

export type ClientVerdict =
  | { readonly ok: true, readonly identity: string | null }
  /** `handshake`: authentication failed; `policy`: authenticated but not allowed by allow=. */
  | { readonly ok: false, readonly kind: 'handshake' | 'policy', readonly reason: string }

/** Whether a client that completed the handshake may send, and its identity when it may. */
export function checkClient (socket: TLSSocket, policy: ClientPolicy): ClientVerdict {
  const peer = peerCertificate(socket)
  if (peer === null) {
    if (policy.requireChain && policy.verify) return { ok: false, kind: 'handshake', reason: 'no client certificate' }
    if (policy.allow !== null) return { ok: false, kind: 'handshake', reason: 'no client certificate (allow= needs one)' }
    return { ok: true, identity: null }
  }
  const fingerprint = certificateFingerprint(peer.raw, 'sha256')
  const chained = policy.requireChain && policy.verify
  if (chained && !socket.authorized) return { ok: false, kind: 'handshake', reason: verifyReason(socket.authorizationError) }
  const names = certificateNames(peer)
  if (policy.allow !== null) {
    const match = policy.allow.match(peer.raw, chained ? names : [])
    if (match === null) return { ok: false, kind: 'policy', reason: `certificate ${describeNames(names)} ${fingerprint} is not in allow=` }
    return { ok: true, identity: match }
  }
  // An unverified certificate still proves its key: its fingerprint identifies the sender.
  return { ok: true, identity: chained ? (names[0] ?? fingerprint) : fingerprint }
}

/**
 * The peer's certificate, or null. Only getPeerCertificate(): in Node 20 a call to
 * getPeerX509Certificate() first makes later getPeerCertificate() calls return an object
 * without subject and subjectaltname, which checkServerIdentity then reads as "no DNS name".
 */
function peerCertificate (socket: TLSSocket): PeerCertificate | null {
  const cert = socket.getPeerCertificate()
  return cert === null || cert.raw === undefined ? null : cert
}

/** allow=NAME,*.example.com,sha256:AB:...: who may send to a listener. */
export class AllowList {
  readonly #patterns: RegExp[] = []
  readonly #names: string[] = []
  readonly #fingerprints: string[] = []

  private constructor () {}

  /** Parses a comma-separated list; returns an error for an entry that is neither name nor fingerprint. */
  static parse (text: string): AllowList | { error: string } {
    const list = new AllowList()
    for (const entry of text.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
      if (/^sha-?(1|256):/i.test(entry)) {
        const pin = parseFingerprint(entry)
        if ('error' in pin) return pin
        list.#fingerprints.push(pin.fingerprint)
      } else if (/^[A-Za-z0-9*._@-]+$/.test(entry)) {
        list.#names.push(entry)
        list.#patterns.push(namePattern(entry))
      } else {
        return { error: `allow entry "${entry}" is neither a name (letters, digits, ".", "-", "*" wildcards) nor a fingerprint (sha256:HEX)` }
      }
    }
    if (list.#names.length + list.#fingerprints.length === 0) return { error: 'allow= is empty' }
    return list
  }

  get hasNames (): boolean { return this.#names.length > 0 }

  /** The identity that matched (the name, or the fingerprint), or null. */
  match (der: Buffer, names: readonly string[]): string | null {
    for (const name of names) {
      if (this.#patterns.some((pattern) => pattern.test(name))) return name
    }
    if (this.#fingerprints.length > 0 && matchesFingerprint(der, this.#fingerprints)) {
      return certificateFingerprint(der, 'sha256')
    }
    return null
  }
}

/** "*" stands for any characters within one DNS label, as in certificate wildcards. Case-insensitive. */
function namePattern (name: string): RegExp {
  const escaped = name.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^.]*')
  return new RegExp(`^${escaped}$`, 'i')
}

/** The DNS subject alt names, then the subject CN (RFC 5425 §5.2 order). */
export function certificateNames (cert: PeerCertificate): string[] {
  const names: string[] = []
  for (const part of (cert.subjectaltname ?? '').split(',')) {
    const match = /^\s*DNS:(.+)$/.exec(part)
    if (match !== null) names.push(match[1]!.trim())
  }
  const cn = cert.subject?.CN
  if (typeof cn === 'string' && cn !== '') names.push(cn)
  else if (Array.isArray(cn)) names.push(...(cn as string[]))
  return names
}

function describeNames (names: readonly string[]): string {
  return names.length === 0 ? '(no names)' : `"${names.join('", "')}"`
}

/** OpenSSL's verify result codes, in the words an administrator searches for. */
export function verifyReason (code: string | Error | null | undefined): string {
  const text = code instanceof Error ? ((code as NodeJS.ErrnoException).code ?? code.message) : (code ?? 'not verified')
  switch (text) {
    case 'CERT_HAS_EXPIRED': return 'certificate has expired'
    case 'CERT_NOT_YET_VALID': return 'certificate is not yet valid'
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return `unknown CA (${text})`
    case 'CERT_REVOKED': return 'certificate revoked'
    case 'CERT_SIGNATURE_FAILURE': return 'bad certificate signature'
    default: return `certificate not verified (${text})`
  }
}

/** A handshake error (tlsClientError, or a failed tls.connect) as a short reason for the log. */
export function describeTlsError (err: Error): string {
  const code = (err as NodeJS.ErrnoException).code ?? ''
  switch (code) {
    case 'ERR_SSL_UNSUPPORTED_PROTOCOL':
    case 'ERR_SSL_NO_PROTOCOLS_AVAILABLE':
    case 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION':
      return 'TLS version not supported (TLS 1.2 or newer is required)'
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_HTTP_REQUEST':
      return 'not a TLS handshake (plain text?)'
    case 'ERR_TLS_HANDSHAKE_TIMEOUT': return 'handshake timed out'
    case 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA': return 'the peer refused our certificate: unknown CA'
    case 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED': return 'the peer refused our certificate: certificate has expired'
    case 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE': return 'the peer refused our certificate: bad certificate'
    case 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED': return 'the peer requires a client certificate'
    case 'ERR_TLS_CERT_ALTNAME_INVALID': return 'host name mismatch'
    case 'ECONNRESET': return 'connection reset during the handshake'
  }
  if (code.startsWith('ERR_SSL_')) {
    // "...:ssl3_read_bytes:tlsv1 alert unknown ca:..." -> "tlsv1 alert unknown ca"
    const parts = err.message.split(':')
    return parts.length > 5 ? parts[5]!.trim() : code
  }
  const verify = verifyReason(code)
  return verify.startsWith('certificate not verified') ? (code !== '' ? `${code}: ${err.message}` : err.message) : verify
}
