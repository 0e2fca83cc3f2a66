// The load of the end-to-end benchmark: COUNT RFC 3164 lines of about 200 bytes, LF-framed,
// each with a distinct sequence number (`seq=0000001`), so that repeat suppression could not
// collapse any and the output can be checked for every number in order.
//
//   <134>Nov 22 10:00:00 web-01 nginx[2211]: seq=0000001 GET /api/v1/items/4821 status=200 ...
//
// Deterministic and random-access: line i is built from a hash of (seed, i), never Math.random,
// so the verifier can rebuild any line without keeping 2,000,000 strings. Timestamps advance one
// second every LINES_PER_SECOND lines, so a formatter's per-second text cache is hit as it would
// be by a fast sender (a real stream at 1 M/s changes second once per million lines; this
// changes it 2,000 times per run). All text is ASCII without control characters, so neither
// daemon escapes anything and every output line differs from its input line by a constant
// number of bytes (the timestamp's width minus that of `<PRI>Mmm dd hh:mm:ss`), which the
// benchmark uses to know the expected size of the output file.
//
// The TLS scenario sends the same lines with octet counting (RFC 5425 §4.3, `LEN SP MSG`, MSG
// without the LF), the framing TLS senders use: writeOctetCountedLoad re-frames the LF file once
// into a second file. Every line is 159-239 bytes without its LF, so LEN always has 3 digits.

import { open } from 'node:fs/promises'

export const SEED = 0x5e1e2e
export const LINES_PER_SECOND = 1000
/** Line lengths (with the LF) are uniform in MIN..MAX: mean 200. */
export const MIN_LINE_BYTES = 160
export const MAX_LINE_BYTES = 240
/** `<PRI>Mmm dd hh:mm:ss ` is always this long: PRI has three digits, the day two. */
export const HEADER_BYTES = 21
const START_SECOND = 10 * 3600 // Nov 22 10:00:00

const HOSTS = ['web-01', 'web-02', 'db-01', 'cache-03', 'gw1']
const APPS: readonly (readonly [string, boolean])[] = [
  ['nginx', true], ['sshd', true], ['CRON', true], ['app', true], ['sudo', false], ['dhclient', true], ['kernel', false]
]
const PATHS = ['/api/v1/items/', '/api/v1/users/', '/static/app.js?v=', '/healthz?probe=', '/login?next=/orders/']
const USERS = ['alice', 'bob', 'carol', 'deploy', 'backup', 'www-data']
const FILLER = 'ctx=' + 'lorem-ipsum-dolor-sit-amet-consectetur-adipiscing-elit-sed-do-eiusmod-tempor-incididunt-ut-labore-et-dolore-magna-aliqua-'.repeat(4)

/** splitmix32-style hash of (seed, i): 32 random bits per call, random access by index. */
function hash (i: number, salt: number): number {
  let t = (Math.imul(i, 0x9e3779b1) ^ Math.imul(SEED + salt, 0x85ebca77)) >>> 0
  t = Math.imul(t ^ (t >>> 16), 0x21f0aaad)
  t = Math.imul(t ^ (t >>> 15), 0x735a2d97)
  return (t ^ (t >>> 15)) >>> 0
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n))

/** Width of the zero-padded sequence number for a run of `count` lines. */
export function seqWidth (count: number): number {
  return Math.max(7, String(count).length)
}

/** `hh:mm:ss` of line `seq` (1-based). */
export function timeOf (seq: number): string {
  const s = (START_SECOND + Math.floor((seq - 1) / LINES_PER_SECOND)) % 86400
  return `${pad2(Math.floor(s / 3600))}:${pad2(Math.floor(s / 60) % 60)}:${pad2(s % 60)}`
}

