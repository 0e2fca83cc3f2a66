// Opening the stream connection under tcp, tls and relp links: plain TCP, or TLS with the same
// checks as the @tls:// forward and `stele send` (RFC 5425 §5.2, tls/peer.ts). The certificate
// is checked by checkServer() once the handshake is done, not by Node, so that a pinned
// fingerprint can stand in for the chain and the error says which check failed.

import net from 'node:net'
import tls from 'node:tls'
import { secureContextOptions, type TlsMaterial } from '../tls/context.js'
import { checkServer } from '../tls/peer.js'
import type { ResolvedOptions } from './options.js'

export interface StreamConnection {
  readonly socket: net.Socket
  /** The event after which the connection can carry records. */
  readonly openEvent: 'connect' | 'secureConnect'
  /** TLS: null when the collector's certificate passes, else why not. */
  readonly check: ((socket: net.Socket) => string | null) | null
}

export function connectStream (options: ResolvedOptions, material: TlsMaterial | null): StreamConnection {
  if (!options.useTls) {
    return { socket: net.connect({ host: options.host, port: options.port }), openEvent: 'connect', check: null }
  }
  const name = options.tls.servername
  const socket = tls.connect({
    host: options.host,
    port: options.port,
    ...(material === null ? {} : secureContextOptions(material)),
    servername: net.isIP(name) === 0 ? name : undefined,
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined
  })
  const check = (s: net.Socket): string | null => checkServer(s as tls.TLSSocket, { name, fingerprints: options.tls.fingerprints, verify: options.tls.verify })
  return { socket, openEvent: 'secureConnect', check }
}
