// A deterministic mixed corpus of syslog lines for the parse benchmark: half RFC 3164, half
// RFC 5424, shaped after the captures in test/fixtures/wire/README.md (glibc / logger / rsyslog)
// and the usual Debian daemons (sshd, CRON, postfix, kernel UFW, sudo, nginx, systemd).
//
// Same seed, same lines, on every machine: the generator is a seeded PRNG (mulberry32), never
// Math.random. Timestamps advance like a real stream (a few messages per second), because the
// formatters cache the text of the last second and a corpus of random instants would defeat
// that cache in a way live traffic does not.
//
// Each line is kept both as a Buffer (what stele's listeners receive from a socket) and as a
// string (what the string-based npm parsers take).

export type LineKind = 'rfc3164' | 'rfc5424'

export interface CorpusLine {
  readonly kind: LineKind
  readonly text: string
  readonly bytes: Buffer
}

export interface Corpus {
  readonly lines: readonly CorpusLine[]
  readonly rfc3164: readonly CorpusLine[]
  readonly rfc5424: readonly CorpusLine[]
  readonly seed: number
  readonly minBytes: number
  readonly maxBytes: number
  readonly meanBytes: number
  /** Lines with a byte >= 0x80 in MSG (UTF-8 text). */
  readonly nonAsciiLines: number
  /** RFC 5424 lines with 0, 1 and 2 SD-ELEMENTs. */
  readonly sdElementCounts: readonly [number, number, number]
}

export const DEFAULT_SEED = 0x5e1e
export const DEFAULT_LINES = 20_000
const MIN_LINE_BYTES = 120
const MAX_LINE_BYTES = 250

