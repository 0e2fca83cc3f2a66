// `stele send`: the logger(1) of stele. Sends one message, each line of stdin, or a numbered
// series (--count, a load generator for tests and benchmarks) over TCP, TLS, UDP or the local socket.
//
// Options follow util-linux logger where it has them (-p, -t, -i, --rfc3164, --rfc5424,
// --octet-count, --socket, --msgid, --sd-id/--sd-param as one --sd, --size).

import { userInfo, hostname as osHostname } from 'node:os'
import { performance } from 'node:perf_hooks'
import { setTimeout as delay } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { FrameDecoder } from '../framing/frame-decoder.js'
import type { SdElement, SdParam } from '../message/model.js'
import { priFromString, MAX_PRI } from '../message/priority.js'
import { parseFingerprint } from '../tls/fingerprint.js'
import { MessageSender } from './send/message-sender.js'
import { ConnectFailure, connectTransport, reasonOf, type TlsSendOptions, type Transport, type TransportOptions } from './send/transport.js'

export const SEND_HELP = `Usage: stele send [options] [MESSAGE...]

Sends MESSAGE (its words joined by spaces) to a syslog receiver, like logger(1). Without
MESSAGE, each line of standard input is sent as one message; empty lines are skipped.

Where to:
      --transport T       unix (default), tcp, tls (RFC 5425, always octet-counted), udp,
                          relp (rsyslog's RELP: exit 0 only when every message was
                          acknowledged) or relp+tls (RELP over TLS, with the TLS options)
      --socket PATH       unix: the socket (default ./stele.sock); a datagram socket when the
                          unix-dgram addon is installed and the path is one, else a stream
      --server HOST       tcp, tls, udp: the receiver (default 127.0.0.1)
      --port N            tcp, udp: its port (default 5514); tls: default 6514; relp: 2514
      --octet-count       streams: RFC 6587 octet counting ("LEN MSG"); default one message
                          per line (LF), as logger does

TLS (the receiver's certificate is verified unless --verify none):
      --ca FILE           trust these CA certificates (PEM); default the system's
      --cert FILE         our client certificate (PEM), for receivers that require one
      --key FILE          its private key (PEM)
      --name NAME         the name the receiver's certificate must carry (default --server)
      --fingerprint FP    accept the receiver whose certificate has this sha256:/sha1:
                          fingerprint instead of checking its chain and name (repeatable)
      --verify none       do not check the receiver at all (warned)

The message:
      --rfc5424           RFC 5424 format (default)
      --rfc3164           RFC 3164 format (to a unix socket without HOSTNAME, as glibc sends)
  -p, --priority PRI      FACILITY.SEVERITY, by name or number (default user.notice); a bare
                          SEVERITY means facility user, a bare number 8..191 is the PRI itself
  -t, --tag TAG           APP-NAME / TAG (default: your user name)
  -i, --id[=PID]          PROCID: this process's pid, or PID
      --hostname NAME     HOSTNAME (default: this host's name; its first label for --rfc3164)
      --msgid ID          RFC 5424 MSGID
      --sd 'ID K=V ...'   RFC 5424 structured data element (repeatable); quote a value with
                          spaces as K="a b"
      --size BYTES        longest message, header included (default 65536; 65507 for UDP);
                          longer ones are cut on a UTF-8 character boundary, with a warning

Load:
      --count N           send N messages "MESSAGE 1" ... "MESSAGE N"
      --rate N            at most N messages per second
  -v, --verbose           print what was sent, and how fast, on standard error
  -h, --help              show this help

Exit status: 0 when everything was sent, 1 when the receiver could not be reached or sending
failed, 2 for a usage error.
`

const DEFAULT_MAX_BYTES = 65536
// The largest UDP payload: 65535 minus the IP and UDP headers (IPv4 20 + 8, IPv6 8).
const MAX_UDP_BYTES_IPV4 = 65507
const MAX_UDP_BYTES_IPV6 = 65527
const MIN_MAX_BYTES = 64

/** String options whose value may be the next argument (so a '-i' there is not our flag). */
const VALUE_OPTIONS = new Set(['--server', '--port', '--transport', '--socket', '-p', '--priority', '-t', '--tag',
  '--hostname', '--msgid', '--sd', '--count', '--rate', '--size', '--ca', '--cert', '--key', '--name', '--fingerprint', '--verify'])

