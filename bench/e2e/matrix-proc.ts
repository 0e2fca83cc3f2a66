// Process plumbing of the benchmark matrix (bench/e2e/matrix.bench.ts): what a daemon costs
// (CPU from /proc/PID/stat, peak RSS from /proc/PID/status), free ports, readiness probes, child
// processes that are always reaped, the stream sender (bench/e2e/sender.ts) and the machine line.

import os from 'node:os'
import net from 'node:net'
import { fork, execFileSync, type ChildProcess } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { probe, type TlsSession } from './tls.js'

const HERE = dirname(fileURLToPath(import.meta.url)) // dist/bench/e2e
const SENDER_JS = join(HERE, 'sender.js')
export const SEND_CHUNK_BYTES = 1 << 20
const START_LIMIT_MS = 15_000
const STOP_LIMIT_MS = 15_000

export const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

function clockTicks (): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    return n > 0 ? n : 100
  } catch {
    return 100
  }
}
export const CLK_TCK = clockTicks()

/** utime + stime of all threads of `pid`, in seconds (CLK_TCK resolution: 10 ms here). */
export function cpuSeconds (pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ') // fields[0] is field 3 (state)
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

/** VmHWM (peak resident set over the process's life) of `pid` in KiB. */
export function peakRssKiB (pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m === null ? NaN : Number(m[1])
}

/**
 * RssAnon of `pid` in KiB: the process's private memory now. VmHWM also counts the pages of the
 * executable it has touched (for node, 40-45 MiB of /usr/bin/node that every node process shares).
 */
export function rssAnonKiB (pid: number): number {
  const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m === null ? NaN : Number(m[1])
}

export function fileSize (path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.size ?? 0
}

export async function freePort (): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve) })
  const port = (server.address() as net.AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export async function withTimeout<T> (p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([p, new Promise<T>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms) })])
  } finally {
    clearTimeout(timer)
  }
}

// --- child processes -----------------------------------------------------------------------

/** Every child still running; killed when the bench exits, however it exits. */
export const live = new Set<ChildProcess>()

export function track (child: ChildProcess): ChildProcess {
  live.add(child)
  child.once('exit', () => live.delete(child))
  return child
}

export function exited (child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

export async function waitExit (child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return true
  return await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    child.once('exit', () => { clearTimeout(timer); resolve(true) })
  })
}

/** SIGTERM, wait up to STOP_LIMIT_MS, then SIGKILL. */
export async function stop (child: ChildProcess): Promise<void> {
  if (exited(child)) return
  child.kill('SIGTERM')
  if (await waitExit(child, STOP_LIMIT_MS)) return
  child.kill('SIGKILL')
  await waitExit(child, 5000)
}

/** rsyslogd -n prints some of its own notices to stderr (a queue worker ending); not worth showing. */
const NOTICE = /^rsyslog internal message \([5-7],|^\[[-0-9T:.]+\] (Syslog connection (accepted|closed)|Accepting connections|syslog-ng (starting|shutting)|WARNING: With use-dns)/

/** The first 5 lines a daemon writes to stdout/stderr that are not routine notices. */
export function collectStderr (child: ChildProcess): string[] {
  const lines: string[] = []
  let partial = ''
  const take = (chunk: Buffer): void => {
    if (lines.length >= 5) return
    const parts = (partial + chunk.toString('utf8')).split('\n')
    partial = parts.pop()!
    for (const line of parts) if (line.trim() !== '' && !NOTICE.test(line) && lines.length < 5) lines.push(line)
  }
  child.stderr?.on('data', take)
  child.stdout?.on('data', take)
  return lines
}

/**
 * Retries a connect until the daemon accepts (or exits, or START_LIMIT_MS passes). Over TLS the
 * probe completes a handshake: a bare TCP connect would be logged by the daemon as a failed one.
 */
export async function waitAccepting (port: number, transport: 'tcp' | 'tls', child: ChildProcess, what: string): Promise<void> {
  const deadline = performance.now() + START_LIMIT_MS
  while (performance.now() < deadline) {
    if (exited(child)) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before accepting connections`)
    if (await probe(port, transport)) return
    await sleep(50)
  }
  throw new Error(`${what} did not accept ${transport} connections on 127.0.0.1:${port} within ${START_LIMIT_MS / 1000} s`)
}

// --- the stream sender ---------------------------------------------------------------------

export interface Sender {
  readonly child: ChildProcess
  /** TLS: the negotiated protocol and cipher. */
  readonly tls: TlsSession | null
  go: () => void
  readonly done: Promise<{ bytes: number, ms: number }>
}

/** Forks bench/e2e/sender.ts; resolves once it has loaded `file` and opened `connections` connections to `port`. */
export async function startSender (file: string, port: number, transport: 'tcp' | 'tls', connections: number): Promise<Sender> {
  const argv = [file, String(port), String(SEND_CHUNK_BYTES), transport, String(connections)]
  const child = track(fork(SENDER_JS, argv, { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
  let session: TlsSession | null = null
  let onDone: (r: { bytes: number, ms: number }) => void = () => {}
  let onFail: (err: Error) => void = () => {}
  const done = new Promise<{ bytes: number, ms: number }>((resolve, reject) => { onDone = resolve; onFail = reject })
  done.catch(() => {}) // observed by whoever awaits it
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('sender not ready within 60 s')), 60_000)
    child.on('message', (m: { type: string, message?: string, bytes?: number, ms?: number, tls?: TlsSession | null }) => {
      if (m.type === 'ready') { session = m.tls ?? null; clearTimeout(timer); resolve() }
      if (m.type === 'done') onDone({ bytes: m.bytes!, ms: m.ms! })
      if (m.type === 'error') { const err = new Error(`sender: ${m.message ?? '?'}`); clearTimeout(timer); reject(err); onFail(err) }
    })
    child.once('exit', (code) => {
      const err = new Error(`sender exited (${code ?? 'signal'})`)
      clearTimeout(timer); reject(err); onFail(err)
    })
  })
  await ready
  return { child, tls: session, go: () => child.send({ type: 'go' }), done }
}

// --- the machine ---------------------------------------------------------------------------

export interface MatrixMachine {
  cpu: string
  cores: number
  kernel: string
  platform: string
  node: string
  rsyslog: string
  syslogNg: string
  clkTck: number
  /** 1-, 5- and 15-minute load averages when the bench started. */
  loadAverage: [number, number, number]
  memoryGiB: number
}

export function describeMachine (rsyslog: string, syslogNg: string): MatrixMachine {
  const cpus = os.cpus()
  const [l1, l5, l15] = os.loadavg().map((x) => Number(x.toFixed(2)))
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    kernel: os.release(),
    platform: `${os.platform()} ${os.arch()}`,
    node: process.version,
    rsyslog,
    syslogNg,
    clkTck: CLK_TCK,
    loadAverage: [l1!, l5!, l15!],
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1))
  }
}