/** mulberry32: small, fast, good enough for test data; deterministic for a given seed. */
function createRandom (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

class Gen {
  readonly #next: () => number
  constructor (seed: number) { this.#next = createRandom(seed) }
  float (): number { return this.#next() }
  int (min: number, max: number): number { return min + Math.floor(this.#next() * (max - min + 1)) }
  pick<T> (items: readonly T[]): T { return items[Math.floor(this.#next() * items.length)]! }
  chance (p: number): boolean { return this.#next() < p }
  hex (digits: number): string {
    let s = ''
    for (let i = 0; i < digits; i++) s += '0123456789abcdef'[this.int(0, 15)]
    return s
  }
  ipv4 (): string { return `${this.pick(['10.0', '10.12', '192.168', '172.16'])}.${this.int(0, 255)}.${this.int(1, 254)}` }
  publicIp (): string { return `${this.pick(['203.0.113', '198.51.100', '192.0.2'])}.${this.int(1, 254)}` }
}

const HOSTS = [
  'vm', 'web-01', 'web-02', 'web-03', 'db-primary', 'db-replica-2', 'cache-7', 'edge-router-3',
  'mail.example.com', 'build-agent-14', 'k8s-node-a3f2', 'lb01.dc1.example.net', 'backup', 'ns1',
  'fw-core-1', '10.0.3.17', 'ci-runner-05', 'storage-b.example.org'
]
const USERS = ['root', 'deploy', 'alice', 'bob', 'ansible', 'backup', 'postgres', 'www-data', 'git', 'jenkins']
const UTF8_WORDS = ['grüße ✓', 'Zürich', 'naïve café', 'Ελληνικά', '日本語のログ', 'señal débil', 'Straße 5 → ok']
const PATHS = ['/api/v1/orders', '/api/v1/users/me', '/healthz', '/static/app.3f9c2e.js', '/login', '/api/v2/search?q=disk', '/metrics']
const UNITS = ['apt-daily.service', 'logrotate.service', 'man-db.service', 'certbot.timer', 'fstrim.service', 'systemd-tmpfiles-clean.service']

interface Template {
  app: string
  pid: boolean
  /** Only in RFC 3164 lines: glossy cuts an RFC 5424 MSG with a word ending in ']' (kernel's "[UFW BLOCK]"). */
  only3164?: boolean
  message: (g: Gen) => string
}

// Messages as the usual daemons write them.
const TEMPLATES: readonly Template[] = [
  { app: 'sshd', pid: true, message: (g) => `Accepted publickey for ${g.pick(USERS)} from ${g.ipv4()} port ${g.int(1024, 65535)} ssh2: ED25519 SHA256:${g.hex(22)}` },
  { app: 'sshd', pid: true, message: (g) => `Failed password for invalid user ${g.pick(['admin', 'test', 'oracle', 'ubuntu', 'pi'])} from ${g.publicIp()} port ${g.int(1024, 65535)} ssh2` },
  { app: 'sshd', pid: true, message: (g) => `pam_unix(sshd:session): session opened for user ${g.pick(USERS)}(uid=${g.int(0, 1500)}) by (uid=0)` },
  { app: 'CRON', pid: true, message: (g) => `(${g.pick(USERS)}) CMD (${g.pick(['run-parts /etc/cron.hourly', '/usr/local/bin/backup.sh --incremental', 'test -x /usr/sbin/anacron || run-parts --report /etc/cron.daily', 'php /var/www/app/artisan schedule:run >> /dev/null 2>&1'])})` },
  { app: 'systemd', pid: true, message: (g) => `${g.pick(['Started', 'Finished', 'Starting', 'Stopped'])} ${g.pick(UNITS)} - ${g.pick(['Daily apt download activities', 'Rotate log files', 'Daily man-db regeneration', 'Discard unused blocks on filesystems'])}.` },
  { app: 'postfix/smtpd', pid: true, message: (g) => `${g.hex(10).toUpperCase()}: client=${g.pick(['mail-ot1', 'relay', 'smtp-out'])}.example.net[${g.publicIp()}], sasl_method=PLAIN, sasl_username=${g.pick(USERS)}@example.com` },
  { app: 'postfix/smtp', pid: true, message: (g) => `${g.hex(10).toUpperCase()}: to=<${g.pick(USERS)}@example.org>, relay=mx.example.org[${g.publicIp()}]:25, delay=${g.int(0, 9)}.${g.int(10, 99)}, dsn=2.0.0, status=sent (250 2.0.0 OK ${g.hex(8)})` },
  { app: 'kernel', pid: false, only3164: true, message: (g) => `[${g.int(1000, 999999)}.${g.int(100000, 999999)}] [UFW BLOCK] IN=eth0 OUT= SRC=${g.publicIp()} DST=${g.ipv4()} LEN=${g.int(40, 1500)} TTL=${g.int(30, 250)} PROTO=TCP SPT=${g.int(1024, 65535)} DPT=${g.pick([22, 23, 445, 3389, 8080])} SYN` },
  { app: 'sudo', pid: false, message: (g) => `${g.pick(USERS)} : TTY=pts/${g.int(0, 9)} ; PWD=/home/${g.pick(USERS)} ; USER=root ; COMMAND=/usr/bin/systemctl restart ${g.pick(['nginx', 'postgresql', 'redis-server', 'docker'])}` },
  { app: 'nginx', pid: true, message: (g) => `${g.publicIp()} - - "${g.pick(['GET', 'POST', 'PUT'])} ${g.pick(PATHS)} HTTP/1.1" ${g.pick([200, 200, 200, 201, 304, 404, 502])} ${g.int(0, 90000)} "-" "${g.pick(['curl/8.5.0', 'Mozilla/5.0 (X11; Linux x86_64)', 'Go-http-client/2.0'])}"` },
  { app: 'dhclient', pid: true, message: (g) => `DHCPACK of ${g.ipv4()} from ${g.ipv4()} (xid=0x${g.hex(8)}); bound to ${g.ipv4()} -- renewal in ${g.int(300, 43200)} seconds.` },
  { app: 'myapp', pid: true, message: (g) => `level=${g.pick(['info', 'info', 'warn', 'error'])} msg="request completed" method=${g.pick(['GET', 'POST'])} path=${g.pick(PATHS)} status=${g.pick([200, 201, 400, 500])} duration_ms=${g.int(1, 900)}.${g.int(0, 9)}` },
  { app: 'myapp', pid: true, message: (g) => `disk ${g.int(80, 99)}% full on /var/lib/${g.pick(['postgresql', 'docker', 'mysql'])} (${g.int(1, 40)} GiB free of ${g.pick([100, 250, 500])} GiB)` },
  { app: 'dockerd', pid: true, message: (g) => `time="2026-03-10T00:${String(g.int(10, 59))}:${String(g.int(10, 59))}.${g.int(100000000, 999999999)}Z" level=info msg="ignoring event" container=${g.hex(12)}` }
]

// Extra detail appended until a line reaches its target length (as apps add context fields).
const SUFFIXES: ReadonlyArray<(g: Gen) => string> = [
  (g) => ` trace_id=${g.hex(16)}`,
  (g) => ` user=${g.pick(USERS)}`,
  (g) => ` bytes=${g.int(0, 1_000_000)}`,
  (g) => ` peer=${g.ipv4()}:${g.int(1024, 65535)}`,
  (g) => ` attempt=${g.int(1, 5)}`,
  (g) => ` region=${g.pick(['eu-west-1', 'us-east-2', 'ap-south-1'])}`
]

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n))

/** `Nov 22 18:17:24`, or `Mar  5 09:04:03` (space-padded day), in UTC. */
function bsdTime (ms: number): string {
  const d = new Date(ms)
  const day = d.getUTCDate()
  return `${MONTHS[d.getUTCMonth()]!} ${day < 10 ? ` ${day}` : day} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`
}

/** RFC 3339 with `digits` fraction digits (0, 3 or 6) and the given offset ('Z' or ±hh:mm). */
function rfc3339 (ms: number, micros: number, digits: number, offsetMinutes: number, useZ: boolean): string {
  const d = new Date(ms + offsetMinutes * 60000)
  let s = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`
  if (digits === 3) s += `.${String(d.getUTCMilliseconds()).padStart(3, '0')}`
  else if (digits === 6) s += `.${String(d.getUTCMilliseconds() * 1000 + micros).padStart(6, '0')}`
  if (offsetMinutes === 0 && useZ) return `${s}Z`
  const abs = Math.abs(offsetMinutes)
  return `${s}${offsetMinutes < 0 ? '-' : '+'}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`
}

/** Message text: a template, sometimes UTF-8 or a TAB, then suffixes up to `target` bytes in all. */
function messageText (g: Gen, t: Template, headerBytes: number, target: number): string {
  let text = t.message(g)
  if (g.chance(0.05)) text += ` note="${g.pick(UTF8_WORDS)}"`
  if (g.chance(0.01)) text += '\tcol2' // glibc sends TAB raw (glibc-dgram-newline-tab-utf8.bin)
  while (headerBytes + Buffer.byteLength(text) < target) {
    const next = g.pick(SUFFIXES)(g)
    if (headerBytes + Buffer.byteLength(text) + next.length > MAX_LINE_BYTES) break
    text += next
  }
  return text
}

// logger(1) RFC 5424 adds this element unless told otherwise (logger-udp-rfc5424-default.bin).
const TIME_QUALITY = '[timeQuality tzKnown="1" isSynced="0"]'
const OTHER_SD: ReadonlyArray<(g: Gen) => string> = [
  (g) => `[origin ip="${g.ipv4()}" software="rsyslogd" swVersion="8.2302.0"]`,
  (g) => `[meta sequenceId="${g.int(1, 999999)}" sysUpTime="${g.int(100, 9999999)}"]`,
  () => '[zoo@123 tiger="hungry" note="a \\"quoted\\" \\]bracket \\\\ backslash"]', // logger-udp-rfc5424-sd.bin
  (g) => `[exampleSDID@32473 iut="${g.int(1, 9)}" eventSource="Application" eventID="${g.int(1000, 1999)}"]`,
  (g) => `[req@32473 id="${g.hex(16)}" user="${g.pick(USERS)}"]`
]

function structuredData (g: Gen, counts: [number, number, number]): string {
  const r = g.float()
  if (r < 0.35) { counts[0]++; return '-' }
  if (r < 0.75) { counts[1]++; return g.chance(0.6) ? TIME_QUALITY : g.pick(OTHER_SD)(g) }
  counts[2]++
  if (g.chance(0.7)) return TIME_QUALITY + g.pick(OTHER_SD)(g)
  // Two distinct SD-IDs: RFC 5424 §6.3.2 forbids a repeated one (stele would report it).
  const first = g.int(0, OTHER_SD.length - 1)
  const second = (first + g.int(1, OTHER_SD.length - 1)) % OTHER_SD.length
  return OTHER_SD[first]!(g) + OTHER_SD[second]!(g)
}

// A line over MAX_LINE_BYTES (a long template under a long header) is drawn again.
const MAX_DRAWS = 20
const TEMPLATES_5424 = TEMPLATES.filter((t) => t.only3164 !== true)

function line3164 (g: Gen, ms: number): string {
  let line = ''
  for (let draw = 0; draw < MAX_DRAWS && (line === '' || Buffer.byteLength(line) > MAX_LINE_BYTES); draw++) line = draw3164(g, ms)
  return line
}

function line5424 (g: Gen, ms: number, counts: [number, number, number]): string {
  let line = ''
  let drawn: [number, number, number] = [0, 0, 0] // SD counts of the line kept (the last one drawn)
  for (let draw = 0; draw < MAX_DRAWS && (line === '' || Buffer.byteLength(line) > MAX_LINE_BYTES); draw++) {
    drawn = [0, 0, 0]
    line = draw5424(g, ms, drawn)
  }
  for (let i = 0; i < 3; i++) counts[i] = counts[i]! + drawn[i]!
  return line
}

function draw3164 (g: Gen, ms: number): string {
  const t = g.pick(TEMPLATES)
  const pri = g.int(0, 23) * 8 + g.int(0, 7)
  const tag = t.pid ? `${t.app}[${g.int(2, 4_194_303)}]` : t.app
  const header = `<${pri}>${bsdTime(ms)} ${g.pick(HOSTS)} ${tag}: `
  return header + messageText(g, t, header.length, g.int(MIN_LINE_BYTES, MAX_LINE_BYTES))
}

function draw5424 (g: Gen, ms: number, counts: [number, number, number]): string {
  const t = g.pick(TEMPLATES_5424)
  const pri = g.int(0, 23) * 8 + g.int(0, 7)
  // Mostly logger's shape (microseconds, +00:00); some RFC examples (.003Z), some other zones,
  // some whole seconds (rsyslog relaying a 3164 message), rarely no timestamp at all.
  const r = g.float()
  const ts = r < 0.02
    ? '-'
    : rfc3339(ms, g.int(0, 999), r < 0.6 ? 6 : r < 0.8 ? 3 : r < 0.9 ? 0 : 6,
      r < 0.85 ? 0 : g.pick([330, -300, 60, -480]), r >= 0.6 && r < 0.8)
  const host = g.chance(0.03) ? '-' : g.pick(HOSTS)
  const procId = t.pid && g.chance(0.8) ? String(g.int(2, 4_194_303)) : '-'
  const msgId = g.chance(0.3) ? g.pick(['ID47', 'TCPIN', 'audit', 'req', 'MSG01']) : '-'
  const header = `<${pri}>1 ${ts} ${host} ${t.app} ${procId} ${msgId} ${structuredData(g, counts)} `
  return header + messageText(g, t, header.length, g.int(MIN_LINE_BYTES, MAX_LINE_BYTES))
}

export function buildCorpus (count = DEFAULT_LINES, seed = DEFAULT_SEED): Corpus {
  const g = new Gen(seed)
  // Exactly half of each kind, in a shuffled order (a relay sees both interleaved).
  const kinds: LineKind[] = []
  for (let i = 0; i < count; i++) kinds.push(i < count / 2 ? 'rfc3164' : 'rfc5424')
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = g.int(0, i)
    const k = kinds[i]!; kinds[i] = kinds[j]!; kinds[j] = k
  }
  // The stream starts at 2026-03-09 23:40 UTC and runs for about an hour past midnight, so the
  // first third of the 3164 lines have a space-padded day (`Mar  9`) and the rest `Mar 10`.
  let ms = Date.UTC(2026, 2, 9, 23, 40, 0)
  const counts: [number, number, number] = [0, 0, 0]
  const lines: CorpusLine[] = []
  let minBytes = Infinity; let maxBytes = 0; let totalBytes = 0; let nonAscii = 0
  for (const kind of kinds) {
    ms += g.int(0, 400) // ~5 messages a second
    const text = kind === 'rfc3164' ? line3164(g, ms) : line5424(g, ms, counts)
    const bytes = Buffer.from(text, 'utf8')
    if (bytes.length !== text.length) nonAscii++
    minBytes = Math.min(minBytes, bytes.length); maxBytes = Math.max(maxBytes, bytes.length)
    totalBytes += bytes.length
    lines.push({ kind, text, bytes })
  }
  return {
    lines,
    rfc3164: lines.filter((l) => l.kind === 'rfc3164'),
    rfc5424: lines.filter((l) => l.kind === 'rfc5424'),
    seed,
    minBytes,
    maxBytes,
    meanBytes: totalBytes / lines.length,
    nonAsciiLines: nonAscii,
    sdElementCounts: counts
  }
}
