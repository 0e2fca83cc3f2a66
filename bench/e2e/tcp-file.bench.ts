// `npm run bench`: end to end, TCP -> daemon -> file. COUNT (default 2,000,000) RFC 3164 lines
// of about 200 bytes go over ONE TCP connection into stele (`stele run -f CONF`, `*.* -FILE`, iso
// format) and, in the same run, into rsyslog (Debian's rsyslogd in the foreground with a config
// of its own: imtcp -> omfile with an iso-like template). For each daemon it prints messages/s
// (all lines in the file), CPU seconds (per million messages too) and peak RSS, then the ratio
// stele / rsyslog, which the issue sets at >= 1.0.
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
// Flags: --count N, --runs N, --json, --only stele|rsyslog, --rsyslogd PATH,
// --stele-node-arg ARG (repeatable; e.g. --stele-node-arg=--cpu-prof --stele-node-arg=--cpu-prof-dir=DIR),
// --stele-option KEY=VALUE (repeatable; a global option added to stele's config, e.g. parse_threads=0).

import os from 'node:os'
import net from 'node:net'
import { spawn, fork, execFileSync, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { HEADER_BYTES, MAX_LINE_BYTES, MIN_LINE_BYTES, LINES_PER_SECOND, lineAt, timeOf, writeLoad, type LoadFile } from './load.js'

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '2000000' },
    runs: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
    only: { type: 'string' },
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
const SAMPLE_EVERY = 1000
const SEQ = Buffer.from('seq=')
const CLK_TCK = clockTicks()

type DaemonName = 'stele' | 'rsyslog'

interface RunResult {
  daemon: DaemonName
  run: number
  /** The daemon's command line. */
  command: string
  /** Set when the run could not be measured (daemon did not start, ...). */
  error: string | null
  /** Every line reached the file before the clock stopped. */
  complete: boolean
  elapsedS: number
  msgsPerSec: number
  cpuS: number
  cpuSPerMillion: number
  peakRssKiB: number
  /** Sender: ms from 'go' to the last byte handed to the kernel (the daemon's backpressure shows here). */
  senderMs: number
  fileBytes: number
  verify: Verification | null
  /** The first lines the daemon wrote to stderr. */
  stderr: string[]
}

