// `stele parse`: reads syslog messages from stdin (or files), as a stream framed per RFC 6587
// or one message per line, and prints what stele makes of each in any output format. Meant for
// administrators checking how a device's messages will be read, and for scripting.

import { createReadStream } from 'node:fs'
import type { Readable } from 'node:stream'
import { parseArgs } from 'node:util'
import { FrameDecoder, FRAME_TRUNCATED, FRAME_UNFRAMED, type Framing } from '../framing/index.js'
import { ByteWriter } from '../message/byte-writer.js'
import { createFormatter, OUTPUT_FORMATS, type OutputFormat } from '../message/format.js'
import { createParser } from '../message/parse.js'
import { timeZone } from '../message/time-zone.js'

export const PARSE_HELP = `Usage: stele parse [options] [FILE...]

Reads syslog messages from FILEs or standard input and prints them in another format.
Input is a byte stream framed as RFC 6587 describes: octet counting ("LEN MSG") or one message
per line (LF, CRLF or NUL), detected from the first byte unless --framing says otherwise.

Options:
  -o, --format FORMAT     json (default), iso, traditional, rfc5424, rfc3164, raw
      --framing MODE      auto (default), octet, lf, nul
      --strict            report the first violation of RFC 5424 / RFC 3164 grammar
      --local             input comes from a local socket: RFC 3164 messages carry no hostname
      --timezone ZONE     zone for timestamps without one: local (default), UTC, +01:00, Europe/Berlin
      --max-size BYTES    longest message accepted (default 65536); longer ones are truncated
      --problems          print each message's parse problems on standard error
  -h, --help              show this help
`

export async function runParse (argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string', short: 'o', default: 'json' },
      framing: { type: 'string', default: 'auto' },
      strict: { type: 'boolean', default: false },
      local: { type: 'boolean', default: false },
      timezone: { type: 'string', default: 'local' },
      'max-size': { type: 'string', default: '65536' },
      problems: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) { process.stdout.write(PARSE_HELP); return 0 }
  const format = values.format as OutputFormat
  if (!OUTPUT_FORMATS.includes(format)) return usageError(`--format "${values.format}" is not one of ${OUTPUT_FORMATS.join(', ')}`)
  const framing = values.framing as Framing
  if (!['auto', 'octet', 'lf', 'nul'].includes(framing)) return usageError(`--framing "${values.framing}" is not one of auto, octet, lf, nul`)
  const maxFrameBytes = Number(values['max-size'])
  if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 1) return usageError(`--max-size "${values['max-size']}" is not a positive whole number`)
  let zone
  try { zone = timeZone(values.timezone) } catch (err) { return usageError((err as Error).message) }

  const parse = createParser({ strict: values.strict, expectHostname: !values.local, timeZone: zone })
  const formatter = createFormatter(format, { timeZone: zone })
  const out = new ByteWriter()
  let problems = 0
  const decoder = new FrameDecoder({
    framing,
    maxFrameBytes,
    onFrame: (frame, flags) => {
      const msg = parse(frame)
      if (msg.malformed || (flags & (FRAME_TRUNCATED | FRAME_UNFRAMED)) !== 0) problems++
      if (values.problems) {
        for (const p of msg.problems) process.stderr.write(`message ${decoder.counters.frames}: ${p.code} at byte ${p.offset}: ${p.detail}\n`)
        if ((flags & FRAME_TRUNCATED) !== 0) process.stderr.write(`message ${decoder.counters.frames}: truncated to ${maxFrameBytes} bytes\n`)
      }
      formatter.write(msg, out)
    },
    onProblem: (message) => { if (values.problems) process.stderr.write(`framing: ${message}\n`) }
  })
  const sources: Readable[] = positionals.length === 0 ? [process.stdin] : positionals.map((file) => createReadStream(file))
  for (const source of sources) {
    for await (const chunk of source) {
      decoder.push(chunk as Buffer)
      if (out.length > 0 && !process.stdout.write(out.take())) await new Promise((resolve) => process.stdout.once('drain', resolve))
    }
  }
  decoder.end()
  if (out.length > 0) process.stdout.write(out.take())
  return problems > 0 && values.strict ? 1 : 0
}

function usageError (message: string): number {
  process.stderr.write(`stele parse: ${message}\n`)
  return 2
}
