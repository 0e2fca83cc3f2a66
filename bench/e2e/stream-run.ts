// One timed stream run against a daemon that is already starting, shared by `npm run bench`
// (matrix.bench.ts) and `bench:tcp-file` (tcp-file.bench.ts): wait until it accepts, start the
// sender, clock the load into the daemon's file, read CPU and memory from /proc, stop both, then
// read the whole file back (matrix-verify.ts); and the sender alone into a null sink.

import type { ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import net from 'node:net'
import tls from 'node:tls'
import type { LoadFile } from './load.js'
import { cpuSeconds, exited, fileSize, peakRssKiB, rssAnonKiB, sleep, startSender, stop, waitAccepting, waitExit, withTimeout, type Sender } from './matrix-proc.js'
import { verifyFile, waitForFile } from './matrix-verify.js'
import type { Verification } from './report.js'
import type { BenchCert, TlsSession } from './tls.js'

export interface StreamRunTarget {
  /** The daemon, started; it is stopped when the run ends. */
  child: ChildProcess
  outFile: string
  port: number
  /** The daemon's name, for error messages. */
  what: string
  transport: 'tcp' | 'tls'
  connections: number
  load: LoadFile
  stallMs: number
  limitMs: number
}

export interface StreamMeasurement {
  /** TLS: what the sender negotiated with the daemon. */
  tls: TlsSession | null
  /** Set when the run could not be measured (the daemon did not start, the file stalled, ...). */
  error: string | null
  /** Every line reached the file before the clock stopped. */
  complete: boolean
  elapsedS: number
  msgsPerSec: number
  cpuS: number
  cpuSPerMillion: number
  peakRssKiB: number
  /** RssAnon when the clock stopped: private memory, without the shared executable's pages. */
  rssAnonKiB: number
  /** Sender: ms from 'go' to the last byte handed to the kernel (the daemon's backpressure shows here). */
  senderMs: number
  fileBytes: number
  verify: Verification | null
}

export async function measureStreamRun (target: StreamRunTarget): Promise<StreamMeasurement> {
  const { child, outFile, port, load } = target
  const m: StreamMeasurement = {
    tls: null, error: null, complete: false, elapsedS: NaN, msgsPerSec: NaN, cpuS: NaN, cpuSPerMillion: NaN,
    peakRssKiB: NaN, rssAnonKiB: NaN, senderMs: NaN, fileBytes: 0, verify: null
  }
  let sender: Sender | null = null
  try {
    await waitAccepting(port, target.transport, child, target.what)
    await sleep(300) // let start-up lines (stele logs one to *.*) reach the file before the base size is taken
    sender = await startSender(load.path, port, target.transport, target.connections)
    m.tls = sender.tls
    const pid = child.pid!
    const cpu0 = cpuSeconds(pid)
    const base = fileSize(outFile)
    const t0 = performance.now()
    sender.go()
    const timing = await waitForFile(outFile, base, load, t0, target.stallMs, target.limitMs)
    const cpu1 = cpuSeconds(pid)
    m.peakRssKiB = peakRssKiB(pid)
    m.rssAnonKiB = rssAnonKiB(pid)
    m.complete = timing.complete
    m.elapsedS = timing.elapsedMs / 1000
    m.cpuS = cpu1 - cpu0
    m.cpuSPerMillion = m.cpuS / (load.count / 1e6)
    if (timing.problem !== null) m.error = timing.problem
    m.senderMs = (await withTimeout(sender.done, 30_000, 'sender')).ms
  } catch (err) {
    m.error = (err as Error).message
  } finally {
    if (sender !== null && !exited(sender.child)) { sender.child.kill('SIGTERM'); await waitExit(sender.child, 5000) }
    await stop(child)
  }
  if (existsSync(outFile)) {
    m.fileBytes = fileSize(outFile)
    m.verify = verifyFile(outFile, load)
    m.msgsPerSec = (m.complete ? load.count : m.verify.benchLines) / m.elapsedS
  }
  return m
}

export interface NullSinkMeasurement {
  tls: TlsSession | null
  seconds: number
  msgsPerSec: number
  /** Bytes the sender wrote (octet-counted where the load is), per second. */
  bytesPerSec: number
}

/**
 * The sender alone, into a server in this process that discards what it reads (over TLS it
 * decrypts first, on its own core: the sender and the sink each have one of the two), which shows
 * the sender is not what a stream run measures.
 */
export async function measureNullSink (load: LoadFile, transport: 'tcp' | 'tls', connections: number, cert: BenchCert | null, limitMs: number): Promise<NullSinkMeasurement> {
  let received = 0
  let end = 0
  let finished: () => void = () => {}
  const all = new Promise<void>((resolve) => { finished = resolve })
  const onConnection = (socket: net.Socket): void => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length
      if (received >= load.wireBytes && end === 0) { end = performance.now(); finished() }
    })
    socket.on('error', () => {})
  }
  const server = cert === null
    ? net.createServer(onConnection)
    : tls.createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key), minVersion: 'TLSv1.2' }, onConnection)
  server.on('error', () => {}) // a failed handshake on the sink shows as the sender's error
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  let t0 = 0
  let session: TlsSession | null = null
  try {
    const sender = await startSender(load.path, port, transport, connections)
    session = sender.tls
    t0 = performance.now()
    sender.go()
    await withTimeout(all, limitMs, 'null sink')
    await withTimeout(sender.done, 30_000, 'sender')
    await waitExit(sender.child, 5000)
  } finally {
    server.close()
  }
  const seconds = (end - t0) / 1000
  return { tls: session, seconds, msgsPerSec: load.count / seconds, bytesPerSec: load.wireBytes / seconds }
}
