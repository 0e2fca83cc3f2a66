// `npm run bench:tcp-file`: end to end, TCP -> daemon -> file and TLS -> daemon -> file. COUNT
// (default 2,000,000) RFC 3164 lines of about 200 bytes go over ONE connection into stele (`stele
// run -f CONF`, `*.* -FILE`, iso format) and, in the same run, into rsyslog (Debian's rsyslogd in
// the foreground: imtcp -> omfile with an iso-like template), each with the matrix's config
// (bench/e2e/matrix-daemons.ts) and timed as the matrix times a run (bench/e2e/stream-run.ts). For each
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
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { MAX_LINE_BYTES, MIN_LINE_BYTES, LINES_PER_SECOND, writeLoad, writeOctetCountedLoad, type LoadFile } from './load.js'
import { POLL_MS, SAMPLE_EVERY } from './matrix-verify.js'
import { measureNullSink, measureStreamRun } from './stream-run.js'
import { CLK_TCK, SEND_CHUNK_BYTES, collectStderr, freePort, live } from './matrix-proc.js'
import { rsyslogVersion, startDaemon, type DaemonSetup } from './matrix-daemons.js'
import { makeBenchCert, type BenchCert } from './tls.js'
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

/** A run gives up when the output file has not grown for this long. */
const STALL_MS = 10_000
/** ... or after this long in all (0.1 M msg/s at the least, 60 s at the least). */
const RUN_LIMIT_MS = Math.max(60_000, COUNT / 100)

/** What a scenario sends: the load framed for its transport, and the certificate for TLS. */
interface Scenario {
  transport: Transport
  load: LoadFile
  cert: BenchCert | null
}

// --- small helpers -------------------------------------------------------------------------

// --- the null sink: how fast is the sender alone? -----------------------------------------

/** The sender alone into a null sink (stream-run.ts). */
async function measureScenarioNullSink (scenario: Scenario): Promise<NullSinkResult> {
  const { load, transport, cert } = scenario
  const m = await measureNullSink(load, transport, 1, cert, RUN_LIMIT_MS)
  return { transport, framing: load.framing, ...m }
}

// --- the daemons: the matrix's equivalent configs (bench/e2e/matrix-daemons.ts) -------------

const SETUP: DaemonSetup = { steleJs: STELE_JS, steleNodeArgs: STELE_NODE_ARGS, steleOptions: STELE_OPTIONS, rsyslogd: RSYSLOGD, syslogNgRoot: '' }

// --- one run -------------------------------------------------------------------------------

async function runOne (daemon: DaemonName, scenario: Scenario, run: number, tmp: string): Promise<RunResult> {
  const { load, transport } = scenario
  const dir = join(tmp, `${daemon}-${transport}-${run}`)
  mkdirSync(dir)
  const port = await freePort()
  const started = startDaemon(daemon, dir, port, { transport, framing: load.framing, cert: scenario.cert }, SETUP)
  const stderr = collectStderr(started.child)
  const m = await measureStreamRun({
    child: started.child, outFile: started.outFile, port, what: daemon, transport, connections: 1, load, stallMs: STALL_MS, limitMs: RUN_LIMIT_MS
  })
  const { rssAnonKiB: _rssAnonKiB, ...measured } = m
  const result: RunResult = { daemon, transport, framing: load.framing, run, command: started.command, ...measured, stderr }
  rmSync(dir, { recursive: true, force: true })
  return result
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
    rsyslog: rsyslogVersion(SETUP) ?? `${RSYSLOGD} not runnable`,
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
  for (const scenario of scenarios) nullSinks.push(await measureScenarioNullSink(scenario))

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