interface SendPlan {
  transport: TransportOptions
  format: 'rfc5424' | 'rfc3164'
  octetCount: boolean
  pri: number
  appName: string
  procId: string | null
  hostname: string | null
  msgId: string | null
  structuredData: SdElement[]
  maxBytes: number
  /** MESSAGE words joined; null: read lines from stdin. */
  message: string | null
  count: number
  rate: number
  verbose: boolean
}

class UsageError extends Error {}

export async function runSend (argv: string[]): Promise<number> {
  let plan: SendPlan | 'help'
  try {
    plan = planFromArgs(argv)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    process.stderr.write(`stele send: ${err.message}\n`)
    return 2
  }
  if (plan === 'help') { process.stdout.write(SEND_HELP); return 0 }
  return await send(plan)
}

function planFromArgs (argv: string[]): SendPlan | 'help' {
  const { values, positionals } = parseArgs({
    args: expandIdFlag(argv),
    allowPositionals: true,
    options: {
      transport: { type: 'string', default: 'unix' },
      socket: { type: 'string', default: './stele.sock' },
      server: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      ca: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      name: { type: 'string' },
      fingerprint: { type: 'string', multiple: true, default: [] },
      verify: { type: 'string', default: 'peer' },
      'octet-count': { type: 'boolean', default: false },
      rfc5424: { type: 'boolean', default: false },
      rfc3164: { type: 'boolean', default: false },
      priority: { type: 'string', short: 'p', default: 'user.notice' },
      tag: { type: 'string', short: 't' },
      id: { type: 'string', short: 'i' },
      hostname: { type: 'string' },
      msgid: { type: 'string' },
      sd: { type: 'string', multiple: true, default: [] },
      size: { type: 'string' },
      count: { type: 'string' },
      rate: { type: 'string' },
      verbose: { type: 'boolean', short: 'v', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) return 'help'
  const transport = values.transport
  if (transport !== 'unix' && transport !== 'tcp' && transport !== 'tls' && transport !== 'udp' && transport !== 'relp' && transport !== 'relp+tls') throw new UsageError(`--transport "${transport}" is not one of unix, tcp, tls, udp, relp, relp+tls`)
  const port = wholeNumber('--port', values.port ?? (transport === 'tls' ? '6514' : transport.startsWith('relp') ? '2514' : '5514'), 1, 65535)
  const tls = tlsOptions(transport, values)
  if (values.rfc3164 && values.rfc5424) throw new UsageError('--rfc3164 and --rfc5424 cannot both be given')
  const format = values.rfc3164 ? 'rfc3164' : 'rfc5424'
  const pri = parsePriority(values.priority)
  if (pri === undefined) throw new UsageError(`--priority "${values.priority}" is not FACILITY.SEVERITY (e.g. local0.err, user.notice, 16.3) or a PRI number 0..${MAX_PRI}`)
  const udpLimit = transport === 'udp' ? (values.server.includes(':') ? MAX_UDP_BYTES_IPV6 : MAX_UDP_BYTES_IPV4) : Infinity
  const maxBytes = values.size === undefined ? Math.min(DEFAULT_MAX_BYTES, udpLimit) : wholeNumber('--size', values.size, MIN_MAX_BYTES, udpLimit)
  const count = values.count === undefined ? 0 : wholeNumber('--count', values.count, 1, Number.MAX_SAFE_INTEGER)
  if (count > 0 && positionals.length === 0) throw new UsageError('--count needs a MESSAGE: stele send --count 1000 load')
  const rate = values.rate === undefined ? 0 : Number(values.rate)
  if (values.rate !== undefined && !(rate > 0 && Number.isFinite(rate))) throw new UsageError(`--rate "${values.rate}" is not a positive number of messages per second`)
  return {
    transport: { transport, server: values.server, port, socketPath: values.socket, ...(tls === undefined ? {} : { tls }) },
    format,
    // RFC 5425 §4.3: syslog over TLS is octet-counted.
    octetCount: values['octet-count'] || transport === 'tls',
    pri,
    appName: values.tag ?? userName(),
    procId: values.id === undefined ? null : values.id === '' ? String(process.pid) : values.id,
    hostname: values.hostname ?? (format === 'rfc3164' ? osHostname().split('.')[0]! : osHostname()),
    msgId: values.msgid ?? null,
    structuredData: values.sd.map(parseSdElement),
    maxBytes,
    message: positionals.length === 0 ? null : positionals.join(' '),
    count,
    rate,
    verbose: values.verbose
  }
}

function tlsOptions (transport: string, values: { ca?: string, cert?: string, key?: string, name?: string, fingerprint: string[], verify: string }): TlsSendOptions | undefined {
  const given = ['ca', 'cert', 'key', 'name'].filter((k) => values[k as 'ca'] !== undefined).concat(values.fingerprint.length > 0 ? ['fingerprint'] : [], values.verify !== 'peer' ? ['verify'] : [])
  if (transport !== 'tls' && transport !== 'relp+tls') {
    if (given.length > 0) throw new UsageError(`--${given[0]} applies to --transport tls and relp+tls only`)
    return undefined
  }
  if (values.verify !== 'peer' && values.verify !== 'none') throw new UsageError(`--verify "${values.verify}" is not peer or none`)
  if ((values.cert === undefined) !== (values.key === undefined)) throw new UsageError('--cert and --key go together')
  const fingerprints = values.fingerprint.map((text) => {
    const pin = parseFingerprint(text)
    if ('error' in pin) throw new UsageError(`--fingerprint: ${pin.error}`)
    return pin.fingerprint
  })
  if (values.verify === 'none') process.stderr.write('stele send: warning: --verify none: the receiver\'s certificate is not checked\n')
  return { ca: values.ca ?? null, cert: values.cert ?? null, key: values.key ?? null, name: values.name ?? null, fingerprints, verify: values.verify === 'peer' }
}

/**
 * logger's `-i` / `--id` take their value only as `--id=PID` (getopt's optional argument);
 * parseArgs has no such kind, so the bare flags become `--id=` (this process's pid).
 */
function expandIdFlag (argv: string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') { out.push(...argv.slice(i)); break }
    if (arg === '-i' || arg === '--id') out.push('--id=')
    else if (VALUE_OPTIONS.has(arg) && i + 1 < argv.length) out.push(arg, argv[++i]!)
    else out.push(arg)
  }
  return out
}

function wholeNumber (option: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN
  if (!(value >= min && value <= max)) throw new UsageError(`${option} "${text}" is not a whole number from ${min} to ${max}`)
  return value
}

/** logger's -p: FACILITY.SEVERITY or a bare SEVERITY (facility user); also a whole PRI number. */
export function parsePriority (text: string): number | undefined {
  const pri = priFromString(text)
  if (pri !== undefined) return pri
  if (!/^\d{1,3}$/.test(text)) return undefined
  const value = Number(text)
  return value <= MAX_PRI ? value : undefined
}

/** `ID name=value name2="a b"`: one RFC 5424 §6.3 SD-ELEMENT. */
export function parseSdElement (text: string): SdElement {
  const trimmed = text.trim()
  const space = trimmed.search(/\s/)
  const id = space < 0 ? trimmed : trimmed.slice(0, space)
  if (id === '' || id.includes('=')) throw new UsageError(`--sd "${text}" does not start with an SD-ID (e.g. --sd 'origin ip=192.0.2.1')`)
  const params: SdParam[] = []
  const rest = space < 0 ? '' : trimmed.slice(space)
  const param = /\s*([^\s=]+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/y
  let at = 0
  while (at < rest.length && rest.slice(at).trim() !== '') {
    param.lastIndex = at
    const match = param.exec(rest)
    if (match === null) throw new UsageError(`--sd "${text}": expected NAME=VALUE at "${rest.slice(at).trim()}"`)
    params.push({ name: match[1]!, value: match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]! })
    at = param.lastIndex
  }
  return { id, params }
}

function userName (): string {
  try {
    return userInfo().username
  } catch {
    // No passwd entry for this uid (some containers).
    return process.env.LOGNAME ?? process.env.USER ?? 'stele'
  }
}

async function send (plan: SendPlan): Promise<number> {
  let transport: Transport
  try {
    transport = await connectTransport(plan.transport)
  } catch (err) {
    if (!(err instanceof ConnectFailure)) throw err
    process.stderr.write(`stele send: ${err.message}\n`)
    return 1
  }
  const sender = new MessageSender(transport, {
    format: plan.format,
    local: plan.transport.transport === 'unix',
    framing: transport.datagram ? 'datagram' : plan.octetCount ? 'octet' : 'lf',
    maxBytes: plan.maxBytes,
    fields: {
      facility: plan.pri >> 3,
      severity: plan.pri & 7,
      hostname: plan.hostname,
      appName: plan.appName,
      procId: plan.procId,
      msgId: plan.msgId,
      structuredData: plan.structuredData
    },
    onTruncated: (n) => {
      if (sender.truncated === 1) process.stderr.write(`stele send: message ${n} is longer than ${plan.maxBytes} bytes; truncated (--size)\n`)
    }
  })
  const pacer = plan.rate > 0 ? new Pacer(plan.rate, sender) : null
  const startedMs = performance.now()
  try {
    if (plan.message === null) await sendLines(sender, plan.maxBytes, pacer)
    else if (plan.count > 0) await sendSeries(sender, plan.message, plan.count, pacer)
    else {
      const body = Buffer.from(plan.message, 'utf8')
      sender.add(body, 0, body.length)
    }
    await sender.flush()
    await transport.end()
  } catch (err) {
    transport.destroy()
    process.stderr.write(`stele send: ${transport.url}: ${reasonOf(err)}; sending stopped after ${sender.sent} messages\n`)
    return 1
  }
  const seconds = (performance.now() - startedMs) / 1000
  if (sender.truncated > 1) process.stderr.write(`stele send: ${sender.truncated} messages were truncated to ${plan.maxBytes} bytes\n`)
  if (plan.verbose) {
    const rate = seconds > 0 ? Math.round(sender.sent / seconds) : sender.sent
    process.stderr.write(`stele send: ${sender.sent} messages, ${sender.bytes} bytes to ${transport.url} in ${seconds.toFixed(3)} s (${rate} messages/s)\n`)
  }
  if (transport.errors > 0) {
    process.stderr.write(`stele send: ${transport.url}: ${transport.errors} of ${sender.sent} messages could not be sent (${reasonOf(transport.error)})\n`)
    return 1
  }
  return 0
}

/** "MESSAGE 1" ... "MESSAGE count", built in one scratch buffer. */
async function sendSeries (sender: MessageSender, message: string, count: number, pacer: Pacer | null): Promise<void> {
  const prefix = Buffer.from(`${message} `, 'utf8')
  const body = Buffer.allocUnsafe(prefix.length + 16)
  prefix.copy(body)
  for (let i = 1; i <= count; i++) {
    const end = writeDecimal(body, prefix.length, i)
    if (pacer !== null) await pacer.wait()
    if (!sender.add(body, 0, end)) await sender.flush()
  }
}

/** Each stdin line is one message, its bytes unchanged (CR LF ends a line too). */
async function sendLines (sender: MessageSender, maxBytes: number, pacer: Pacer | null): Promise<void> {
  const lines: Buffer[] = []
  // Lines are cut at maxBytes here only to bound memory; the formatter cuts the whole record
  // to maxBytes on a character boundary and reports it.
  const decoder = new FrameDecoder({ framing: 'lf', maxFrameBytes: maxBytes, onFrame: (line) => { lines.push(line) } })
  const sendAll = async (): Promise<void> => {
    for (const line of lines) {
      if (pacer !== null) await pacer.wait()
      if (!sender.add(line, 0, line.length)) await sender.flush()
    }
    lines.length = 0
  }
  for await (const chunk of process.stdin) {
    decoder.push(chunk as Buffer)
    await sendAll()
  }
  decoder.end()
  await sendAll()
}

/** Writes `n` in decimal at `at`; returns the offset after the last digit. */
function writeDecimal (buf: Buffer, at: number, n: number): number {
  let digits = 1
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++
  let pos = at + digits
  for (let rest = n; pos > at; rest = Math.floor(rest / 10)) buf[--pos] = 0x30 + rest % 10
  return at + digits
}

/** --rate: message i is due at start + i / rate; early ones wait (after flushing the batch). */
class Pacer {
  readonly #intervalMs: number
  readonly #sender: MessageSender
  readonly #startMs = performance.now()
  #next = 0

  constructor (rate: number, sender: MessageSender) {
    this.#intervalMs = 1000 / rate
    this.#sender = sender
  }

  async wait (): Promise<void> {
    const dueMs = this.#startMs + this.#next++ * this.#intervalMs
    const aheadMs = dueMs - performance.now()
    if (aheadMs < 1) return
    await this.#sender.flush()
    await delay(aheadMs)
  }
}
