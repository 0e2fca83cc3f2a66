// The action half of a rule line: where matching messages go, and its key=value options.
//
//   /var/log/messages   -/var/log/messages   ./log/x (relative: against the config's directory)
//   /dev/stdout         |/run/stele.fifo     @host  @host:port  @[::1]:514  @udp://h:p  @tcp://h:p  @@h:p
//   @tls://h:p ca=FILE [cert=FILE key=FILE] [name=NAME] [fingerprint=sha256:...] [verify=none]
//   @relp://h:p [window=N]   @relp+tls://h:p (or @relp://h:p tls=on) with the @tls:// options
//   *                   root,admin           (users: accepted, delivered nowhere, with a warning)

import { resolve } from 'node:path'
import { OUTPUT_FORMATS, type NewlinePolicy, type OutputFormat } from '../message/format.js'
import { parseHostPort } from './address.js'
import type { Report } from './problems.js'
import { parseFingerprint } from '../tls/fingerprint.js'
import type { ActionConfig, FileAction, ForwardAction, PipeAction, QueueSettings, TlsForwardSettings } from './schema.js'
import { parseChoice, parseCount, parseKeyValues, parseMode, parseSize, parseSwitch } from './values.js'

/** The %FIELD% names a file path may hold; outputs/file-template.ts fills them in. */
export const PATH_PLACEHOLDERS: readonly string[] = [
  'HOSTNAME', 'FROMHOST', 'APPNAME', 'PROGRAMNAME', 'PROCID', 'MSGID',
  'FACILITY', 'SEVERITY', 'YEAR', 'MONTH', 'DAY', 'HOUR', 'INPUT', 'IDENTITY'
]
export const NEWLINE_POLICIES: readonly NewlinePolicy[] = ['escape', 'split', 'keep']
export const DEFAULT_FILE_MODE = 0o640
export const DEFAULT_PIPE_BUFFER_BYTES = 1024 ** 2
export const DEFAULT_FORWARD_BUFFER_BYTES = 8 * 1024 ** 2
export const DEFAULT_FORWARD_PORT = 514
/** RFC 5425 §4.1: syslog over TLS has its own port. */
export const DEFAULT_TLS_PORT = 6514
/** RELP has no assigned port; 2514 is the one rsyslog's documentation uses. */
export const DEFAULT_RELP_PORT = 2514
/**
 * RELP window= default. librelp's is 128; stele's receivers answer a chunk's transactions after
 * one flush of the outputs, and the forward refills the window once half of it is free, so a
 * larger window means fewer, larger round trips (bench:relay: about 15 % less CPU per message
 * than 128). It is also how many messages a lost session can duplicate.
 */
export const DEFAULT_RELP_WINDOW = 512
export const MAX_RELP_WINDOW = 65536

export interface ActionContext {
  readonly file: string
  readonly line: number
  /** Directory relative paths are resolved against (the config file's, or the cwd for the built-in config). */
  readonly baseDir: string
  readonly report: Report
}

type Kind = ActionConfig['kind']
const COMMON_KEYS = ['format', 'newline']
/** sign=on|off (syslog-sign): every action takes it; checked with the sign_* globals (sign/signer/sign-config.ts). */
const SIGN_KEY = 'sign'
const QUEUE_KEYS = ['queue', 'queue_max', 'queue_dir', 'fsync', 'overflow']
export const DEFAULT_DISK_QUEUE_BYTES = 256 * 1024 ** 2
const MAX_FSYNC_INTERVAL_MS = 3_600_000
const KEYS: Readonly<Record<Kind | 'tcp' | 'tls' | 'relp', readonly string[]>> = {
  file: [...COMMON_KEYS, 'mode', 'sync'],
  stdout: COMMON_KEYS,
  pipe: [...COMMON_KEYS, 'buffer'],
  forward: [...COMMON_KEYS, 'buffer', 'max_datagram_size'],
  tcp: [...COMMON_KEYS, 'buffer', 'framing', 'stall_timeout', ...QUEUE_KEYS],
  tls: [...COMMON_KEYS, 'buffer', 'stall_timeout', 'ca', 'cert', 'key', 'name', 'fingerprint', 'verify', ...QUEUE_KEYS],
  relp: [...COMMON_KEYS, 'buffer', 'stall_timeout', 'window', 'tls', 'ca', 'cert', 'key', 'name', 'fingerprint', 'verify', ...QUEUE_KEYS],
  users: COMMON_KEYS
}

