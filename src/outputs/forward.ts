// Forwarding to another syslog server: "@loghost" (UDP), "@@loghost" / "@tcp://loghost:514" (TCP),
// "@tls://loghost:6514" (TLS, RFC 5425), "@relp://loghost:2514" (RELP, forward-relp.ts, also over
// TLS). forward-udp.ts and forward-tcp.ts hold the transports
// (TLS is the TCP forward over a TLS connection, forward-tls.ts); this file picks one.
// forward-options.ts reads the per-action options they take.
//
// Options (key=value after the action):
//   stall_timeout=SECONDS      tcp, tls: a connection with unsent data that makes no progress this
//                              long is reset and made again; relp: no answer this long. Default
//                              30; 0 turns it off.
//   window=N                   relp: transactions sent and not yet answered, at most. Default 512.
//   max_datagram_size=BYTES    udp: longer records are cut on a UTF-8 boundary (and counted in
//                              `truncated`). Default 8192, at most 65507 (the IPv4 UDP limit).
//   queue=, queue_max=, queue_dir=, fsync=, overflow=
//                              tcp, tls, relp: the queue in front of the connection
//                              (forward-queue.ts; a disk queue by default, queue/disk-queue.ts).

import type { ForwardAction } from '../config/schema.js'
import type { Output, OutputContext } from '../daemon/component.js'
import { TcpForward, type TcpForwardOptions } from './forward-tcp.js'
import { TlsConnector } from './forward-tls.js'
import { RelpForward, type RelpForwardOptions } from './forward-relp.js'
import { UdpForward, type UdpForwardOptions } from './forward-udp.js'

export { TcpForward, UdpForward, RelpForward }
export { hostPort, numberOption } from './forward-options.js'
export type { TcpForwardOptions, UdpForwardOptions, RelpForwardOptions }

export function createForwardOutput (action: ForwardAction, ctx: OutputContext, options: TcpForwardOptions & UdpForwardOptions = {}): Output {
  if (action.transport === 'udp') return new UdpForward(action, ctx, options)
  if (action.transport === 'relp') {
    const { queue: _queue, ...shared } = options
    return new RelpForward(action, ctx, { ...shared, ...(action.tls === undefined ? {} : { connector: new TlsConnector(action, ctx) }) })
  }
  if (action.transport === 'tls') return new TcpForward(action, ctx, { ...options, connector: new TlsConnector(action, ctx) })
  return new TcpForward(action, ctx, options)
}
