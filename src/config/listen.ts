// `listen URL [key=value ...]` lines, stele's extension to syslog.conf:
//   listen udp://0.0.0.0:514   listen tcp://[::1]:5514 max_connections=100   listen unix:///run/stele.sock
//   listen tls://0.0.0.0:6514 cert=/etc/stele/server.pem key=/etc/stele/server.key ca=/etc/stele/ca.pem
//   listen relp://0.0.0.0:2514   listen relp+tls://0.0.0.0:2514 cert=... key=... (or relp:// tls=on)
//   listen file:///var/log/app.log tag=app   (a followed file: see listen-file.ts)
// `unix://./x.sock` is relative to the config file's directory (the cwd for the built-in config).

import { resolve } from 'node:path'
import type { Framing } from '../framing/frame-decoder.js'
import { parseHostPort } from './address.js'
import { suggestKey, type Report } from './problems.js'
import { AllowList } from '../tls/peer.js'
import { FOLLOW_KEYS, parseFilePath, parseFollow, reportUnknownFollowKey } from './listen-file.js'
import type { ListenerConfig, ListenTransport, TlsListenSettings } from './schema.js'
import { parseChoice, parseCount, parseDuration, parseKeyValues, parseMessageSize, parseSize } from './values.js'

export const DEFAULT_MAX_CONNECTIONS = 1024
export const DEFAULT_RCVBUF_BYTES = 4 * 1024 ** 2
/** sun_path holds 108 bytes on Linux (104 on the BSDs and macOS), including the NUL. */
const MAX_UNIX_PATH_BYTES = 107
const FRAMINGS: readonly Framing[] = ['auto', 'octet', 'lf', 'nul']

/** Which transports each known option applies to. unix may be a stream or a datagram socket. */
const APPLIES_TO: Readonly<Record<string, readonly ListenTransport[]>> = {
  max_connections: ['tcp', 'unix', 'tls', 'relp'],
  max_message_size: ['udp', 'tcp', 'unix', 'tls', 'relp', 'file'],
  framing: ['tcp', 'unix', 'tls'],
  rcvbuf: ['udp'],
  idle_timeout: ['tcp', 'unix', 'tls', 'relp'],
  type: ['unix'],
  cert: ['tls', 'relp'],
  key: ['tls', 'relp'],
  ca: ['tls', 'relp'],
  verify: ['tls', 'relp'],
  allow: ['tls', 'relp'],
  handshake_timeout: ['tls', 'relp'],
  tls: ['relp'],
  ...Object.fromEntries(FOLLOW_KEYS.map((key) => [key, ['file'] as const]))
}
const DEFAULT_HANDSHAKE_TIMEOUT_S = 10
const UNIX_SOCKET_TYPES = ['dgram', 'stream'] as const

/** A listener before the global max_message_size (which may come later in the file) is known. */
export type PendingListener = Omit<ListenerConfig, 'maxMessageSize'> & { maxMessageSize: number | null }

export interface ListenContext { readonly file: string, readonly line: number, readonly baseDir: string, readonly report: Report }

export function parseListen (words: readonly string[], ctx: ListenContext): PendingListener | undefined {
  const url = words[0]
  if (url === undefined) {
    ctx.report('error', 'listen needs a URL: udp://ADDR:PORT, tcp://ADDR:PORT, tls://ADDR:PORT, relp://ADDR:PORT, unix:///PATH or file:///PATH')
    return undefined
  }
  const where = parseUrl(url, ctx)
  const options = parseKeyValues(words.slice(1), `listen ${url}`, ctx.report)
  if (where === undefined) return undefined
  let ok = true
  for (const key of Object.keys(options)) {
    const applies = APPLIES_TO[key]
    if (applies === undefined && where.transport === 'file') {
      reportUnknownFollowKey(url, key, ctx.report)
      ok = false
    } else if (applies === undefined) {
      ctx.report('warning', `unknown listen option "${key}"${suggestKey(key, Object.keys(APPLIES_TO))}; kept, but nothing uses it`)
    } else if (!applies.includes(where.transport)) {
      ctx.report('error', `option "${key}" does not apply to ${where.transport} listeners (only ${applies.join(', ')})`)
      ok = false
    }
  }
  const value = <T>(key: string, fallback: T, parse: (key: string, text: string, report: Report) => T | undefined): T | undefined =>
    options[key] === undefined ? fallback : parse(key, options[key], ctx.report)
  const maxConnections = value('max_connections', DEFAULT_MAX_CONNECTIONS, (k, t, r) => parseCount(k, t, r, { min: 1, max: 1_000_000 }))
  const maxMessageSize = value<number | null>('max_message_size', null, parseMessageSize)
  const framing = value('framing', 'auto' as Framing, (k, t, r) => parseChoice(k, t, FRAMINGS, r))
  const rcvbufBytes = value('rcvbuf', DEFAULT_RCVBUF_BYTES, (k, t, r) => parseSize(k, t, r, { min: 1 }))
  const idleTimeoutS = value('idle_timeout', 0, parseDuration)
  // type=dgram|stream (unix): read by the unix input from `options`; checked here.
  const socketType = value<string>('type', 'auto', (k, t, r) => parseChoice(k, t, UNIX_SOCKET_TYPES, r))
  const tls = where.transport === 'tls' || (where.transport === 'relp' && relpTls(url, options, ctx)) ? parseTlsListen(url, options, ctx) : null
  if (where.transport === 'relp' && tls === null) {
    for (const key of ['cert', 'key', 'ca', 'verify', 'allow', 'handshake_timeout']) {
      if (options[key] !== undefined) {
        ctx.report('error', `listen "${url}": ${key}= is a TLS option; use relp+tls:// or tls=on`)
        ok = false
      }
    }
  }
  const follow = where.transport === 'file' ? parseFollow(url, where.path, options, ctx.report) : null
  if (!ok || maxConnections === undefined || maxMessageSize === undefined || framing === undefined ||
    rcvbufBytes === undefined || idleTimeoutS === undefined || socketType === undefined || tls === undefined || follow === undefined) return undefined
  const listener: PendingListener = { file: ctx.file, line: ctx.line, url, ...where, maxConnections, maxMessageSize, framing, rcvbufBytes, idleTimeoutS, options }
  if (follow !== null) return { ...listener, follow }
  return tls === null ? listener : { ...listener, tls }
}

