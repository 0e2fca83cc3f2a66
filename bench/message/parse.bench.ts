// `npm run bench:parse`: parse (and format) throughput of src/message on a mixed corpus of
// RFC 3164 and RFC 5424 lines, against the npm parsers glossy (3164 + 5424) and syslog-parse
// (3164 only) in the same run. Prints lines/s per scenario and the ratios the issue sets as
// targets: stele >= 4x glossy on the mix, stele > syslog-parse on the 3164 half.
//
// Fairness: every parser gets its natural input (stele a Buffer, as a listener receives it; the
// npm parsers a string, decoding not counted) and every field it produces is read, including
// stele's msg.text (a UTF-8 decode of the body, which the string parsers hand out for free) and
// the SD params. The results feed a sink that is printed, so the JIT cannot drop the work.
//
// Method: 2 warm-up passes per scenario (the second one sizes the rounds), then ROUNDS timed
// rounds of ~ROUND_MS each, scenarios interleaved round by round (see runAll); the median lines/s
// is reported, with min and max to show the noise. A ratio is the median of the per-round
// ratios, which holds up better than a ratio of medians when the machine is shared and slows
// down for a few rounds.
//
// Flags: --json (results as JSON on stdout), --rounds N, --round-ms MS.

import os from 'node:os'
import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'
import syslogParse from 'syslog-parse'
import { createParser } from '../../src/message/parse.js'
import { createFormatter, type Formatter } from '../../src/message/format.js'
import { ByteWriter } from '../../src/message/byte-writer.js'
import type { SyslogMessage } from '../../src/message/model.js'
import { buildCorpus, type Corpus, type CorpusLine } from './corpus.js'

// glossy is CommonJS without types; this is the part of its result the bench reads.
interface GlossyResult {
  prival?: number
  facility?: string
  severity?: string
  type?: string
  time?: Date
  host?: string | null
  appName?: string | null
  pid?: string | null
  msgID?: string | null
  structuredData?: Record<string, Record<string, string>>
  message?: string
}
const glossy = (createRequire(import.meta.url)('glossy') as { Parse: { parse: (line: string) => GlossyResult } }).Parse

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '9' },
    'round-ms': { type: 'string', default: '400' }
  }
})
const JSON_OUTPUT = args.json === true
const ROUNDS = Math.max(1, Number(args.rounds))
const ROUND_MS = Math.max(10, Number(args['round-ms']))
const WARMUP_PASSES = 2
const MAX_PASSES_PER_ROUND = 1000
const TAKE_EVERY = 1000

// A fixed receive time (shortly after the corpus starts) so that yearless 3164 timestamps
// resolve the same on every run; a listener would pass Date.now() (~25 ns, not the parser's cost).
const RECEIVED_AT = Date.UTC(2026, 2, 10, 0, 30, 0)
const parseStele = createParser({ timeZone: 'UTC' })

let sink = 0

const len = (s: string | null | undefined): number => (s == null ? 0 : s.length)

// --- reading every field each parser produces ----------------------------------------------

function touchStele (m: SyslogMessage): number {
  let n = m.pri + m.facility + m.severity + m.version
  const ts = m.timestamp
  if (ts !== null) n += (ts.epochMs % 1000) + ts.micros + ts.text.length + ts.offsetMinutes
  n += len(m.hostname) + len(m.appName) + len(m.procId) + len(m.msgId)
  const sd = m.structuredData
  for (let i = 0; i < sd.length; i++) {
    const element = sd[i]!
    n += element.id.length
    const params = element.params
    for (let j = 0; j < params.length; j++) n += params[j]!.name.length + params[j]!.value.length
  }
  return n + m.text.length + m.problems.length
}

function touchGlossy (r: GlossyResult): number {
  let n = (r.prival ?? 0) + len(r.facility) + len(r.severity) + len(r.type)
  if (r.time !== undefined) n += (r.time.getTime() % 1000) || 0
  n += len(r.host) + len(r.appName) + len(r.pid) + len(r.msgID) + len(r.message)
  const sd = r.structuredData
  if (sd !== undefined) {
    for (const id in sd) {
      n += id.length
      const params = sd[id]!
      for (const name in params) n += name.length + params[name]!.length
    }
  }
  return n
}

