// The client's options: what createLogger() takes, the defaults, and the checks. Every problem
// is found here, at createLogger() time, and thrown as a typed error; nothing a logging call
// does later can throw.

import { hostname as systemHostname } from 'node:os'
import { basename } from 'node:path'
import { InvalidOptionError, TransportUnavailableError } from '../errors.js'
import { facilityFromName } from '../message/priority.js'

export type ClientTransport = 'udp' | 'tcp' | 'tls' | 'relp' | 'unix'
/** RFC 6587 §3.4 framing for stream transports; datagram transports send one message per datagram. */
export type ClientFraming = 'octet' | 'lf' | 'crlf' | 'nul'
export type OverflowPolicy = 'drop-oldest' | 'drop-newest'

/** As `stele send --transport tls` and the @tls:// forward take them (RFC 5425 §5.2). */
export interface ClientTlsOptions {
  /** CA file (PEM) the collector's chain must verify against; default: the system's roots. */
  ca?: string
  /** Client certificate and key files (PEM), for collectors that require mutual authentication. */
  cert?: string
  key?: string
  /** The name the collector's certificate must carry; default `host`. */
  servername?: string
  /** Pinned certificate fingerprints ("sha256:AB:CD:..."); replaces the chain and name checks. */
  fingerprints?: string[]
  /** false: no check at all (explicit, for tests). Default true. */
  verify?: boolean
}

export interface BufferOptions {
  /** Records held while the collector is unreachable or slow. Default 100000. */
  maxRecords?: number
  /** Bytes held (framed records). Default 32 MiB. */
  maxBytes?: number
  /** Which record goes when the buffer is full. Default 'drop-oldest' (the newest are usually the most useful). */
  overflow?: OverflowPolicy
}

export interface ReconnectOptions {
  /** First delay after a failed connect or a lost connection. Default 100 ms. */
  minDelayMs?: number
  /** Cap of the doubling delay. Default 30000 ms. */
  maxDelayMs?: number
}

export interface LoggerOptions {
  transport?: ClientTransport
  /** Collector host for udp/tcp/tls. Default '127.0.0.1'. */
  host?: string
  /** Default 514 (udp, tcp), 6514 (tls). */
  port?: number
  /** unix: the socket path. Default '/dev/log'. */
  path?: string
  tls?: ClientTlsOptions
  /** Default 'rfc5424'; 'rfc3164' for unix (as glibc's syslog(3) writes to /dev/log). */
  format?: 'rfc5424' | 'rfc3164'
  /** Stream transports only. Default 'octet' (tcp, tls), 'nul' (unix stream, as glibc). */
  framing?: ClientFraming
  /** A name ('local0') or number (0..23). Default 'user'. */
  facility?: string | number
  /** Default: the program's name (basename of process.argv[1]). */
  appName?: string
  /** Default: os.hostname(). */
  hostname?: string
  /** Default: process.pid. */
  procId?: string | number
  /** RFC 5424 MSGID for every message; default none. */
  msgId?: string
  /**
   * Longest record (header included, framing not); longer ones are cut on a UTF-8 boundary.
   * Default 2048 for udp and unix datagrams (RFC 5426 §3.2), 8192 for tcp, tls and unix streams
   * (RFC 5425 §4.3.1 asks receivers for 8192).
   */
  maxMessageBytes?: number
  buffer?: BufferOptions
  reconnect?: ReconnectOptions
  /** Connect at createLogger() (default true); false waits for the first record. */
  connectEagerly?: boolean
}

export interface ResolvedOptions {
  transport: Exclude<ClientTransport, 'relp'>
  host: string
  port: number
  path: string
  tls: Required<Pick<ClientTlsOptions, 'verify' | 'fingerprints'>> & { ca: string | null, cert: string | null, key: string | null, servername: string }
  format: 'rfc5424' | 'rfc3164'
  framing: ClientFraming
  facility: number
  appName: string
  hostname: string
  procId: string
  msgId: string | null
  maxMessageBytes: number
  /** Datagram max stays at the datagram default when a unix socket turns out to be a stream. */
  maxRecords: number
  maxBufferBytes: number
  overflow: OverflowPolicy
  reconnectMinMs: number
  reconnectMaxMs: number
  connectEagerly: boolean
  /** "tcp://127.0.0.1:514", "unix:///dev/log": for messages and events. */
  target: string
}

