#!/usr/bin/env node
// The `stele` command: one executable, a subcommand per tool.

import { VERSION } from './version.js'

const HELP = `stele ${VERSION}: a syslog system that never loses a message, and proves it

Usage: stele COMMAND [options]

Commands:
  run       run the syslog daemon (built-in default config, or -f CONFIG)
  check     validate a config: every error as FILE:LINE: message
  stats     print the running daemon's counters
  send      send messages to a syslog daemon, like logger(1)
  parse     read syslog messages from files or stdin and print them as json, iso, rfc5424, ...
  cert      make a small CA and server/client certificates for TLS; print fingerprints
  queue     inspect or verify a forward's disk queue (without starting the daemon)
  verify    check RFC 5848 syslog-sign signatures in a log (NetBSD verify.pl compatible)

Options:
  -h, --help       show this help (stele COMMAND --help for a command's options)
  -V, --version    print the version

`

interface Command { run: (argv: string[]) => Promise<number>, help: string }

// Each command's module is loaded only when that command runs: `stele run` then never loads the
// code of `send`, `cert`, `parse`, `queue`, ... (less to compile at start-up, and less resident
// memory for the daemon's whole life).
const commands: Record<string, () => Promise<Command>> = {
  run: async () => { const m = await import('./run-command.js'); return { run: m.runRun, help: m.RUN_HELP } },
  check: async () => { const m = await import('./check-command.js'); return { run: m.runCheck, help: m.CHECK_HELP } },
  stats: async () => { const m = await import('./stats-command.js'); return { run: m.runStats, help: m.STATS_HELP } },
  send: async () => { const m = await import('./send-command.js'); return { run: m.runSend, help: m.SEND_HELP } },
  parse: async () => { const m = await import('./parse-command.js'); return { run: m.runParse, help: m.PARSE_HELP } },
  cert: async () => { const m = await import('./cert-command.js'); return { run: m.runCert, help: m.CERT_HELP } },
  queue: async () => { const m = await import('./queue-command.js'); return { run: m.runQueue, help: m.QUEUE_HELP } },
  verify: async () => { const m = await import('./verify-command.js'); return { run: m.runVerify, help: m.VERIFY_HELP } }
}

async function main (argv: string[]): Promise<number> {
  const [first, ...rest] = argv
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined
    const load = topic !== undefined && Object.hasOwn(commands, topic) ? commands[topic] : undefined
    process.stdout.write(load !== undefined ? (await load()).help : HELP)
    return 0
  }
  if (first === '-V' || first === '--version') {
    process.stdout.write(`${VERSION}\n`)
    return 0
  }
  const load = Object.hasOwn(commands, first) ? commands[first] : undefined
  if (load === undefined) {
    process.stderr.write(`stele: unknown command "${first}"; see stele --help\n`)
    return 2
  }
  const command = await load()
  try {
    return await command.run(rest)
  } catch (err) {
    // parseArgs reports unknown or malformed options by throwing; show them as usage errors.
    process.stderr.write(`stele ${first}: ${(err as Error).message}\n`)
    return 2
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code }, (err: unknown) => {
  process.stderr.write(`stele: ${(err as Error).stack ?? String(err)}\n`)
  process.exitCode = 1
})
