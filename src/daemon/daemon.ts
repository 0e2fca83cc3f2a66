// The daemon: listeners in, rules, outputs out, and an account of every message.
//
// Lifecycle: start() binds every listener, drops privileges (user=/group=), starts the outputs
// as the unprivileged user (so that files reopened on SIGHUP are opened as the same user),
// builds the router and only then routes what arrived meanwhile. reload() (SIGHUP) re-reads the
// config: a config with errors is rejected with a logged reason and the running one stays;
// otherwise listeners and outputs whose settings did not change are kept (their sockets stay
// open and files are reopened, for logrotate), new ones are started, removed ones stopped after
// the new router is in place, so no message is lost across a reload. stop() (SIGTERM) stops the
// listeners, which finish the frames in hand, then flushes and closes every output.
//
// Backpressure: when an output's write() returns false, every listener is paused (stream
// sockets stop reading, so TCP flow control pushes back on senders) until all full outputs
// have drained. UDP cannot pause; its messages go to the outputs, which count what they drop.

import { hostname as systemHostname } from 'node:os'
import { resolve } from 'node:path'
import type { Config, ListenerConfig, RuleConfig } from '../config/schema.js'
import { loadConfig } from '../config/load.js'
import { formatProblem } from '../config/problems.js'
import { UdpInput } from '../inputs/udp.js'
import { TcpInput } from '../inputs/tcp.js'
import { TlsInput } from '../inputs/tls.js'
import { RelpInput } from '../inputs/relp.js'
import { UnixInput } from '../inputs/unix.js'
import { FileFollowInput } from '../inputs/file-follow.js'
import type { SyslogMessage } from '../message/model.js'
import { timeZone, type TimeZone } from '../message/time-zone.js'
import { createOutput } from '../outputs/index.js'
import { DEFAULT_MAX_DATAGRAM_BYTES, MAX_UDP4_PAYLOAD } from '../outputs/forward-udp.js'
import { numberOption } from '../outputs/forward-options.js'
import { isSigned } from '../sign/signer/sign-config.js'
import { SignedOutput } from '../sign/signer/signed-output.js'
import { SigningSession, type PreparedSession, type SignDestination } from '../sign/signer/signing-session.js'
import type { ActionConfig } from '../config/schema.js'
import { Router } from '../route/router.js'
import type { Input, InputDeps, MessageSink, Output, OutputContext } from './component.js'
import { ControlServer } from './control.js'
import { DescriptorBudget } from './descriptor-budget.js'
import { InternalLog } from './internal-log.js'
import { RepeatSuppressor } from './repeats.js'

export const inputs = { udp: UdpInput, tcp: TcpInput, unix: UnixInput, tls: TlsInput, relp: RelpInput, file: FileFollowInput } satisfies Record<ListenerConfig['transport'], new (config: ListenerConfig, deps: InputDeps) => Input>

/** Messages that arrive before the router exists (start-up, a few ms) wait here. */
const MAX_EARLY_MESSAGES = 100_000

export interface DaemonOptions {
  /** The config file, or null for the built-in default (SIGHUP then only reopens outputs). */
  configPath: string | null
  version: string
  /** Where warnings and errors are echoed; default process.stderr. */
  stderr?: (text: string) => void
}

interface Running<T> { key: string, component: T }

export class Daemon implements MessageSink {
  readonly log: InternalLog
  readonly #options: DaemonOptions
  readonly startedAt = Date.now()
  #config: Config
  #zone: TimeZone
  #hostname: string
  #inputs: Array<Running<Input>> = []
  #outputs: Array<Running<Output>> = []
  #router: Router | null = null
  /** sign_sg: the RFC 5848 signing session of the running config (src/sign/signer/). */
  #signing: SigningSession | null = null
  #repeats: RepeatSuppressor | null = null
  #early: SyslogMessage[] = []
  /** Resolves once the first router is in place (messages held during start-up are routed). */
  #setInstalled: () => void = () => {}
  readonly #installed = new Promise<void>((resolve) => { this.#setInstalled = resolve })
  #earlyDropped = 0
  readonly #full = new Set<Output>()
  readonly #budget = new DescriptorBudget()
  #paused = false
  #markTimer: NodeJS.Timeout | undefined
  #control: ControlServer | undefined
  #reloading: Promise<void> = Promise.resolve()
  #stopping = false
  /** Messages routed (after repeat suppression). */
  routed = 0
  /** Times the listeners were paused because an output was full (backpressure), and for how long. */
  pauses = 0
  pausedMs = 0
  #pausedAt = 0
  /** Resolves when the first router is in place (messages before it wait in #early). */