function touchSyslogParse (r: ReturnType<typeof syslogParse>): number {
  if (r === undefined) return 0
  return r.priority + r.facilityCode + r.severityCode + r.facility.length + r.severity.length +
    (r.time.getTime() % 1000) + r.host.length + r.process.length + (r.pid ?? 0) + r.message.length
}

// --- one pass over the input per scenario -------------------------------------------------

function passStele (bufs: readonly Buffer[]): number {
  let acc = 0
  for (let i = 0; i < bufs.length; i++) acc += touchStele(parseStele(bufs[i]!, RECEIVED_AT))
  return acc
}

function passGlossy (lines: readonly string[]): number {
  let acc = 0
  for (let i = 0; i < lines.length; i++) acc += touchGlossy(glossy.parse(lines[i]!))
  return acc
}

function passSyslogParse (lines: readonly string[]): number {
  let acc = 0
  for (let i = 0; i < lines.length; i++) acc += touchSyslogParse(syslogParse(lines[i]!))
  return acc
}

/** Parse and format into one ByteWriter, taking the batch every TAKE_EVERY records (as an output would). */
function passFormat (bufs: readonly Buffer[], formatter: Formatter, out: ByteWriter): number {
  let acc = 0
  for (let i = 0; i < bufs.length; i++) {
    formatter.write(parseStele(bufs[i]!, RECEIVED_AT), out)
    if ((i + 1) % TAKE_EVERY === 0) acc += out.take().length
  }
  return acc + out.take().length
}

// --- scenarios ---------------------------------------------------------------------------

interface Scenario {
  readonly id: string
  readonly name: string
  readonly input: 'Buffer' | 'string'
  readonly lines: number
  readonly pass: () => number
  passesPerRound: number
  readonly rates: number[]
}

function scenario (id: string, name: string, input: 'Buffer' | 'string', lines: number, pass: () => number): Scenario {
  return { id, name, input, lines, pass, passesPerRound: 1, rates: [] }
}

function buildScenarios (corpus: Corpus): Scenario[] {
  const mixBufs = corpus.lines.map((l) => l.bytes)
  const mixText = corpus.lines.map((l) => l.text)
  const bsdBufs = corpus.rfc3164.map((l) => l.bytes)
  const bsdText = corpus.rfc3164.map((l) => l.text)
  const iso = createFormatter('iso', { timeZone: 'UTC' })
  const rfc5424 = createFormatter('rfc5424', { timeZone: 'UTC' })
  const out = new ByteWriter()
  return [
    scenario('stele-mix', 'stele parse (mix)', 'Buffer', mixBufs.length, () => passStele(mixBufs)),
    scenario('glossy-mix', 'glossy (mix)', 'string', mixText.length, () => passGlossy(mixText)),
    scenario('stele-3164', 'stele parse (3164 half)', 'Buffer', bsdBufs.length, () => passStele(bsdBufs)),
    scenario('syslog-parse-3164', 'syslog-parse (3164 half)', 'string', bsdText.length, () => passSyslogParse(bsdText)),
    scenario('stele-iso', 'stele parse+format iso (mix)', 'Buffer', mixBufs.length, () => passFormat(mixBufs, iso, out)),
    scenario('stele-rfc5424', 'stele parse+format rfc5424 (mix)', 'Buffer', mixBufs.length, () => passFormat(mixBufs, rfc5424, out))
  ]
}

/** Runs `passes` passes and returns lines per second. */
function timePasses (s: Scenario, passes: number): number {
  const start = process.hrtime.bigint()
  for (let i = 0; i < passes; i++) sink += s.pass()
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  return (s.lines * passes) / seconds
}

function median (values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * Scenarios run in groups: a stele scenario and the competitor it is compared with run back to
 * back in every round, so that a ratio compares two measurements taken under the same machine
 * conditions. The group order rotates each round and the order inside a pair alternates.
 */
function runAll (groups: readonly (readonly Scenario[])[]): void {
  for (const s of groups.flat()) {
    let rate = 0
    for (let i = 0; i < WARMUP_PASSES; i++) rate = timePasses(s, 1)
    const passMs = (s.lines / rate) * 1000
    s.passesPerRound = Math.min(MAX_PASSES_PER_ROUND, Math.max(1, Math.round(ROUND_MS / passMs)))
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < groups.length; k++) {
      const group = groups[(round + k) % groups.length]!
      for (let j = 0; j < group.length; j++) {
        const s = group[round % 2 === 0 ? j : group.length - 1 - j]!
        s.rates.push(timePasses(s, s.passesPerRound))
      }
    }
  }
}

