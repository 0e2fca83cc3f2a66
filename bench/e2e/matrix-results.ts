// Results of the benchmark matrix (bench/e2e/matrix.bench.ts): the shape of each run, the medians
// per scenario and daemon, stele's ratios to each peer, and the UDP loss series. The `--json`
// output is these objects as they are; bench/e2e/matrix-doc.ts reads them back.

import type { Framing } from './load.js'
import { median } from './report.js'
import type { DaemonName } from './matrix-daemons.js'
import type { MatrixMachine } from './matrix-proc.js'
import type { StreamMeasurement } from './stream-run.js'

/** A stream scenario: its id is `tcp-lf-1`, `tcp-octet-4`, `tls-octet-1`, ... */
export interface StreamScenarioInfo {
  id: string
  title: string
  transport: 'tcp' | 'tls'
  framing: Framing
  connections: number
}

export interface StreamRun extends Omit<StreamMeasurement, 'fileBytes'> {
  scenario: string
  daemon: DaemonName
  run: number
  command: string
  stderr: string[]
}

export interface NullSink {
  scenario: string
  seconds: number
  msgsPerSec: number
  bytesPerSec: number
}

export interface StreamSummary {
  scenario: string
  daemon: DaemonName
  /** Complete and verified runs. */
  runs: number
  msgsPerSec: number
  cpuSPerMillion: number
  peakRssKiB: number
  rssAnonKiB: number
  /** Slowest and fastest of those runs. */
  minMsgsPerSec: number
  maxMsgsPerSec: number
}

export interface PeerRatio {
  scenario: string
  peer: DaemonName
  /** Median of the per-run ratios of msgs/s (run k against run k). */
  throughput: number
  /** stele's median msgs/s over the peer's. */
  throughputOfMedians: number
  /** < 1: stele spends less CPU per message. */
  cpuPerMessage: number
  peakRss: number
  pairs: number
}

/** The UDP series also runs a bare Node receiver (bench/e2e/udp-bare-receiver.ts) as the runtime's reference. */
export type UdpReceiverName = DaemonName | 'node-dgram'

export interface UdpPoint {
  daemon: UdpReceiverName
  run: number
  /** Datagrams per second asked of the sender (0: as fast as it can). */
  targetRate: number
  sent: number
  /** What the sender actually offered: sent / its sending time. */
  offeredRate: number
  /** Distinct lines of the load in the daemon's file. */
  received: number
  lossPct: number
  cpuSPerMillion: number
  peakRssKiB: number
  error: string | null
}

export interface UdpSummary {
  daemon: UdpReceiverName
  points: { targetRate: number, offeredRate: number, lossPct: number, runs: number }[]
  /** The highest offered rate (median) whose median loss is below the threshold; 0 when none. */
  lossFreeRate: number
}

export const UDP_LOSS_FREE_PCT = 0.1

/**
 * The stream scenarios' reference for the runtime: a bare Node receiver
 * (bench/e2e/tcp-bare-receiver.ts) that copies what it reads to a file, under the load of one
 * scenario (tcp-lf-1). Its peak RSS is the least a daemon on Node can have under that load.
 */
export interface RuntimeRun {
  run: number
  error: string | null
  msgsPerSec: number
  cpuSPerMillion: number
  /** VmHWM once listening, before any load: node itself, idle. */
  idlePeakRssKiB: number
  peakRssKiB: number
  rssAnonKiB: number
}

export interface RuntimeReference {
  scenario: string
  runs: RuntimeRun[]
  /** Medians of the runs without error. */
  msgsPerSec: number
  cpuSPerMillion: number
  idlePeakRssKiB: number
  peakRssKiB: number
  rssAnonKiB: number
}

export function summariseRuntime (scenario: string, runs: RuntimeRun[]): RuntimeReference {
  const ok = runs.filter((r) => r.error === null)
  const med = (pick: (r: RuntimeRun) => number): number => median(ok.map(pick))
  return {
    scenario,
    runs,
    msgsPerSec: med((r) => r.msgsPerSec),
    cpuSPerMillion: med((r) => r.cpuSPerMillion),
    idlePeakRssKiB: med((r) => r.idlePeakRssKiB),
    peakRssKiB: med((r) => r.peakRssKiB),
    rssAnonKiB: med((r) => r.rssAnonKiB)
  }
}

