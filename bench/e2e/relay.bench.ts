// `npm run bench:relay`: a relay, end to end. COUNT (default 500,000) RFC 3164 lines of about 200
// bytes (bench/e2e/load.ts) go over ONE TCP connection (bench/e2e/sender.ts, a child process)
// into daemon A, which forwards everything to daemon B, which writes a file. Counted at B's file.
//
//   sender --TCP--> A --forward--> B --> file
//
// Scenarios (--only NAME[,NAME...] picks some):
//   stele-tcp-memory   A: @tcp://B queue=memory               B: listen tcp://   (plain relay)
//   stele-tcp-disk     A: @tcp://B queue=disk fsync=batch     B: listen tcp://
//   stele-relp-disk    A: @relp://B queue=disk fsync=batch    B: listen relp://  (acknowledged)
//   rsyslog-tcp        A: omfwd protocol="tcp"                B: imtcp
//   rsyslog-relp-da    A: omrelp with a disk-assisted queue (queue.type="LinkedList"
//                      queue.filename=... queue.saveOnShutdown="on")   B: imrelp
// B writes with omfile / `-FILE` (buffered, no fsync) in both daemons, as bench/e2e/tcp-file.
//
// Method: RUNS rounds; in each round every scenario runs once, in an order that rotates, each
// with fresh daemons, ports and directories. B starts first (its listener accepting is the
// event: rsyslogd has no "ready" line), then A; the sender connects and loads its file, and the
// clock starts when it is told to write. It stops when B's file holds COUNT lines with "seq="
// (the file is read as it grows, every POLL_MS). CPU = utime + stime of A and of B
// (/proc/PID/stat) over that span, given per million messages; peak RSS = VmHWM of each. Then
// both are stopped (SIGTERM) and B's file is read whole: every seq 1..COUNT must be there
// (duplicates and order are reported: RELP may resend, rsyslog's workers may reorder). Medians
// per scenario; a ratio is the median of the per-round ratios (the ratio of the medians in
// brackets). Targets (issue 5): stele RELP+disk / stele plain TCP relay >= 0.5, and stele
// RELP+disk / rsyslog omrelp with a DA queue >= 1.0.
//
// Flags: --count N, --runs N, --only LIST, --json, --rsyslogd PATH,
// --relp-window N (stele's window= for the RELP forward; default: stele's default),
// --stele-node-arg ARG (repeatable, for A and B; e.g. --stele-node-arg=--cpu-prof).

import os from 'node:os'
import { spawn, fork, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { writeLoad, type LoadFile } from './load.js'
import { median, mps } from './report.js'
import { probe } from './tls.js'
import { cpuSeconds, exited, freePort, live, peakRssKiB, sleep, stop, waitExit } from './matrix-proc.js'

const SCENARIOS = ['stele-tcp-memory', 'stele-tcp-disk', 'stele-relp-disk', 'rsyslog-tcp', 'rsyslog-relp-da'] as const
type ScenarioName = typeof SCENARIOS[number]

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '500000' },
    runs: { type: 'string', default: '3' },
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
    rsyslogd: { type: 'string', default: '/usr/sbin/rsyslogd' },
    'relp-window': { type: 'string' },
    'stele-node-arg': { type: 'string', multiple: true, default: [] }
  }
})
const COUNT = Math.max(1000, Math.floor(Number(args.count)))
const RUNS = Math.max(1, Math.floor(Number(args.runs)))
const JSON_OUTPUT = args.json === true
const RSYSLOGD = args.rsyslogd!
const STELE_NODE_ARGS = args['stele-node-arg']!
const RELP_WINDOW = args['relp-window'] === undefined ? '' : ` window=${Math.floor(Number(args['relp-window']))}`
const CHOSEN: ScenarioName[] = args.only === undefined ? [...SCENARIOS] : args.only.split(',').map((name) => {
  if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`--only takes ${SCENARIOS.join(', ')}`)
  return name as ScenarioName
})

