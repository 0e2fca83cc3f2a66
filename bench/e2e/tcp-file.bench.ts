// `npm run bench`: end to end, TCP -> daemon -> file and TLS -> daemon -> file. COUNT (default
// 2,000,000) RFC 3164 lines of about 200 bytes go over ONE connection into stele (`stele run -f
// CONF`, `*.* -FILE`, iso format) and, in the same run, into rsyslog (Debian's rsyslogd in the
// foreground with a config of its own: imtcp -> omfile with an iso-like template). For each
// daemon it prints messages/s (all lines in the file), CPU seconds (per million messages too) and
// peak RSS, then the ratio stele / rsyslog, which the issue sets at >= 1.0.
//
// Two scenarios (--transport tcp|tls|both, default both; issue 4):
// - tcp: plain TCP, the lines LF-framed (non-transparent framing, RFC 6587 §3.4.2).
// - tls: TLS 1.2 or newer, no client authentication, the same lines octet-counted (RFC 5425 §4.3,
//   re-framed once into a second load file). stele: `listen tls://127.0.0.1:PORT cert= key=`;
//   rsyslog: imtcp with the openssl stream driver (ossl, mode 1, authMode anon). The certificate
//   is a throwaway self-signed one made with the openssl CLI in the run's temp directory.
// The end shows both scenarios side by side for each daemon.
//
// Sender: a child node process (bench/e2e/sender.ts) that pushes a pre-generated file from memory
// in 1 MiB writes with backpressure. Its rate into a null sink (a server in this process that
// discards) is measured first and printed, to show it is not the bottleneck (`loggen` tops out
// near 0.5 M msg/s and would measure itself).
//
// Method: RUNS runs per daemon, alternating (rsyslog first in odd runs, stele first in even
// ones), each with a fresh daemon, port and output file. A run's clock starts when the sender is
// told to write and stops when the output file holds every line: the file is stat'ed every
// POLL_MS, and its expected size is known once the first line is in (every output line differs
// from its input line by the same number of bytes; see load.ts). CPU = utime + stime of the
// daemon (all its threads) from /proc/PID/stat over that span; peak RSS = VmHWM from
// /proc/PID/status. After the clock stops the daemon is stopped (SIGTERM) and the whole file is
// read: every sequence number 1..COUNT must be there exactly once, in order, and every 1,000th
// line (and the first and last) must be its input line with the timestamp rewritten. Medians are
// reported; the ratio is the median of the per-run ratios (runs are paired by number), with the
// ratio of the medians in brackets, as in bench/message/parse.bench.ts.
//
// Flags: --count N, --runs N, --json, --transport tcp|tls|both, --only stele|rsyslog, --rsyslogd PATH,
// --stele-node-arg ARG (repeatable; e.g. --stele-node-arg=--cpu-prof --stele-node-arg=--cpu-prof-dir=DIR),
// --stele-option KEY=VALUE (repeatable; a global option added to stele's config, e.g. parse_threads=0).

import os from 'node:os'
import net from 'node:net'
import tls from 'node:tls'
import { spawn, fork, execFileSync, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { MAX_LINE_BYTES, MIN_LINE_BYTES, LINES_PER_SECOND, lineAt, writeLoad, writeOctetCountedLoad, type LoadFile } from './load.js'
import { SAMPLE_EVERY, verifyFile } from './matrix-verify.js'
import { makeBenchCert, probe, type BenchCert, type TlsSession } from './tls.js'
import { mps, printText, ratios, sideBySide, summarise, type DaemonName, type Machine, type NullSinkResult, type RunResult, type Transport } from './report.js'

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '2000000' },
    runs: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
    only: { type: 'string' },
    transport: { type: 'string', default: 'both' },
    rsyslogd: { type: 'string', default: '/usr/sbin/rsyslogd' },
    'stele-node-arg': { type: 'string', multiple: true, default: [] },
    'stele-option': { type: 'string', multiple: true, default: [] }
  }
})
const COUNT = Math.max(1000, Math.floor(Number(args.count)))
const RUNS = Math.max(1, Math.floor(Number(args.runs)))
const JSON_OUTPUT = args.json === true
const ONLY = args.only as DaemonName | undefined
if (ONLY !== undefined && !['stele', 'rsyslog'].includes(ONLY)) throw new Error('--only takes stele or rsyslog')
if (!['tcp', 'tls', 'both'].includes(args.transport!)) throw new Error('--transport takes tcp, tls or both')
const TRANSPORTS: Transport[] = args.transport === 'both' ? ['tcp', 'tls'] : [args.transport as Transport]
const RSYSLOGD = args.rsyslogd!
const STELE_NODE_ARGS = args['stele-node-arg']!
const STELE_OPTIONS = args['stele-option']!