const USER_LIST = /^[A-Za-z_][A-Za-z0-9_.-]*(,[A-Za-z_][A-Za-z0-9_.-]*)*$/
const PATH_START = /^(\/|\.\.?\/)/

/** Parses an action and the words after it; undefined (with the problems reported) when unusable. */
export function parseAction (text: string, words: readonly string[], ctx: ActionContext): ActionConfig | undefined {
  if (text.startsWith('|') && words.some((w) => !w.includes('='))) {
    ctx.report('error', `pipe "${text} ${words.join(' ')}": stele writes to a named pipe (FIFO) as Linux syslogd does; it does not run a command as BSD syslogd's "|command" does`)
    return undefined
  }
  const options = parseKeyValues(words, `action "${text}"`, ctx.report)
  if (text === '*' || USER_LIST.test(text)) return users(text, options, ctx)
  if (text.startsWith('@')) return forward(text, options, ctx)
  if (text.startsWith('|')) return pipe(text, options, ctx)
  if (PATH_START.test(text) || (text.startsWith('-') && PATH_START.test(text.slice(1)))) return file(text, options, ctx)
  if (text === '~' || text === 'stop') {
    ctx.report('error', `"${text}" (rsyslog's discard) is not an action here; leave the messages out of other rules' selectors with "none"`)
  } else {
    ctx.report('error', `unknown action "${text}": expected /path, -/path, |/fifo, @host[:port], @tcp://host:port, @tls://host:port, @relp://host:port or *`)
  }
  return undefined
}

function users (text: string, options: Record<string, string>, ctx: ActionContext): ActionConfig | undefined {
  const common = commonFields(text, 'users', options, ctx, 'iso', 'escape')
  if (common === undefined) return undefined
  const who = text === '*' ? 'logged-in users' : `users (${text})`
  ctx.report('warning', `writing to ${who} is not supported; messages matched by this rule go nowhere`)
  return { ...common, kind: 'users' }
}

function file (text: string, options: Record<string, string>, ctx: ActionContext): ActionConfig | undefined {
  const dash = text.startsWith('-')
  const written = dash ? text.slice(1) : text
  const pathOk = checkPath(written, ctx.report) && checkPlaceholders(written, ctx.report)
  if (written === '/dev/stdout') {
    const common = commonFields(text, 'stdout', options, ctx, 'iso', 'escape')
    return common === undefined || !pathOk ? undefined : { ...common, kind: 'stdout' }
  }
  const common = commonFields(text, 'file', options, ctx, 'iso', 'escape')
  const mode = options['mode'] === undefined ? DEFAULT_FILE_MODE : parseMode('mode', options['mode'], ctx.report)
  let sync = !dash
  if (options['sync'] !== undefined) {
    const value = parseSwitch('sync', options['sync'], ctx.report)
    if (value === true && dash) ctx.report('warning', `sync=on overrides the leading "-" of "${text}"`)
    if (value !== undefined) sync = value
  }
  if (common === undefined || !pathOk || mode === undefined) return undefined
  const action: FileAction = { ...common, kind: 'file', path: resolve(ctx.baseDir, written), sync, mode }
  return action
}

