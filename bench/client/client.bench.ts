// Client throughput: messages/s from an application to a local collector, stele beside the npm
// syslog clients, over TCP and UDP, with the application's largest event-loop delay.
//
//   npm run bench:client [-- --count 100000]
//
// The collector is a plain Node sink in a child process that counts records (LF-terminated
// lines on TCP, datagrams on UDP). Each client runs in a child process of its own: it logs
// `count` messages, 1000 per event-loop turn, then flushes the way its library documents, and
// reports its event-loop delay (perf_hooks.monitorEventLoopDelay). The time is from the first
// message to the sink's count reaching `count` (UDP: to the count no longer growing for 1 s;
// what UDP lost is shown). Peers: winston-syslog, pino-syslog (its documented pipeline,
// pino-syslog -> pino-socket in pino's worker thread) and syslog-client.

import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import dgram from 'node:dgram'
import net from 'node:net'
import { loadavg } from 'node:os'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'

const SELF = fileURLToPath(import.meta.url)
const CLIENTS = ['stele', 'winston-syslog', 'pino-syslog', 'syslog-client'] as const
type Client = typeof CLIENTS[number]
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
  const { values } = parseArgs({ options: { role: { type: 'string' }, client: { type: 'string' }, proto: { type: 'string' }, port: { type: 'string' }, count: { type: 'string' }, only: { type: 'string' } } })
  const count = Number(values.count ?? 100000)
  if (values.role === 'sink') return await sink(values.proto as Proto)
  if (values.role === 'app') { currentCount = count; return await app(values.client as Client, values.proto as Proto, Number(values.port), count) }
  console.log(`client bench: ${count} messages of ~${TEXT.length + 10} bytes per run; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  for (const proto of ['tcp', 'udp'] as const) {
    const rows: Array<{ client: Client, r: RunResult }> = []
    for (const client of CLIENTS) {
      if (values.only !== undefined && !values.only.split(',').includes(client)) continue
      const r = await runOne(client, proto, count)
      rows.push({ client, r })
      const delay = r.app === null ? 'event-loop delay n/a' : `event-loop delay max ${r.app.maxDelayMs.toFixed(1)} ms, p99 ${r.app.p99DelayMs.toFixed(1)} ms`
      console.log(`${proto}  ${client.padEnd(15)} ${Math.round(r.rate).toString().padStart(8)} msg/s  received ${r.received}/${count}  ${delay}${r.problem === null ? '' : `  [${r.problem}]`}`)
    }
    const stele = rows.find((row) => row.client === 'stele')
    const peers = rows.filter((row) => row.client !== 'stele' && row.r.app !== null)
    if (stele !== undefined && stele.r.app !== null && peers.length > 0) {
      const fastest = peers.reduce((a, b) => (b.r.rate > a.r.rate ? b : a))
      const lowestDelay = peers.reduce((a, b) => (b.r.app!.maxDelayMs < a.r.app!.maxDelayMs ? b : a))
      console.log(`${proto}  stele / fastest peer (${fastest.client}): ${(stele.r.rate / fastest.r.rate).toFixed(2)}x; event-loop delay max: stele ${stele.r.app.maxDelayMs.toFixed(1)} ms, lowest peer (${lowestDelay.client}) ${lowestDelay.r.app!.maxDelayMs.toFixed(1)} ms (${(stele.r.app.maxDelayMs / lowestDelay.r.app!.maxDelayMs).toFixed(2)}x)`)
    }
  }
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
}

await main()
