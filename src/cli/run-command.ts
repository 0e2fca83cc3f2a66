// `stele run [-f CONFIG]`: the daemon, in the foreground (as systemd runs it) until SIGTERM or
// SIGINT. Without -f it runs the built-in default config: UDP and TCP on 127.0.0.1:5514, the
// unix socket ./stele.sock, everything to ./log/messages.

import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { defaultConfig, loadConfig } from '../config/load.js'
import { formatProblem } from '../config/problems.js'
import type { Config } from '../config/schema.js'
import { Daemon } from '../daemon/daemon.js'
import { VERSION } from './version.js'

export const RUN_HELP = `Usage: stele run [-f CONFIG]

Runs the syslog daemon in the foreground until SIGTERM or SIGINT.

Options:
  -f, --config FILE   syslog.conf-style config (see docs/configuration.md); without it the
                      built-in default: udp and tcp on 127.0.0.1:5514, unix socket ./stele.sock,
                      *.* to ./log/messages, control socket ./stele.ctl
  -h, --help          show this help

Signals: SIGHUP re-reads the config and reopens files (a config with errors is rejected and the
running one stays); SIGTERM / SIGINT stop accepting, flush every output and exit 0.
`

export async function runRun (argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'f' },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) { process.stdout.write(RUN_HELP); return 0 }
  let config: Config
  const configPath = values.config === undefined ? null : resolve(values.config)
  if (configPath === null) {
    config = defaultConfig(process.cwd())
  } else {
    const result = await loadConfig(configPath)
    for (const problem of result.problems) process.stderr.write(`${formatProblem(problem)}\n`)
    if (result.config === null) {
      process.stderr.write(`stele run: ${configPath} has errors; not starting\n`)
      return 1
    }
    config = result.config
  }

  const daemon = new Daemon(config, { configPath, version: VERSION })
  // No error the daemon can survive may stop it: an exception that escaped a callback is
  // logged as critical and the daemon goes on.
  process.on('uncaughtException', (err) => { daemon.log.log(2, `internal error: ${err.stack ?? err.message}`) })
  process.on('unhandledRejection', (err) => { daemon.log.log(2, `internal error: ${(err as Error)?.stack ?? String(err)}`) })
  try {
    await daemon.start()
  } catch (err) {
    process.stderr.write(`stele run: ${(err as Error).message}\n`)
    await daemon.stop('start-up failed').catch(() => {})
    return 1
  }
  const running = `stele ${VERSION} running (pid ${process.pid}); listening on ${daemon.inputs.map((input) => `${input.name} (${input.address()})`).join(', ')}\n`

  return await new Promise<number>((resolveExit) => {
    process.on('SIGHUP', () => { void daemon.reload() })
    let stopping = false
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        // A second Ctrl-C means "now". A repeated SIGTERM (wrappers and service managers may
        // forward one twice) must not skip the flush.
        if (signal !== 'SIGINT') return
        process.stderr.write('stele: SIGINT again; exiting without waiting for outputs\n')
        process.exit(1)
      }
      stopping = true
      daemon.stop(`${signal} received`).then(() => resolveExit(0), (err: Error) => {
        process.stderr.write(`stele: error while stopping: ${err.message}\n`)
        resolveExit(1)
      })
    }
    process.on('SIGTERM', () => stop('SIGTERM'))
    process.on('SIGINT', () => stop('SIGINT'))
    // Announced only now: a supervisor that sends SIGTERM as soon as it reads this line must find
    // the handlers in place (before, such a SIGTERM killed the daemon without a flush).
    process.stdout.write(running)
  })
}
