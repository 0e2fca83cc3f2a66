// Forwarding over TLS (RFC 5425): the TCP forward's delivery model (forward-tcp.ts: buffer,
// back-off, batching, stall detection, accounting) with a TLS connection under it, always
// octet-counted (RFC 5425 §4.3). This connector adds:
// - TLS 1.2 or newer (§4.2), our client certificate when cert=/key= are given (for receivers
//   that require mutual authentication);
// - the check of the receiver (tls/peer.ts checkServer): its chain against ca= (or the system's
//   roots) and its name (name=, else the host) against the subject alt names then the CN; or,
//   with fingerprint=, the pin instead (§4.2.2, for self-signed receivers). A receiver that
//   fails is disconnected before any message is sent, and "cannot connect (reason)" is logged
//   and counted; the forward keeps retrying with back-off, buffering meanwhile;
// - close_notify before the FIN when the forward stops (§4.4);
// - SIGHUP (reopen) re-reads the certificate files for the next connection.

import { isIP, type Socket, type TcpNetConnectOpts } from 'node:net'
import tls from 'node:tls'
import type { ForwardAction, TlsForwardSettings } from '../config/schema.js'
import type { OutputContext } from '../daemon/component.js'
import { loadTlsMaterial, secureContextOptions } from '../tls/context.js'
import { checkServer, describeTlsError, type ServerCheck } from '../tls/peer.js'
import { hostPort } from './forward-options.js'
import type { StreamConnector } from './forward-tcp.js'

export class TlsConnector implements StreamConnector {
  readonly scheme = 'tls'
  readonly readyEvent = 'secureConnect'
  readonly closeGracefully = true
  readonly #settings: TlsForwardSettings
  readonly #ctx: OutputContext
  readonly #name: string
  readonly #check: ServerCheck
  #context: tls.SecureContext | null = null

  constructor (action: ForwardAction, ctx: OutputContext) {
    if (action.tls === undefined) throw new Error(`forward ${action.text}: a tls forward without TLS settings`)
    this.#settings = action.tls
    this.#ctx = ctx
    this.#name = `forward tls://${hostPort(action.host, action.port)}`
    this.#check = { name: action.tls.name ?? action.host, fingerprints: action.tls.fingerprints, verify: action.tls.verify }
  }

  async prepare (): Promise<void> {
    this.#context = tls.createSecureContext(secureContextOptions(await loadTlsMaterial(this.#settings)))
    if (!this.#settings.verify) this.#ctx.log.log(4, `${this.#name}: verify=none: the receiver's certificate is not checked; messages may go to an impostor`)
  }

  connect (options: TcpNetConnectOpts): Socket {
    const name = this.#check.name
    return tls.connect({
      ...options,
      secureContext: this.#context ?? undefined,
      // SNI carries a host name, never an address (RFC 6066 §3).
      servername: isIP(name) === 0 ? name : undefined,
      // checkServer() decides after the handshake, so that the log can say why.
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined
    })
  }

  check (socket: Socket): string | null {
    return checkServer(socket as tls.TLSSocket, this.#check)
  }

  describe (err: Error): string { return describeTlsError(err) }

  async reload (): Promise<void> {
    try {
      this.#context = tls.createSecureContext(secureContextOptions(await loadTlsMaterial(this.#settings)))
    } catch (err) {
      this.#ctx.log.log(3, `${this.#name}: ${(err as Error).message}; keeping the certificates loaded before`)
    }
  }
}
