// Results and report of the end-to-end benchmark (bench/e2e/tcp-file.bench.ts): the shape of a
// run's result, medians per daemon and transport, the stele / rsyslog ratios of each scenario,
// TCP beside TLS for each daemon, and the text table. The JSON output is these objects as they are.

import type { Framing, LoadFile } from './load.js'
import type { BenchCert, TlsSession } from './tls.js'
import type { StreamMeasurement } from './stream-run.js'

export type DaemonName = 'stele' | 'rsyslog'
export type Transport = 'tcp' | 'tls'

export interface RunResult extends Omit<StreamMeasurement, 'rssAnonKiB'> {
  daemon: DaemonName
  transport: Transport
  /** Framing of the load on the wire: 'lf' over TCP, 'octet-counting' over TLS. */
  framing: Framing
  run: number
  /** The daemon's command line. */
  command: string
  /** The first lines the daemon wrote to stderr. */
  stderr: string[]
}

export interface Verification {
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

export interface NullSinkResult {
  transport: Transport
  framing: Framing
  tls: TlsSession | null
  seconds: number
  msgsPerSec: number
  /** Bytes the sender wrote (octet-counted over TLS), per second. */
  bytesPerSec: number
}

export interface Machine { cpu: string, cores: number, node: string, platform: string, rsyslog: string, clkTck: number, loadAverage: number }

export interface Method { runs: number, pollMs: number, sendChunkBytes: number, sampleEvery: number }

// --- medians and ratios --------------------------------------------------------------------

export interface Summary {
  daemon: DaemonName
  transport: Transport
  runs: number
  medianMsgsPerSec: number
  medianElapsedS: number
  medianCpuS: number
  medianCpuSPerMillion: number
  medianPeakRssKiB: number
}

export function median (values: readonly number[]): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export function summarise (daemon: DaemonName, transport: Transport, results: RunResult[]): Summary {
  const ok = results.filter((r) => r.daemon === daemon && r.transport === transport && r.error === null && r.complete)
  return {
    daemon,
    transport,
    runs: ok.length,
    medianMsgsPerSec: median(ok.map((r) => r.msgsPerSec)),
    medianElapsedS: median(ok.map((r) => r.elapsedS)),
    medianCpuS: median(ok.map((r) => r.cpuS)),
    medianCpuSPerMillion: median(ok.map((r) => r.cpuSPerMillion)),
    medianPeakRssKiB: median(ok.map((r) => r.peakRssKiB))
  }
}

export interface Ratios {
  transport: Transport
  /** Median of the per-run ratios of msgs/s (runs paired by number). */
  throughput: number
  throughputOfMedians: number
  cpuPerMessage: number
  peakRss: number
  pairs: number
  target: number
  pass: boolean
}

const good = (r: RunResult | undefined): r is RunResult => r !== undefined && r.error === null && r.complete && r.verify?.ok === true

/** stele / rsyslog for one transport. The issue's target (>= 1.0) is applied to TLS as to TCP. */
export function ratios (transport: Transport, results: RunResult[], sums: Summary[], runs: number): Ratios {
  const mine = results.filter((r) => r.transport === transport)
  const stele = sums.find((s) => s.daemon === 'stele' && s.transport === transport)!
  const rsyslog = sums.find((s) => s.daemon === 'rsyslog' && s.transport === transport)!
  const perRun: number[] = []
  for (let run = 1; run <= runs; run++) {
    const s = mine.find((r) => r.daemon === 'stele' && r.run === run)
    const r = mine.find((x) => x.daemon === 'rsyslog' && x.run === run)
    if (good(s) && good(r)) perRun.push(s.msgsPerSec / r.msgsPerSec)
  }
  const throughput = median(perRun)
  return {
    transport,
    throughput,
    throughputOfMedians: stele.medianMsgsPerSec / rsyslog.medianMsgsPerSec,
    cpuPerMessage: stele.medianCpuSPerMillion / rsyslog.medianCpuSPerMillion,
    peakRss: stele.medianPeakRssKiB / rsyslog.medianPeakRssKiB,
    pairs: perRun.length,
    target: 1,
    pass: mine.every(good) && perRun.length === runs && throughput >= 1
  }
}

/** One daemon's medians over TCP and over TLS (present only when both scenarios ran). */
export interface SideBySide {
  daemon: DaemonName
  tcpMsgsPerSec: number
  tlsMsgsPerSec: number
  /** TLS msgs/s / TCP msgs/s. */
  tlsOverTcp: number
  tcpCpuSPerMillion: number
  tlsCpuSPerMillion: number
  tcpPeakRssKiB: number
  tlsPeakRssKiB: number
}

export function sideBySide (daemon: DaemonName, sums: Summary[]): SideBySide {
  const tcp = sums.find((s) => s.daemon === daemon && s.transport === 'tcp')!
  const tls = sums.find((s) => s.daemon === daemon && s.transport === 'tls')!
  return {
    daemon,
    tcpMsgsPerSec: tcp.medianMsgsPerSec,
    tlsMsgsPerSec: tls.medianMsgsPerSec,
    tlsOverTcp: tls.medianMsgsPerSec / tcp.medianMsgsPerSec,
    tcpCpuSPerMillion: tcp.medianCpuSPerMillion,
    tlsCpuSPerMillion: tls.medianCpuSPerMillion,
    tcpPeakRssKiB: tcp.medianPeakRssKiB,
    tlsPeakRssKiB: tls.medianPeakRssKiB
  }
}

// --- text ----------------------------------------------------------------------------------

export const mps = (rate: number): string => (Number.isFinite(rate) ? `${(rate / 1e6).toFixed(3)} M/s` : '-')
const num = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : '-')
const mib = (kib: number): string => (Number.isFinite(kib) ? `${(kib / 1024).toFixed(1)} MiB` : '-')
const thousands = (n: number): string => n.toLocaleString('en-US')
const session = (s: TlsSession | null): string => (s === null ? '-' : `${s.protocol ?? '?'} ${s.cipher}`)