const DATAGRAM_MAX_BYTES = 2048
const STREAM_MAX_BYTES = 8192
/** Larger than any syslog receiver takes (rsyslog's default is 8k, stele's 64k). */
const LIMIT_MAX_BYTES = 1024 * 1024

export function resolveOptions (options: LoggerOptions): ResolvedOptions {
  const transport = options.transport ?? 'udp'
  if (transport === 'relp') {
    throw new TransportUnavailableError('relp', 'the RELP session is being built on the relp branch; use tcp or tls meanwhile (see the README, "RELP")')
  }
  if (!['udp', 'tcp', 'tls', 'unix'].includes(transport)) throw new InvalidOptionError('transport', transport, 'must be udp, tcp, tls, relp or unix')
  const format = options.format ?? (transport === 'unix' ? 'rfc3164' : 'rfc5424')
  if (format !== 'rfc5424' && format !== 'rfc3164') throw new InvalidOptionError('format', format, 'must be rfc5424 or rfc3164')
  const framing = options.framing ?? (transport === 'unix' ? 'nul' : 'octet')
  if (!['octet', 'lf', 'crlf', 'nul'].includes(framing)) throw new InvalidOptionError('framing', framing, 'must be octet, lf, crlf or nul')
  const host = options.host ?? '127.0.0.1'
  const port = options.port ?? (transport === 'tls' ? 6514 : 514)
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidOptionError('port', port, 'must be an integer 1..65535')
  const path = options.path ?? '/dev/log'
  const datagram = transport === 'udp' || transport === 'unix'
  const maxMessageBytes = options.maxMessageBytes ?? (datagram ? DATAGRAM_MAX_BYTES : STREAM_MAX_BYTES)
  checkInteger('maxMessageBytes', maxMessageBytes, 64, LIMIT_MAX_BYTES)
  const buffer = options.buffer ?? {}
  const maxRecords = buffer.maxRecords ?? 100_000
  checkInteger('buffer.maxRecords', maxRecords, 1, 100_000_000)
  const maxBufferBytes = buffer.maxBytes ?? 32 * 1024 * 1024
  checkInteger('buffer.maxBytes', maxBufferBytes, 1024, Number.MAX_SAFE_INTEGER)
  const overflow = buffer.overflow ?? 'drop-oldest'
  if (overflow !== 'drop-oldest' && overflow !== 'drop-newest') throw new InvalidOptionError('buffer.overflow', overflow, 'must be drop-oldest or drop-newest')
  const reconnectMinMs = options.reconnect?.minDelayMs ?? 100
  const reconnectMaxMs = options.reconnect?.maxDelayMs ?? 30_000
  checkInteger('reconnect.minDelayMs', reconnectMinMs, 1, 3_600_000)
  checkInteger('reconnect.maxDelayMs', reconnectMaxMs, reconnectMinMs, 3_600_000)
  const tls = options.tls ?? {}
  const hostText = host.includes(':') ? `[${host}]` : host
  return {
    transport,
    host,
    port,
    path,
    tls: {
      ca: tls.ca ?? null,
      cert: tls.cert ?? null,
      key: tls.key ?? null,
      servername: tls.servername ?? host,
      fingerprints: tls.fingerprints ?? [],
      verify: tls.verify ?? true
    },
    format,
    framing,
    facility: resolveFacility(options.facility ?? 'user'),
    appName: options.appName ?? defaultAppName(),
    hostname: options.hostname ?? systemHostname(),
    procId: String(options.procId ?? process.pid),
    msgId: options.msgId ?? null,
    maxMessageBytes,
    maxRecords,
    maxBufferBytes,
    overflow,
    reconnectMinMs,
    reconnectMaxMs,
    connectEagerly: options.connectEagerly ?? true,
    target: transport === 'unix' ? `unix://${path}` : `${transport}://${hostText}:${port}`
  }
}

export function resolveFacility (value: string | number): number {
  const facility = typeof value === 'number' ? value : facilityFromName(value)
  if (facility === null || facility === undefined || !Number.isInteger(facility) || facility < 0 || facility > 23) {
    throw new InvalidOptionError('facility', value, 'must be a facility name (user, local0, ...) or 0..23')
  }
  return facility
}

function checkInteger (name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new InvalidOptionError(name, value, `must be an integer ${min}..${max}`)
}

function defaultAppName (): string {
  const script = process.argv[1]
  return script === undefined ? 'node' : basename(script).replace(/\.[cm]?js$/, '') || 'node'
}