interface Verification {
  /** Every line in the file. */
  lines: number
  /** Lines holding a `seq=` of the load. */
  benchLines: number
  /** Other lines (the daemon's own, e.g. stele's start-up line); up to 3 are kept in `otherSamples`. */
  otherLines: number
  otherSamples: string[]
  missing: number
  duplicates: number
  outOfOrder: number
  sampled: number
  sampleMismatches: string[]
  ok: boolean
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

function median (values: readonly number[]): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
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

/** Retries a TCP connect until the daemon accepts (or exits, or START_LIMIT_MS passes). */
async function waitAccepting (port: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = performance.now() + START_LIMIT_MS
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before accepting connections`)
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port })
      socket.once('connect', () => { socket.destroy(); resolve(true) })
      socket.once('error', () => { socket.destroy(); resolve(false) })
    })
    if (ok) return
    await sleep(50)
  }
  throw new Error(`${what} did not accept connections on 127.0.0.1:${port} within ${START_LIMIT_MS / 1000} s`)
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
  go: () => void
  readonly done: Promise<{ bytes: number, ms: number }>
}

/** Forks the sender; resolves once it has loaded the file and connected to `port`. */
async function startSender (load: LoadFile, port: number): Promise<Sender> {
  const child = track(fork(SENDER_JS, [load.path, String(port), String(SEND_CHUNK_BYTES)], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
  let onDone: (r: { bytes: number, ms: number }) => void = () => {}
  let onFail: (err: Error) => void = () => {}
  const done = new Promise<{ bytes: number, ms: number }>((resolve, reject) => { onDone = resolve; onFail = reject })
  done.catch(() => {}) // observed by whoever awaits it
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('sender not ready within 60 s')), 60_000)
    child.on('message', (m: { type: string, message?: string, bytes?: number, ms?: number }) => {
      if (m.type === 'ready') { clearTimeout(timer); resolve() }
      if (m.type === 'done') onDone({ bytes: m.bytes!, ms: m.ms! })
      if (m.type === 'error') { const err = new Error(`sender: ${m.message ?? '?'}`); clearTimeout(timer); reject(err); onFail(err) }
    })
    child.once('exit', (code) => {
      const err = new Error(`sender exited (${code ?? 'signal'})`)
      clearTimeout(timer); reject(err); onFail(err)
    })
  })
  await ready
  return { child, go: () => child.send({ type: 'go' }), done }
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

interface NullSinkResult { seconds: number, msgsPerSec: number, bytesPerSec: number }

async function measureNullSink (load: LoadFile): Promise<NullSinkResult> {
  let received = 0
  let t0 = 0
  let finished: () => void = () => {}
  const all = new Promise<void>((resolve) => { finished = resolve })
  let end = 0
  const server = net.createServer((socket) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length
      if (received >= load.bytes && end === 0) { end = performance.now(); finished() }
    })
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  try {
    const sender = await startSender(load, port)
    t0 = performance.now()
    sender.go()
    await withTimeout(all, RUN_LIMIT_MS, 'null sink')
    await withTimeout(sender.done, 30_000, 'sender')
    await waitExit(sender.child, 5000)
  } finally {
    server.close()
  }
  const seconds = (end - t0) / 1000
  return { seconds, msgsPerSec: load.count / seconds, bytesPerSec: load.bytes / seconds }
}

// --- the daemons ---------------------------------------------------------------------------

interface Started { child: ChildProcess, outFile: string, command: string }

function startStele (dir: string, port: number): Started {
  const outFile = join(dir, 'stele.log')
  const conf = join(dir, 'stele.conf')
  writeFileSync(conf, [
    '# stele e2e bench (bench/e2e/tcp-file.bench.ts): TCP -> file, iso format (the default)',
    `listen tcp://127.0.0.1:${port}`,
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

function rsyslogConf (dir: string, port: number, outFile: string): string {
  return [
    '# stele e2e bench (bench/e2e/tcp-file.bench.ts): imtcp -> omfile and nothing else',
    '# (no imuxsock, no imklog, no /etc/rsyslog.conf). omfile defaults: buffered, flushed at the',
    '# end of each batch, no fsync (as stele\'s "-/path"). The template is stele\'s iso line',
    '# except the timestamp: "2026-11-22T10:00:00+00:00" where stele writes "...T10:00:00.000Z".',
    '# rsyslogd\'s own messages go to a file of their own instead of stderr.',
    `global(workDirectory="${dir}" maxMessageSize="64k")`,
    'module(load="imtcp")',
    'template(name="iso" type="string" string="%timereported:::date-rfc3339% %hostname% %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\\n")',
    'ruleset(name="bench") {',
    `  action(type="omfile" file="${outFile}" template="iso")`,
    '}',
    `input(type="imtcp" port="${port}" address="127.0.0.1" ruleset="bench")`,
    `*.* action(type="omfile" file="${join(dir, 'rsyslogd.log')}")`,
    ''
  ].join('\n')
}

function startRsyslog (dir: string, port: number): Started {
  const outFile = join(dir, 'rsyslog.log')
  const conf = join(dir, 'rsyslog.conf')
  writeFileSync(conf, rsyslogConf(dir, port, outFile))
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

async function runOne (daemon: DaemonName, run: number, load: LoadFile, tmp: string): Promise<RunResult> {
  const result: RunResult = {
    daemon, run, command: '', error: null, complete: false, elapsedS: NaN, msgsPerSec: NaN, cpuS: NaN, cpuSPerMillion: NaN,
    peakRssKiB: NaN, senderMs: NaN, fileBytes: 0, verify: null, stderr: []
  }
  const dir = join(tmp, `${daemon}-${run}`)
  mkdirSync(dir)
  const port = await freePort()
  const started = daemon === 'stele' ? startStele(dir, port) : startRsyslog(dir, port)
  const { child, outFile } = started
  result.command = started.command
  result.stderr = collectStderr(child)
  let sender: Sender | null = null
  try {
    await waitAccepting(port, child, daemon)
    await sleep(300) // let start-up lines (stele logs one to *.*) reach the file before the base size is taken
    sender = await startSender(load, port)
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

// --- verification --------------------------------------------------------------------------

/** Reads the whole output file: every seq 1..count once, in order; every SAMPLE_EVERY-th line compared in full. */
function verifyFile (file: string, load: LoadFile): Verification {
  const v: Verification = { lines: 0, benchLines: 0, otherLines: 0, otherSamples: [], missing: 0, duplicates: 0, outOfOrder: 0, sampled: 0, sampleMismatches: [], ok: false }
  const seen = new Uint8Array(load.count + 1)
  const width = load.width
  let expectedSeq = 1
  const fd = openSync(file, 'r')
  let buf = Buffer.allocUnsafe(8 << 20)
  let filled = 0
  try {
    for (;;) {
      if (filled === buf.length) { const bigger = Buffer.allocUnsafe(buf.length * 2); buf.copy(bigger, 0, 0, filled); buf = bigger }
      const n = readSync(fd, buf, filled, buf.length - filled, null)
      const eof = n === 0
      filled += n
      let start = 0
      for (;;) {
        let end = buf.indexOf(0x0a, start)
        if (end < 0 || end >= filled) {
          if (!eof || start >= filled) break
          end = filled // a last line without LF
        }
        v.lines++
        const at = buf.indexOf(SEQ, start)
        if (at < 0 || at >= end || at + 4 + width > end) {
          v.otherLines++
          if (v.otherSamples.length < 3) v.otherSamples.push(buf.toString('latin1', start, Math.min(end, start + 200)))
        } else {
          let seq = 0
          for (let i = at + 4; i < at + 4 + width; i++) seq = seq * 10 + (buf[i]! - 48)
          if (seq < 1 || seq > load.count) {
            v.otherLines++
          } else {
            v.benchLines++
            if (seen[seq] === 1) v.duplicates++
            seen[seq] = 1
            if (seq !== expectedSeq) v.outOfOrder++
            expectedSeq = seq + 1
            if (seq === 1 || seq === load.count || seq % SAMPLE_EVERY === 0) {
              v.sampled++
              const mismatch = compareLine(buf.toString('latin1', start, end), seq, width)
              if (mismatch !== null && v.sampleMismatches.length < 3) v.sampleMismatches.push(mismatch)
            }
          }
        }
        start = end + 1
      }
      if (eof) break
      buf.copy(buf, 0, start, filled)
      filled -= start
    }
  } finally {
    closeSync(fd)
  }
  for (let seq = 1; seq <= load.count; seq++) if (seen[seq] === 0) v.missing++
  // Order is reported, not required: rsyslog's worker threads reorder lines of one connection.
  v.ok = v.missing === 0 && v.duplicates === 0 && v.sampleMismatches.length === 0 && v.benchLines === load.count
  return v
}

/** An output line must be `TIMESTAMP ` + its input line after `<PRI>Mmm dd hh:mm:ss `, with the same time of day. */
function compareLine (actual: string, seq: number, width: number): string | null {
  const input = lineAt(seq, width)
  const space = actual.indexOf(' ')
  const stamp = actual.slice(0, space)
  if (actual.slice(space + 1) !== input.slice(HEADER_BYTES) || !stamp.includes(`T${timeOf(seq)}`)) {
    return `line seq=${seq}: ${JSON.stringify(actual.slice(0, 120))} for input ${JSON.stringify(input.slice(0, 120))}`
  }
  return null
}

// --- report --------------------------------------------------------------------------------

interface Summary {
  daemon: DaemonName
  runs: number
  medianMsgsPerSec: number
  medianElapsedS: number
  medianCpuS: number
  medianCpuSPerMillion: number
  medianPeakRssKiB: number
}

function summarise (daemon: DaemonName, results: RunResult[]): Summary {
  const ok = results.filter((r) => r.daemon === daemon && r.error === null && r.complete)
  return {
    daemon,
    runs: ok.length,
    medianMsgsPerSec: median(ok.map((r) => r.msgsPerSec)),
    medianElapsedS: median(ok.map((r) => r.elapsedS)),
    medianCpuS: median(ok.map((r) => r.cpuS)),
    medianCpuSPerMillion: median(ok.map((r) => r.cpuSPerMillion)),
    medianPeakRssKiB: median(ok.map((r) => r.peakRssKiB))
  }
}

interface Ratios {
  /** Median of the per-run ratios of msgs/s (runs paired by number). */
  throughput: number
  throughputOfMedians: number
  cpuPerMessage: number
  peakRss: number
  pairs: number
  target: number
  pass: boolean
}

function ratios (results: RunResult[], stele: Summary, rsyslog: Summary): Ratios {
  const good = (r: RunResult | undefined): r is RunResult => r !== undefined && r.error === null && r.complete && r.verify?.ok === true
  const perRun: number[] = []
  for (let run = 1; run <= RUNS; run++) {
    const s = results.find((r) => r.daemon === 'stele' && r.run === run)
    const r = results.find((x) => x.daemon === 'rsyslog' && x.run === run)
    if (good(s) && good(r)) perRun.push(s.msgsPerSec / r.msgsPerSec)
  }
  const throughput = median(perRun)
  const allVerified = results.every(good)
  return {
    throughput,
    throughputOfMedians: stele.medianMsgsPerSec / rsyslog.medianMsgsPerSec,
    cpuPerMessage: stele.medianCpuSPerMillion / rsyslog.medianCpuSPerMillion,
    peakRss: stele.medianPeakRssKiB / rsyslog.medianPeakRssKiB,
    pairs: perRun.length,
    target: 1,
    pass: allVerified && perRun.length === RUNS && throughput >= 1
  }
}

const mps = (rate: number): string => (Number.isFinite(rate) ? `${(rate / 1e6).toFixed(3)} M/s` : '-')
const num = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : '-')
const mib = (kib: number): string => (Number.isFinite(kib) ? `${(kib / 1024).toFixed(1)} MiB` : '-')
const thousands = (n: number): string => n.toLocaleString('en-US')

function fileNote (r: RunResult, count: number): string {
  const v = r.verify
  if (v === null) return r.error ?? 'no file'
  const parts = [`${thousands(v.benchLines)} lines`, v.ok ? 'ok,' : 'BAD:']
  if (v.missing > 0) parts.push(`${thousands(v.missing)} missing,`)
  if (v.duplicates > 0) parts.push(`${v.duplicates} duplicates,`)
  if (v.sampleMismatches.length > 0) parts.push(`${v.sampleMismatches.length}+ of ${v.sampled} sampled lines differ,`)
  parts.push(v.outOfOrder > 0 ? `${v.outOfOrder} out of order` : 'in order')
  if (v.otherLines > 0) parts.push(`(+${v.otherLines} of the daemon's own)`)
  if (!r.complete) parts.push(`INCOMPLETE (${thousands(v.benchLines)} of ${thousands(count)})`)
  return parts.join(' ')
}

function printText (ctx: Context, results: RunResult[], sums: Summary[], ratio: Ratios | null, seconds: number): void {
  const { load, machine, sink } = ctx
  console.log('stele end-to-end benchmark: TCP -> daemon -> file (bench/e2e/tcp-file.bench.ts)')
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, ${machine.platform}; ${machine.rsyslog}; load average ${machine.loadAverage} at start`)
  console.log(`load:    ${thousands(load.count)} RFC 3164 lines, LF-framed, ${load.minBytes}-${load.maxBytes} bytes (mean ${(load.bytes / load.count).toFixed(1)}), ` +
    `${(load.bytes / 1e6).toFixed(1)} MB, each with a distinct seq=N, over ONE TCP connection`)
  console.log(`sender:  a child node process writing ${SEND_CHUNK_BYTES >> 20} MiB slices of the load with backpressure; into a null sink: ` +
    `${sink.seconds.toFixed(2)} s = ${mps(sink.msgsPerSec)} (${(sink.bytesPerSec / 1e6).toFixed(0)} MB/s)`)
  console.log('stele:   node dist/src/cli/stele.js run -f CONF: listen tcp://127.0.0.1:PORT, *.* -FILE (iso, no fsync), repeat_suppression=off, mark_interval=0')
  console.log('rsyslog: rsyslogd -n -f CONF: imtcp only -> omfile (defaults: buffered, no fsync), iso-like template ("+00:00" where stele writes ".000Z")')
  console.log(`method:  ${RUNS} run(s) per daemon, alternating, each a fresh daemon; time from the first write until the file holds every line (stat every ${POLL_MS} ms);`)
  console.log(`         CPU = utime+stime of the daemon over that time, peak RSS = VmHWM; then every seq checked, every ${SAMPLE_EVERY}th line compared in full`)
  console.log('')
  console.log('run  daemon   msgs/s        elapsed   CPU s   CPU s/M msgs   peak RSS    sender   file')
  for (const r of results) {
    console.log(`${String(r.run).padEnd(3)}  ${r.daemon.padEnd(7)}  ${mps(r.msgsPerSec).padStart(11)}  ${num(r.elapsedS, 2).padStart(7)} s  ${num(r.cpuS, 2).padStart(6)}  ` +
      `${num(r.cpuSPerMillion, 2).padStart(13)}  ${mib(r.peakRssKiB).padStart(9)}  ${num(r.senderMs / 1000, 2).padStart(6)} s   ${fileNote(r, load.count)}`)
    if (r.error !== null) console.log(`     ${r.daemon}: ${r.error}`)
  }
  console.log('')
  for (const s of sums) {
    console.log(`median ${s.daemon.padEnd(7)}  ${mps(s.medianMsgsPerSec).padStart(11)}  ${num(s.medianElapsedS, 2).padStart(7)} s  ${num(s.medianCpuS, 2).padStart(6)}  ` +
      `${num(s.medianCpuSPerMillion, 2).padStart(13)}  ${mib(s.medianPeakRssKiB).padStart(9)}   (${s.runs} complete run(s))`)
  }
  if (ratio !== null) {
    console.log('')
    console.log(`stele / rsyslog msgs/s        ${num(ratio.throughput, 3).padStart(6)}x  (${num(ratio.throughputOfMedians, 3)}x)   target >= ${ratio.target.toFixed(1)}   ${ratio.pass ? 'PASS' : 'MISS'}` +
      (ratio.pairs < RUNS ? `   (${ratio.pairs} of ${RUNS} runs complete and verified on both sides)` : ''))
    console.log(`stele / rsyslog CPU per msg   ${num(ratio.cpuPerMessage, 3).padStart(6)}x`)
    console.log(`stele / rsyslog peak RSS      ${num(ratio.peakRss, 3).padStart(6)}x`)
  }
  console.log('')
  console.log(`total ${seconds.toFixed(1)} s`)
}

interface Context {
  load: LoadFile
  sink: NullSinkResult
  machine: { cpu: string, cores: number, node: string, platform: string, rsyslog: string, clkTck: number, loadAverage: number }
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
  const machine = {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    rsyslog: rsyslogVersion(),
    clkTck: CLK_TCK,
    loadAverage: Number(os.loadavg()[0]!.toFixed(2))
  }
  const load = await writeLoad(join(tmp, 'load.txt'), COUNT)
  const sink = await measureNullSink(load)
  const ctx: Context = { load, sink, machine }

  const daemons: DaemonName[] = ONLY === undefined ? ['rsyslog', 'stele'] : [ONLY]
  const results: RunResult[] = []
  for (let run = 1; run <= RUNS; run++) {
    const order = run % 2 === 1 ? daemons : [...daemons].reverse()
    for (const daemon of order) {
      const r = await runOne(daemon, run, load, tmp)
      results.push(r)
      for (const line of r.stderr) console.error(`${daemon} stderr: ${line}`)
      for (const line of r.verify?.sampleMismatches ?? []) console.error(`warning: ${daemon} run ${run}: ${line}`)
      if (!JSON_OUTPUT) process.stderr.write(`  run ${run} ${daemon}: ${mps(r.msgsPerSec)}${r.error === null ? '' : ` (${r.error})`}\n`)
    }
  }
  const sums = daemons.map((d) => summarise(d, results))
  const ratio = daemons.length === 2 ? ratios(results, sums.find((s) => s.daemon === 'stele')!, sums.find((s) => s.daemon === 'rsyslog')!) : null
  const seconds = (performance.now() - started) / 1000

  if (JSON_OUTPUT) {
    console.log(JSON.stringify({
      bench: 'e2e/tcp-file',
      machine,
      load: {
        count: load.count,
        format: 'rfc3164',
        framing: 'lf',
        bytes: load.bytes,
        minBytes: load.minBytes,
        maxBytes: load.maxBytes,
        meanBytes: Number((load.bytes / load.count).toFixed(1)),
        lineBytesRange: [MIN_LINE_BYTES, MAX_LINE_BYTES],
        linesPerTimestampSecond: LINES_PER_SECOND
      },
      method: { runs: RUNS, pollMs: POLL_MS, sendChunkBytes: SEND_CHUNK_BYTES, stallMs: STALL_MS, sampleEvery: SAMPLE_EVERY, steleNodeArgs: STELE_NODE_ARGS },
      nullSink: sink,
      runs: results,
      medians: sums,
      ratio,
      seconds: Number(seconds.toFixed(2))
    }, null, 2))
  } else {
    printText(ctx, results, sums, ratio, seconds)
  }
  return results.some((r) => r.error !== null) ? 1 : 0
}

main().then((code) => { process.exitCode = code }, (err: Error) => {
  console.error(`bench/e2e: ${err.stack ?? err.message}`)
  process.exitCode = 1
})