function pipe (text: string, options: Record<string, string>, ctx: ActionContext): ActionConfig | undefined {
  const written = text.slice(1)
  const pathOk = written === '' ? (ctx.report('error', `pipe action "${text}" names no path`), false) : checkPath(written, ctx.report)
  const common = commonFields(text, 'pipe', options, ctx, 'iso', 'escape')
  const bufferBytes = options['buffer'] === undefined ? DEFAULT_PIPE_BUFFER_BYTES : parseSize('buffer', options['buffer'], ctx.report)
  if (common === undefined || !pathOk || bufferBytes === undefined) return undefined
  const action: PipeAction = { ...common, kind: 'pipe', path: resolve(ctx.baseDir, written), bufferBytes }
  return action
}

// `@@host` is rsyslog's shorthand for TCP; rsyslog frames it with LF by default, stele with
// octet counting (RFC 6587 §3.4.1), which rsyslog's and syslog-ng's TCP inputs both detect.
function forward (text: string, options: Record<string, string>, ctx: ActionContext): ActionConfig | undefined {
  let transport: 'udp' | 'tcp' | 'tls' | 'relp' = 'udp'
  let target = text.slice(1)
  const scheme = /^(udp|tcp|tls|relp|relp\+tls):\/\//i.exec(target)
  let relpTls = false
  if (text.startsWith('@@')) {
    transport = 'tcp'
    target = text.slice(2)
  } else if (scheme !== null) {
    const written = scheme[1]!.toLowerCase()
    relpTls = written === 'relp+tls'
    transport = (relpTls ? 'relp' : written) as 'udp' | 'tcp' | 'tls' | 'relp'
    target = target.slice(scheme[0].length)
  }
  if (transport === 'relp' && options['tls'] !== undefined) {
    const on = parseChoice('tls', options['tls'], ['on', 'off'] as const, ctx.report)
    if (relpTls && on === 'off') ctx.report('warning', `forward "${text}": tls=off ignored: relp+tls:// is always TLS`)
    relpTls ||= on === 'on'
  }
  const defaultPort = transport === 'tls' ? DEFAULT_TLS_PORT : transport === 'relp' ? DEFAULT_RELP_PORT : DEFAULT_FORWARD_PORT
  const address = parseHostPort(target, defaultPort, 1)
  if ('error' in address) ctx.report('error', `forward "${text}": ${address.error}`)
  const kind = transport === 'udp' ? 'forward' : transport
  // RFC 5425 §4.3: syslog over TLS is always octet-counted (framing= is not a TLS forward option).
  // RELP frames carry their own length ('octet' is what the encoder is given; nothing reads it).
  const framing = options['framing'] === undefined || transport !== 'tcp' ? 'octet' : parseChoice('framing', options['framing'], ['octet', 'lf'] as const, ctx.report)
  // A datagram or an octet-counted frame may hold any byte; an LF-framed stream may not.
  const newline = framing === 'lf' ? 'escape' : 'keep'
  const common = commonFields(text, kind, options, ctx, transport === 'udp' ? 'rfc3164' : 'rfc5424', newline)
  if (common !== undefined && framing === 'lf' && common.newline === 'keep') {
    ctx.report('error', `forward "${text}": newline=keep with framing=lf would let a message's LF end its frame early; use newline=escape or split`)
    return undefined
  }
  const bufferBytes = options['buffer'] === undefined ? DEFAULT_FORWARD_BUFFER_BYTES : parseSize('buffer', options['buffer'], ctx.report)
  const windowSize = options['window'] === undefined ? DEFAULT_RELP_WINDOW : parseCount('window', options['window'], ctx.report, { min: 1, max: MAX_RELP_WINDOW })
  let tls: TlsForwardSettings | null | undefined = null
  if (transport === 'tls' || relpTls) {
    tls = tlsForward(text, options, ctx)
  } else if (transport === 'relp') {
    for (const key of ['ca', 'cert', 'key', 'name', 'fingerprint', 'verify']) {
      if (options[key] !== undefined) {
        ctx.report('error', `forward "${text}": ${key}= is a TLS option; use @relp+tls:// or tls=on`)
        tls = undefined
      }
    }
  }
  // A disk queue (or a memory queue, queue=memory) for TCP, TLS and RELP forwards.
  const queue = transport !== 'udp' && !('error' in address) ? queueSettings(text, `${transport}-${address.host}-${address.port}`, options, ctx) : null
  if (common === undefined || 'error' in address || framing === undefined || bufferBytes === undefined || windowSize === undefined || tls === undefined || queue === undefined) return undefined
  let action: ForwardAction = { ...common, kind: 'forward', transport, host: address.host, port: address.port, framing, bufferBytes, ...(transport === 'relp' ? { window: windowSize } : {}) }
  if (queue !== null) action = { ...action, queue }
  return tls === null ? action : { ...action, tls }
}

