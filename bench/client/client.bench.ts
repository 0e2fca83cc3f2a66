// Client throughput: messages/s from an application to a local collector, stele beside the npm
// syslog clients, over TCP and UDP, with the application's largest event-loop delay.
//
//   npm run bench:client [-- --count 100000 --runs 3 --only stele,syslog-client --proto udp]
//
// The collector is a plain Node sink in a child process that counts records (by a marker every
// message carries: TCP clients frame differently) or datagrams. Each client runs in a child
// process of its own: it logs `count` messages, 1000 per event-loop turn, then flushes the way its
// library documents, and reports its largest event-loop delay (perf_hooks.monitorEventLoopDelay,
// over the whole run: logging and flushing). The rate is messages counted at the sink divided by
// the time from the first message to the sink's last new one. Runs are interleaved (`--runs`,
// default 3) and the medians compared, so a burst of load from elsewhere hits every client alike.
//
// Every run has a timeout (RUN_TIMEOUT_MS), and an app whose library's flush never resolves
// reports after FINISH_MS anyway, flagged. (The run that hung before this: pino's transport is
// a worker thread that thread-stream unrefs, so an app awaiting the transport's 'close' had
// nothing keeping its event loop alive, ended with Node's exit code 13 (unsettled top-level
// await) before reporting, and the runner waited for its report for ever.)
//
// Peers: winston-syslog, pino-syslog (its documented transport pipeline: pino-syslog ->
// pino-socket in pino's worker thread) and syslog-client. For UDP, `node-dgram` (a bare
// dgram.send() of one prebuilt datagram per message) shows the ceiling any Node library has: no
// sendmmsg(2), one syscall per datagram.

import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import dgram from 'node:dgram'
import net from 'node:net'
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'

const SELF = fileURLToPath(import.meta.url)
const CLIENTS = ['stele', 'winston-syslog', 'pino-syslog', 'syslog-client'] as const
/** Not a peer: Node's dgram.send() of one prebuilt datagram per message, what any Node library's UDP is bound by. */
const UDP_CEILING = 'node-dgram' as const
type Client = typeof CLIENTS[number] | typeof UDP_CEILING
type Proto = 'tcp' | 'udp'
const TEXT = 'GET /api/v1/items?page=3 200 12ms user=alice request-id=7d3f2a9c'
const MARKER = Buffer.from('request-id=7d3f2a9c')

// --- the sink ---------------------------------------------------------------------------
async function sink (proto: Proto): Promise<void> {
  let count = 0
  if (proto === 'tcp') {
    const server = net.createServer((socket) => {
      // Counted by a marker every message carries: the clients frame differently (LF, octet counting, none).
      let tail: Buffer = Buffer.alloc(0)
      socket.on('data', (chunk: Buffer) => {
        const data = tail.length === 0 ? chunk : Buffer.concat([tail, chunk])
        let at = data.indexOf(MARKER)
        let end = 0
        for (; at !== -1; at = data.indexOf(MARKER, at + MARKER.length)) { count++; end = at + MARKER.length }
        tail = data.subarray(Math.max(end, data.length - MARKER.length + 1))
      })
      socket.on('error', () => {})
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    process.send!({ port: (server.address() as net.AddressInfo).port })
  } else {
    const socket = dgram.createSocket('udp4')
    socket.on('message', () => { count++ })
    socket.bind(0, '127.0.0.1')
    await once(socket, 'listening')
    try { socket.setRecvBufferSize(8 * 1024 * 1024) } catch {}
    process.send!({ port: socket.address().port })
  }
  process.on('message', () => process.send!({ count }))
}

// --- the application ----------------------------------------------------------------------
interface AppResult { maxDelayMs: number, p99DelayMs: number, startedAt: number, loggedMs: number, finished: boolean }

/** How long an app waits for its library's own flush/close before it reports anyway. */
const FINISH_MS = 30_000

async function app (client: Client, proto: Proto, port: number, count: number): Promise<void> {
  const { log, finish } = await makeClient(client, proto, port)
  const histogram = monitorEventLoopDelay({ resolution: 10 })
  histogram.enable()
  const startedAt = Date.now()
  for (let n = 0; n < count;) {
    const end = Math.min(count, n + 1000)
    for (; n < end; n++) log(n)
    await new Promise((resolve) => setImmediate(resolve))
  }
  const loggedMs = Date.now() - startedAt
  // A library whose flush never resolves (pino-socket, see the header) must not hang the run.
  let timer: NodeJS.Timeout | undefined
  const finished = await Promise.race([
    finish().then(() => true, () => false),
    new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), FINISH_MS) })
  ])
  clearTimeout(timer)
  histogram.disable()
  const result: AppResult = { maxDelayMs: histogram.max / 1e6, p99DelayMs: histogram.percentile(99) / 1e6, startedAt, loggedMs, finished }
  process.send!(result, () => process.exit(0))
}

