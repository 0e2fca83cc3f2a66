// `npm run bench`: the benchmark matrix. Each scenario runs against stele, rsyslog and syslog-ng
// (bench/e2e/matrix-daemons.ts: equivalent configs, input -> one file), with the same load in the
// same run, RUNS times (alternating the order of the daemons), and reports medians:
//
//   tcp-lf-1 / tcp-lf-4         TCP, LF framing, 1 and 4 connections
//   tcp-octet-1 / tcp-octet-4   TCP, octet counting (RFC 6587 §3.4.1)
//   tls-octet-1 / tls-octet-4   TLS 1.2+ (RFC 5425 octet counting), no client authentication
//   udp                         UDP at a series of offered rates: the loss at each (counted in the
//                               daemon's file) and the highest rate with loss below 0.1%
//   node-net                    the runtime's floor: tcp-lf-1's load into a bare Node receiver
//                               (bench/e2e/tcp-bare-receiver.ts), its idle and loaded peak RSS
//
// The load (bench/e2e/load.ts) is COUNT RFC 3164 lines of about 200 bytes, each with its own
// seq=N. A stream run's clock starts when the sender (bench/e2e/sender.ts, a child process) is
// told to write and stops when the daemon's file holds every line; then the whole file is read:
// every seq once, every 1,000th line compared in full. CPU = utime + stime of the daemon from
// /proc/PID/stat over the timed span, per million messages; peak RSS = VmHWM from
// /proc/PID/status. Ratios are stele's to each peer, the median of the per-run ratios. The sender
// alone into a null sink in this process shows that it is not the bottleneck.
//
// Flags: --count N (2,000,000), --runs N (3), --quick (200,000 lines, 1 run, fewer UDP rates),
// --json, --save FILE (the JSON into a file too, e.g. bench/results/matrix.json),
// --transport tcp|tls|udp|both|all (both = tcp+tls, the flag's old meaning; default all),
// --connections 1,4, --only DAEMON[,DAEMON] (stele, rsyslog, syslog-ng), --rsyslogd PATH,
// --syslog-ng-root DIR (default .ci/syslog-ng), --udp-rates 25000,50000,... (0 = unlimited),
// --udp-seconds S, --stele-node-arg ARG and --stele-option KEY=VALUE (repeatable, as before).

