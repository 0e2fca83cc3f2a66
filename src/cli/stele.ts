#!/usr/bin/env node
// The `stele` command: one executable, a subcommand per tool.

import { runParse, PARSE_HELP } from './parse-command.js'
import { runCheck, CHECK_HELP } from './check-command.js'
import { runRun, RUN_HELP } from './run-command.js'
import { runSend, SEND_HELP } from './send-command.js'
import { runStats, STATS_HELP } from './stats-command.js'
import { runCert, CERT_HELP } from './cert-command.js'
import { runQueue, QUEUE_HELP } from './queue-command.js'
import { runVerify, VERIFY_HELP } from './verify-command.js'
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

const commands: Record<string, { run: (argv: string[]) => Promise<number>, help: string }> = {
  run: { run: runRun, help: RUN_HELP },
  check: { run: runCheck, help: CHECK_HELP },
  stats: { run: runStats, help: STATS_HELP },
  send: { run: runSend, help: SEND_HELP },
  parse: { run: runParse, help: PARSE_HELP },
  cert: { run: runCert, help: CERT_HELP },
  queue: { run: runQueue, help: QUEUE_HELP },
  verify: { run: runVerify, help: VERIFY_HELP }
}

async function main (argv: string[]): Promise<number> {
  const [first, ...rest] = argv
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined
    process.stdout.write(topic !== undefined && commands[topic] !== undefined ? commands[topic].help : HELP)
    return 0
  }
  if (first === '-V' || first === '--version') {
    process.stdout.write(`${VERSION}\n`)
    return 0
  }
  const command = commands[first]
  if (command === undefined) {
    process.stderr.write(`stele: unknown command "${first}"; see stele --help\n`)
    return 2
  }
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
