// The client's options: what createLogger() takes, the defaults, and the checks. Every problem
// is found here, at createLogger() time, and thrown as a typed error; nothing a logging call
// does later can throw.

import { hostname as systemHostname } from 'node:os'
import { basename } from 'node:path'
import { InvalidOptionError } from '../errors.js'
import type { FsyncPolicy } from '../queue/disk-queue.js'
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
  /**
   * Keep records in a disk queue instead of memory, so that they survive an application restart
   * while the collector is down. maxRecords/maxBytes then do not apply; disk.maxBytes does.
   */
  disk?: DiskBufferOptions
}

/** RELP (rsyslog's Reliable Event Logging Protocol, librelp). */
export interface RelpOptions {
  /** Records sent and not yet acknowledged, at most. Default 128 (librelp's). */
  window?: number
  /** No answer for this long while records wait for one: the session is reset and they are sent again. Default 30000 ms. */
  stallTimeoutMs?: number
}

/** Spill to disk: every record is appended to a crash-safe disk queue (the daemon's) before it is sent. */
export interface DiskBufferOptions {
  /** The queue's directory (created if missing); one logger per directory. */
  dir: string
  /** Bytes the queue holds; beyond, `overflow` applies. Default 256 MiB. */
  maxBytes?: number
  /** 'batch' (default): one fdatasync per event-loop turn of records; 'interval:MS'; 'always'. */
  fsync?: 'batch' | 'always' | `interval:${number}`
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
  /** Default 514 (udp, tcp), 6514 (tls), 2514 (relp). */
  port?: number
  /** unix: the socket path. Default '/dev/log'. */
  path?: string
  /** tls: the checks. relp: given (even `{}`), RELP runs over TLS (as rsyslog's omrelp tls="on"). */
  tls?: ClientTlsOptions
  relp?: RelpOptions
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
  transport: ClientTransport
  /** tls, or relp with `tls` given. */
  useTls: boolean
  relpWindow: number
  relpStallMs: number
  disk: { dir: string, maxBytes: number, fsync: FsyncPolicy } | null
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
  if (!['udp', 'tcp', 'tls', 'relp', 'unix'].includes(transport)) throw new InvalidOptionError('transport', transport, 'must be udp, tcp, tls, relp or unix')
  const format = options.format ?? (transport === 'unix' ? 'rfc3164' : 'rfc5424')
  if (format !== 'rfc5424' && format !== 'rfc3164') throw new InvalidOptionError('format', format, 'must be rfc5424 or rfc3164')
  const framing = options.framing ?? (transport === 'unix' ? 'nul' : 'octet')
  if (!['octet', 'lf', 'crlf', 'nul'].includes(framing)) throw new InvalidOptionError('framing', framing, 'must be octet, lf, crlf or nul')
  const host = options.host ?? '127.0.0.1'
  const port = options.port ?? (transport === 'tls' ? 6514 : transport === 'relp' ? 2514 : 514)
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
  const useTls = transport === 'tls' || (transport === 'relp' && options.tls !== undefined)
  const relpWindow = options.relp?.window ?? 128
  checkInteger('relp.window', relpWindow, 1, 100_000)
  const relpStallMs = options.relp?.stallTimeoutMs ?? 30_000
  checkInteger('relp.stallTimeoutMs', relpStallMs, 10, 86_400_000)
  const hostText = host.includes(':') ? `[${host}]` : host
  const scheme = transport === 'relp' && useTls ? 'relp+tls' : transport
  return {
    transport,
    useTls,
    relpWindow,
    relpStallMs,
    disk: resolveDisk(buffer.disk),
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
    target: transport === 'unix' ? `unix://${path}` : `${scheme}://${hostText}:${port}`
  }
}

export function resolveFacility (value: string | number): number {
  const facility = typeof value === 'number' ? value : facilityFromName(value)
  if (facility === null || facility === undefined || !Number.isInteger(facility) || facility < 0 || facility > 23) {
    throw new InvalidOptionError('facility', value, 'must be a facility name (user, local0, ...) or 0..23')
  }
  return facility
}

function resolveDisk (disk: DiskBufferOptions | undefined): ResolvedOptions['disk'] {
  if (disk === undefined) return null
  if (typeof disk.dir !== 'string' || disk.dir === '') throw new InvalidOptionError('buffer.disk.dir', disk.dir, 'must be a directory path')
  const maxBytes = disk.maxBytes ?? 256 * 1024 * 1024
  checkInteger('buffer.disk.maxBytes', maxBytes, 64 * 1024, Number.MAX_SAFE_INTEGER)
  const fsyncText = disk.fsync ?? 'batch'
  let fsync: FsyncPolicy
  const interval = /^interval:(\d+)$/.exec(fsyncText)
  if (fsyncText === 'batch' || fsyncText === 'always') fsync = { mode: fsyncText }
  else if (interval !== null && Number(interval[1]) >= 1) fsync = { mode: 'interval', intervalMs: Number(interval[1]) }
  else throw new InvalidOptionError('buffer.disk.fsync', fsyncText, 'must be batch, always or interval:MS')
  return { dir: disk.dir, maxBytes, fsync }
}

function checkInteger (name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new InvalidOptionError(name, value, `must be an integer ${min}..${max}`)
}

function defaultAppName (): string {
  const script = process.argv[1]
  return script === undefined ? 'node' : basename(script).replace(/\.[cm]?js$/, '') || 'node'
}