const HERE = dirname(fileURLToPath(import.meta.url)) // dist/bench/e2e
const ROOT = resolve(HERE, '../../..')
const STELE_JS = join(ROOT, 'dist/src/cli/stele.js')
const SENDER_JS = join(HERE, 'sender.js')

const SEND_CHUNK_BYTES = 1 << 20
const POLL_MS = 20
/** A run gives up when the output file has not grown for this long. */
const STALL_MS = 10_000
/** ... or after this long in all (0.1 M msg/s at the least, 60 s at the least). */
const RUN_LIMIT_MS = Math.max(60_000, COUNT / 100)
const START_LIMIT_MS = 15_000
const STOP_LIMIT_MS = 15_000
const SEQ = Buffer.from('seq=')
const CLK_TCK = clockTicks()

/** What a scenario sends: the load framed for its transport, and the certificate for TLS. */
interface Scenario {
  transport: Transport
  load: LoadFile
  cert: BenchCert | null
}

// --- small helpers -------------------------------------------------------------------------

const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

function clockTicks (): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    return n > 0 ? n : 100
  } catch {
    return 100
  }
}

/** utime + stime of all threads of `pid`, in seconds. */
function cpuSeconds (pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ') // fields[0] is field 3 (state)
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

/** VmHWM (peak resident set) of `pid` in KiB. */
function peakRssKiB (pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m === null ? NaN : Number(m[1])
}

function fileSize (path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.size ?? 0
}

async function freePort (): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve) })
  const port = (server.address() as net.AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/**
 * Retries a connect until the daemon accepts (or exits, or START_LIMIT_MS passes). Over TLS the
 * probe completes a handshake: a bare TCP connect would be logged by the daemon as a failed one.
 */
async function waitAccepting (port: number, transport: Transport, child: ChildProcess, what: string): Promise<void> {
  const deadline = performance.now() + START_LIMIT_MS
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before accepting connections`)
    if (await probe(port, transport)) return
    await sleep(50)
  }
  throw new Error(`${what} did not accept ${transport} connections on 127.0.0.1:${port} within ${START_LIMIT_MS / 1000} s`)
}

// --- child processes -----------------------------------------------------------------------

const live = new Set<ChildProcess>()

function track (child: ChildProcess): ChildProcess {
  live.add(child)
  child.once('exit', () => live.delete(child))
  return child
}

function exited (child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

async function waitExit (child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return true
  return await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    child.once('exit', () => { clearTimeout(timer); resolve(true) })
  })
}

/** SIGTERM, wait up to STOP_LIMIT_MS, then SIGKILL. */
async function stop (child: ChildProcess): Promise<void> {
  if (exited(child)) return
  child.kill('SIGTERM')
  if (await waitExit(child, STOP_LIMIT_MS)) return
  child.kill('SIGKILL')
  await waitExit(child, 5000)
}

interface Sender {
  readonly child: ChildProcess
  /** TLS: the negotiated protocol and cipher. */
  readonly tls: TlsSession | null
  go: () => void
  readonly done: Promise<{ bytes: number, ms: number }>
}

/** Forks the sender; resolves once it has loaded the scenario's file and connected to `port` (over TLS: handshake done). */
async function startSender (scenario: Scenario, port: number): Promise<Sender> {
  const argv = [scenario.load.path, String(port), String(SEND_CHUNK_BYTES), scenario.transport]
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

async function withTimeout<T> (p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([p, new Promise<T>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms) })])
  } finally {
    clearTimeout(timer)
  }
}

// --- the null sink: how fast is the sender alone? -----------------------------------------

/**
 * The sender alone, into a server in this process that discards what it reads (over TLS it
 * decrypts first, on its own core: the sender and the sink each have one of the two).
 */
async function measureNullSink (scenario: Scenario): Promise<NullSinkResult> {
  const { load, transport, cert } = scenario
  let received = 0
  let t0 = 0
  let finished: () => void = () => {}
  const all = new Promise<void>((resolve) => { finished = resolve })
  let end = 0
  const onConnection = (socket: net.Socket): void => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length
      if (received >= load.wireBytes && end === 0) { end = performance.now(); finished() }
    })
    socket.on('error', () => {})
  }
  const server = cert === null
    ? net.createServer(onConnection)
    : tls.createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key), minVersion: 'TLSv1.2' }, onConnection)
  server.on('error', () => {}) // a failed handshake on the sink shows as the sender's error
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  let session: TlsSession | null = null
  try {
    const sender = await startSender(scenario, port)
    session = sender.tls
    t0 = performance.now()
    sender.go()
    await withTimeout(all, RUN_LIMIT_MS, 'null sink')
    await withTimeout(sender.done, 30_000, 'sender')
    await waitExit(sender.child, 5000)
  } finally {
    server.close()
  }
  const seconds = (end - t0) / 1000
  return { transport, framing: load.framing, tls: session, seconds, msgsPerSec: load.count / seconds, bytesPerSec: load.wireBytes / seconds }
}

// --- the daemons ---------------------------------------------------------------------------

interface Started { child: ChildProcess, outFile: string, command: string }

/** stele's listen line: plain TCP, or TLS without client authentication (no ca=: clients are not asked for a certificate). */
function steleListen (port: number, cert: BenchCert | null): string {
  return cert === null ? `listen tcp://127.0.0.1:${port}` : `listen tls://127.0.0.1:${port} cert=${cert.cert} key=${cert.key}`
}

function startStele (dir: string, port: number, scenario: Scenario): Started {
  const outFile = join(dir, 'stele.log')
  const conf = join(dir, 'stele.conf')
  writeFileSync(conf, [
    `# stele e2e bench (bench/e2e/tcp-file.bench.ts): ${scenario.transport.toUpperCase()} -> file, iso format (the default)`,
    steleListen(port, scenario.cert),
    'repeat_suppression=off',
    'mark_interval=0',
    `control_socket=${join(dir, 'stele.ctl')}`,
    ...STELE_OPTIONS,
    `*.* -${outFile}`,
    ''
  ].join('\n'))
  const argv = [...STELE_NODE_ARGS, STELE_JS, 'run', '-f', conf]
  const child = track(spawn(process.execPath, argv, { cwd: dir, env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'ignore', 'pipe'] }))
  return { child, outFile, command: `node ${argv.join(' ')}` }
}