export interface MatrixResult {
  bench: 'e2e/matrix'
  machine: MatrixMachine
  daemons: DaemonName[]
  load: { count: number, format: 'rfc3164', meanBytes: number, minBytes: number, maxBytes: number, lfBytes: number, octetCountedBytes: number | null }
  method: { runs: number, quick: boolean, udpSeconds: number, udpRates: number[], steleNodeArgs: readonly string[], steleOptions: readonly string[] }
  configs: Record<DaemonName, string>
  scenarios: StreamScenarioInfo[]
  nullSinks: NullSink[]
  runs: StreamRun[]
  summaries: StreamSummary[]
  ratios: PeerRatio[]
  udp: { sender: { maxRate: number }, points: UdpPoint[], summaries: UdpSummary[] } | null
  /** Absent in results saved before it was measured. */
  runtime?: RuntimeReference | null
  seconds: number
  /** 1-, 5- and 15-minute load averages when the matrix ended (machine.loadAverage: at start). */
  loadAverageAtEnd?: [number, number, number]
}

export const goodRun = (r: StreamRun): boolean => r.error === null && r.complete && r.verify?.ok === true

export function summariseStream (scenario: string, daemon: DaemonName, runs: StreamRun[]): StreamSummary {
  const ok = runs.filter((r) => r.scenario === scenario && r.daemon === daemon && goodRun(r))
  const rates = ok.map((r) => r.msgsPerSec)
  return {
    scenario,
    daemon,
    runs: ok.length,
    msgsPerSec: median(rates),
    cpuSPerMillion: median(ok.map((r) => r.cpuSPerMillion)),
    peakRssKiB: median(ok.map((r) => r.peakRssKiB)),
    rssAnonKiB: median(ok.map((r) => r.rssAnonKiB ?? NaN)),
    minMsgsPerSec: rates.length === 0 ? NaN : Math.min(...rates),
    maxMsgsPerSec: rates.length === 0 ? NaN : Math.max(...rates)
  }
}

export function peerRatio (scenario: string, peer: DaemonName, runs: StreamRun[], sums: StreamSummary[]): PeerRatio {
  const mine = runs.filter((r) => r.scenario === scenario)
  const perRun: number[] = []
  for (const s of mine.filter((r) => r.daemon === 'stele')) {
    const p = mine.find((r) => r.daemon === peer && r.run === s.run)
    if (p !== undefined && goodRun(s) && goodRun(p)) perRun.push(s.msgsPerSec / p.msgsPerSec)
  }
  const stele = sums.find((s) => s.scenario === scenario && s.daemon === 'stele')!
  const other = sums.find((s) => s.scenario === scenario && s.daemon === peer)!
  return {
    scenario,
    peer,
    throughput: median(perRun),
    throughputOfMedians: stele.msgsPerSec / other.msgsPerSec,
    cpuPerMessage: stele.cpuSPerMillion / other.cpuSPerMillion,
    peakRss: stele.peakRssKiB / other.peakRssKiB,
    pairs: perRun.length
  }
}

export function summariseUdp (daemon: UdpReceiverName, points: UdpPoint[], rates: number[]): UdpSummary {
  const mine = points.filter((p) => p.daemon === daemon && p.error === null)
  const summary: UdpSummary = { daemon, points: [], lossFreeRate: 0 }
  for (const targetRate of rates) {
    const at = mine.filter((p) => p.targetRate === targetRate)
    if (at.length === 0) continue
    const point = { targetRate, offeredRate: median(at.map((p) => p.offeredRate)), lossPct: median(at.map((p) => p.lossPct)), runs: at.length }
    summary.points.push(point)
    if (point.lossPct < UDP_LOSS_FREE_PCT && point.offeredRate > summary.lossFreeRate) summary.lossFreeRate = point.offeredRate
  }
  return summary
}