import os from 'node:os'
import dgram from 'node:dgram'
import { fork, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { writeLoad, writeOctetCountedLoad, type LoadFile } from './load.js'
import { makeBenchCert, type BenchCert } from './tls.js'
import { collectStderr, cpuSeconds, describeMachine, exited, fileSize, freePort, live, peakRssKiB, rssAnonKiB, sleep, startSender, stop, track, waitAccepting, waitExit, withTimeout } from './matrix-proc.js'
import { DAEMON_CONFIGS, DAEMONS, rsyslogVersion, startDaemon, syslogNgVersion, UDP_RCVBUF_BYTES, unavailable, type DaemonName, type DaemonSetup, type Input, type Started } from './matrix-daemons.js'
import { verifyFile } from './matrix-verify.js'
import { measureNullSink, measureStreamRun } from './stream-run.js'
import { goodRun, peerRatio, summariseRuntime, summariseStream, summariseUdp, type MatrixResult, type RuntimeRun, type NullSink, type StreamRun, type StreamScenarioInfo, type UdpPoint, type UdpReceiverName } from './matrix-results.js'
import { printMatrix } from './matrix-text.js'

const { values: args } = parseArgs({
  options: {
    count: { type: 'string' },
    runs: { type: 'string' },
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    save: { type: 'string' },
    transport: { type: 'string', default: 'all' },
    connections: { type: 'string', default: '1,4' },
    only: { type: 'string' },
    rsyslogd: { type: 'string', default: '/usr/sbin/rsyslogd' },
    'syslog-ng-root': { type: 'string' },
    'udp-rates': { type: 'string' },
    'udp-seconds': { type: 'string' },
    'stele-node-arg': { type: 'string', multiple: true, default: [] },
    'stele-option': { type: 'string', multiple: true, default: [] }
  }
})
const QUICK = args.quick === true
const COUNT = Math.max(1000, Math.floor(Number(args.count ?? (QUICK ? 200_000 : 2_000_000))))
const RUNS = Math.max(1, Math.floor(Number(args.runs ?? (QUICK ? 1 : 3))))
const JSON_OUTPUT = args.json === true
const TRANSPORT_SETS: Record<string, string[]> = { tcp: ['tcp'], tls: ['tls'], udp: ['udp'], both: ['tcp', 'tls'], all: ['tcp', 'tls', 'udp'] }
const TRANSPORTS = TRANSPORT_SETS[args.transport!]
if (TRANSPORTS === undefined) throw new Error('--transport takes tcp, tls, udp, both (tcp and tls) or all')
const CONNECTIONS = args.connections!.split(',').map(Number).filter((n) => n >= 1)
const ONLY = args.only?.split(',') as DaemonName[] | undefined
if (ONLY?.some((d) => !DAEMONS.includes(d)) === true) throw new Error(`--only takes ${DAEMONS.join(', ')} (comma-separated)`)
const UDP_RATES = (args['udp-rates'] ?? (QUICK ? '50000,100000,200000,0' : '25000,50000,100000,150000,200000,0')).split(',').map(Number)
const UDP_SECONDS = Number(args['udp-seconds'] ?? (QUICK ? 1 : 2))
/** Datagrams in a UDP point at the unlimited rate (0): what the sender offers in about UDP_SECONDS (150-220 k/s here). */
const UDP_UNLIMITED_COUNT = Math.round(200_000 * UDP_SECONDS)

const HERE = dirname(fileURLToPath(import.meta.url)) // dist/bench/e2e
const ROOT = resolve(HERE, '../../..')
const UDP_SENDER_JS = join(HERE, 'udp-sender.js')
const UDP_BARE_JS = join(HERE, 'udp-bare-receiver.js')
const TCP_BARE_JS = join(HERE, 'tcp-bare-receiver.js')
const SETUP: DaemonSetup = {
  steleJs: join(ROOT, 'dist/src/cli/stele.js'),
  steleNodeArgs: args['stele-node-arg']!,
  steleOptions: args['stele-option']!,
  rsyslogd: args.rsyslogd!,
  syslogNgRoot: args['syslog-ng-root'] ?? join(ROOT, '.ci/syslog-ng')
}

/** A run gives up when the output file has not grown for this long ... */
const STALL_MS = 10_000
/** ... or after this long in all (0.05 M msg/s at the least, 60 s at the least). */
const RUN_LIMIT_MS = Math.max(60_000, COUNT / 50)
/** A UDP point ends when the file has not grown for this long after the sender finished. */
const UDP_QUIET_MS = 700

interface StreamScenario extends StreamScenarioInfo { load: LoadFile, cert: BenchCert | null }

const log = (line: string): void => { if (!JSON_OUTPUT) process.stderr.write(`${line}\n`) }

// --- null sinks: the sender alone ----------------------------------------------------------

/** The stream sender into a server in this process that discards what it reads (TLS: after decrypting). */
async function nullSink (scenario: StreamScenario): Promise<NullSink> {
  const { seconds, msgsPerSec, bytesPerSec } = await measureNullSink(scenario.load, scenario.transport, scenario.connections, scenario.cert, RUN_LIMIT_MS)
  return { scenario: scenario.id, seconds, msgsPerSec, bytesPerSec }
}

// --- one stream run ------------------------------------------------------------------------

async function streamRun (daemon: DaemonName, scenario: StreamScenario, run: number, tmp: string): Promise<StreamRun> {
  const dir = join(tmp, `${daemon}-${scenario.id}-${run}`)
  mkdirSync(dir)
  const port = await freePort()
  const input: Input = { transport: scenario.transport, framing: scenario.framing, cert: scenario.cert }
  const started = startDaemon(daemon, dir, port, input, SETUP)
  const stderr = collectStderr(started.child)
  const m = await measureStreamRun({
    child: started.child, outFile: started.outFile, port, what: daemon, transport: scenario.transport,
    connections: scenario.connections, load: scenario.load, stallMs: STALL_MS, limitMs: RUN_LIMIT_MS
  })
  const { fileBytes: _fileBytes, ...measured } = m
  const result: StreamRun = { scenario: scenario.id, daemon, run, command: started.command, ...measured, stderr }
  rmSync(dir, { recursive: true, force: true })
  return result
}

// --- the runtime's floor ------------------------------------------------------------------

/**
 * One run of the bare Node receiver (bench/e2e/tcp-bare-receiver.ts) under a stream scenario's
 * load: its idle peak RSS once listening, then the load copied to its file. The file must end up
 * exactly the size of the load; the clock stops when it is.
 */
async function runtimeRun (scenario: StreamScenario, run: number, tmp: string): Promise<RuntimeRun> {
  const { load } = scenario
  const result: RuntimeRun = { run, error: null, msgsPerSec: NaN, cpuSPerMillion: NaN, idlePeakRssKiB: NaN, peakRssKiB: NaN, rssAnonKiB: NaN }
  const dir = join(tmp, `node-net-${scenario.id}-${run}`)
  mkdirSync(dir)
  const outFile = join(dir, 'node-net.log')
  const port = await freePort()
  const child = track(spawn(process.execPath, [TCP_BARE_JS, String(port), outFile], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] }))
  const stderr = collectStderr(child)
  let sender: Awaited<ReturnType<typeof startSender>> | null = null
  try {
    await waitAccepting(port, 'tcp', child, 'node-net')
    const pid = child.pid!
    result.idlePeakRssKiB = peakRssKiB(pid)
    sender = await startSender(load.path, port, scenario.transport, scenario.connections)
    const cpu0 = cpuSeconds(pid)
    const t0 = performance.now()
    sender.go()
    let size = fileSize(outFile)
    let grew = performance.now()
    while (size < load.wireBytes) {
      await sleep(2)
      const now = fileSize(outFile)
      if (now !== size) { size = now; grew = performance.now() }
      if (performance.now() - grew > STALL_MS || performance.now() - t0 > RUN_LIMIT_MS) throw new Error(`the file stopped at ${size} of ${load.wireBytes} bytes`)
    }
    const seconds = (performance.now() - t0) / 1000
    result.cpuSPerMillion = (cpuSeconds(pid) - cpu0) / (load.count / 1e6)
    result.peakRssKiB = peakRssKiB(pid)
    result.rssAnonKiB = rssAnonKiB(pid)
    result.msgsPerSec = load.count / seconds
    if (size !== load.wireBytes) result.error = `the file holds ${size} bytes, the load ${load.wireBytes}`
    await withTimeout(sender.done, 30_000, 'sender')
  } catch (err) {
    result.error = `${(err as Error).message}${stderr.length > 0 ? `: ${stderr.join(' | ')}` : ''}`
  } finally {
    if (sender !== null && !exited(sender.child)) { sender.child.kill('SIGTERM'); await waitExit(sender.child, 5000) }
    await stop(child)
  }
  rmSync(dir, { recursive: true, force: true })
  return result
}