const HERE = dirname(fileURLToPath(import.meta.url)) // dist/bench/e2e
const STELE_JS = join(resolve(HERE, '../../..'), 'dist/src/cli/stele.js')
const SENDER_JS = join(HERE, 'sender.js')
const POLL_MS = 20
/** A run gives up when B's file has not grown for this long, or after RUN_LIMIT_MS in all. */
const STALL_MS = 20_000
const RUN_LIMIT_MS = Math.max(600_000, COUNT / 50)
const START_LIMIT_MS = 15_000
const SEQ = Buffer.from('seq=')

// --- processes -----------------------------------------------------------------------------

function launch (command: string, argv: string[], cwd: string): ChildProcess {
  const child = spawn(command, argv, { cwd, env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'ignore', 'pipe'] })
  live.add(child)
  child.once('exit', () => live.delete(child))
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { if (stderr.length < 4000) stderr += chunk })
  Object.defineProperty(child, 'stderrText', { get: () => stderr })
  return child
}

async function waitAccepting (port: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = performance.now() + START_LIMIT_MS
  while (performance.now() < deadline) {
    if (exited(child)) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before accepting: ${(child as unknown as { stderrText: string }).stderrText}`)
    if (await probe(port, 'tcp')) return
    await sleep(50)
  }
  throw new Error(`${what} did not accept connections on 127.0.0.1:${port} within ${START_LIMIT_MS / 1000} s`)
}

interface Sender { child: ChildProcess, go: () => void, done: Promise<void> }

/** The sender of bench/e2e/tcp-file (sender.ts): resolves once it has its file in memory and is connected. */
async function startSender (load: LoadFile, port: number): Promise<Sender> {
  const child = fork(SENDER_JS, [load.path, String(port), String(1 << 20), 'tcp'], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  live.add(child)
  child.once('exit', () => live.delete(child))
  let onDone: () => void = () => {}
  const done = new Promise<void>((resolve) => { onDone = resolve })
  await new Promise<void>((resolve, reject) => {
    child.on('message', (m: { type: string, message?: string }) => {
      if (m.type === 'ready') resolve()
      if (m.type === 'done') onDone()
      if (m.type === 'error') reject(new Error(`sender: ${m.message ?? '?'}`))
    })
    child.once('exit', (code) => { reject(new Error(`sender exited (${code})`)); onDone() })
  })
  return { child, go: () => child.send({ type: 'go' }), done }
}

// --- configurations ------------------------------------------------------------------------

const STELE_HEAD = 'repeat_suppression=off\nmark_interval=0\n'
const STELE_FORWARD: Record<string, string> = {
  'stele-tcp-memory': 'tcp://127.0.0.1:PORT queue=memory',
  'stele-tcp-disk': 'tcp://127.0.0.1:PORT queue=disk fsync=batch queue_dir=DIR/q',
  'stele-relp-disk': `relp://127.0.0.1:PORT queue=disk fsync=batch queue_dir=DIR/q${RELP_WINDOW}`
}

function steleConfigs (name: ScenarioName, dirA: string, dirB: string, portA: number, portB: number, outFile: string): [string, string] {
  const forward = STELE_FORWARD[name]!.replace('PORT', String(portB)).replace('DIR', dirA)
  const a = `${STELE_HEAD}control_socket=${join(dirA, 'stele.ctl')}\nlisten tcp://127.0.0.1:${portA}\n*.*  @${forward}\n`
  const b = `${STELE_HEAD}control_socket=${join(dirB, 'stele.ctl')}\nlisten ${name === 'stele-relp-disk' ? 'relp' : 'tcp'}://127.0.0.1:${portB}\n*.*  -${outFile}\n`
  return [a, b]
}

function rsyslogConfigs (name: ScenarioName, dirA: string, dirB: string, portA: number, portB: number, outFile: string): [string, string] {
  const relp = name === 'rsyslog-relp-da'
  const forward = relp
    // Disk-assisted: a LinkedList in memory that spills to queue.filename files when it fills,
    // and is saved to disk at shutdown; retried for ever (rsyslog's reliable forwarding recipe).
    ? `action(type="omrelp" target="127.0.0.1" port="${portB}" queue.type="LinkedList" queue.filename="relayq" queue.saveOnShutdown="on" action.resumeRetryCount="-1")`
    : `action(type="omfwd" target="127.0.0.1" port="${portB}" protocol="tcp" action.resumeRetryCount="-1")`
  const a = [
    '# stele relay bench (bench/e2e/relay.bench.ts), daemon A: imtcp -> forward',
    `global(workDirectory="${dirA}" maxMessageSize="64k")`,
    'module(load="imtcp")',
    relp ? 'module(load="omrelp")' : '',
    `ruleset(name="relay") {\n  ${forward}\n}`,
    `input(type="imtcp" port="${portA}" address="127.0.0.1" ruleset="relay")`,
    `*.* action(type="omfile" file="${join(dirA, 'rsyslogd.log')}")`,
    ''
  ].join('\n')
  const b = [
    '# stele relay bench (bench/e2e/relay.bench.ts), daemon B: input -> omfile (buffered, no fsync)',
    `global(workDirectory="${dirB}" maxMessageSize="64k")`,
    relp ? 'module(load="imrelp")' : 'module(load="imtcp")',
    'template(name="iso" type="string" string="%timereported:::date-rfc3339% %hostname% %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\\n")',
    `ruleset(name="bench") {\n  action(type="omfile" file="${outFile}" template="iso")\n}`,
    relp ? `input(type="imrelp" port="${portB}" address="127.0.0.1" ruleset="bench")` : `input(type="imtcp" port="${portB}" address="127.0.0.1" ruleset="bench")`,
    `*.* action(type="omfile" file="${join(dirB, 'rsyslogd.log')}")`,
    ''
  ].join('\n')
  return [a, b]
}

function startDaemon (name: ScenarioName, dir: string, conf: string): { child: ChildProcess, command: string } {
  const path = join(dir, name.startsWith('stele') ? 'stele.conf' : 'rsyslog.conf')
  writeFileSync(path, conf)
  if (name.startsWith('stele')) {
    const argv = [...STELE_NODE_ARGS, STELE_JS, 'run', '-f', path]
    return { child: launch(process.execPath, argv, dir), command: `node ${argv.join(' ')}` }
  }
  const argv = ['-n', '-f', path, '-i', join(dir, 'rsyslog.pid')]
  return { child: launch(RSYSLOGD, argv, dir), command: `${RSYSLOGD} ${argv.join(' ')}` }
}

// --- one run -------------------------------------------------------------------------------

interface RunResult {
  scenario: ScenarioName
  run: number
  complete: boolean
  error: string | null
  elapsedS: number
  msgsPerSec: number
  cpuA: number
  cpuB: number
  cpuSPerMillion: number
  peakRssKiB: { a: number, b: number }
  lines: number
  missing: number
  duplicates: number
  outOfOrder: number
}

/** Counts "seq=" in B's file as it grows; resolves when COUNT are in, or on a stall. */
async function waitForLines (file: string, t0: number): Promise<{ complete: boolean, elapsedMs: number, seen: number }> {
  let offset = 0
  let seen = 0
  let carry = Buffer.alloc(0)
  let lastGrowth = t0
  const chunk = Buffer.allocUnsafe(4 << 20)
  for (;;) {
    await sleep(POLL_MS)
    const size = statSync(file, { throwIfNoEntry: false })?.size ?? 0
    const now = performance.now()
    if (size > offset) {
      lastGrowth = now
      const fd = openSync(file, 'r')
      try {
        while (offset < size) {
          const n = readSync(fd, chunk, 0, Math.min(chunk.length, size - offset), offset)
          if (n <= 0) break
          offset += n
          // "seq=" may straddle two reads: keep the last 3 bytes.
          const buf = carry.length === 0 ? chunk.subarray(0, n) : Buffer.concat([carry, chunk.subarray(0, n)])
          for (let at = buf.indexOf(SEQ); at >= 0; at = buf.indexOf(SEQ, at + 4)) seen++
          carry = Buffer.from(buf.subarray(Math.max(0, buf.length - 3)))
        }
      } finally {
        closeSync(fd)
      }
    }
    if (seen >= COUNT) return { complete: true, elapsedMs: now - t0, seen }
    if (now - lastGrowth > STALL_MS) return { complete: false, elapsedMs: lastGrowth - t0, seen }
    if (now - t0 > RUN_LIMIT_MS) return { complete: false, elapsedMs: now - t0, seen }
  }
}

/** Every seq 1..COUNT in B's file: missing, duplicates, steps out of order. */
function verify (file: string, width: number): { lines: number, missing: number, duplicates: number, outOfOrder: number } {
  const seen = new Uint8Array(COUNT + 1)
  const text = existsSync(file) ? readFileSync(file) : Buffer.alloc(0)
  let lines = 0
  let duplicates = 0
  let outOfOrder = 0
  let last = 0
  for (let at = text.indexOf(SEQ); at >= 0; at = text.indexOf(SEQ, at + 4)) {
    let seq = 0
    for (let i = at + 4; i < at + 4 + width; i++) seq = seq * 10 + (text[i]! - 48)
    if (!(seq >= 1 && seq <= COUNT)) continue
    lines++
    if (seen[seq] === 1) duplicates++
    seen[seq] = 1
    if (seq !== last + 1) outOfOrder++
    last = seq
  }
  let missing = 0
  for (let seq = 1; seq <= COUNT; seq++) if (seen[seq] === 0) missing++
  return { lines, missing, duplicates, outOfOrder }
}

async function runOne (name: ScenarioName, run: number, load: LoadFile, tmp: string): Promise<RunResult> {
  const result: RunResult = {
    scenario: name, run, complete: false, error: null, elapsedS: NaN, msgsPerSec: NaN, cpuA: NaN, cpuB: NaN, cpuSPerMillion: NaN,
    peakRssKiB: { a: NaN, b: NaN }, lines: 0, missing: COUNT, duplicates: 0, outOfOrder: 0
  }
  const dirA = join(tmp, `${name}-${run}-a`)
  const dirB = join(tmp, `${name}-${run}-b`)
  mkdirSync(dirA)
  mkdirSync(dirB)
  const outFile = join(dirB, 'out.log')
  const portA = await freePort()
  const portB = await freePort()
  const [confA, confB] = (name.startsWith('stele') ? steleConfigs : rsyslogConfigs)(name, dirA, dirB, portA, portB, outFile)
  const b = startDaemon(name, dirB, confB)
  let a: ReturnType<typeof startDaemon> | null = null
  let sender: Sender | null = null
  try {
    await waitAccepting(portB, b.child, `${name} B`)
    a = startDaemon(name, dirA, confA)
    await waitAccepting(portA, a.child, `${name} A`)
    await sleep(500) // A connects to B and the start-up lines settle
    sender = await startSender(load, portA)
    const cpuA0 = cpuSeconds(a.child.pid!)
    const cpuB0 = cpuSeconds(b.child.pid!)
    const t0 = performance.now()
    sender.go()
    const timing = await waitForLines(outFile, t0)
    result.cpuA = cpuSeconds(a.child.pid!) - cpuA0
    result.cpuB = cpuSeconds(b.child.pid!) - cpuB0
    result.peakRssKiB = { a: peakRssKiB(a.child.pid!), b: peakRssKiB(b.child.pid!) }
    result.complete = timing.complete
    result.elapsedS = timing.elapsedMs / 1000
    result.msgsPerSec = timing.seen / result.elapsedS
    result.cpuSPerMillion = (result.cpuA + result.cpuB) / (COUNT / 1e6)
    if (!timing.complete) result.error = `incomplete: ${timing.seen} of ${COUNT} at B`
  } catch (err) {
    result.error = (err as Error).message
  } finally {
    if (sender !== null) { await sleep(0); if (!exited(sender.child)) sender.child.kill('SIGTERM'); await waitExit(sender.child, 5000) }
    if (a !== null) await stop(a.child)
    await stop(b.child)
  }
  Object.assign(result, verify(outFile, load.width))
  if (result.missing > 0) result.error ??= `${result.missing} missing at B`
  rmSync(dirA, { recursive: true, force: true })
  rmSync(dirB, { recursive: true, force: true })
  return result
}

// --- report --------------------------------------------------------------------------------

interface Summary { scenario: ScenarioName, runs: number, msgsPerSec: number, cpuSPerMillion: number, cpuSPerMillionA: number, cpuSPerMillionB: number, peakRssMiB: { a: number, b: number } }

function summarise (name: ScenarioName, results: RunResult[]): Summary {
  const mine = results.filter((r) => r.scenario === name && r.error === null)
  return {
    scenario: name,
    runs: mine.length,
    msgsPerSec: median(mine.map((r) => r.msgsPerSec)),
    cpuSPerMillion: median(mine.map((r) => r.cpuSPerMillion)),
    cpuSPerMillionA: median(mine.map((r) => r.cpuA / (COUNT / 1e6))),
    cpuSPerMillionB: median(mine.map((r) => r.cpuB / (COUNT / 1e6))),
    peakRssMiB: { a: median(mine.map((r) => r.peakRssKiB.a)) / 1024, b: median(mine.map((r) => r.peakRssKiB.b)) / 1024 }
  }
}

interface Ratio { what: string, of: ScenarioName, to: ScenarioName, target: number, median: number, ofMedians: number, pass: boolean }

function ratio (what: string, of: ScenarioName, to: ScenarioName, target: number, results: RunResult[], sums: Summary[]): Ratio | null {
  if (!CHOSEN.includes(of) || !CHOSEN.includes(to)) return null
  const perRun: number[] = []
  for (let run = 1; run <= RUNS; run++) {
    const x = results.find((r) => r.scenario === of && r.run === run && r.error === null)
    const y = results.find((r) => r.scenario === to && r.run === run && r.error === null)
    if (x !== undefined && y !== undefined) perRun.push(x.msgsPerSec / y.msgsPerSec)
  }
  const value = median(perRun)
  const ofMedians = sums.find((s) => s.scenario === of)!.msgsPerSec / sums.find((s) => s.scenario === to)!.msgsPerSec
  return { what, of, to, target, median: value, ofMedians, pass: value >= target }
}

async function main (): Promise<number> {
  if (!existsSync(SENDER_JS) || !existsSync(STELE_JS)) throw new Error('build first (npx tsc -p .)')
  const tmp = mkdtempSync(join(os.tmpdir(), 'stele-relay-'))
  const cleanup = (): void => {
    for (const child of live) child.kill('SIGKILL')
    rmSync(tmp, { recursive: true, force: true })
  }
  process.once('exit', cleanup)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => { cleanup(); process.exit(130) })
  const loadBefore = os.loadavg().map((n) => Number(n.toFixed(2)))
  const load = await writeLoad(join(tmp, 'load.txt'), COUNT)
  const results: RunResult[] = []
  for (let run = 1; run <= RUNS; run++) {
    const shift = (run - 1) % CHOSEN.length
    const order = [...CHOSEN.slice(shift), ...CHOSEN.slice(0, shift)]
    for (const name of order) {
      const r = await runOne(name, run, load, tmp)
      results.push(r)
      if (!JSON_OUTPUT) process.stderr.write(`  run ${run} ${name.padEnd(17)} ${mps(r.msgsPerSec)}${r.error === null ? '' : ` (${r.error})`}\n`)
    }
  }
  const sums = CHOSEN.map((name) => summarise(name, results))
  const ratios = [
    ratio('stele RELP+disk / stele plain TCP relay', 'stele-relp-disk', 'stele-tcp-memory', 0.5, results, sums),
    ratio('stele TCP+disk / stele plain TCP relay', 'stele-tcp-disk', 'stele-tcp-memory', 0.5, results, sums),
    ratio('stele RELP+disk / rsyslog omrelp+DA queue', 'stele-relp-disk', 'rsyslog-relp-da', 1.0, results, sums),
    ratio('stele plain TCP relay / rsyslog omfwd TCP', 'stele-tcp-memory', 'rsyslog-tcp', NaN, results, sums)
  ].filter((r) => r !== null)
  const loadAfter = os.loadavg().map((n) => Number(n.toFixed(2)))
  const machine = { cpu: os.cpus()[0]?.model.trim() ?? '?', cores: os.cpus().length, node: process.version, loadAverageBefore: loadBefore, loadAverageAfter: loadAfter }
  if (JSON_OUTPUT) {
    // rows/targets: the contract bench:report (bench/e2e/matrix-doc.ts) tabulates.
    const rows = sums.map((s) => ({
      scenario: `relay: ${s.scenario.replace(/^(stele|rsyslog)-/, '')}`,
      daemon: s.scenario.startsWith('stele') ? 'stele' : 'rsyslog',
      msgsPerSec: s.msgsPerSec,
      cpuSPerMillion: s.cpuSPerMillion,
      peakRssKiB: Math.max(s.peakRssMiB.a, s.peakRssMiB.b) * 1024,
      note: `CPU A ${s.cpuSPerMillionA.toFixed(2)} + B ${s.cpuSPerMillionB.toFixed(2)} s/M; peak RSS A ${s.peakRssMiB.a.toFixed(0)} / B ${s.peakRssMiB.b.toFixed(0)} MiB`
    }))
    const targets = ratios.filter((r) => Number.isFinite(r.target)).map((r) => ({ name: r.what, ratio: r.median, target: r.target, pass: r.pass }))
    console.log(JSON.stringify({ bench: 'e2e/relay', machine, count: COUNT, runs: RUNS, loadBytes: load.bytes, results, medians: sums, ratios, rows, targets }, null, 2))
  } else {
    console.log(`\nrelay: sender -TCP-> A -forward-> B -> file; ${COUNT.toLocaleString('en-US')} lines (${(load.bytes / 1e6).toFixed(1)} MB), ${RUNS} runs, medians`)
    console.log(`${machine.cpu}, ${machine.cores} cores, node ${machine.node}; load average ${loadBefore.join(' ')} before, ${loadAfter.join(' ')} after\n`)
    console.log(`${'scenario'.padEnd(18)} ${'msgs/s at B'.padStart(12)} ${'CPU s/M (A+B)'.padStart(14)} ${'A'.padStart(6)} ${'B'.padStart(6)} ${'peak RSS A'.padStart(11)} ${'peak RSS B'.padStart(11)}  runs ok`)
    for (const s of sums) {
      console.log(`${s.scenario.padEnd(18)} ${mps(s.msgsPerSec).padStart(12)} ${s.cpuSPerMillion.toFixed(2).padStart(14)} ${s.cpuSPerMillionA.toFixed(2).padStart(6)} ${s.cpuSPerMillionB.toFixed(2).padStart(6)} ${`${s.peakRssMiB.a.toFixed(0)} MiB`.padStart(11)} ${`${s.peakRssMiB.b.toFixed(0)} MiB`.padStart(11)}  ${s.runs}/${RUNS}`)
    }
    console.log('')
    for (const r of ratios) {
      const verdict = Number.isNaN(r.target) ? '' : ` (target >= ${r.target.toFixed(1)}: ${r.pass ? 'PASS' : 'MISS'})`
      console.log(`${r.what.padEnd(44)} ${r.median.toFixed(2)}x [${r.ofMedians.toFixed(2)}x]${verdict}`)
    }
    const odd = results.filter((r) => r.duplicates > 0 || r.error !== null)
    for (const r of odd) console.log(`note: run ${r.run} ${r.scenario}: ${r.error ?? ''} ${r.duplicates} duplicates, ${r.outOfOrder} steps out of order`)
  }
  return results.some((r) => r.error !== null) ? 1 : 0
}

main().then((code) => { process.exitCode = code }, (err: Error) => {
  console.error(`bench/e2e/relay: ${err.stack ?? err.message}`)
  process.exitCode = 1
})
