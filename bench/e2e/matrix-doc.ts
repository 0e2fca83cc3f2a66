// `npm run bench:report`: docs/performance.md and docs/performance.svg from saved benchmark results.
//
//   node dist/bench/e2e/matrix-doc.js [--run [--quick]] [--results DIR] [--out FILE] [--svg FILE]
//
// It reads every *.json in DIR (default bench/results/). With --run it first runs every benchmark
// script that exists (BENCHES below) with --json and saves each one's output there as NAME.json
// (the matrix with --quick when given); a script that is missing or prints no JSON is listed as
// skipped, and the results already saved for it are kept.
//
// What it understands in a result file:
// - the matrix (`"bench": "e2e/matrix"`, bench/e2e/matrix.bench.ts): machine, method, the table,
//   the UDP series, the issue's targets, and the chart;
// - any file with `rows`: [{ scenario, daemon, msgsPerSec, cpuSPerMillion?, peakRssKiB?, note? }]
//   (the contract for the relay, signing and client benchmarks): its rows join the table and the
//   chart under the file's `title` (or name);
// - any file with `targets`: [{ name, ratio, target, pass }] (bench:parse has them): listed with
//   the matrix's targets;
// - bench:queue's { medians: { disk, memory }, ratio }.
// Anything else is listed by file name, not tabulated.

import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { barChartSvg, type ChartGroup } from './chart.js'
import { UDP_LOSS_FREE_PCT, type MatrixResult } from './matrix-results.js'

const HERE = dirname(fileURLToPath(import.meta.url)) // dist/bench/e2e
const ROOT = resolve(HERE, '../../..')

const { values: args } = parseArgs({
  options: {
    run: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    results: { type: 'string', default: join(ROOT, 'bench/results') },
    out: { type: 'string', default: join(ROOT, 'docs/performance.md') },
    svg: { type: 'string', default: join(ROOT, 'docs/performance.svg') }
  }
})

/** Every benchmark script the report can include, by the name its results are saved under. */
const BENCHES: { name: string, script: string, quickArgs: string[] }[] = [
  { name: 'matrix', script: 'dist/bench/e2e/matrix.bench.js', quickArgs: ['--quick'] },
  { name: 'relay', script: 'dist/bench/e2e/relay.bench.js', quickArgs: [] },
  { name: 'sign', script: 'dist/bench/e2e/sign.bench.js', quickArgs: [] },
  { name: 'client', script: 'dist/bench/client/client.bench.js', quickArgs: [] },
  { name: 'queue', script: 'dist/bench/e2e/queue.bench.js', quickArgs: [] },
  { name: 'parse', script: 'dist/bench/message/parse.bench.js', quickArgs: [] }
]

export interface Row { scenario: string, daemon: string, msgsPerSec: number, cpuSPerMillion?: number, peakRssKiB?: number, note?: string }
/** `atMost`: the ratio must stay at or under the target (memory, delay), not reach it. */
interface Target { name: string, ratio: number, target: number, pass: boolean, atMost?: boolean, note?: string }

const f2 = (n: number | undefined): string => (n !== undefined && Number.isFinite(n) ? n.toFixed(2) : '–')
const mps = (n: number | undefined): string => (n !== undefined && Number.isFinite(n) ? `${(n / 1e6).toFixed(3)} M/s` : '–')
const kps = (n: number | undefined): string => (n !== undefined && Number.isFinite(n) ? `${(n / 1e3).toFixed(0)} k/s` : '–')
const mib = (kib: number | undefined): string => (kib !== undefined && Number.isFinite(kib) ? `${(kib / 1024).toFixed(0)} MiB` : '–')
const x = (n: number | undefined): string => (n !== undefined && Number.isFinite(n) ? `${n.toFixed(2)}x` : '–')

function runBenches (dir: string): string[] {
  const notes: string[] = []
  mkdirSync(dir, { recursive: true })
  for (const b of BENCHES) {
    const script = join(ROOT, b.script)
    if (!existsSync(script)) { notes.push(`${b.name}: ${b.script} not built here, skipped`); continue }
    process.stderr.write(`bench:report: running ${b.script} --json ...\n`)
    const r = spawnSync(process.execPath, [script, '--json', ...(args.quick === true ? b.quickArgs : [])], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      const parsed = JSON.parse(r.stdout) as object
      writeFileSync(join(dir, `${b.name}.json`), JSON.stringify(parsed, null, 2) + '\n')
      notes.push(`${b.name}: ran (exit ${r.status ?? r.signal})`)
    } catch {
      notes.push(`${b.name}: printed no JSON (exit ${r.status ?? r.signal}), skipped`)
    }
  }
  return notes
}