// Issue 5. A disk queue is the default for TCP, TLS and RELP forwards; an action that sets only the
// older buffer= keeps the memory buffer it had (null: no queue settings).
function queueSettings (text: string, name: string, options: Record<string, string>, ctx: ActionContext): QueueSettings | null | undefined {
  if (!QUEUE_KEYS.some((key) => options[key] !== undefined) && options['buffer'] !== undefined) return null
  let ok = true
  const type = options['queue'] === undefined ? 'disk' : parseChoice('queue', options['queue'], ['memory', 'disk'] as const, ctx.report)
  if (type === 'memory') {
    for (const key of ['queue_dir', 'fsync']) {
      if (options[key] === undefined) continue
      ctx.report('error', `forward "${text}": ${key}= applies to queue=disk, not queue=memory`)
      ok = false
    }
  }
  if (type === 'disk' && options['buffer'] !== undefined) {
    ctx.report('error', `forward "${text}": buffer= sizes a memory queue; with queue=disk use queue_max=`)
    ok = false
  }
  const fallback = type === 'disk' ? DEFAULT_DISK_QUEUE_BYTES : options['buffer'] === undefined ? DEFAULT_FORWARD_BUFFER_BYTES : parseSize('buffer', options['buffer'], () => {})
  const maxBytes = options['queue_max'] === undefined ? fallback : parseSize('queue_max', options['queue_max'], ctx.report, { min: 4096 })
  const fsync = options['fsync'] === undefined ? { mode: 'batch' as const } : parseFsync(options['fsync'], ctx)
  const overflow = options['overflow'] === undefined ? 'drop-newest' : parseChoice('overflow', options['overflow'], ['block', 'drop-newest', 'drop-oldest'] as const, ctx.report)
  // The default directory is per destination, under the working directory (as control_socket=).
  const dir = options['queue_dir'] === undefined ? resolve('spool', name.replace(/[^A-Za-z0-9._-]/g, '_')) : resolve(ctx.baseDir, options['queue_dir'])
  if (!ok || type === undefined || maxBytes === undefined || fsync === undefined || overflow === undefined) return undefined
  return { type, maxBytes, dir, defaultDir: options['queue_dir'] === undefined, fsync, overflow }
}

function parseFsync (text: string, ctx: ActionContext): QueueSettings['fsync'] | undefined {
  if (text === 'always' || text === 'batch') return { mode: text }
  const interval = /^interval:(\d+)$/.exec(text)
  const ms = interval === null ? NaN : Number(interval[1])
  if (ms >= 1 && ms <= MAX_FSYNC_INTERVAL_MS) return { mode: 'interval', intervalMs: ms }
  ctx.report('error', `fsync "${text}" is not always, batch or interval:MS (MS from 1 to ${MAX_FSYNC_INTERVAL_MS})`)
  return undefined
}