function rsyslogConf (dir: string, port: number, outFile: string, cert: BenchCert | null): string {
  // TLS: the openssl stream driver in mode 1 (TLS only) with authMode anon (no client
  // certificates asked for, as stele's listener without ca=); its certificate and key are the
  // global netstream driver defaults.
  const global = cert === null
    ? `global(workDirectory="${dir}" maxMessageSize="64k")`
    : `global(workDirectory="${dir}" maxMessageSize="64k" DefaultNetstreamDriverCertFile="${cert.cert}" DefaultNetstreamDriverKeyFile="${cert.key}")`
  const tlsParams = cert === null ? '' : ' StreamDriver.Name="ossl" StreamDriver.Mode="1" StreamDriver.AuthMode="anon"'
  return [
    `# stele e2e bench (bench/e2e/tcp-file.bench.ts): imtcp${cert === null ? '' : ' over TLS (ossl, anon)'} -> omfile and nothing else`,
    '# (no imuxsock, no imklog, no /etc/rsyslog.conf). omfile defaults: buffered, flushed at the',
    '# end of each batch, no fsync (as stele\'s "-/path"). The template is stele\'s iso line',
    '# except the timestamp: "2026-11-22T10:00:00+00:00" where stele writes "...T10:00:00.000Z".',
    '# rsyslogd\'s own messages go to a file of their own instead of stderr.',
    global,
    'module(load="imtcp")',
    'template(name="iso" type="string" string="%timereported:::date-rfc3339% %hostname% %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\\n")',
    'ruleset(name="bench") {',
    `  action(type="omfile" file="${outFile}" template="iso")`,
    '}',
    `input(type="imtcp" port="${port}" address="127.0.0.1" ruleset="bench"${tlsParams})`,
    `*.* action(type="omfile" file="${join(dir, 'rsyslogd.log')}")`,
    ''
  ].join('\n')
}