// --- sanity: do the parsers read the corpus the same way? --------------------------------

interface SanityReport { checked: number, mismatches: string[], steleProblems: number }

function tagOf (m: SyslogMessage): string {
  return m.procId === null ? `${m.appName ?? ''}: ` : `${m.appName ?? ''}[${m.procId}]: `
}

function sdOf (m: SyslogMessage): string {
  return JSON.stringify(Object.fromEntries(m.structuredData.map((e) => [e.id, Object.fromEntries(e.params.map((p) => [p.name, p.value]))])))
}

function compare (out: string[], index: number, who: string, field: string, theirs: unknown, ours: unknown): void {
  if (theirs !== ours) out.push(`line ${index}: ${who} ${field} ${JSON.stringify(theirs)} != stele ${JSON.stringify(ours)}`)
}

function checkSanity (corpus: Corpus): SanityReport {
  const mismatches: string[] = []
  let checked = 0
  let steleProblems = 0
  corpus.lines.forEach((line: CorpusLine, index: number) => {
    const m = parseStele(line.bytes, RECEIVED_AT)
    if (m.problems.length > 0) {
      steleProblems++
      if (steleProblems <= 3) mismatches.push(`line ${index}: stele reports ${m.problems.map((p) => p.code).join(', ')}`)
    }
    if (index % 250 !== 0) return // 80 lines of 20,000, both kinds
    checked++
    const g = glossy.parse(line.text)
    compare(mismatches, index, 'glossy', 'host', g.host ?? null, m.hostname)
    if (line.kind === 'rfc5424') {
      compare(mismatches, index, 'glossy', 'appName', g.appName ?? null, m.appName)
      compare(mismatches, index, 'glossy', 'pid', g.pid ?? null, m.procId)
      compare(mismatches, index, 'glossy', 'message', g.message, m.text)
      if (m.structuredData.length > 0) compare(mismatches, index, 'glossy', 'structuredData', JSON.stringify(g.structuredData), sdOf(m))
    } else {
      // glossy does not split the 3164 TAG off: its message is "tag[pid]: text".
      compare(mismatches, index, 'glossy', 'message', g.message, tagOf(m) + m.text)
      const s = syslogParse(line.text)
      compare(mismatches, index, 'syslog-parse', 'host', s?.host, m.hostname)
      compare(mismatches, index, 'syslog-parse', 'process', s?.process, m.appName)
      compare(mismatches, index, 'syslog-parse', 'pid', s?.pid === undefined ? null : String(s.pid), m.procId)
      compare(mismatches, index, 'syslog-parse', 'message', s?.message, m.text)
    }
  })
  return { checked, mismatches, steleProblems }
}

// --- report ------------------------------------------------------------------------------

interface Target {
  name: string
  /** Median of the per-round ratios (each round's pair measured back to back). */
  ratio: number
  /** Ratio of the two medians, for comparison. */
  ratioOfMedians: number
  target: number
  strict: boolean
  pass: boolean
}

function target (name: string, ours: Scenario, theirs: Scenario, goal: number, strict: boolean): Target {
  const ratio = median(ours.rates.map((rate, round) => rate / theirs.rates[round]!))
  const ratioOfMedians = median(ours.rates) / median(theirs.rates)
  return { name, ratio, ratioOfMedians, target: goal, strict, pass: strict ? ratio > goal : ratio >= goal }
}

const mps = (rate: number): string => `${(rate / 1e6).toFixed(3)} M/s`