async function makeClient (client: Client, proto: Proto, port: number): Promise<{ log: (n: number) => void, finish: () => Promise<void> }> {
  switch (client) {
    case 'stele': {
      const { createLogger } = await import('../../src/client/index.js')
      const logger = createLogger({ transport: proto, port, framing: 'lf', appName: 'bench', buffer: { maxRecords: 1_000_000, maxBytes: 512 * 1024 * 1024 } })
      return { log: (n) => logger.info(`${TEXT} n=${n}`), finish: async () => { await logger.close(120000) } }
    }
    case 'node-dgram': {
      const dgramModule = (await import('node:dgram')).default
      const socket = dgramModule.createSocket('udp4')
      await new Promise<void>((resolve) => socket.connect(port, '127.0.0.1', resolve))
      const datagram = Buffer.from(`<14>1 2026-01-01T00:00:00.000Z host bench 1 - - ${TEXT} n=0000000`)
      let done = 0
      const counted = (): void => { done++ }
      return {
        log: () => { socket.send(datagram, counted) },
        finish: async () => { while (done < currentCount) await new Promise((resolve) => setTimeout(resolve, 5)); socket.close() }
      }
    }
    case 'syslog-client': {
      const syslog = (await import('syslog-client' as string)).default
      const c = syslog.createClient('127.0.0.1', { port, transport: proto === 'tcp' ? syslog.Transport.Tcp : syslog.Transport.Udp, rfc3164: false, appName: 'bench' })
      c.on('error', () => {})
      let done = 0
      const counted = (): void => { done++ }
      return {
        log: (n) => c.log(`${TEXT} n=${n}`, { severity: syslog.Severity.Informational }, counted),
        finish: async () => { while (done < currentCount) await new Promise((resolve) => setTimeout(resolve, 5)); c.close() }
      }
    }
    case 'winston-syslog': {
      const winston = (await import('winston')).default
      await import('winston-syslog' as string)
      const transport = new (winston.transports as any).Syslog({ host: '127.0.0.1', port, protocol: proto === 'tcp' ? 'tcp4' : 'udp4', app_name: 'bench', type: '5424' })
      transport.on('error', () => {})
      const logger = winston.createLogger({ levels: winston.config.syslog.levels, transports: [transport] })
      return {
        log: (n) => { logger.info(`${TEXT} n=${n}`) },
        finish: async () => { const finished = once(logger, 'finish'); logger.end(); await finished; await new Promise((resolve) => setTimeout(resolve, 1000)); transport.close?.() }
      }
    }
    case 'pino-syslog': {
      const pino = (await import('pino')).default
      const transport = pino.transport({
        pipeline: [
          { target: 'pino-syslog', options: { enablePipelining: true, modern: true, appname: 'bench', newline: true } },
          { target: 'pino-socket', options: { address: '127.0.0.1', port, mode: proto } }
        ]
      })
      const logger = pino(transport)
      return {
        log: (n) => logger.info(`${TEXT} n=${n}`),
        // pino's documented shutdown: end the transport and wait for 'close'. pino-socket's TCP
        // connection pipes with { end: false }, so the worker never ends and 'close' never comes
        // over tcp: the app's FINISH_MS cap ends it, and the run is flagged.
        finish: async () => { const closed = once(transport, 'close'); transport.end(); await closed }
      }
    }
  }
}
let currentCount = 0