function readResults (dir: string): Map<string, Record<string, unknown>> {
  const results = new Map<string, Record<string, unknown>>()
  if (!existsSync(dir)) return results
  for (const file of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    try { results.set(file, JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>) } catch { /* not JSON: listed as not tabulated */ }
  }
  return results
}

// --- the matrix ----------------------------------------------------------------------------

function matrixTargets (m: MatrixResult): Target[] {
  const ratio = (scenario: string, peer = 'rsyslog'): number => m.ratios.find((r) => r.scenario === scenario && r.peer === peer)?.throughput ?? NaN
  const targets: Target[] = []
  for (const [id, name] of [['tcp-lf-1', 'TCP LF -> file, 1 connection'], ['tcp-octet-1', 'TCP octet counting -> file, 1 connection'], ['tls-octet-1', 'TLS -> file, 1 connection']] as const) {
    if (!m.scenarios.some((s) => s.id === id)) continue
    const r = ratio(id)
    targets.push({ name: `${name}: stele / rsyslog msgs/s`, ratio: r, target: 1, pass: r >= 1, note: id.startsWith('tls') ? undefined : `stretch 1.5x: ${r >= 1.5 ? 'met' : 'not met'}` })
  }
  const rss = m.ratios.find((r) => r.scenario === 'tcp-lf-1' && r.peer === 'rsyslog')?.peakRss
  if (rss !== undefined) {
    const floor = m.runtime
    const rsyslogPeak = m.summaries.find((y) => y.scenario === 'tcp-lf-1' && y.daemon === 'rsyslog')?.peakRssKiB
    const note = floor == null || rsyslogPeak === undefined
      ? undefined
      : `node alone, idle: ${mib(floor.idlePeakRssKiB)} = ${x(floor.idlePeakRssKiB / rsyslogPeak)}; a bare Node copy under the same load: ${mib(floor.peakRssKiB)} = ${x(floor.peakRssKiB / rsyslogPeak)}`
    targets.push({ name: 'Peak RSS under TCP load (tcp-lf-1): stele / rsyslog', ratio: rss, target: 2, pass: rss <= 2, atMost: true, note })
  }
  const udp = m.udp?.summaries
  const s = udp?.find((u) => u.daemon === 'stele')
  const r = udp?.find((u) => u.daemon === 'rsyslog')
  const bare = udp?.find((u) => u.daemon === 'node-dgram')
  if (s !== undefined && r !== undefined) {
    const q = r.lossFreeRate === 0 ? (s.lossFreeRate > 0 ? Infinity : NaN) : s.lossFreeRate / r.lossFreeRate
    targets.push({ name: `UDP loss-free rate (< ${UDP_LOSS_FREE_PCT}% lost): stele / rsyslog`, ratio: q, target: 1, pass: s.lossFreeRate >= r.lossFreeRate, note: `${kps(s.lossFreeRate)} vs ${kps(r.lossFreeRate)}${bare === undefined ? '' : `; a bare Node receiver: ${kps(bare.lossFreeRate)}`}` })
  }
  return targets
}

