// The local log socket: what glibc's syslog(3) and util-linux logger write to (/dev/log).
//
// glibc (and logger) first try a datagram socket and fall back to a stream socket when the path
// is one (connect fails with EPROTOTYPE). Node cannot bind AF_UNIX datagram sockets, so stele
// uses the `unix-dgram` native addon when it is installed (an optional dependency, built with
// node-gyp) and a stream socket otherwise; `type=dgram|stream` forces one. Over a stream socket
// glibc ends each message with NUL and may have LF inside it, while logger ends messages with
// LF, so the framing of each connection is chosen from its first chunk: a NUL in it means NUL
// framing, a leading digit octet counting, anything else LF (framing= overrides).
//
// Local messages carry no HOSTNAME; the daemon writes its own.

import { chmod, lstat, unlink } from 'node:fs/promises'
import { createRequire } from 'node:module'
import net from 'node:net'
import type { ListenerConfig } from '../config/schema.js'
import type { DaemonLog, Input, InputCounters } from '../daemon/component.js'
import type { DescriptorBudget } from '../daemon/descriptor-budget.js'
import { ListenError } from '../errors.js'
import { FrameDecoder, FRAME_TRUNCATED, type Framing } from '../framing/frame-decoder.js'
import { newInputCounters, Receiver } from './receive.js'
import type { InputDeps } from './udp.js'

interface DgramSocket {
  on (event: 'message', fn: (buf: Buffer) => void): void
  on (event: 'error', fn: (err: Error) => void): void
  once (event: 'listening' | 'error', fn: (err?: Error) => void): void
  bind (path: string): void
  close (): void
}
interface DgramModule { createSocket (type: 'unix_dgram', listener?: (buf: Buffer) => void): DgramSocket }

let dgramModule: DgramModule | null | undefined
/** The unix-dgram addon, or null when it is not installed or did not build. */
export function loadUnixDgram (): DgramModule | null {
  if (dgramModule === undefined) {
    try {
      dgramModule = createRequire(import.meta.url)('unix-dgram') as DgramModule
    } catch {
      dgramModule = null
    }
  }
  return dgramModule
}

/** Socket files are world-writable, as /dev/log is, so every local program can log. */
const SOCKET_MODE = 0o666

export class UnixInput implements Input {
  readonly name: string
  readonly counters: InputCounters = newInputCounters(true)
  readonly #config: ListenerConfig
  readonly #log: DaemonLog
  readonly #receiver: Receiver
  readonly #connections = new Set<net.Socket>()
  readonly #budget: DescriptorBudget
  #server: net.Server | undefined
  #dgram: DgramSocket | undefined
  #paused = false
  /** 'dgram' or 'stream', decided at start(). */
  type: 'dgram' | 'stream' = 'stream'

