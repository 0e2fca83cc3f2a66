// The text report of the benchmark matrix (bench/e2e/matrix.bench.ts): machine and method, a
// table per scenario (every run, then the medians), stele's ratios to each peer, the UDP loss
// series, and one summary table of medians.

import type { DaemonName } from './matrix-daemons.js'
import { goodRun, UDP_LOSS_FREE_PCT, type MatrixResult, type StreamRun } from './matrix-results.js'

export const mps = (rate: number): string => (Number.isFinite(rate) ? `${(rate / 1e6).toFixed(3)} M/s` : '-')
export const kps = (rate: number): string => (Number.isFinite(rate) ? `${(rate / 1e3).toFixed(0)} k/s` : '-')
export const num = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : '-')
export const mib = (kib: number): string => (Number.isFinite(kib) ? `${(kib / 1024).toFixed(1)} MiB` : '-')
export const times = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}x` : '-')

function note (r: StreamRun): string {
  const v = r.verify
  if (v === null) return r.error ?? 'no file'
  const parts = [goodRun(r) ? 'ok' : `BAD (${r.error ?? 'not verified'})`]
  if (v.missing > 0) parts.push(`${v.missing} missing`)
  if (v.duplicates > 0) parts.push(`${v.duplicates} duplicates`)
  if (v.outOfOrder > 0) parts.push(`${v.outOfOrder} out of order`)
  return parts.join(', ')
}

export function printMatrix (m: MatrixResult): void {
  const { machine } = m
  console.log('stele benchmark matrix (bench/e2e/matrix.bench.ts)')
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Linux ${machine.kernel}, node ${machine.node}; ${machine.rsyslog}; ${machine.syslogNg}`)
  console.log(`         load average at start ${machine.loadAverage.join(' ')}`)
  console.log(`load:    ${m.load.count.toLocaleString('en-US')} RFC 3164 lines, ${m.load.minBytes}-${m.load.maxBytes} bytes (mean ${m.load.meanBytes}), each with its own seq=N`)
  console.log(`method:  ${m.method.runs} run(s) per scenario and daemon, order rotated, a fresh daemon each; medians${m.method.quick ? ' (--quick)' : ''}`)
  for (const d of m.daemons) console.log(`  ${d}: ${m.configs[d]}`)
  if (m.nullSinks.length > 0) console.log(`sender alone into a null sink: ${m.nullSinks.map((s) => `${s.scenario} ${mps(s.msgsPerSec)}`).join(', ')}`)

  for (const s of m.scenarios) {
    console.log('')
    console.log(`${s.title} -> file  (${s.id})`)
    console.log('run  daemon      msgs/s        CPU s/M   peak RSS   anon RSS   sender s  file')
    for (const r of m.runs.filter((x) => x.scenario === s.id)) {
      console.log(`${String(r.run).padEnd(3)}  ${r.daemon.padEnd(10)}  ${mps(r.msgsPerSec).padStart(11)}  ${num(r.cpuSPerMillion, 2).padStart(7)}  ${mib(r.peakRssKiB).padStart(9)}  ${mib(r.rssAnonKiB).padStart(9)}  ${num(r.senderMs / 1000, 2).padStart(8)}  ${note(r)}`)
    }
    for (const x of m.summaries.filter((y) => y.scenario === s.id)) {
      console.log(`med  ${x.daemon.padEnd(10)}  ${mps(x.msgsPerSec).padStart(11)}  ${num(x.cpuSPerMillion, 2).padStart(7)}  ${mib(x.peakRssKiB).padStart(9)}  ${mib(x.rssAnonKiB).padStart(9)}            (${x.runs} good run(s), ${mps(x.minMsgsPerSec)} .. ${mps(x.maxMsgsPerSec)})`)
    }
    for (const r of m.ratios.filter((y) => y.scenario === s.id)) {
      console.log(`stele / ${r.peer.padEnd(9)}  msgs/s ${times(r.throughput)} (of medians ${times(r.throughputOfMedians)}), CPU per msg ${times(r.cpuPerMessage)}, peak RSS ${times(r.peakRss)}`)
    }
  }

  if (m.runtime != null) {
    const r = m.runtime
    console.log('')
    console.log(`the runtime's floor: a bare Node receiver copying ${r.scenario}'s load to a file (bench/e2e/tcp-bare-receiver.ts)`)
    for (const x of r.runs) console.log(`${String(x.run).padEnd(3)}  node-net    ${mps(x.msgsPerSec).padStart(11)}  ${num(x.cpuSPerMillion, 2).padStart(7)}  ${mib(x.peakRssKiB).padStart(9)}  ${mib(x.rssAnonKiB).padStart(9)}  idle ${mib(x.idlePeakRssKiB)}${x.error === null ? '' : `  BAD (${x.error})`}`)
    console.log(`med  node-net    ${mps(r.msgsPerSec).padStart(11)}  ${num(r.cpuSPerMillion, 2).padStart(7)}  ${mib(r.peakRssKiB).padStart(9)}  ${mib(r.rssAnonKiB).padStart(9)}  idle ${mib(r.idlePeakRssKiB)}`)
  }

  if (m.udp !== null) {
    console.log('')
    console.log(`UDP -> file: loss at each offered rate (counted in the file), ${m.method.udpSeconds} s per point; the sender alone offers ${(m.udp.sender.maxRate / 1e3).toFixed(0)} k/s`)
    console.log(`daemon      ${m.udp.summaries[0]?.points.map((p) => (p.targetRate === 0 ? 'max' : kps(p.targetRate)).padStart(16)).join('') ?? ''}   loss-free (< ${UDP_LOSS_FREE_PCT}%)`)
    for (const u of m.udp.summaries) {
      console.log(`${u.daemon.padEnd(10)}  ${u.points.map((p) => `${num(p.lossPct, 2)}% @${kps(p.offeredRate)}`.padStart(16)).join('')}   ${kps(u.lossFreeRate)}`)
    }
  }

  console.log('')
  console.log('summary (medians): msgs/s, CPU s per million, peak RSS; stele / peer')
  const daemons: DaemonName[] = m.daemons
  console.log(`scenario        ${daemons.map((d) => d.padEnd(30)).join('')}${daemons.filter((d) => d !== 'stele').map((d) => `vs ${d}`.padEnd(14)).join('')}`)
  for (const s of m.scenarios) {
    const cells = daemons.map((d) => {
      const x = m.summaries.find((y) => y.scenario === s.id && y.daemon === d)!
      return `${mps(x.msgsPerSec)} ${num(x.cpuSPerMillion, 2)} ${mib(x.peakRssKiB)}`.padEnd(30)
    })
    const ratios = m.ratios.filter((r) => r.scenario === s.id).map((r) => times(r.throughput).padEnd(14))
    console.log(`${s.id.padEnd(16)}${cells.join('')}${ratios.join('')}`)
  }
  if (m.runtime != null) {
    const r = m.runtime
    console.log(`${'bare node copy'.padEnd(16)}${`${mps(r.msgsPerSec)} ${num(r.cpuSPerMillion, 2)} ${mib(r.peakRssKiB)}`.padEnd(30)}(${r.scenario}'s load; idle node ${mib(r.idlePeakRssKiB)})`)
  }
  if (m.udp !== null) {
    const rate = (d: string): number => m.udp!.summaries.find((u) => u.daemon === d)?.lossFreeRate ?? NaN
    console.log(`${'udp loss-free'.padEnd(16)}${daemons.map((d) => kps(rate(d)).padEnd(30)).join('')}` +
      (daemons.includes('stele') ? daemons.filter((d) => d !== 'stele').map((d) => times(rate('stele') / rate(d)).padEnd(14)).join('') : '') +
      `(bare node dgram: ${kps(rate('node-dgram'))})`)
  }
  console.log('')
  console.log(`total ${m.seconds.toFixed(1)} s; load average at the end ${m.loadAverageAtEnd?.join(' ') ?? '-'}`)
}