function matrixSection (m: MatrixResult, out: string[]): void {
  const daemons = m.daemons
  const peers = daemons.filter((d) => d !== 'stele')
  out.push('## Throughput, CPU and memory (TCP, TLS)', '')
  out.push(`Medians of ${m.method.runs} run(s); the ratio is the median of the per-run ratios (run k of stele against run k of the peer). ` +
    'Messages/s are counted in the daemon\'s output file; CPU is the daemon\'s utime + stime per million messages; peak RSS is VmHWM.', '')
  out.push(`| scenario | ${daemons.map((d) => `${d} msgs/s`).join(' | ')} | ${peers.map((p) => `stele / ${p}`).join(' | ')} |`)
  out.push(`| --- | ${daemons.map(() => '---:').join(' | ')} | ${peers.map(() => '---:').join(' | ')} |`)
  for (const s of m.scenarios) {
    const cells = daemons.map((d) => {
      const x0 = m.summaries.find((y) => y.scenario === s.id && y.daemon === d)
      return x0 === undefined ? '–' : `${mps(x0.msgsPerSec)} <sub>(${(x0.minMsgsPerSec / 1e6).toFixed(2)}–${(x0.maxMsgsPerSec / 1e6).toFixed(2)})</sub>`
    })
    const ratios = peers.map((p) => {
      const r = m.ratios.find((y) => y.scenario === s.id && y.peer === p)
      return r === undefined ? '–' : `**${x(r.throughput)}**`
    })
    out.push(`| ${s.title} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`)
  }
  out.push('')
  out.push('Peak RSS is VmHWM over the daemon\'s life. In brackets, RssAnon (private memory) once the whole load is in the file: VmHWM also counts the pages of ' +
    'the executable a process has touched (for node, 40-45 MiB of /usr/bin/node, shared by every node process); the peers\' RssAnon is read after their queues ' +
    'have drained and so is far below their peak.', '')
  out.push(`| scenario | ${daemons.map((d) => `${d} CPU s/M`).join(' | ')} | ${daemons.map((d) => `${d} peak RSS (anon)`).join(' | ')} |`)
  out.push(`| --- | ${daemons.map(() => '---:').join(' | ')} | ${daemons.map(() => '---:').join(' | ')} |`)
  for (const s of m.scenarios) {
    const sum = (d: string): MatrixResult['summaries'][number] | undefined => m.summaries.find((y) => y.scenario === s.id && y.daemon === d)
    out.push(`| ${s.title} | ${daemons.map((d) => f2(sum(d)?.cpuSPerMillion)).join(' | ')} | ${daemons.map((d) => `${mib(sum(d)?.peakRssKiB)} (${mib(sum(d)?.rssAnonKiB)})`).join(' | ')} |`)
  }
  out.push('')
  const floor = m.runtime
  if (floor != null) {
    const title = m.scenarios.find((y) => y.id === floor.scenario)?.title ?? floor.scenario
    const rsyslogPeak = m.summaries.find((y) => y.scenario === floor.scenario && y.daemon === 'rsyslog')?.peakRssKiB
    out.push('### The runtime\'s floor', '')
    out.push(`A bare Node receiver (bench/e2e/tcp-bare-receiver.ts) copies the ${title} load to a file, with no framing, parsing or formatting, ` +
      `in ${floor.runs.length} run(s). Its throughput is the ceiling for a daemon on Node's net and fs here; its memory is the least such a daemon can have.` +
      (rsyslogPeak !== undefined && floor.idlePeakRssKiB > 2 * rsyslogPeak
        ? ` Node itself, idle and listening (${mib(floor.idlePeakRssKiB)}), already peaks above twice the RSS rsyslog reaches under this load (${mib(rsyslogPeak)}), so the RSS target cannot be met by any daemon on this runtime.`
        : ''), '')
    out.push('| | msgs/s | CPU s/M | peak RSS (anon) | idle peak RSS |', '| --- | ---: | ---: | ---: | ---: |')
    out.push(`| bare Node copy (node-net) | ${mps(floor.msgsPerSec)} | ${f2(floor.cpuSPerMillion)} | ${mib(floor.peakRssKiB)} (${mib(floor.rssAnonKiB)}) | ${mib(floor.idlePeakRssKiB)} |`)
    const stele = m.summaries.find((y) => y.scenario === floor.scenario && y.daemon === 'stele')
    if (stele !== undefined) out.push(`| stele | ${mps(stele.msgsPerSec)} | ${f2(stele.cpuSPerMillion)} | ${mib(stele.peakRssKiB)} (${mib(stele.rssAnonKiB)}) | |`)
    out.push('')
  }
  const bad = m.runs.filter((r) => r.error !== null || r.verify?.ok !== true)
  if (bad.length > 0) {
    out.push(`Runs left out of the medians (incomplete or not verified): ${bad.map((r) => `${r.daemon} ${r.scenario} run ${r.run} (${r.error ?? 'verification failed'})`).join('; ')}.`, '')
  }
  if (m.udp !== null) {
    out.push('## UDP -> file: loss at each offered rate', '')
    out.push(`Each point sends ${m.method.udpSeconds} s worth of datagrams at the rate asked (the last column: as fast as the sender can) to a fresh daemon, ` +
      `then counts the lines in its file. Loss is the median of ${m.method.runs} run(s); the offered rate is what the sender achieved. ` +
      `The sender alone reaches ${kps(m.udp.sender.maxRate)} into a socket of the bench process. All three daemons get a 4 MiB receive buffer. ` +
      '`node-dgram` is not a daemon but the reference for the runtime: a bare Node receiver (bench/e2e/udp-bare-receiver.ts) that appends each datagram to a file with no parsing, ' +
      'so the gap between it and stele is stele\'s own cost and the rest is Node\'s dgram (one callback per datagram, no recvmmsg).', '')
    const rates = m.udp.summaries[0]?.points ?? []
    out.push(`| daemon | ${rates.map((p) => (p.targetRate === 0 ? 'as fast as possible' : `${kps(p.targetRate)} asked`)).join(' | ')} | loss-free rate (< ${UDP_LOSS_FREE_PCT}%) |`)
    out.push(`| --- | ${rates.map(() => '---:').join(' | ')} | ---: |`)
    for (const u of m.udp.summaries) {
      out.push(`| ${u.daemon} | ${u.points.map((p) => `${p.lossPct.toFixed(2)}% <sub>at ${kps(p.offeredRate)}</sub>`).join(' | ')} | **${kps(u.lossFreeRate)}** |`)
    }
    out.push('')
  }
}