  constructor (config: Config, options: DaemonOptions) {
    this.#options = options
    this.#config = config
    this.#zone = timeZone(config.globals.timezone)
    this.#hostname = config.globals.hostname ?? systemHostname()
    this.log = new InternalLog(this.#hostname, options.stderr)
  }

  get config (): Config { return this.#config }

  async start (): Promise<void> {
    const config = this.#config
    for (const listener of config.listeners) this.#inputs.push(await this.#startInput(listener))
    this.#dropPrivileges()
    const signing = await this.#prepareSigning(config)
    this.#outputs = await this.#startOutputs(config.rules, [])
    await this.#startSigning(config, signing)
    this.#install(config)
    this.#control = new ControlServer(config.globals.controlSocket, (command) => this.#command(command))
    await this.#control.start()
    this.log.attach((msg) => { this.#route(msg) })
    const where = this.#options.configPath ?? 'built-in default config'
    this.log.log(6, `stele ${this.#options.version} started: ${where}; ${config.listeners.length} listeners, ${config.rules.length} rules; listening on ${this.#inputs.map((i) => i.component.address()).join(', ')}`)
  }

  /** MessageSink for the listeners: fills in the hostname, folds repeats, routes. */
  accept (msg: SyslogMessage): boolean {
    if (msg.hostname === null) msg.hostname = msg.source?.peerAddress ?? this.#hostname
    const repeats = this.#repeats
    return repeats === null ? this.#route(msg) : repeats.accept(msg)
  }

  /** The listeners, for tests and stats (bound addresses after start()). */
  get inputs (): readonly Input[] { return this.#inputs.map((running) => running.component) }
  get outputs (): readonly Output[] { return this.#outputs.map((running) => running.component) }

  /** SIGHUP: re-read the config (when there is a file) and reopen every output. Serialised. */
  async reload (): Promise<void> {
    this.#reloading = this.#reloading.then(async () => await this.#reload()).catch((err: Error) => {
      this.log.log(3, `reload failed: ${err.message}; keeping the running config`)
    })
    await this.#reloading
  }

  /** SIGTERM: stop listening, finish what arrived, flush and close every output. */
  async stop (reason = 'stop requested'): Promise<void> {
    if (this.#stopping) return
    this.#stopping = true
    await this.#reloading
    if (this.#markTimer !== undefined) clearInterval(this.#markTimer)
    await Promise.all(this.#inputs.map(async (running) => await running.component.stop()))
    this.#repeats?.stop()
    this.log.log(6, `stele ${this.#options.version} exiting: ${reason}`)
    this.log.drain()
    // The last hashes are signed (and those blocks written) before the outputs close.
    await this.#signing?.close()
    await Promise.all(this.#outputs.map(async (running) => await running.component.stop()))
    await this.#control?.stop()
  }

  /**
   * InputDeps.flushOutputs: resolves once every message accepted so far is settled in every
   * output (each output's flush()). Messages that arrived before the router existed are routed
   * first. All outputs are flushed, not only the ones a caller's messages went to: simple, and
   * an output with nothing pending resolves at once; but a forward with a memory queue whose
   * destination is down holds every RELP acknowledgement until it delivers (a disk queue
   * settles on commit; see docs/configuration.md, RELP).
   */
  readonly #flushOutputs = async (): Promise<void> => {
    // A repeat folded by repeat_suppression is settled as a count in memory ("last message
    // repeated N times" follows later): acknowledged like a written message.
    await this.#installed
    await Promise.all(this.#outputs.map(async (running) => await running.component.flush().catch(() => {})))
  }

  /** Counters of every listener and output, as `stele stats` shows them. */
  stats (): object {
    return {
      version: this.#options.version,
      pid: process.pid,
      hostname: this.#hostname,
      config: this.#options.configPath ?? 'built-in default',
      startedAt: new Date(this.startedAt).toISOString(),
      uptimeS: Math.round((Date.now() - this.startedAt) / 1000),
      routed: this.routed,
      repeatsSuppressed: this.#repeats?.suppressed ?? 0,
      paused: this.#paused,
      pauses: this.pauses,
      pausedMs: Math.round(this.pausedMs),
      descriptors: { limit: this.#budget.limit, connectionBudget: this.#budget.connections, connectionsOpen: this.#budget.open },
      memory: memoryFigures(),
      inputs: this.#inputs.map(({ component }) => ({ name: component.name, address: component.address(), ...component.counters })),
      outputs: this.#outputs.map(({ component }) => ({ name: component.name, ...component.counters })),
      ...(this.#signing === null ? {} : { signing: this.#signing.stats() })
    }
  }

  #command (command: string): unknown {
    if (command === 'stats') return this.stats()
    return { error: `unknown command "${command}"; try "stats"` }
  }

  #route (msg: SyslogMessage): boolean {
    const router = this.#router
    if (router === null) {
      if (this.#early.length < MAX_EARLY_MESSAGES) this.#early.push(msg)
      else this.#earlyDropped++
      return true
    }
    this.routed++
    return router.accept(msg)
  }

  /** Puts a config's router, repeat suppression and MARK timer in place. */
  #install (config: Config): void {
    const outputsByKey = new Map(this.#outputs.map((running) => [running.key, running.component]))
    this.#router = new Router(config.rules, (rule) => outputsByKey.get(outputKey(rule, config))!, this.#hostname, this.#onFull)
    this.#repeats?.stop()
    this.#repeats = null
    if (config.globals.repeatSuppression) {
      this.#repeats = new RepeatSuppressor((msg) => this.#route(msg))
      this.#repeats.start()
    }
    if (this.#markTimer !== undefined) clearInterval(this.#markTimer)
    this.#markTimer = undefined
    if (config.globals.markIntervalS > 0) {
      this.#markTimer = setInterval(() => { this.log.log(6, '-- MARK --') }, config.globals.markIntervalS * 1000)
      this.#markTimer.unref()
    }
    const early = this.#early
    this.#early = []
    for (const msg of early) this.#route(msg)
    if (this.#earlyDropped > 0) {
      this.log.log(4, `dropped ${this.#earlyDropped} messages received during start-up: start-up buffer full`)
      this.#earlyDropped = 0
    }
    this.#setInstalled()
  }

  async #reload (): Promise<void> {
    const path = this.#options.configPath
    let config = this.#config
    if (path !== null) {
      const result = await loadConfig(path)
      for (const problem of result.problems) {
        this.log.log(problem.severity === 'error' ? 3 : 4, formatProblem(problem))
      }
      if (result.config === null) {
        this.log.log(3, `config ${path} has errors; reload rejected, the running config stays in force`)
        return
      }
      config = result.config
    }
    let signing: PreparedSession | null
    try {
      signing = await this.#prepareSigning(config)
    } catch (err) {
      this.log.log(3, `config ${path ?? 'built-in default config'}: syslog-sign: ${(err as Error).message}; reload rejected, the running config stays in force`)
      return
    }
    this.#zone = timeZone(config.globals.timezone)
    this.#hostname = config.globals.hostname ?? systemHostname()
    this.log.hostname = this.#hostname
    // Listeners: keep the unchanged ones (no socket closes), stop removed ones first so that a
    // changed listener can bind its address again, then start the new ones.
    const wanted = new Map(config.listeners.map((listener) => [inputKey(listener, config), listener]))
    const kept = this.#inputs.filter((running) => wanted.has(running.key))
    const removed = this.#inputs.filter((running) => !wanted.has(running.key))
    await Promise.all(removed.map(async (running) => await running.component.stop()))
    // Kept TLS listeners read renewed certificates; their connections keep running.
    await Promise.all(kept.map(async (running) => await running.component.reload?.()))
    const keptKeys = new Set(kept.map((running) => running.key))
    const started: Array<Running<Input>> = []
    for (const [key, listener] of wanted) {
      if (keptKeys.has(key)) continue
      try {
        started.push(await this.#startInput(listener))
      } catch (err) {
        this.log.log(3, `${listener.file}:${listener.line}: ${(err as Error).message}`)
      }
    }
    this.#inputs = [...kept, ...started]
    // Outputs: reopen the unchanged ones, start new ones, swap the router, stop the old ones.
    const previous = this.#outputs
    this.#config = config
    this.#outputs = await this.#startOutputs(config.rules, previous)
    const inUse = new Set(this.#outputs.map((running) => running.component))
    await this.#startSigning(config, signing)
    this.#install(config)
    await Promise.all(previous.filter((running) => !inUse.has(running.component)).map(async (running) => await running.component.stop()))
    this.log.log(6, `reloaded ${path ?? 'built-in default config'}: ${config.listeners.length} listeners, ${config.rules.length} rules; files reopened`)
  }

  async #startInput (listener: ListenerConfig): Promise<Running<Input>> {
    const Kind = inputs[listener.transport]
    const stateDir = resolve(this.#config.globals.stateDir)
    const component = new Kind(listener, { sink: this, log: this.log, timeZone: this.#zone, budget: this.#budget, flushOutputs: this.#flushOutputs, stateDir })
    await component.start()
    if (this.#paused) component.pause()
    return { key: inputKey(listener, this.#config), component }
  }

  /** The outputs the rules need: reused (and reopened) from `previous` when unchanged, else new. */
  async #startOutputs (rules: readonly RuleConfig[], previous: Array<Running<Output>>): Promise<Array<Running<Output>>> {
    const reusable = new Map(previous.map((running) => [running.key, running.component]))
    const result = new Map<string, Output>()
    const context: OutputContext = { log: this.log, hostname: this.#hostname, timeZone: this.#zone }
    for (const rule of rules) {
      const key = outputKey(rule, this.#config)
      if (result.has(key)) continue
      const old = reusable.get(key)
      if (old !== undefined) {
        await old.reopen()
        result.set(key, old)
        continue
      }
      // A signed destination writes the records its signing stage hands it, byte for byte.
      const output = isSigned(rule.action, this.#config.globals.sign)
        ? new SignedOutput(createOutput({ ...rule.action, format: 'raw', newline: 'keep' }, context))
        : createOutput(rule.action, context)
      output.onDrain(() => { this.#onDrain(output) })
      try {
        await output.start()
      } catch (err) {
        // A destination that cannot start is reported; its messages are counted by the output.
        this.log.log(3, `${rule.file}:${rule.line}: ${output.name}: ${(err as Error).message}`)
      }
      result.set(key, output)
    }
    return [...result].map(([key, component]) => ({ key, component }))
  }

  /** The key and the next RSID: what can fail, before a config is committed to. */
  async #prepareSigning (config: Config): Promise<PreparedSession | null> {
    const sign = config.globals.sign
    if (sign.sg === null) return null
    return await SigningSession.prepare(sign, resolve(config.globals.stateDir))
  }

  /**
   * A new signing session (new RSID) over the signed outputs, in config order; the previous one
   * is closed after the switch, so its last hashes are signed. Synchronous up to the switch:
   * every message is in exactly one session.
   */
  async #startSigning (config: Config, prepared: PreparedSession | null): Promise<void> {
    const previous = this.#signing
    this.#signing = null
    if (prepared !== null) {
      const byKey = new Map(this.#outputs.map((running) => [running.key, running.component]))
      const destinations = new Map<SignedOutput, { selects: Uint8Array, action: ActionConfig }>()
      for (const rule of config.rules) {
        const output = byKey.get(outputKey(rule, config))
        if (!(output instanceof SignedOutput)) continue
        let entry = destinations.get(output)
        if (entry === undefined) destinations.set(output, entry = { selects: new Uint8Array(rule.selector.mask.length), action: rule.action })
        for (let pri = 0; pri < entry.selects.length; pri++) if (rule.selector.mask[pri] === 1) entry.selects[pri] = 1
      }
      const list: SignDestination[] = [...destinations].map(([output, { selects, action }]) => ({ output: output.inner, selects, datagram: action.kind === 'forward' && action.transport === 'udp', unacknowledged: action.kind === 'forward' && (action.transport === 'tcp' || action.transport === 'tls'), maxRecordBytes: maxRecordBytes(action) }))
      const session = new SigningSession({ settings: config.globals.sign, stateDir: config.globals.stateDir, hostname: this.#hostname, timeZone: this.#zone, log: this.log, destinations: list }, prepared)
      let index = 0
      for (const output of destinations.keys()) output.bind(session, index++)
      session.start()
      this.#signing = session
      this.log.log(6, `syslog-sign: session RSID ${session.rsid}, VER ${session.ver}, SG ${session.strategy}, ${session.groups.length} signature groups over ${list.length} destinations; key type ${session.key.blobType} from ${session.key.source}; ${session.describeBlocks()}`)
    }
    await previous?.close()
  }

  #onFull = (output: Output): void => {
    this.#full.add(output)
    if (this.#paused) return
    this.#paused = true
    this.pauses++
    this.#pausedAt = performance.now()
    for (const running of this.#inputs) running.component.pause()
  }

  #onDrain (output: Output): void {
    if (!this.#full.delete(output) || this.#full.size > 0 || !this.#paused) return
    this.#paused = false
    this.pausedMs += performance.now() - this.#pausedAt
    for (const running of this.#inputs) running.component.resume()
  }

  /** user= / group=: after binding (ports below 1024, /dev/log), before opening any file. */
  #dropPrivileges (): void {
    const { user, group } = this.#config.globals
    if (group !== null) process.setgid!(group)
    if (user !== null) process.setuid!(user)
    if (user !== null || group !== null) this.log.log(6, `running as user ${user ?? process.getuid!()} group ${group ?? process.getgid!()}`)
  }
}

/**
 * Rules whose actions are written the same share one output. The key holds the settings an
 * output is built with, so a changed hostname= or timezone= makes a new output on reload.
 */
function outputKey (rule: RuleConfig, config: Config): string {
  const { file: _file, line: _line, ...action } = rule.action
  const key = [action, config.globals.hostname, config.globals.timezone]
  // A signed output writes raw records: it is a different output from the unsigned one.
  if (isSigned(rule.action, config.globals.sign)) key.push('signed')
  return JSON.stringify(key)
}

/** The longest record a signed destination writes whole: UDP forwards cut at max_datagram_size. */
function maxRecordBytes (action: ActionConfig): number {
  if (action.kind !== 'forward' || action.transport !== 'udp') return 0
  try {
    return numberOption(action.options, 'max_datagram_size', DEFAULT_MAX_DATAGRAM_BYTES, MAX_UDP4_PAYLOAD)
  } catch {
    return DEFAULT_MAX_DATAGRAM_BYTES
  }
}

/** A listener is kept across a reload when this key is unchanged (its parser's zone included). */
function inputKey (listener: ListenerConfig, config: Config): string {
  const { file: _file, line: _line, ...settings } = listener
  return JSON.stringify([settings, config.globals.timezone])
}

/**
 * The process's memory in bytes, for `stele stats --json`. RSS also counts memory freed but not
 * yet returned to the OS and garbage not yet collected, so it follows peaks; under
 * `node --expose-gc` garbage is collected first, and heapUsedBytes + externalBytes are then the
 * memory actually held (test/daemon/hostile-input.test.ts compares them).
 */
function memoryFigures (): { rssBytes: number, heapUsedBytes: number, externalBytes: number } {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc !== undefined) { gc(); gc() }
  const usage = process.memoryUsage()
  return { rssBytes: usage.rss, heapUsedBytes: usage.heapUsed, externalBytes: usage.external }
}