const FRAMING_TEXT: Record<Framing, string> = { lf: 'LF framing', 'octet-counting': 'octet counting' }

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

export interface Report {
  machine: Machine
  method: Method
  /** The load of each scenario (the same lines, framed for its transport). */
  loads: Record<Transport, LoadFile | undefined>
  cert: BenchCert | null
  nullSinks: NullSinkResult[]
  runs: RunResult[]
  medians: Summary[]
  ratios: Ratios[]
  sideBySide: SideBySide[]
  seconds: number
}

function printHeader (rep: Report): void {
  const { machine, method, loads, cert } = rep
  const any = (loads.tcp ?? loads.tls)!
  const wire = (['tcp', 'tls'] as const).flatMap((t) => loads[t] === undefined ? [] : [`${(loads[t].wireBytes / 1e6).toFixed(1)} MB ${FRAMING_TEXT[loads[t].framing]} (${t.toUpperCase()})`])
  const sessions = [...new Set(rep.runs.filter((r) => r.tls !== null).map((r) => `${r.daemon} ${session(r.tls)}`))]
  console.log(`stele end-to-end benchmark: ${rep.nullSinks.map((s) => s.transport.toUpperCase()).join(' and ')} -> daemon -> file (bench/e2e/tcp-file.bench.ts)`)
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, ${machine.platform}; ${machine.rsyslog}; load average ${machine.loadAverage} at start`)
  console.log(`load:    ${thousands(any.count)} RFC 3164 lines, ${any.minBytes}-${any.maxBytes} bytes with LF (mean ${(any.bytes / any.count).toFixed(1)}), ` +
    `each with a distinct seq=N, over ONE connection: ${wire.join(', ')}`)
  if (cert !== null) {
    console.log(`tls:     TLS 1.2+, no client authentication, a throwaway self-signed ${cert.keyType} certificate (openssl req -x509); ` +
      `negotiated: ${sessions.length === 0 ? '-' : sessions.join(', ')}`)
  }
  console.log(`sender:  a child node process writing ${method.sendChunkBytes >> 20} MiB slices of the load with backpressure; into a null sink: ` +
    rep.nullSinks.map((s) => `${s.transport.toUpperCase()} ${s.seconds.toFixed(2)} s = ${mps(s.msgsPerSec)} (${(s.bytesPerSec / 1e6).toFixed(0)} MB/s)`).join(', '))
  console.log('stele:   node dist/src/cli/stele.js run -f CONF: listen tcp://127.0.0.1:PORT (TLS: listen tls://127.0.0.1:PORT cert= key=), ' +
    '*.* -FILE (iso, no fsync), repeat_suppression=off, mark_interval=0')
  console.log('rsyslog: rsyslogd -n -f CONF: imtcp only (TLS: StreamDriver.Name="ossl" Mode="1" AuthMode="anon") -> omfile (defaults: buffered, no fsync), ' +
    'iso-like template ("+00:00" where stele writes ".000Z")')
  console.log(`method:  ${method.runs} run(s) per daemon and transport, alternating, each a fresh daemon; time from the first write until the file holds every line (stat every ${method.pollMs} ms);`)
  console.log(`         CPU = utime+stime of the daemon over that time, peak RSS = VmHWM; then every seq checked, every ${method.sampleEvery}th line compared in full`)
}

function printScenario (rep: Report, transport: Transport): void {
  const load = rep.loads[transport]!
  const runs = rep.runs.filter((r) => r.transport === transport)
  const ratio = rep.ratios.find((r) => r.transport === transport)
  console.log('')
  console.log(`${transport.toUpperCase()} -> file (${FRAMING_TEXT[load.framing]})`)
  console.log('run  daemon   msgs/s        elapsed   CPU s   CPU s/M msgs   peak RSS    sender   file')
  for (const r of runs) {
    console.log(`${String(r.run).padEnd(3)}  ${r.daemon.padEnd(7)}  ${mps(r.msgsPerSec).padStart(11)}  ${num(r.elapsedS, 2).padStart(7)} s  ${num(r.cpuS, 2).padStart(6)}  ` +
      `${num(r.cpuSPerMillion, 2).padStart(13)}  ${mib(r.peakRssKiB).padStart(9)}  ${num(r.senderMs / 1000, 2).padStart(6)} s   ${fileNote(r, load.count)}`)
    if (r.error !== null) console.log(`     ${r.daemon}: ${r.error}`)
  }
  for (const s of rep.medians.filter((m) => m.transport === transport)) {
    console.log(`median ${s.daemon.padEnd(7)}  ${mps(s.medianMsgsPerSec).padStart(11)}  ${num(s.medianElapsedS, 2).padStart(7)} s  ${num(s.medianCpuS, 2).padStart(6)}  ` +
      `${num(s.medianCpuSPerMillion, 2).padStart(13)}  ${mib(s.medianPeakRssKiB).padStart(9)}   (${s.runs} complete run(s))`)
  }
  if (ratio !== undefined) {
    const all = rep.method.runs
    console.log(`stele / rsyslog msgs/s        ${num(ratio.throughput, 3).padStart(6)}x  (${num(ratio.throughputOfMedians, 3)}x)   target >= ${ratio.target.toFixed(1)}   ${ratio.pass ? 'PASS' : 'MISS'}` +
      (ratio.pairs < all ? `   (${ratio.pairs} of ${all} runs complete and verified on both sides)` : ''))
    console.log(`stele / rsyslog CPU per msg   ${num(ratio.cpuPerMessage, 3).padStart(6)}x`)
    console.log(`stele / rsyslog peak RSS      ${num(ratio.peakRss, 3).padStart(6)}x`)
  }
}

function printSideBySide (rep: Report): void {
  if (rep.sideBySide.length === 0) return
  console.log('')
  console.log('summary: TCP -> file (LF framing) beside TLS -> file (octet counting), medians')
  console.log('daemon          TCP msgs/s    TLS msgs/s   TLS/TCP   CPU s/M TCP   CPU s/M TLS   peak RSS TCP   peak RSS TLS')
  for (const s of rep.sideBySide) {
    console.log(`${s.daemon.padEnd(14)}  ${mps(s.tcpMsgsPerSec).padStart(11)}  ${mps(s.tlsMsgsPerSec).padStart(12)}  ${num(s.tlsOverTcp, 3).padStart(7)}x  ` +
      `${num(s.tcpCpuSPerMillion, 2).padStart(11)}  ${num(s.tlsCpuSPerMillion, 2).padStart(12)}  ${mib(s.tcpPeakRssKiB).padStart(13)}  ${mib(s.tlsPeakRssKiB).padStart(13)}`)
  }
  const tcp = rep.ratios.find((r) => r.transport === 'tcp')
  const tls = rep.ratios.find((r) => r.transport === 'tls')
  if (tcp !== undefined && tls !== undefined) {
    console.log(`${'stele/rsyslog'.padEnd(14)}  ${`${num(tcp.throughput, 3)}x`.padStart(11)}  ${`${num(tls.throughput, 3)}x`.padStart(12)}            ` +
      `${`${num(tcp.cpuPerMessage, 3)}x`.padStart(11)}  ${`${num(tls.cpuPerMessage, 3)}x`.padStart(12)}  ${`${num(tcp.peakRss, 3)}x`.padStart(13)}  ${`${num(tls.peakRss, 3)}x`.padStart(13)}`)
  }
}

export function printText (rep: Report): void {
  printHeader(rep)
  for (const transport of ['tcp', 'tls'] as const) if (rep.loads[transport] !== undefined) printScenario(rep, transport)
  printSideBySide(rep)
  console.log('')
  console.log(`total ${rep.seconds.toFixed(1)} s`)
}
