// Debian's rsyslogd as a peer for the interop tests: where it is, whether it and its RELP
// modules are installed, and one rsyslogd -n run with a config of the test's own.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import net from 'node:net'
import { join } from 'node:path'
import { waitFor } from '../daemon/harness.js'

export const RSYSLOGD = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find((p) => existsSync(p)) ?? 'rsyslogd'
export const haveRsyslog = spawnSync(RSYSLOGD, ['-v']).status === 0
/** rsyslog-relp (imrelp, omrelp) is a package of its own. */
export const haveRelpModules = ['/usr/lib/x86_64-linux-gnu/rsyslog/imrelp.so', '/usr/lib/aarch64-linux-gnu/rsyslog/imrelp.so', '/usr/lib/rsyslog/imrelp.so'].some((p) => existsSync(p))

/** rsyslogd -n with `conf` (pid file in `work`); start() resolves once `probePort` accepts a connection. */
export class Rsyslog {
  child: ChildProcess | null = null
  output = ''
  constructor (readonly work: string, readonly conf: string, readonly probePort: number) {}

  async start (): Promise<void> {
    const pid = join(this.work, 'rsyslogd.pid')
    await rm(pid, { force: true })
    const child = spawn(RSYSLOGD, ['-n', '-f', this.conf, '-i', pid], { stdio: ['ignore', 'pipe', 'pipe'] })
    this.child = child
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { this.output += chunk })
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { this.output += chunk })
    // rsyslogd has no "ready" line; its input accepting a connection is the event.
    await waitFor(async () => await new Promise<boolean>((resolve) => {
      if (child.exitCode !== null) { resolve(false); return }
      const probe = net.connect(this.probePort, '127.0.0.1', () => { probe.destroy(); resolve(true) })
      probe.on('error', () => resolve(false))
    }), () => `rsyslogd listening on ${this.probePort}:\n${this.output}`)
  }

  async kill (signal: NodeJS.Signals): Promise<void> {
    const child = this.child
    if (child === null || child.exitCode !== null || child.signalCode !== null) return
    child.kill(signal)
    await once(child, 'exit')
  }
}