function chartGroups (m: MatrixResult | undefined, extra: Row[]): { groups: ChartGroup[], series: string[] } {
  const series = new Set<string>(m?.daemons ?? [])
  const groups: ChartGroup[] = []
  for (const s of m?.scenarios ?? []) {
    groups.push({ label: s.title, values: Object.fromEntries(m!.summaries.filter((y) => y.scenario === s.id).map((y) => [y.daemon, y.msgsPerSec])) })
  }
  if (m?.udp != null) groups.push({ label: 'UDP loss-free rate', values: Object.fromEntries(m.udp.summaries.filter((u) => series.has(u.daemon)).map((u) => [u.daemon, u.lossFreeRate])) })
  for (const row of extra) {
    series.add(row.daemon)
    let g = groups.find((y) => y.label === row.scenario)
    if (g === undefined) { g = { label: row.scenario, values: {} }; groups.push(g) }
    g.values[row.daemon] = row.msgsPerSec
  }
  return { groups, series: [...series] }
}

function methodSection (m: MatrixResult, out: string[]): void {
  const mc = m.machine
  out.push('## Machine', '')
  out.push('| | |', '| --- | --- |')
  out.push(`| CPU | ${mc.cpu}, ${mc.cores} cores |`, `| memory | ${mc.memoryGiB} GiB |`, `| kernel | Linux ${mc.kernel} (${mc.platform}) |`)
  out.push(`| node | ${mc.node} |`, `| rsyslog | ${mc.rsyslog} |`, `| syslog-ng | ${mc.syslogNg} |`)
  out.push(`| load average | ${mc.loadAverage.join(', ')} (1, 5, 15 min) at start${m.loadAverageAtEnd === undefined ? '' : `; ${m.loadAverageAtEnd.join(', ')} at the end`} |`, '')
  out.push('## Method', '')
  out.push(`- **Load:** ${m.load.count.toLocaleString('en-US')} RFC 3164 lines of ${m.load.minBytes}–${m.load.maxBytes} bytes (mean ${m.load.meanBytes}), ` +
    'each with its own `seq=N` (bench/e2e/load.ts), LF-framed or re-framed with octet counting; the same lines for every daemon.')
  out.push('- **Sender:** a child Node process (bench/e2e/sender.ts) writes the pre-generated load in 1 MiB slices with backpressure over 1 or 4 connections (4: the load cut into 4 runs of whole frames, written at once). ' +
    `Alone into a null sink in the bench process: ${m.nullSinks.map((s) => `${s.scenario} ${mps(s.msgsPerSec)}`).join(', ')}, well above every daemon, so the sender is not what is measured.`)
  out.push('- **UDP sender:** bench/e2e/udp-sender.ts, one datagram per line, paced by a token bucket on the monotonic clock.')
  out.push('- **A run:** a fresh daemon on a free port; the clock starts when the sender is told to write and stops when the file holds every line (the expected size is known from the first line). ' +
    'Then the whole file is read: every `seq` once, every 1,000th line compared in full. The order of the daemons rotates from run to run.')
  out.push('- **Daemons** (equivalent configs: one input, one buffered file without fsync, each daemon\'s defaults otherwise):')
  for (const d of m.daemons) out.push(`  - ${d}: ${m.configs[d]}`)
  if (m.method.steleNodeArgs.length > 0 || m.method.steleOptions.length > 0) out.push(`- stele ran with ${[...m.method.steleNodeArgs, ...m.method.steleOptions].join(' ')}.`)
  out.push(`- The matrix took ${(m.seconds / 60).toFixed(1)} minutes${m.method.quick ? ' (--quick: 200,000 lines and 1 run; stele\'s JIT warm-up weighs on so short a run, so these figures understate it)' : ''}.`, '')
}

// --- main ----------------------------------------------------------------------------------