  constructor (config: ListenerConfig, deps: InputDeps) {
    this.#config = config
    this.name = config.url
    this.#log = deps.log
    this.#budget = deps.budget
    this.#receiver = new Receiver({
      input: config.url,
      sink: deps.sink,
      counters: this.counters,
      maxMessageBytes: config.maxMessageSize,
      parse: { timeZone: deps.timeZone, expectHostname: false }
    })
  }

  async start (): Promise<void> {
    const config = this.#config
    await removeStaleSocket(config.path, config.url)
    const wanted = config.options.type
    const addon = loadUnixDgram()
    if (wanted === 'dgram' && addon === null) throw new ListenError(config.url, { cause: new Error('type=dgram needs the unix-dgram addon, which is not installed') })
    this.type = wanted === 'stream' || addon === null ? 'stream' : 'dgram'
    if (this.type === 'dgram') await this.#startDgram(addon!)
    else await this.#startStream()
    await chmod(config.path, SOCKET_MODE).catch((err: Error) => { this.#log.log(4, `${this.name}: cannot chmod socket: ${err.message}`) })
  }

  address (): string { return this.#config.path }

  pause (): void {
    if (this.#paused) return
    this.#paused = true
    for (const socket of this.#connections) socket.pause()
  }

  resume (): void {
    if (!this.#paused) return
    this.#paused = false
    for (const socket of this.#connections) socket.resume()
  }

  async stop (): Promise<void> {
    const dgram = this.#dgram
    this.#dgram = undefined
    if (dgram !== undefined) dgram.close()
    const server = this.#server
    this.#server = undefined
    if (server !== undefined) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const socket of this.#connections) { socket.resume(); socket.end() }
      const timer = setTimeout(() => { for (const socket of this.#connections) socket.destroy() }, 2000)
      await closed
      clearTimeout(timer)
    }
    await unlink(this.#config.path).catch(() => {})
  }

  async #startDgram (addon: DgramModule): Promise<void> {
    const source = this.#receiver.localSource
    const receiver = this.#receiver
    const socket = addon.createSocket('unix_dgram', (datagram: Buffer) => { receiver.receive(datagram, source, false) })
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (err) => reject(new ListenError(this.#config.url, { cause: err })))
      socket.once('listening', () => resolve())
      socket.bind(this.#config.path)
    })
    socket.on('error', (err) => {
      this.counters.errors++
      this.#log.log(3, `${this.name}: ${err.message}`)
    })
    this.#dgram = socket
  }

  async #startStream (): Promise<void> {
    const server = net.createServer(this.#onConnection)
    server.maxConnections = this.#config.maxConnections
    server.on('drop', () => {
      this.counters.refused!++
      this.#log.log(4, `${this.name}: connection refused: max_connections ${this.#config.maxConnections} reached`)
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new ListenError(this.#config.url, { cause: err })))
      server.listen(this.#config.path, () => resolve())
    })
    server.on('error', (err) => {
      this.counters.errors++
      this.#log.log(3, `${this.name}: ${err.message}`)
    })
    this.#server = server
  }

  /** Within the daemon's descriptor budget, or closed at once, counted and reported. */
  #admit (socket: net.Socket): boolean {
    const refusal = this.#budget.acquire()
    if (refusal === null) return true
    socket.on('error', () => {})
    socket.destroy()
    this.counters.refused!++
    if (refusal !== '') this.#log.log(3, `${this.name}: ${refusal}`)
    return false
  }

  #onConnection = (socket: net.Socket): void => {
    const counters = this.counters
    if (!this.#admit(socket)) return
    counters.accepted!++
    counters.connections!++
    this.#connections.add(socket)
    const source = this.#receiver.localSource
    const receiver = this.#receiver
    let decoder: FrameDecoder | undefined
    if (this.#paused) socket.pause()
    socket.on('data', (chunk: Buffer) => {
      if (decoder === undefined) {
        decoder = new FrameDecoder({
          framing: this.#config.framing === 'auto' ? localFraming(chunk) : this.#config.framing,
          maxFrameBytes: this.#config.maxMessageSize,
          onFrame: (frame, flags) => { receiver.receive(frame, source, (flags & FRAME_TRUNCATED) !== 0) },
          onProblem: (problem) => { this.#log.log(4, `${this.name}: ${problem}`) }
        })
      }
      decoder.push(chunk)
    })
    socket.on('end', () => { decoder?.end(); socket.end() })
    socket.on('error', (err) => {
      counters.errors++
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') this.#log.log(4, `${this.name}: ${err.message}`)
    })
    socket.on('close', () => {
      counters.connections!--
      this.#connections.delete(socket)
      const recovered = this.#budget.release()
      if (recovered !== null) this.#log.log(5, `${this.name}: ${recovered}`)
    })
  }
}

/** glibc terminates stream messages with NUL (and may have LF inside); logger uses LF. */
function localFraming (firstChunk: Buffer): Framing {
  if (firstChunk.includes(0)) return 'nul'
  const first = firstChunk[0]!
  return first >= 0x31 && first <= 0x39 ? 'octet' : 'lf'
}

/** A socket file left by an earlier run is removed; any other kind of file is an error. */
async function removeStaleSocket (path: string, url: string): Promise<void> {
  try {
    const stats = await lstat(path)
    if (!stats.isSocket()) throw new ListenError(url, { cause: new Error(`${path} exists and is not a socket`) })
    await unlink(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
}