// RFC 5425 §5.2: the receiver is checked by default (chain against ca= or the system's roots,
// then the host name); fingerprint= pins self-signed receivers instead; verify=none is explicit.
// The files are read and checked later, asynchronously (config/tls-files.ts).
function tlsForward (text: string, options: Record<string, string>, ctx: ActionContext): TlsForwardSettings | undefined {
  let ok = true
  const verify = options['verify'] === undefined ? 'peer' : parseChoice('verify', options['verify'], ['peer', 'none'] as const, ctx.report)
  if ((options['cert'] === undefined) !== (options['key'] === undefined)) {
    ctx.report('error', `forward "${text}": cert= and key= go together (the client certificate and its private key)`)
    ok = false
  }
  const fingerprints: string[] = []
  for (const written of (options['fingerprint'] ?? '').split(',').filter((f) => f.trim() !== '')) {
    const pin = parseFingerprint(written)
    if ('error' in pin) {
      ctx.report('error', `forward "${text}": ${pin.error}`)
      ok = false
    } else {
      fingerprints.push(pin.fingerprint)
    }
  }
  if (options['fingerprint'] !== undefined && fingerprints.length === 0 && ok) {
    ctx.report('error', `forward "${text}": fingerprint= is empty`)
    ok = false
  }
  if (verify === 'none' && (fingerprints.length > 0 || options['name'] !== undefined)) {
    ctx.report('warning', `forward "${text}": verify=none turns off the name= and fingerprint= checks too`)
  }
  if (!ok || verify === undefined) return undefined
  const path = (key: string): string | null => options[key] === undefined ? null : resolve(ctx.baseDir, options[key])
  return { ca: path('ca'), cert: path('cert'), key: path('key'), name: options['name'] ?? null, fingerprints, verify: verify === 'peer' }
}

function commonFields (text: string, kind: Kind | 'tcp' | 'tls' | 'relp', options: Record<string, string>, ctx: ActionContext,
  defaultFormat: OutputFormat, defaultNewline: NewlinePolicy) {
  let ok = true
  for (const key of Object.keys(options)) {
    if (KEYS[kind].includes(key) || key === SIGN_KEY) continue
    const what = kind === 'tcp' ? 'TCP forward' : kind === 'tls' ? 'TLS forward' : kind === 'relp' ? 'RELP forward' : kind === 'forward' ? 'UDP forward' : kind
    ctx.report('error', `option "${key}" does not apply to ${what} actions (it takes ${KEYS[kind].join(', ')})`)
    ok = false
  }
  const format = options['format'] === undefined ? defaultFormat : parseChoice('format', options['format'], OUTPUT_FORMATS, ctx.report)
  const newline = options['newline'] === undefined ? defaultNewline : parseChoice('newline', options['newline'], NEWLINE_POLICIES, ctx.report)
  if (!ok || format === undefined || newline === undefined) return undefined
  return { file: ctx.file, line: ctx.line, text, format, newline, options }
}

function checkPath (path: string, report: Report): boolean {
  if (path.includes(';')) {
    report('error', `path "${path}" holds ";": rsyslog templates (";Template") are not supported; use format=`)
    return false
  }
  if (path.endsWith('/')) {
    report('error', `path "${path}" ends with "/", so it names a directory, not a file`)
    return false
  }
  return true
}

/**
 * A placeholder is %NAME% in capital letters, read exactly as outputs/file-template.ts reads it:
 * an unknown NAME is an error (the output would refuse the path), and any other "%" is literal.
 * "%hostname%" is literal too, so it gets a warning when its upper-case form is a field.
 */
function checkPlaceholders (path: string, report: Report): boolean {
  let ok = true
  for (const [, name] of path.matchAll(/%([A-Z]+)%/g)) {
    if (PATH_PLACEHOLDERS.includes(name!)) continue
    report('error', `unknown placeholder "%${name}%" in path "${path}" (known: ${PATH_PLACEHOLDERS.join(', ')})`)
    ok = false
  }
  for (const [written, name] of path.matchAll(/%([A-Za-z]+)%/g)) {
    if (name !== name!.toUpperCase() && PATH_PLACEHOLDERS.includes(name!.toUpperCase())) {
      report('warning', `"${written}" in path "${path}" is written literally; placeholders are upper case: %${name!.toUpperCase()}%`)
    }
  }
  return ok
}