function startRsyslog (dir: string, port: number, scenario: Scenario): Started {
  const outFile = join(dir, 'rsyslog.log')
  const conf = join(dir, 'rsyslog.conf')
  writeFileSync(conf, rsyslogConf(dir, port, outFile, scenario.cert))
  const argv = ['-n', '-f', conf, '-i', join(dir, 'rsyslog.pid')]
  const child = track(spawn(RSYSLOGD, argv, { cwd: dir, env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'pipe'] }))
  return { child, outFile, command: `${RSYSLOGD} ${argv.join(' ')}` }
}

/** rsyslogd -n prints some of its own notices to stderr (a queue worker ending); not worth showing. */
const RSYSLOG_NOTICE = /^rsyslog internal message \([5-7],/

function collectStderr (child: ChildProcess): string[] {
  const lines: string[] = []
  let partial = ''
  const take = (chunk: Buffer): void => {
    if (lines.length >= 5) return
    const parts = (partial + chunk.toString('utf8')).split('\n')
    partial = parts.pop()!
    for (const line of parts) if (line.trim() !== '' && !RSYSLOG_NOTICE.test(line) && lines.length < 5) lines.push(line)
  }
  child.stderr?.on('data', take)
  child.stdout?.on('data', take)
  return lines
}

// --- one run -------------------------------------------------------------------------------

interface Timing { complete: boolean, elapsedMs: number, size: number, problem: string | null }

/**
 * Polls the output file until it reaches the expected size. The expected size is known when the
 * first line is in: every output line is `delta` bytes longer than its input line.
 */
async function waitForFile (file: string, base: number, load: LoadFile, t0: number): Promise<Timing> {
  let expected = -1
  let problem: string | null = null
  let lastSize = base
  let lastGrowth = t0
  for (;;) {
    await sleep(POLL_MS)
    const size = fileSize(file)
    const now = performance.now()
    if (size > lastSize) { lastSize = size; lastGrowth = now }
    if (expected < 0 && size > base) {
      const head = Buffer.alloc(Math.min(size - base, 65536))
      const fd = openSync(file, 'r')
      try { readSync(fd, head, 0, head.length, base) } finally { closeSync(fd) }
      const lf = head.indexOf(0x0a)
      if (lf >= 0) {
        // Usually line 1; rsyslog may write another first (its worker threads reorder).
        const at = head.subarray(0, lf).indexOf(SEQ)
        const seq = at < 0 ? NaN : Number(head.toString('latin1', at + 4, at + 4 + load.width))
        if (!(seq >= 1 && seq <= load.count)) {
          problem = `the first new line is not one of the load: ${head.toString('latin1', 0, Math.min(lf, 200))}`
          expected = Infinity
        } else {
          expected = base + load.bytes + load.count * (lf + 1 - (lineAt(seq, load.width).length + 1))
        }
      }
    }
    if (expected >= 0 && size >= expected) {
      if (size > expected) problem ??= `${size - expected} bytes more than expected`
      return { complete: true, elapsedMs: now - t0, size, problem }
    }
    if (now - lastGrowth > STALL_MS) return { complete: false, elapsedMs: lastGrowth - t0, size, problem: problem ?? `no growth for ${STALL_MS / 1000} s` }
    if (now - t0 > RUN_LIMIT_MS) return { complete: false, elapsedMs: now - t0, size, problem: problem ?? `not done after ${RUN_LIMIT_MS / 1000} s` }
  }
}

async function runOne (daemon: DaemonName, scenario: Scenario, run: number, tmp: string): Promise<RunResult> {
  const { load, transport } = scenario
  const result: RunResult = {
    daemon, transport, framing: load.framing, run, tls: null, command: '', error: null, complete: false, elapsedS: NaN, msgsPerSec: NaN, cpuS: NaN, cpuSPerMillion: NaN,
    peakRssKiB: NaN, senderMs: NaN, fileBytes: 0, verify: null, stderr: []
  }
  const dir = join(tmp, `${daemon}-${transport}-${run}`)
  mkdirSync(dir)
  const port = await freePort()
  const started = daemon === 'stele' ? startStele(dir, port, scenario) : startRsyslog(dir, port, scenario)
  const { child, outFile } = started
  result.command = started.command
  result.stderr = collectStderr(child)
  let sender: Sender | null = null
  try {
    await waitAccepting(port, transport, child, daemon)
    await sleep(300) // let start-up lines (stele logs one to *.*) reach the file before the base size is taken
    sender = await startSender(scenario, port)
    result.tls = sender.tls
    const pid = child.pid!
    const cpu0 = cpuSeconds(pid)
    const base = fileSize(outFile)
    const t0 = performance.now()
    sender.go()
    const timing = await waitForFile(outFile, base, load, t0)
    const cpu1 = cpuSeconds(pid)
    result.peakRssKiB = peakRssKiB(pid)
    result.complete = timing.complete
    result.elapsedS = timing.elapsedMs / 1000
    result.cpuS = cpu1 - cpu0
    result.cpuSPerMillion = result.cpuS / (load.count / 1e6)
    if (timing.problem !== null) result.error = timing.problem
    const sent = await withTimeout(sender.done, 30_000, 'sender')
    result.senderMs = sent.ms
  } catch (err) {
    result.error = (err as Error).message
  } finally {
    if (sender !== null && !exited(sender.child)) { sender.child.kill('SIGTERM'); await waitExit(sender.child, 5000) }
    await stop(child)
  }
  if (existsSync(outFile)) {
    result.fileBytes = fileSize(outFile)
    result.verify = verifyFile(outFile, load)
    const lines = result.verify.benchLines
    result.msgsPerSec = (result.complete ? load.count : lines) / result.elapsedS
  }
  rmSync(dir, { recursive: true, force: true })
  return result
}

function rsyslogVersion (): string {
  try {
    return execFileSync(RSYSLOGD, ['-v'], { encoding: 'utf8' }).split('\n')[0]!.replace(/\s+/g, ' ').replace(/ compiled with:$/, '').trim()
  } catch (err) {
    return `rsyslogd not runnable (${(err as Error).message})`
  }
}

// --- main ----------------------------------------------------------------------------------

async function main (): Promise<number> {
  const started = performance.now()
  if (!existsSync(SENDER_JS)) throw new Error(`${SENDER_JS} missing: build first (npx tsc -p .)`)
  if (ONLY !== 'rsyslog' && !existsSync(STELE_JS)) throw new Error(`${STELE_JS} missing: build first (npx tsc -p .)`)
  const tmp = mkdtempSync(join(os.tmpdir(), 'stele-e2e-'))
  const cleanup = (): void => {
    for (const child of live) child.kill('SIGKILL')
    rmSync(tmp, { recursive: true, force: true })
  }
  process.once('exit', cleanup)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => { cleanup(); process.exit(130) })

  const cpus = os.cpus()
  const machine: Machine = {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    rsyslog: rsyslogVersion(),
    clkTck: CLK_TCK,
    loadAverage: Number(os.loadavg()[0]!.toFixed(2))
  }
  const lf = await writeLoad(join(tmp, 'load.txt'), COUNT)
  const cert = TRANSPORTS.includes('tls') ? makeBenchCert(tmp) : null
  const scenarios: Scenario[] = []
  for (const transport of TRANSPORTS) {
    scenarios.push(transport === 'tcp'
      ? { transport, load: lf, cert: null }
      : { transport, load: await writeOctetCountedLoad(lf, join(tmp, 'load-octet-counted.txt')), cert })
  }
  const nullSinks: NullSinkResult[] = []
  for (const scenario of scenarios) nullSinks.push(await measureNullSink(scenario))

  // Run k: every scenario, each with both daemons (rsyslog first in odd runs, stele first in
  // even ones), so that TCP and TLS see the same spell of machine load.
  const daemons: DaemonName[] = ONLY === undefined ? ['rsyslog', 'stele'] : [ONLY]
  const results: RunResult[] = []
  for (let run = 1; run <= RUNS; run++) {
    const order = run % 2 === 1 ? daemons : [...daemons].reverse()
    for (const scenario of scenarios) {
      for (const daemon of order) {
        const r = await runOne(daemon, scenario, run, tmp)
        results.push(r)
        const what = `${daemon} ${scenario.transport}`
        for (const line of r.stderr) console.error(`${what} stderr: ${line}`)
        for (const line of r.verify?.sampleMismatches ?? []) console.error(`warning: ${what} run ${run}: ${line}`)
        if (!JSON_OUTPUT) process.stderr.write(`  run ${run} ${what}: ${mps(r.msgsPerSec)}${r.error === null ? '' : ` (${r.error})`}\n`)
      }
    }
  }
  const medians = TRANSPORTS.flatMap((t) => daemons.map((d) => summarise(d, t, results)))
  const ratioList = daemons.length === 2 ? TRANSPORTS.map((t) => ratios(t, results, medians, RUNS)) : []
  const sides = TRANSPORTS.length === 2 ? daemons.map((d) => sideBySide(d, medians)) : []
  const seconds = (performance.now() - started) / 1000
  const octet = scenarios.find((s) => s.transport === 'tls')?.load

  if (JSON_OUTPUT) {
    console.log(JSON.stringify({
      bench: 'e2e/tcp-file',
      machine,
      transports: TRANSPORTS,
      load: {
        count: lf.count,
        format: 'rfc3164',
        framing: 'lf',
        bytes: lf.bytes,
        minBytes: lf.minBytes,
        maxBytes: lf.maxBytes,
        meanBytes: Number((lf.bytes / lf.count).toFixed(1)),
        lineBytesRange: [MIN_LINE_BYTES, MAX_LINE_BYTES],
        linesPerTimestampSecond: LINES_PER_SECOND,
        // The TLS scenario's file: the same lines with octet counting (null when TLS did not run).
        octetCountedBytes: octet?.wireBytes ?? null
      },
      tls: cert === null ? null : { minVersion: 'TLSv1.2', clientAuth: false, cert: `self-signed ${cert.keyType} (openssl req -x509)` },
      method: { runs: RUNS, pollMs: POLL_MS, sendChunkBytes: SEND_CHUNK_BYTES, stallMs: STALL_MS, sampleEvery: SAMPLE_EVERY, steleNodeArgs: STELE_NODE_ARGS },
      nullSinks,
      runs: results,
      medians,
      ratios: ratioList,
      sideBySide: sides,
      seconds: Number(seconds.toFixed(2))
    }, null, 2))
  } else {
    printText({
      machine,
      method: { runs: RUNS, pollMs: POLL_MS, sendChunkBytes: SEND_CHUNK_BYTES, sampleEvery: SAMPLE_EVERY },
      loads: { tcp: scenarios.find((x) => x.transport === 'tcp')?.load, tls: octet },
      cert,
      nullSinks,
      runs: results,
      medians,
      ratios: ratioList,
      sideBySide: sides,
      seconds
    })
  }
  return results.some((r) => r.error !== null) ? 1 : 0
}

main().then((code) => { process.exitCode = code }, (err: Error) => {
  console.error(`bench/e2e: ${err.stack ?? err.message}`)
  process.exitCode = 1
})