// RFC 5425: the listener must have a certificate and key; ca= turns on mutual authentication.
// The files are read and checked later, asynchronously (config/tls-files.ts), so that a reload
// never blocks the event loop on them.
function parseTlsListen (url: string, options: Readonly<Record<string, string>>, ctx: ListenContext): TlsListenSettings | undefined {
  let ok = true
  for (const key of ['cert', 'key']) {
    if (options[key] === undefined || options[key] === '') {
      ctx.report('error', `listen "${url}": a TLS listener needs ${key}=FILE (its certificate and private key, PEM)`)
      ok = false
    }
  }
  const verify = options['verify'] === undefined ? 'peer' : parseChoice('verify', options['verify'], ['peer', 'none'] as const, ctx.report)
  const handshakeTimeoutS = options['handshake_timeout'] === undefined ? DEFAULT_HANDSHAKE_TIMEOUT_S : parseDuration('handshake_timeout', options['handshake_timeout'], ctx.report)
  const allow = options['allow'] ?? null
  if (allow !== null) {
    const list = AllowList.parse(allow)
    if ('error' in list) {
      ctx.report('error', `listen "${url}": ${list.error}`)
      ok = false
    } else if (list.hasNames && (options['ca'] === undefined || verify === 'none')) {
      // A name in a certificate nobody verified proves nothing; only fingerprints can stand alone.
      ctx.report('error', `listen "${url}": allow= names need verified client certificates: give ca=FILE (and not verify=none), or allow fingerprints only`)
      ok = false
    }
  }
  if (handshakeTimeoutS === 0) {
    ctx.report('error', 'handshake_timeout=0: a client that never finishes its handshake would hold its connection forever; give a time such as 10s')
    ok = false
  }
  if (!ok || verify === undefined || handshakeTimeoutS === undefined) return undefined
  const path = (key: string): string | null => options[key] === undefined ? null : resolve(ctx.baseDir, options[key])
  return { cert: path('cert')!, key: path('key')!, ca: path('ca'), verify: verify === 'peer', allow, handshakeTimeoutS }
}

/** RELP over TLS: the scheme relp+tls://, or tls=on. */
function relpTls (url: string, options: Readonly<Record<string, string>>, ctx: ListenContext): boolean {
  const scheme = /^relp\+tls:/i.test(url)
  if (options['tls'] === undefined) return scheme
  const on = parseChoice('tls', options['tls'], ['on', 'off'] as const, ctx.report)
  if (scheme && on === 'off') ctx.report('warning', `listen "${url}": tls=off ignored: relp+tls:// is always TLS`)
  return scheme || on === 'on'
}

function parseUrl (url: string, ctx: ListenContext): { transport: ListenTransport, host: string, port: number, path: string } | undefined {
  const m = /^(udp|tcp|tls|unix|relp|relp\+tls|file):\/\/(.*)$/i.exec(url)
  if (m === null) {
    ctx.report('error', `listen "${url}": expected udp://ADDR:PORT, tcp://ADDR:PORT, tls://ADDR:PORT, relp://ADDR:PORT, relp+tls://ADDR:PORT, unix:///PATH or file:///PATH`)
    return undefined
  }
  const transport = (m[1]!.toLowerCase() === 'relp+tls' ? 'relp' : m[1]!.toLowerCase()) as ListenTransport
  const rest = m[2]!
  if (transport === 'file') {
    const path = parseFilePath(rest, url, ctx.baseDir, ctx.report)
    return path === undefined ? undefined : { transport, host: '', port: 0, path }
  }
  if (transport === 'unix') {
    if (!/^(\/|\.\.?\/)/.test(rest) || rest.endsWith('/')) {
      ctx.report('error', `listen "${url}": the socket path must be absolute (unix:///run/stele.sock) or start with ./ (unix://./stele.sock)`)
      return undefined
    }
    const path = resolve(ctx.baseDir, rest)
    if (Buffer.byteLength(path) > MAX_UNIX_PATH_BYTES) {
      ctx.report('warning', `listen "${url}": socket path "${path}" is ${Buffer.byteLength(path)} bytes, longer than a unix socket address holds (${MAX_UNIX_PATH_BYTES}); binding will fail`)
    }
    return { transport, host: '', port: 0, path }
  }
  const address = parseHostPort(rest, null, 0)
  if ('error' in address) {
    ctx.report('error', `listen "${url}": ${address.error}`)
    return undefined
  }
  return { transport, host: address.host, port: address.port, path: '' }
}