function printText (corpus: Corpus, scenarios: Scenario[], targets: Target[], sanity: SanityReport, machine: Record<string, unknown>, seconds: number): void {
  const [sd0, sd1, sd2] = corpus.sdElementCounts
  console.log('stele parse benchmark (bench/message/parse.bench.ts)')
  console.log(`machine: ${String(machine.cpu)}, ${String(machine.cores)} cores, node ${String(machine.node)}, ${String(machine.platform)}`)
  console.log(`corpus:  ${corpus.lines.length} lines (${corpus.rfc3164.length} RFC 3164 + ${corpus.rfc5424.length} RFC 5424), seed 0x${corpus.seed.toString(16)}, ` +
    `${corpus.minBytes}-${corpus.maxBytes} bytes (mean ${corpus.meanBytes.toFixed(0)}), ${corpus.nonAsciiLines} with UTF-8, 5424 SD elements 0/1/2: ${sd0}/${sd1}/${sd2}`)
  console.log('input:   stele parses from bytes (Buffer, as read from a socket) and decodes MSG via msg.text;')
  console.log('         glossy and syslog-parse parse JS strings (the Buffer->string decode is not counted for them)')
  console.log(`method:  ${WARMUP_PASSES} warm-up passes, then ${ROUNDS} interleaved rounds of ~${ROUND_MS} ms; median (min-max) lines/s;`)
  console.log('         ratio = median of the per-round ratios, each pair run back to back (ratio of the medians in brackets)')
  console.log(`sanity:  ${sanity.checked} lines compared with glossy (and the 3164 ones with syslog-parse): ` +
    (sanity.mismatches.length === 0 ? 'all agree' : `${sanity.mismatches.length} differences (see stderr)`) +
    `; stele problems on the corpus: ${sanity.steleProblems}`)
  console.log('')
  const width = Math.max(...scenarios.map((s) => s.name.length))
  console.log(`${'scenario'.padEnd(width)}  input   lines/pass   median         ns/line   (min - max)`)
  for (const s of scenarios) {
    const med = median(s.rates)
    console.log(`${s.name.padEnd(width)}  ${s.input.padEnd(6)}  ${String(s.lines).padStart(10)}   ${mps(med).padStart(12)}   ${(1e9 / med).toFixed(0).padStart(7)}   ` +
      `(${mps(Math.min(...s.rates))} - ${mps(Math.max(...s.rates))})`)
  }
  console.log('')
  for (const t of targets) {
    console.log(`${t.name.padEnd(34)} ${t.ratio.toFixed(3).padStart(7)}x  (${t.ratioOfMedians.toFixed(3)}x)   target ${t.strict ? '> ' : '>='} ${t.target.toFixed(1)}   ${t.pass ? 'PASS' : 'MISS'}`)
  }
  console.log('')
  console.log(`total ${seconds.toFixed(1)} s, sink ${sink}`)
}

function main (): void {
  const started = performance.now()
  const corpus = buildCorpus()
  const sanity = checkSanity(corpus)
  for (const line of sanity.mismatches) console.error(`warning: ${line}`)
  const scenarios = buildScenarios(corpus)
  const byId = (id: string): Scenario => scenarios.find((s) => s.id === id)!
  runAll([
    [byId('stele-mix'), byId('glossy-mix')],
    [byId('stele-3164'), byId('syslog-parse-3164')],
    [byId('stele-iso')],
    [byId('stele-rfc5424')]
  ])
  const targets = [
    target('stele / glossy (mix)', byId('stele-mix'), byId('glossy-mix'), 4, false),
    target('stele / syslog-parse (3164 half)', byId('stele-3164'), byId('syslog-parse-3164'), 1, true)
  ]
  const cpus = os.cpus()
  const machine = {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`
  }
  const seconds = (performance.now() - started) / 1000
  if (!JSON_OUTPUT) return printText(corpus, scenarios, targets, sanity, machine, seconds)
  console.log(JSON.stringify({
    bench: 'message/parse',
    machine,
    corpus: {
      lines: corpus.lines.length,
      rfc3164: corpus.rfc3164.length,
      rfc5424: corpus.rfc5424.length,
      seed: corpus.seed,
      minBytes: corpus.minBytes,
      maxBytes: corpus.maxBytes,
      meanBytes: Math.round(corpus.meanBytes),
      nonAsciiLines: corpus.nonAsciiLines,
      sdElementCounts: corpus.sdElementCounts
    },
    method: { warmupPasses: WARMUP_PASSES, rounds: ROUNDS, roundMs: ROUND_MS, receivedAt: RECEIVED_AT },
    sanity,
    scenarios: scenarios.map((s) => ({
      id: s.id,
      name: s.name,
      input: s.input,
      linesPerPass: s.lines,
      passesPerRound: s.passesPerRound,
      medianLinesPerSec: Math.round(median(s.rates)),
      roundsLinesPerSec: s.rates.map(Math.round)
    })),
    targets,
    seconds: Number(seconds.toFixed(2)),
    sink
  }, null, 2))
}

main()