// --- UDP -----------------------------------------------------------------------------------

interface UdpSender { child: ReturnType<typeof fork>, go: () => void, done: Promise<{ sent: number, ms: number, sendErrors: number }> }

async function startUdpSender (load: LoadFile, port: number, count: number, rate: number): Promise<UdpSender> {
  const child = track(fork(UDP_SENDER_JS, [load.path, String(port), String(count), String(rate)], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
  let onDone: (r: { sent: number, ms: number, sendErrors: number }) => void = () => {}
  let onFail: (err: Error) => void = () => {}
  const done = new Promise<{ sent: number, ms: number, sendErrors: number }>((resolve, reject) => { onDone = resolve; onFail = reject })
  done.catch(() => {})
  await new Promise<void>((resolve, reject) => {
    child.on('message', (m: { type: string, message?: string, sent?: number, ms?: number, sendErrors?: number }) => {
      if (m.type === 'ready') resolve()
      if (m.type === 'done') onDone({ sent: m.sent!, ms: m.ms!, sendErrors: m.sendErrors! })
      if (m.type === 'error') { const err = new Error(`udp sender: ${m.message ?? '?'}`); reject(err); onFail(err) }
    })
    child.once('exit', (code) => { const err = new Error(`udp sender exited (${code ?? 'signal'})`); reject(err); onFail(err) })
  })
  return { child, go: () => child.send({ type: 'go' }), done }
}

/** The UDP sender as fast as it can go into a socket of this process that counts. */
async function udpNullSink (load: LoadFile): Promise<number> {
  const socket = dgram.createSocket('udp4')
  socket.on('message', () => {})
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  try {
    const sender = await startUdpSender(load, socket.address().port, Math.min(load.count, UDP_UNLIMITED_COUNT), 0)
    sender.go()
    const sent = await withTimeout(sender.done, 60_000, 'udp sender')
    return sent.sent / (sent.ms / 1000)
  } finally {
    socket.close()
  }
}

/** Sends until `marker` shows in the file: the daemon reads UDP and writes to its file. */
async function waitUdpReady (port: number, outFile: string, child: ReturnType<typeof fork>, what: string): Promise<void> {
  const socket = dgram.createSocket('udp4')
  const line = Buffer.from('<46>Nov 22 09:59:59 bench ready: udp-ready-probe')
  try {
    const deadline = performance.now() + 15_000
    while (performance.now() < deadline) {
      if (exited(child)) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before reading UDP`)
      socket.send(line, port, '127.0.0.1')
      await sleep(100)
      if (existsSync(outFile) && readFileSync(outFile, 'latin1').includes('udp-ready-probe')) return
    }
    throw new Error(`${what} wrote no UDP probe to its file within 15 s`)
  } finally {
    socket.close()
  }
}

/** A bare Node receiver that appends datagrams to a file: the runtime's reference for UDP. */
function startBareReceiver (dir: string, port: number): Started {
  const outFile = join(dir, 'node-dgram.log')
  const argv = [UDP_BARE_JS, String(port), outFile, String(UDP_RCVBUF_BYTES)]
  return { child: track(spawn(process.execPath, argv, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })), outFile, command: `node ${argv.join(' ')}` }
}

/**
 * Warm-up before a UDP point: WARM_UP_COUNT datagrams over about a second, lines without a
 * `seq=` (so the verifier counts them apart). A fresh daemon's first moments (stele's JIT
 * compiling its hot path) would otherwise weigh on a point of a few seconds; every receiver gets
 * the same warm-up, and the point measures the steady state.
 */
const WARM_UP_COUNT = 20_000
async function warmUpUdp (port: number): Promise<void> {
  const socket = dgram.createSocket('udp4')
  const line = Buffer.from('<134>Nov 22 09:59:59 web-01 warmup[1]: a line to warm the receiver up, without a sequence number, about as long as the lines of the load that follow it ......')
  try {
    const t0 = performance.now()
    for (let sent = 0; sent < WARM_UP_COUNT;) {
      const due = Math.min(WARM_UP_COUNT, Math.floor((performance.now() - t0) * (WARM_UP_COUNT / 1000)) + 1)
      while (sent < due) { socket.send(line, port, '127.0.0.1'); sent++ }
      await new Promise((resolve) => setImmediate(resolve))
    }
    await sleep(300)
  } finally {
    socket.close()
  }
}

async function udpPoint (daemon: UdpReceiverName, load: LoadFile, targetRate: number, run: number, tmp: string): Promise<UdpPoint> {
  const count = Math.min(load.count, targetRate === 0 ? UDP_UNLIMITED_COUNT : Math.round(targetRate * UDP_SECONDS))
  const point: UdpPoint = { daemon, run, targetRate, sent: 0, offeredRate: NaN, received: 0, lossPct: NaN, cpuSPerMillion: NaN, peakRssKiB: NaN, error: null }
  const dir = join(tmp, `${daemon}-udp-${targetRate}-${run}`)
  mkdirSync(dir)
  const port = await freePort()
  const started = daemon === 'node-dgram' ? startBareReceiver(dir, port) : startDaemon(daemon, dir, port, { transport: 'udp', framing: 'lf', cert: null }, SETUP)
  const { child, outFile } = started
  const stderr = collectStderr(child)
  try {
    await waitUdpReady(port, outFile, child, daemon)
    await warmUpUdp(port)
    const sender = await startUdpSender(load, port, count, targetRate)
    const pid = child.pid!
    const cpu0 = cpuSeconds(pid)
    sender.go()
    const sent = await withTimeout(sender.done, 120_000, 'udp sender')
    // The file stops growing once the daemon has written what it took in.
    let size = fileSize(outFile)
    let still = performance.now()
    while (performance.now() - still < UDP_QUIET_MS) {
      await sleep(50)
      const now = fileSize(outFile)
      if (now !== size) { size = now; still = performance.now() }
    }
    point.cpuSPerMillion = (cpuSeconds(pid) - cpu0) / (sent.sent / 1e6)
    point.peakRssKiB = peakRssKiB(pid)
    point.sent = sent.sent
    point.offeredRate = sent.sent / (sent.ms / 1000)
    if (sent.sendErrors > 0) point.error = `${sent.sendErrors} send errors`
  } catch (err) {
    point.error = `${(err as Error).message}${stderr.length > 0 ? `: ${stderr.join(' | ')}` : ''}`
  } finally {
    await stop(child)
  }
  if (point.error === null && existsSync(outFile)) {
    const v = verifyFile(outFile, { ...load, count })
    point.received = v.benchLines - v.duplicates
    point.lossPct = 100 * (1 - point.received / point.sent)
  }
  rmSync(dir, { recursive: true, force: true })
  return point
}

// --- main ----------------------------------------------------------------------------------

function scenariosFor (lf: LoadFile, octet: LoadFile | null, cert: BenchCert | null): StreamScenario[] {
  const list: StreamScenario[] = []
  const plural = (n: number): string => `${n} connection${n === 1 ? '' : 's'}`
  for (const connections of CONNECTIONS) {
    if (TRANSPORTS.includes('tcp')) {
      list.push({ id: `tcp-lf-${connections}`, title: `TCP LF, ${plural(connections)}`, transport: 'tcp', framing: 'lf', connections, load: lf, cert: null })
      list.push({ id: `tcp-octet-${connections}`, title: `TCP octet counting, ${plural(connections)}`, transport: 'tcp', framing: 'octet-counting', connections, load: octet!, cert: null })
    }
    if (TRANSPORTS.includes('tls')) {
      list.push({ id: `tls-octet-${connections}`, title: `TLS, ${plural(connections)}`, transport: 'tls', framing: 'octet-counting', connections, load: octet!, cert })
    }
  }
  return list.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }))
}

async function main (): Promise<number> {
  const began = performance.now()
  const daemons = DAEMONS.filter((d) => ONLY === undefined || ONLY.includes(d))
  for (const d of daemons) {
    const why = unavailable(d, SETUP)
    if (why !== null) throw new Error(`${d}: ${why}`)
  }
  const machine = describeMachine(rsyslogVersion(SETUP) ?? 'not installed', syslogNgVersion(SETUP)?.full ?? 'not found')
  const tmp = mkdtempSync(join(os.tmpdir(), 'stele-matrix-'))
  const cleanup = (): void => {
    for (const child of live) child.kill('SIGKILL')
    rmSync(tmp, { recursive: true, force: true })
  }
  process.once('exit', cleanup)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => { cleanup(); process.exit(130) })
  log(`machine: ${machine.cpu}, ${machine.cores} cores, load average ${machine.loadAverage.join(' ')}; writing the load (${COUNT.toLocaleString('en-US')} lines)`)

  const lf = await writeLoad(join(tmp, 'load.txt'), COUNT)
  const streams = TRANSPORTS.some((t) => t !== 'udp')
  const octet = streams ? await writeOctetCountedLoad(lf, join(tmp, 'load-octet-counted.txt')) : null
  const cert = TRANSPORTS.includes('tls') ? makeBenchCert(tmp) : null
  const scenarios = streams ? scenariosFor(lf, octet, cert) : []

  const nullSinks: NullSink[] = []
  for (const s of scenarios) {
    nullSinks.push(await nullSink(s))
    log(`  null sink ${s.id}: ${(nullSinks.at(-1)!.msgsPerSec / 1e6).toFixed(2)} M/s`)
  }

  const runs: StreamRun[] = []
  for (let run = 1; run <= RUNS; run++) {
    for (const [i, scenario] of scenarios.entries()) {
      // Rotate which daemon goes first, so none always runs right after another's teardown.
      const shift = (run + i) % daemons.length
      for (const daemon of [...daemons.slice(shift), ...daemons.slice(0, shift)]) {
        const r = await streamRun(daemon, scenario, run, tmp)
        runs.push(r)
        for (const line of r.stderr) log(`  ${daemon} ${scenario.id} stderr: ${line}`)
        for (const line of r.verify?.sampleMismatches ?? []) log(`  warning: ${daemon} ${scenario.id} run ${run}: ${line}`)
        log(`  run ${run} ${scenario.id} ${daemon}: ${(r.msgsPerSec / 1e6).toFixed(3)} M/s${goodRun(r) ? '' : ` (${r.error ?? 'not verified'})`}`)
      }
    }
  }
  const summaries = scenarios.flatMap((s) => daemons.map((d) => summariseStream(s.id, d, runs)))

  // The runtime's floor, under the one-connection TCP load: what Node alone costs.
  let runtime: MatrixResult['runtime'] = null
  const floorScenario = scenarios.find((s) => s.id === 'tcp-lf-1')
  if (floorScenario !== undefined) {
    const floorRuns: RuntimeRun[] = []
    for (let run = 1; run <= RUNS; run++) {
      const r = await runtimeRun(floorScenario, run, tmp)
      floorRuns.push(r)
      log(`  run ${run} ${floorScenario.id} node-net (bare Node copy): ${(r.msgsPerSec / 1e6).toFixed(3)} M/s, peak RSS ${(r.peakRssKiB / 1024).toFixed(1)} MiB (idle ${(r.idlePeakRssKiB / 1024).toFixed(1)} MiB)${r.error === null ? '' : ` (${r.error})`}`)
    }
    runtime = summariseRuntime(floorScenario.id, floorRuns)
  }
  const ratios = daemons.includes('stele') ? scenarios.flatMap((s) => daemons.filter((d) => d !== 'stele').map((p) => peerRatio(s.id, p, runs, summaries))) : []

  let udp: MatrixResult['udp'] = null
  if (TRANSPORTS.includes('udp')) {
    const maxRate = await udpNullSink(lf)
    log(`  udp sender alone: ${(maxRate / 1e3).toFixed(0)} k/s`)
    const points: UdpPoint[] = []
    const receivers: UdpReceiverName[] = [...daemons, 'node-dgram']
    for (let run = 1; run <= RUNS; run++) {
      for (const rate of UDP_RATES) {
        const shift = run % receivers.length
        for (const daemon of [...receivers.slice(shift), ...receivers.slice(0, shift)]) {
          const p = await udpPoint(daemon, lf, rate, run, tmp)
          points.push(p)
          log(`  run ${run} udp ${rate === 0 ? 'max' : rate} ${daemon}: offered ${(p.offeredRate / 1e3).toFixed(0)} k/s, loss ${p.lossPct.toFixed(3)}%${p.error === null ? '' : ` (${p.error})`}`)
        }
      }
    }
    udp = { sender: { maxRate }, points, summaries: receivers.map((d) => summariseUdp(d, points, UDP_RATES)) }
  }

  const result: MatrixResult = {
    bench: 'e2e/matrix',
    machine,
    daemons,
    load: { count: lf.count, format: 'rfc3164', meanBytes: Number((lf.bytes / lf.count).toFixed(1)), minBytes: lf.minBytes, maxBytes: lf.maxBytes, lfBytes: lf.bytes, octetCountedBytes: octet?.wireBytes ?? null },
    method: { runs: RUNS, quick: QUICK, udpSeconds: UDP_SECONDS, udpRates: UDP_RATES, steleNodeArgs: SETUP.steleNodeArgs, steleOptions: SETUP.steleOptions },
    configs: DAEMON_CONFIGS,
    scenarios: scenarios.map(({ load: _load, cert: _cert, ...info }) => info),
    nullSinks,
    runs,
    summaries,
    ratios,
    udp,
    runtime,
    seconds: Number(((performance.now() - began) / 1000).toFixed(1)),
    loadAverageAtEnd: os.loadavg().map((l) => Number(l.toFixed(2))) as [number, number, number]
  }
  const text = JSON.stringify(result, null, 2)
  if (args.save !== undefined) {
    mkdirSync(dirname(resolve(args.save)), { recursive: true })
    writeFileSync(args.save, text + '\n')
  }
  if (JSON_OUTPUT) console.log(text)
  else printMatrix(result)
  const failed = runs.some((r) => !goodRun(r)) || (udp?.points.some((p) => p.error !== null) ?? false) || (runtime?.runs.some((r) => r.error !== null) ?? false)
  return failed ? 1 : 0
}

main().then((code) => { process.exitCode = code }, (err: Error) => {
  console.error(`bench/e2e/matrix: ${err.stack ?? err.message}`)
  process.exitCode = 1
})