// --- the runner ---------------------------------------------------------------------------
function ask (child: ChildProcess): Promise<number> {
  return new Promise((resolve) => { child.once('message', (m: any) => resolve(m.count)); child.send('count') })
}

/** Per run: the app must report within this, else it is killed and the run reported as incomplete. */
const RUN_TIMEOUT_MS = 120_000

interface RunResult { rate: number, received: number, app: AppResult | null, problem: string | null }

async function runOne (client: Client, proto: Proto, count: number): Promise<RunResult> {
  const sinkChild = fork(SELF, ['--role', 'sink', '--proto', proto])
  const [{ port }] = await once(sinkChild, 'message') as [{ port: number }]
  const appChild = fork(SELF, ['--role', 'app', '--client', client, '--proto', proto, '--port', String(port), '--count', String(count)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
  let app: AppResult | null = null
  let exit: string | null = null
  let stderr = ''
  appChild.stderr!.setEncoding('utf8').on('data', (c: string) => { stderr += c })
  appChild.on('message', (m: AppResult) => { app = m })
  appChild.on('exit', (code, signal) => { exit = signal ?? `exit code ${code}` })
  const started = Date.now()
  let received = 0
  let lastChange = Date.now()
  let problem: string | null = null
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    const now = await ask(sinkChild)
    if (now !== received) { received = now; lastChange = Date.now() }
    if (received >= count && app !== null) break
    // The app is done (or gone) and the count has stopped growing: what arrived is what there is.
    if ((app !== null || exit !== null) && Date.now() - lastChange > 2000) break
    if (Date.now() - started > RUN_TIMEOUT_MS) { problem = `no result within ${RUN_TIMEOUT_MS / 1000} s`; break }
  }
  if (app === null && problem === null) problem = `the app ended (${exit}) without reporting${stderr === '' ? '' : `: ${stderr.trim().split('\n').slice(-1)[0]}`}`
  if (app !== null && !(app as AppResult).finished) problem = `its flush/close did not complete within ${FINISH_MS / 1000} s`
  appChild.kill('SIGKILL')
  sinkChild.kill('SIGKILL')
  const begin = app === null ? started : (app as AppResult).startedAt
  const elapsedMs = Math.max(1, lastChange - begin)
  return { rate: received / (elapsedMs / 1000), received, app, problem }
}

async function main (): Promise<void> {
  const { values } = parseArgs({ options: { role: { type: 'string' }, client: { type: 'string' }, proto: { type: 'string' }, port: { type: 'string' }, count: { type: 'string' }, only: { type: 'string' }, runs: { type: 'string' }, save: { type: 'string' } } })
  const count = Number(values.count ?? 100000)
  if (values.role === 'sink') return await sink(values.proto as Proto)
  if (values.role === 'app') { currentCount = count; return await app(values.client as Client, values.proto as Proto, Number(values.port), count) }
  console.log(`client bench: ${count} messages of ~${TEXT.length + 10} bytes per run; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  const runs = Number(values.runs ?? 3)
  const median = (xs: number[]): number => { const sorted = [...xs].sort((a, b) => a - b); return sorted[Math.floor(sorted.length / 2)]! }
  // --save FILE: rows/targets in the contract bench:report (bench/e2e/matrix-doc.ts) tabulates.
  const rows: Array<{ scenario: string, daemon: string, msgsPerSec: number, note: string }> = []
  const targets: Array<{ name: string, ratio: number, target: number, pass: boolean, note?: string }> = []
  for (const proto of (['tcp', 'udp'] as const).filter((p) => values.proto === undefined || values.proto === p)) {
    const clients: Client[] = [...CLIENTS, ...(proto === 'udp' ? [UDP_CEILING] : [])].filter((c) => values.only === undefined || values.only.split(',').includes(c))
    const results = new Map<Client, RunResult[]>(clients.map((c) => [c, []]))
    // Interleaved runs, so that a burst of load from elsewhere hits every client alike.
    for (let run = 0; run < runs; run++) {
      for (const client of clients) {
        const r = await runOne(client, proto, count)
        results.get(client)!.push(r)
        const delay = r.app === null ? 'event-loop delay n/a' : `event-loop delay max ${r.app.maxDelayMs.toFixed(1)} ms, p99 ${r.app.p99DelayMs.toFixed(1)} ms`
        console.log(`  run ${run + 1} ${proto} ${client.padEnd(15)} ${Math.round(r.rate).toString().padStart(8)} msg/s  received ${r.received}/${count}  ${delay}${r.problem === null ? '' : `  [${r.problem}]`}`)
      }
    }
    const summary = new Map<Client, { rate: number, maxDelayMs: number }>()
    for (const [client, rs] of results) {
      const delays = rs.filter((r) => r.app !== null).map((r) => r.app!.maxDelayMs)
      const rate = median(rs.map((r) => r.rate))
      const maxDelayMs = delays.length === 0 ? NaN : median(delays)
      summary.set(client, { rate, maxDelayMs })
      rows.push({ scenario: `app -> collector, ${proto}`, daemon: client, msgsPerSec: rate, note: Number.isNaN(maxDelayMs) ? '' : `largest event-loop delay ${maxDelayMs.toFixed(1)} ms` })
      const problems = [...new Set(rs.map((r) => r.problem).filter((p) => p !== null))]
      console.log(`${proto}  ${client.padEnd(15)} median ${Math.round(rate).toString().padStart(8)} msg/s  largest event-loop delay median ${maxDelayMs.toFixed(1)} ms (runs: ${delays.map((d) => d.toFixed(0)).join(', ')} ms)${problems.length === 0 ? '' : `  [${problems.join('; ')}]`}`)
    }
    const stele = summary.get('stele')
    const peers = [...summary].filter(([c, v]) => c !== 'stele' && c !== UDP_CEILING && !Number.isNaN(v.maxDelayMs))
    if (stele !== undefined && peers.length > 0) {
      const fastest = peers.reduce((a, b) => (b[1].rate > a[1].rate ? b : a))
      const calmest = peers.reduce((a, b) => (b[1].maxDelayMs < a[1].maxDelayMs ? b : a))
      console.log(`${proto}  stele / fastest peer (${fastest[0]}): ${(stele.rate / fastest[1].rate).toFixed(2)}x throughput; largest event-loop delay stele ${stele.maxDelayMs.toFixed(1)} ms vs lowest peer (${calmest[0]}) ${calmest[1].maxDelayMs.toFixed(1)} ms: ${(stele.maxDelayMs / calmest[1].maxDelayMs).toFixed(2)}x`)
      const ceiling = summary.get(UDP_CEILING)
      // Over UDP the runtime sets the bound: say how the target compares with a bare dgram.send.
      const ceilingNote = ceiling === undefined ? undefined : `bare dgram.send: ${(ceiling.rate / 1e3).toFixed(0)} k/s; stele at ${(stele.rate / ceiling.rate * 100).toFixed(0)}% of it; 3x the fastest peer would be ${(3 * fastest[1].rate / ceiling.rate).toFixed(2)}x it`
      targets.push({ name: `${proto}: stele / fastest peer (${fastest[0]}) msgs/s`, ratio: stele.rate / fastest[1].rate, target: 3, pass: stele.rate >= 3 * fastest[1].rate, note: ceilingNote })
      targets.push({ name: `${proto}: stele's largest event-loop delay / lowest peer's (${calmest[0]})`, ratio: stele.maxDelayMs / calmest[1].maxDelayMs, target: 1, pass: stele.maxDelayMs < calmest[1].maxDelayMs, note: 'at most' })
      if (ceiling !== undefined) console.log(`${proto}  ceiling (node dgram.send, one prebuilt datagram per message): ${Math.round(ceiling.rate)} msg/s; stele at ${(stele.rate / ceiling.rate * 100).toFixed(0)}% of it, 3x the fastest peer would be ${(3 * fastest[1].rate / ceiling.rate).toFixed(2)}x the ceiling`)
    }
  }
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  if (values.save !== undefined) writeFileSync(values.save, JSON.stringify({ bench: 'client', count, runs, loadAverageAfter: loadavg(), rows, targets }, null, 2) + '\n')
}

await main()
