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
import type { DaemonLog, Input, InputCounters, InputDeps } from '../daemon/component.js'
import { ListenError } from '../errors.js'
import type { Framing } from '../framing/frame-decoder.js'
import { newInputCounters, Receiver } from './receive.js'
import { StreamServer } from './stream-server.js'

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
  readonly #deps: InputDeps
  #streams: StreamServer | undefined
  #dgram: DgramSocket | undefined
  /** 'dgram' or 'stream', decided at start(). */
  type: 'dgram' | 'stream' = 'stream'

  constructor (config: ListenerConfig, deps: InputDeps) {
    this.#config = config
    this.name = config.url
    this.#log = deps.log
    this.#deps = deps
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

  // A datagram socket has no flow control to push back with; only stream connections pause.
  pause (): void { this.#streams?.pause() }
  resume (): void { this.#streams?.resume() }

  async stop (): Promise<void> {
    const dgram = this.#dgram
    this.#dgram = undefined
    if (dgram !== undefined) dgram.close()
    const streams = this.#streams
    this.#streams = undefined
    if (streams !== undefined) await streams.close()
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
    const config = this.#config
    const source = this.#receiver.localSource
    const streams = new StreamServer(net.createServer(), {
      name: config.url,
      counters: this.counters,
      log: this.#log,
      budget: this.#deps.budget,
      receiver: this.#receiver,
      maxConnections: config.maxConnections,
      maxFrameBytes: config.maxMessageSize,
      idleTimeoutS: config.idleTimeoutS,
      framingFor: (firstChunk) => config.framing === 'auto' ? localFraming(firstChunk) : config.framing,
      sourceFor: () => source
    })
    await streams.listen({ path: config.path }, config.url)
    this.#streams = streams
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