/** Line `seq` (1-based) without its LF. */
export function lineAt (seq: number, width: number): string {
  const r = hash(seq, 0)
  const r2 = hash(seq, 1)
  const host = HOSTS[r % HOSTS.length]!
  const [app, withPid] = APPS[(r >>> 4) % APPS.length]!
  const pri = 128 + ((r >>> 8) % 64) // local0..local7, every severity: always 3 digits
  const tag = withPid ? `${app}[${1000 + ((r >>> 12) % 60000)}]:` : `${app}:`
  const body = `seq=${String(seq).padStart(width, '0')} user=${USERS[r2 % USERS.length]!} GET ${PATHS[(r2 >>> 4) % PATHS.length]!}${r2 % 100000}` +
    ` status=${r2 % 7 === 0 ? 404 : 200} bytes=${(r2 >>> 8) % 50000} dur_ms=${(r2 >>> 20) % 900} client=10.${(r >>> 20) % 256}.${r2 >>> 24}.${(r2 >>> 16) & 255} `
  const line = `<${pri}>Nov 22 ${timeOf(seq)} ${host} ${tag} ${body}`
  const target = MIN_LINE_BYTES + (hash(seq, 2) % (MAX_LINE_BYTES - MIN_LINE_BYTES + 1)) - 1 // without the LF
  return line.length >= target ? line : line + FILLER.slice(0, target - line.length)
}

export type Framing = 'lf' | 'octet-counting'

export interface LoadFile {
  readonly path: string
  /** How the lines are framed in the file, and so on the wire. */
  readonly framing: Framing
  readonly count: number
  readonly width: number
  /** The lines with an LF each (what the output file's size is computed from), whatever the framing. */
  readonly bytes: number
  /** Size of the file: what the sender writes. Equal to `bytes` when LF-framed. */
  readonly wireBytes: number
  /** Shortest and longest line with its LF. */
  readonly minBytes: number
  readonly maxBytes: number
}

const CHUNK_BYTES = 8 << 20

interface FastWrite { latin1Write (text: string, offset: number): number }

/** Writes the `count` lines to `path` (one file, read by every sender). */
export async function writeLoad (path: string, count: number): Promise<LoadFile> {
  const width = seqWidth(count)
  const fh = await open(path, 'w')
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES)
  let filled = 0
  let bytes = 0
  let minBytes = Infinity
  let maxBytes = 0
  try {
    for (let seq = 1; seq <= count; seq++) {
      if (filled > CHUNK_BYTES - 2 * MAX_LINE_BYTES) {
        await fh.write(chunk, 0, filled)
        filled = 0
      }
      const n = (chunk as unknown as FastWrite).latin1Write(lineAt(seq, width), filled) + 1
      chunk[filled + n - 1] = 0x0a
      filled += n
      bytes += n
      if (n < minBytes) minBytes = n
      if (n > maxBytes) maxBytes = n
    }
    if (filled > 0) await fh.write(chunk, 0, filled)
  } finally {
    await fh.close()
  }
  return { path, framing: 'lf', count, width, bytes, wireBytes: bytes, minBytes, maxBytes }
}

/**
 * Re-frames an LF-framed load with octet counting (RFC 5425 §4.3: `MSG-LEN SP SYSLOG-MSG`, MSG-LEN
 * in decimal without leading zeros, the LF dropped) into `path`: the same lines, byte for byte.
 */
export async function writeOctetCountedLoad (lf: LoadFile, path: string): Promise<LoadFile> {
  const src = await open(lf.path, 'r')
  const dst = await open(path, 'w')
  const input = Buffer.allocUnsafe(CHUNK_BYTES)
  const output = Buffer.allocUnsafe(CHUNK_BYTES + Math.ceil(CHUNK_BYTES / MIN_LINE_BYTES + 1) * 8) // room for every LEN SP
  let carry = 0 // bytes of a line cut at the end of the previous read, moved to the front of `input`
  let lines = 0
  let wireBytes = 0
  try {
    for (;;) {
      const { bytesRead } = await src.read(input, carry, input.length - carry, null)
      const filled = carry + bytesRead
      let start = 0
      let out = 0
      for (let lfAt = input.indexOf(0x0a, start); lfAt >= 0 && lfAt < filled; lfAt = input.indexOf(0x0a, start)) {
        out += output.write(String(lfAt - start), out, 'latin1')
        output[out++] = 0x20
        out += input.copy(output, out, start, lfAt)
        lines++
        start = lfAt + 1
      }
      if (out > 0) { await dst.write(output, 0, out); wireBytes += out }
      carry = input.copy(input, 0, start, filled)
      if (bytesRead === 0) break
    }
  } finally {
    await src.close()
    await dst.close()
  }
  if (carry !== 0 || lines !== lf.count) throw new Error(`${lf.path}: ${lines} LF-terminated lines (and ${carry} bytes after the last LF) where ${lf.count} were written`)
  return { ...lf, path, framing: 'octet-counting', wireBytes }
}
