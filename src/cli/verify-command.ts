// `stele verify`: check a log archive that holds RFC 5848 syslog-sign blocks, the way NetBSD's
// verify.pl does, and print the signed messages in order, the lost ones and the unsigned ones.
// See docs/syslog-sign.md.

import { parseArgs } from 'node:util'
import { createReadStream, createWriteStream } from 'node:fs'
import { once } from 'node:events'
import type { Readable, Writable } from 'node:stream'
import { LogVerifier } from '../sign/verify/log-verifier.js'
import { readLines } from '../sign/verify/read-lines.js'
import { EXIT_USAGE, exitCodeOf, signedLines, summaryLine, toJson, unsignedLines } from '../sign/verify/report.js'
import type { HashName } from '../sign/ver.js'

export const VERIFY_HELP = `Usage: stele verify [-i LOG] [-o FILE] [-u FILE] [--sha1] [--sha256] [-v|-q] [--json]

Verifies RFC 5848 syslog-sign signatures in a log (NetBSD syslogd's format, and stele's):
reassembles and checks the certificate blocks, checks every signature block with the key of
its signature group, then prints the signed messages in message-number order, each prefixed
by "hostname,RSID,VER,SG,SPRI,number", a "**** msg lost" line for every signed number whose
message is missing or modified, and then the messages no valid signature covers.
Status lines go to stderr (not with -q), ending with a summary line of counts.

Options:
  -i, --in FILE         log to read (default: stdin)
  -o, --out FILE        append verified messages to FILE (default: stdout)
  -u, --unsigned FILE   append unsigned messages to FILE (default: stdout)
      --sha1            accept VER 0111 (SHA-1) blocks (the default)
      --sha256          accept VER 0121 (SHA-256) blocks; with --sha1, both
  -v, --verbose         show every block, hash and check on stderr
  -q, --quiet           no status lines and no headings
      --json            print the result as JSON (to -o or stdout) instead of the lists
      --tab             separate tuple and message with a TAB, as verify.pl writes it
                        (default: the TAB expanded to spaces, as NetBSD's published example)
  -h, --help            show this help

Exit status (the first that applies):
  4  an invalid certificate or signature block, or an unusable key
  3  messages lost: a signed number without its message (deleted or modified)
  1  messages without a valid signature (modified, inserted or unsigned)
  0  every message signed and nothing missing
  2  usage error, or the input cannot be read
`

export async function runVerify (argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      in: { type: 'string', short: 'i' },
      out: { type: 'string', short: 'o' },
      unsigned: { type: 'string', short: 'u' },
      sha1: { type: 'boolean', default: false },
      sha256: { type: 'boolean', default: false },
      verbose: { type: 'boolean', short: 'v', default: false },
      quiet: { type: 'boolean', short: 'q', default: false },
      json: { type: 'boolean', default: false },
      tab: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) { process.stdout.write(VERIFY_HELP); return 0 }
  if (positionals.length > 0 || (values.verbose && values.quiet)) {
    process.stderr.write(`stele verify: ${positionals.length > 0 ? `unexpected argument "${positionals[0]}"` : '-v and -q exclude each other'}; see stele verify --help\n`)
    return EXIT_USAGE
  }
  const hashes: HashName[] = []
  if (values.sha1 || !values.sha256) hashes.push('sha1')
  if (values.sha256) hashes.push('sha256')
  const status = values.quiet ? () => {} : (line: string) => { process.stderr.write(`${line}\n`) }
  const verbose = values.verbose ? status : () => {}

  const input: Readable = values.in === undefined ? process.stdin : createReadStream(values.in)
  const verifier = new LogVerifier({ hashes, status, verbose })
  status('reading input...')
  try {
    for await (const line of readLines(input)) verifier.addLine(line)
  } catch (err) {
    process.stderr.write(`stele verify: cannot read "${values.in ?? 'stdin'}": ${(err as Error).message}\n`)
    return EXIT_USAGE
  }
  const result = verifier.finish()

  const out = values.out === undefined ? process.stdout : createWriteStream(values.out, { flags: 'a' })
  const unsignedOut = values.unsigned === undefined ? process.stdout : createWriteStream(values.unsigned, { flags: 'a' })
  try {
    const text = { headings: !values.quiet, tab: values.tab }
    if (values.json) {
      await writeAll(out, [toJson(result)])
    } else {
      await writeAll(out, signedLines(result, text))
      await writeAll(unsignedOut, unsignedLines(result, text))
    }
    await Promise.all([finish(out), finish(unsignedOut)])
  } catch (err) {
    // A reader that stops early (`stele verify ... | head`) is not an error: the verdict stands.
    if ((err as NodeJS.ErrnoException).code !== 'EPIPE') {
      process.stderr.write(`stele verify: cannot write output: ${(err as Error).message}\n`)
      return EXIT_USAGE
    }
  }
  status(summaryLine(result))
  return exitCodeOf(result)
}

// Writes in batches of about 64 KB and waits for 'drain', so a huge archive's listing does not
// pile up in memory.
async function writeAll (stream: Writable, parts: Iterable<string | Buffer>): Promise<void> {
  let batch: Array<string | Buffer> = []
  let bytes = 0
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return
    const chunk = Buffer.concat(batch.map((p) => typeof p === 'string' ? Buffer.from(p, 'utf8') : p))
    batch = []
    bytes = 0
    if (!stream.write(chunk)) await once(stream, 'drain')
  }
  for (const part of parts) {
    batch.push(part)
    bytes += part.length
    if (bytes >= 65536) await flush()
  }
  await flush()
}

async function finish (stream: Writable): Promise<void> {
  if (stream === process.stdout || stream.writableFinished) return
  stream.end()
  await once(stream, 'finish')
}
