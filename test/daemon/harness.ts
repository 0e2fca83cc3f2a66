// Runs `stele run -f CONFIG` as a real child process, the way an administrator starts it, and
// gives tests what they need: the bound addresses (configs use port 0), the files it writes,
// its stderr, and a stats request. Everything is cleaned up by stop().

import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { requestControl } from '../../src/daemon/control.js'

export const STELE = fileURLToPath(new URL('../../src/cli/stele.js', import.meta.url))

export interface RunningDaemon {
  readonly dir: string
  readonly child: ChildProcess
  /** Bound address per listener URL as written in the config, e.g. "tcp://127.0.0.1:0" -> "127.0.0.1:40211". */
  readonly addresses: Map<string, string>
  stderr: string
  /** The port a udp:// or tcp:// listener bound. */
  port (url: string): number
  stats (): Promise<any>
  /** Sends a signal and, for SIGTERM/SIGINT, waits for the exit code. */
  signal (name: NodeJS.Signals): void
  /** SIGTERM, wait for the exit; resolves to the exit code. The files stay for the test to read. */
  stop (): Promise<number | null>
  /** stop(), then remove the temp dir (when startDaemon made it). For t.after. */
  close (): Promise<void>
}

/**
 * Writes `config` (with `DIR` replaced by a fresh temp dir) to DIR/stele.conf and starts the
 * daemon there. Resolves once it has printed its "running" line.
 */
export async function startDaemon (config: string, options: { dir?: string, env?: NodeJS.ProcessEnv, wrapper?: string[], nodeArgs?: string[] } = {}): Promise<RunningDaemon> {
  const dir = options.dir ?? await mkdtemp(join(tmpdir(), 'stele-test-'))
  const text = config.replaceAll('DIR', dir)
  const withControl = text.includes('control_socket=') ? text : `control_socket=${join(dir, 'stele.ctl')}\n${text}`
  await writeFile(join(dir, 'stele.conf'), withControl)
  // `wrapper` runs the daemon under another command, e.g. ['prlimit', '--nofile=64:64', '--'];
  // `nodeArgs` are node's own options, e.g. ['--expose-gc'].
  const [command, ...args] = [...(options.wrapper ?? []), process.execPath, ...(options.nodeArgs ?? []), STELE, 'run', '-f', join(dir, 'stele.conf')]
  const child = spawn(command!, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } })
  const daemon: RunningDaemon = {
    dir,
    child,
    addresses: new Map(),
    stderr: '',
    port (url) {
      const address = this.addresses.get(url)
      if (address === undefined) throw new Error(`no listener ${url}; have ${[...this.addresses.keys()].join(', ')}`)
      return Number(address.slice(address.lastIndexOf(':') + 1))
    },
    async stats () { return await requestControl(join(dir, 'stele.ctl'), 'stats') },
    signal (name) { child.kill(name) },
    async stop () {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        await once(child, 'exit')
      }
      return child.exitCode
    },
    async close () {
      await this.stop()
      if (options.dir === undefined) await rm(dir, { recursive: true, force: true })
    }
  }
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { daemon.stderr += chunk })
  let stdout = ''
  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`stele run exited with ${code} before it was running:\n${daemon.stderr}`))
    child.once('exit', onExit)
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      const line = /running \(pid \d+\); listening on (.*)\n/.exec(stdout)
      if (line === null) return
      for (const match of line[1]!.matchAll(/(\S+) \(([^)]*)\)/g)) daemon.addresses.set(match[1]!, match[2]!)
      child.off('exit', onExit)
      resolve()
    })
  })
  return daemon
}

/** Polls `check` until it returns true, failing after `timeoutMs`. For conditions no event announces (file contents). */
export async function waitFor (check: () => Promise<boolean> | boolean, what: string | (() => string), timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let delay = 5
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`)
    await new Promise((resolve) => setTimeout(resolve, delay))
    delay = Math.min(delay * 2, 100)
  }
}

/**
 * The daemon's stats once every output has settled what it received (written + dropped ===
 * received, the state outputs/accounting.ts promises after flush()) and `ready(stats)` holds.
 * Reading counters any earlier races the daemon: a message it logged about itself is routed
 * to every output a turn later, and may be received but not yet written or dropped.
 */
export async function settledStats (daemon: RunningDaemon, ready: (stats: any) => boolean = () => true): Promise<any> {
  let stats: any
  const settled = (output: { received: number, written: number, dropped: Record<string, number> }): boolean =>
    output.written + Object.values(output.dropped).reduce((sum, count) => sum + count, 0) === output.received
  await waitFor(async () => {
    stats = await daemon.stats()
    return stats.outputs.every(settled) && ready(stats)
  }, () => `every output settled: ${JSON.stringify(stats?.outputs)}`)
  return stats
}

/** Lines of a file, [] when it does not exist yet. */
export async function readLines (path: string): Promise<string[]> {
  try {
    const text = await readFile(path, 'utf8')
    return text === '' ? [] : text.replace(/\n$/, '').split('\n')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
}

/** Runs a command to completion, feeding `input` on stdin. */
export async function run (command: string, args: string[], input?: string | Buffer, env?: NodeJS.ProcessEnv): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  child.stdin.on('error', () => {})
  child.stdin.end(input)
  const [code] = await once(child, 'close') as [number | null]
  return { code, stdout, stderr }
}

/** Fails under CI when a peer program is missing; elsewhere returns a skip reason naming the package. */
export function requireProgram (available: boolean, program: string, debianPackage: string): string | undefined {
  if (available) return undefined
  if (process.env.CI === 'true') throw new Error(`${program} is missing: .ci/run must install the Debian package ${debianPackage}`)
  return `${program} not installed (apt-get install ${debianPackage})`
}