function main (): void {
  const dir = resolve(args.results!)
  const ran = args.run === true ? runBenches(dir) : []
  const results = readResults(dir)
  let matrix: MatrixResult | undefined
  const rows: { source: string, row: Row }[] = []
  const targets: Target[] = []
  const untabulated: string[] = []
  for (const [file, r] of results) {
    const title = typeof r.title === 'string' ? r.title : basename(file, '.json')
    let used = false
    if (r.bench === 'e2e/matrix') { matrix = r as unknown as MatrixResult; used = true }
    if (Array.isArray(r.rows)) { for (const row of r.rows as Row[]) rows.push({ source: title, row }); used = true }
    if (Array.isArray(r.targets)) { for (const t of r.targets as Target[]) targets.push({ ...t, name: `${title}: ${t.name}` }); used = true }
    const q = r as { medians?: { disk?: number, memory?: number }, ratio?: number }
    if (q.medians?.disk !== undefined && q.medians.memory !== undefined) {
      rows.push({ source: title, row: { scenario: 'TCP forward, disk queue', daemon: 'stele', msgsPerSec: q.medians.disk } })
      rows.push({ source: title, row: { scenario: 'TCP forward, memory queue', daemon: 'stele', msgsPerSec: q.medians.memory } })
      if (q.ratio !== undefined) targets.push({ name: `${title}: disk queue / memory queue`, ratio: q.ratio, target: 0.5, pass: q.ratio >= 0.5 })
      used = true
    }
    if (!used) untabulated.push(file)
  }
  if (matrix !== undefined) targets.unshift(...matrixTargets(matrix))

  const out: string[] = ['# Performance', '']
  out.push('<!-- Generated by `npm run bench:report` (bench/e2e/matrix-doc.ts) from bench/results/*.json; edit the generator, not this file. -->', '')
  out.push('stele beside rsyslog and syslog-ng on the same machine, with the same load, in the same run. ' +
    'Reproduce with `npm run bench -- --save bench/results/matrix.json` (about 20 minutes; `--quick` for a look), then `npm run bench:report`; ' +
    '`npm run bench:report -- --run` runs every benchmark first.', '')
  if (matrix !== undefined) {
    const l = matrix.machine.loadAverage[0]
    out.push(`Measured ${l < 1.0 ? 'on a quiet machine' : `**with other work running (1-minute load average ${l} at start on ${matrix.machine.cores} cores): provisional figures**`}.`, '')
  }
  out.push('![messages/s per scenario for stele, rsyslog and syslog-ng](performance.svg)', '')
  if (targets.length > 0) {
    out.push('## Targets', '')
    out.push('| target | measured | wanted | |', '| --- | ---: | ---: | --- |')
    for (const t of targets) {
      // Result files mark an upper bound with atMost, or (bench:client's) with the note 'at most'.
      const atMost = t.atMost === true || t.note === 'at most'
      const note = t.note !== undefined && t.note !== 'at most' ? ` (${t.note})` : ''
      out.push(`| ${t.name} | ${x(t.ratio)} | ${atMost ? '<=' : '>='} ${t.target}x | ${t.pass ? 'met' : '**missed**'}${note} |`)
    }
    out.push('')
  }
  if (matrix !== undefined) matrixSection(matrix, out)
  if (rows.length > 0) {
    out.push('## Other scenarios', '')
    out.push('| source | scenario | daemon | msgs/s | CPU s/M | peak RSS | note |', '| --- | --- | --- | ---: | ---: | ---: | --- |')
    for (const { source, row } of rows) out.push(`| ${source} | ${row.scenario} | ${row.daemon} | ${mps(row.msgsPerSec)} | ${f2(row.cpuSPerMillion)} | ${mib(row.peakRssKiB)} | ${row.note ?? ''} |`)
    out.push('')
  }
  if (matrix !== undefined) methodSection(matrix, out)
  if (untabulated.length > 0 || ran.length > 0) {
    out.push('## Result files', '')
    for (const n of ran) out.push(`- ${n}`)
    for (const f of untabulated) out.push(`- ${f}: saved, not tabulated (no \`rows\` or \`targets\`)`)
    out.push('')
  }
  const chart = chartGroups(matrix, rows.map((r) => r.row))
  const svg = barChartSvg({
    title: 'Messages per second written to a file (higher is better)',
    subtitle: matrix === undefined ? undefined : `${matrix.machine.cpu}, ${matrix.machine.cores} cores; medians of ${matrix.method.runs} run(s); load average ${matrix.machine.loadAverage[0]} at start`,
    series: chart.series,
    groups: chart.groups
  })
  mkdirSync(dirname(resolve(args.out!)), { recursive: true })
  writeFileSync(args.svg!, svg)
  writeFileSync(args.out!, out.join('\n'))
  process.stderr.write(`bench:report: wrote ${relative(process.cwd(), args.out!)} and ${relative(process.cwd(), args.svg!)} from ${results.size} result file(s) in ${relative(process.cwd(), dir) || '.'}\n`)
}

main()
