import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parse, type ParseOptions, type SyslogMessage } from '../../src/message/index.js'

const RECEIVED = Date.UTC(2026, 10, 22, 12, 0, 0)
const p = (text: string | Buffer, options: ParseOptions = {}): SyslogMessage =>
  parse(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, { receivedAt: RECEIVED, timeZone: 'UTC', ...options })
const codes = (msg: SyslogMessage): string[] => msg.problems.map((problem) => problem.code)
const fields = (msg: SyslogMessage): unknown => ({
  pri: msg.pri, host: msg.hostname, app: msg.appName, pid: msg.procId, text: msg.text
})

test('rfc3164: §5.4 example 1', () => {
  const msg = p("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8")
  assert.equal(msg.format, 'rfc3164')
  assert.equal(msg.version, 0)
  assert.deepEqual(fields(msg), { pri: 34, host: 'mymachine', app: 'su', pid: null, text: "'su root' failed for lonvick on /dev/pts/8" })
  assert.equal(msg.timestamp?.epochMs, Date.UTC(2026, 9, 11, 22, 14, 15))
  assert.equal(msg.timestamp?.text, 'Oct 11 22:14:15')
  assert.equal(msg.timestamp?.hasYear, false)
  assert.equal(msg.timestamp?.hasZone, false)
  assert.deepEqual(msg.problems, [])
})

test('rfc3164: §5.4 example 2, no PRI: read as <13> and reported', () => {
  const msg = p('Use the BFG!')
  assert.equal(msg.pri, 13)
  assert.equal(msg.text, 'Use the BFG!')
  assert.deepEqual(codes(msg), ['no-pri', 'no-timestamp'])
})

test('rfc3164: §5.4 example 3, space-padded day and an IP address as HOSTNAME', () => {
  const msg = p('<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!')
  assert.equal(msg.hostname, '10.0.0.99')
  assert.equal(msg.timestamp?.epochMs, Date.UTC(2026, 1, 5, 17, 32, 18))
  // RFC 3164 §5.4: "Use" is the TAG and the rest the CONTENT.
  assert.equal(msg.appName, 'Use')
  assert.equal(msg.text, 'the BFG!')
})

test('rfc3164: §5.4 example 4, tag with pid', () => {
  const msg = p('<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It\'s time to make the do-nuts.  %%  Ingredients: Mix=OK, Jelly=OK #')
  // The example's timestamp has a zone and a year between the clock and the host, which no
  // reader can tell from a hostname; it is kept, as the RFC says a relay must.
  assert.equal(msg.pri, 165)
  assert.equal(msg.timestamp?.text, 'Aug 24 05:34:00')
  assert.ok(msg.text.includes('time to make the do-nuts'))
})

test('rfc3164: glibc syslog(3) to /dev/log has no HOSTNAME', () => {
  const local = p('<156>Nov 22 18:16:51 myapp[3110]: disk 91% full', { expectHostname: false })
  assert.deepEqual(fields(local), { pri: 156, host: null, app: 'myapp', pid: '3110', text: 'disk 91% full' })
  assert.deepEqual(local.problems, [])
  // Even when a hostname is expected, "tag[pid]:" is recognised as a TAG, not a host.
  const network = p('<156>Nov 22 18:16:51 myapp[3110]: disk 91% full')
  assert.deepEqual(fields(network), fields(local))
  assert.deepEqual(fields(p('<156>Nov 22 18:16:51 myapp: disk 91% full')), { pri: 156, host: null, app: 'myapp', pid: null, text: 'disk 91% full' })
})

test('rfc3164: local input reads the first word as TAG even without a colon', () => {
  assert.deepEqual(fields(p('<13>Nov 22 10:00:00 cron started', { expectHostname: false })), { pri: 13, host: null, app: 'cron', pid: null, text: 'started' })
  assert.deepEqual(fields(p('<13>Nov 22 10:00:00 host cron started')), { pri: 13, host: 'host', app: 'cron', pid: null, text: 'started' })
})

test('rfc3164: TAG with and without [pid], with and without a colon', () => {
  assert.deepEqual(fields(p('<13>Nov 22 10:00:00 h app[42]: m')), { pri: 13, host: 'h', app: 'app', pid: '42', text: 'm' })
  assert.deepEqual(fields(p('<13>Nov 22 10:00:00 h app[42] m')), { pri: 13, host: 'h', app: 'app', pid: '42', text: 'm' })
  assert.deepEqual(fields(p('<13>Nov 22 10:00:00 h app: m')), { pri: 13, host: 'h', app: 'app', pid: null, text: 'm' })
  assert.deepEqual(fields(p('<13>Nov 22 10:00:00 h postfix/smtpd[1234]: connect from x')), { pri: 13, host: 'h', app: 'postfix/smtpd', pid: '1234', text: 'connect from x' })
})

test('rfc3164: timestamps with a year, milliseconds, microseconds and an unpadded day', () => {
  const withYear = p('<13>Nov 22 2025 10:00:00 h app: m')
  assert.equal(withYear.timestamp?.epochMs, Date.UTC(2025, 10, 22, 10))
  assert.equal(withYear.timestamp?.hasYear, true)
  const millis = p('<13>Nov 22 10:00:00.123 h app: m')
  assert.equal(millis.timestamp?.epochMs, Date.UTC(2026, 10, 22, 10, 0, 0, 123))
  assert.equal(millis.timestamp?.fractionDigits, 3)
  const micros = p('<13>Nov 22 10:00:00.123456 h app: m')
  assert.equal(micros.timestamp?.micros, 456)
  assert.equal(p('<13>Nov 2 10:00:00 h app: m').timestamp?.epochMs, Date.UTC(2026, 10, 2, 10))
  assert.equal(p('<13>Nov 02 10:00:00 h app: m').timestamp?.epochMs, Date.UTC(2026, 10, 2, 10))
})

test('rfc3164: RFC 3339 timestamps inside a 3164 header (rsyslog ForwardFormat)', () => {
  const msg = p('<131>2026-11-22T18:18:32.945250+00:00 vm myapp[6661]: rfc5424 via imudp')
  assert.equal(msg.format, 'rfc3164')
  assert.equal(msg.timestamp?.epochMs, Date.UTC(2026, 10, 22, 18, 18, 32, 945))
  assert.equal(msg.timestamp?.micros, 250)
  assert.equal(msg.timestamp?.hasYear, true)
  assert.deepEqual(fields(msg), { pri: 131, host: 'vm', app: 'myapp', pid: '6661', text: 'rfc5424 via imudp' })
})

test('rfc3164: Cisco IOS sequence number, "*" and "." before the timestamp, ":" after it', () => {
  const star = p('<189>52: *Mar  1 00:08:05.123: %LINK-3-UPDOWN: Interface FastEthernet0/1, changed state to up')
  assert.equal(star.sequence, '52')
  assert.equal(star.pri, 189)
  assert.equal(star.timestamp?.epochMs, Date.UTC(2026, 2, 1, 0, 8, 5, 123))
  assert.equal(star.hostname, null)
  assert.equal(star.appName, '%LINK-3-UPDOWN')
  assert.equal(star.text, 'Interface FastEthernet0/1, changed state to up')
  assert.deepEqual(star.problems, [])
  const dot = p('<189>000123: .Nov 22 09:15:00 UTC: %SYS-5-CONFIG_I: Configured from console by vty0')
  assert.equal(dot.sequence, '000123')
  assert.equal(dot.timestamp?.hasZone, true)
  assert.equal(dot.timestamp?.epochMs, Date.UTC(2026, 10, 22, 9, 15))
  assert.equal(dot.appName, '%SYS-5-CONFIG_I')
  const origin = p('<189>75: router1: *Mar  1 00:45:12.345: %SYS-5-RESTART: System restarted')
  assert.equal(origin.hostname, 'router1')
  assert.equal(origin.appName, '%SYS-5-RESTART')
})

// Found by properties.test.ts (rfc3164 round trip, hostname "UTCa"): the "UTC" of a hostname
// was read as Cisco's zone suffix, the timestamp then ended inside a word and was rejected.
test('rfc3164: a HOSTNAME that starts with or is "UTC"/"GMT" is not a zone suffix', () => {
  const utca = p('<0>Jun 25 12:00:00 UTCa a: ')
  assert.deepEqual(utca.problems, [])
  assert.equal(utca.timestamp?.epochMs, Date.UTC(2026, 5, 25, 12))
  assert.equal(utca.timestamp?.hasZone, false)
  assert.deepEqual(fields(utca), { pri: 0, host: 'UTCa', app: 'a', pid: null, text: '' })
  assert.deepEqual(fields(p('<13>Nov 22 10:00:00 GMT-gw sshd[7]: m')), { pri: 13, host: 'GMT-gw', app: 'sshd', pid: '7', text: 'm' })
  const exact = p('<13>Nov 22 10:00:00 UTC app: m')
  assert.deepEqual(exact.problems, [])
  assert.equal(exact.timestamp?.hasZone, false)
  assert.deepEqual(fields(exact), { pri: 13, host: 'UTC', app: 'app', pid: null, text: 'm' })
  assert.deepEqual(fields(p('<13>Nov 22 10:00:00.250 UTC app: m')), { pri: 13, host: 'UTC', app: 'app', pid: null, text: 'm' })
  // Cisco's "UTC:" is still the zone, also when the same bytes were just read as a hostname's start.
  const cisco = p('<13>Nov 22 10:00:00 UTC: %X-1-Y: m')
  assert.equal(cisco.timestamp?.hasZone, true)
  assert.equal(cisco.hostname, null)
  assert.equal(cisco.appName, '%X-1-Y')
})

test('rfc3164: a Linux kernel line as klogd delivers it', () => {
  const msg = p('<6>kernel: [    1.234567] usb 1-1: new high-speed USB device number 2 using ehci-pci')
  assert.equal(msg.pri, 6)
  assert.equal(msg.appName, 'kernel')
  assert.equal(msg.text, '[    1.234567] usb 1-1: new high-speed USB device number 2 using ehci-pci')
  assert.deepEqual(codes(msg), ['no-timestamp'])
})

test('rfc3164: trailing newline and NUL are stripped; NUL and LF inside are kept', () => {
  assert.equal(p('<13>Nov 22 10:00:00 h app: m\n').text, 'm')
  assert.equal(p('<13>Nov 22 10:00:00 h app: m\0').text, 'm')
  assert.equal(p('<13>Nov 22 10:00:00 h app: a\nb\0c\r\n').text, 'a\nb\0c')
})

test('rfc3164: IPv6 address as HOSTNAME', () => {
  assert.deepEqual(fields(p('<13>Nov 22 10:00:00 2001:db8::1 sshd[7]: accepted')), { pri: 13, host: '2001:db8::1', app: 'sshd', pid: '7', text: 'accepted' })
})

test('rfc3164: New Year rollover: a December message received on 1 January is last year\'s', () => {
  const newYear = Date.UTC(2027, 0, 1, 0, 0, 5)
  const msg = p('<13>Dec 31 23:59:58 h app: late', { receivedAt: newYear })
  assert.equal(msg.timestamp?.epochMs, Date.UTC(2026, 11, 31, 23, 59, 58))
  // A sender whose clock runs a little ahead, received before midnight.
  const ahead = p('<13>Jan  1 00:00:02 h app: early', { receivedAt: Date.UTC(2026, 11, 31, 23, 59, 59) })
  assert.equal(ahead.timestamp?.epochMs, Date.UTC(2027, 0, 1, 0, 0, 2))
  // An old message months back stays in the receive year rather than jumping to the future.
  assert.equal(p('<13>Feb  5 17:32:18 h app: old').timestamp?.epochMs, Date.UTC(2026, 1, 5, 17, 32, 18))
  // Feb 29 resolves against a leap year only.
  assert.equal(p('<13>Feb 29 10:00:00 h app: leap', { receivedAt: Date.UTC(2028, 2, 1) }).timestamp?.epochMs, Date.UTC(2028, 1, 29, 10))
  assert.deepEqual(codes(p('<13>Feb 29 10:00:00 h app: leap')), ['no-timestamp'])
})

test('rfc3164: a zone-less timestamp is resolved in the configured time zone, across DST', () => {
  const berlin = { timeZone: 'Europe/Berlin' }
  assert.equal(p('<13>Nov 22 10:00:00 h app: m', berlin).timestamp?.epochMs, Date.UTC(2026, 10, 22, 9))
  assert.equal(p('<13>Nov 22 10:00:00 h app: m', berlin).timestamp?.offsetMinutes, 60)
  assert.equal(p('<13>Jul  1 10:00:00 h app: m', berlin).timestamp?.epochMs, Date.UTC(2026, 6, 1, 8))
  assert.equal(p('<13>Jul  1 10:00:00 h app: m', berlin).timestamp?.offsetMinutes, 120)
  const kolkata = p('<13>Nov 22 10:00:00 h app: m', { timeZone: 'Asia/Kolkata' })
  assert.equal(kolkata.timestamp?.epochMs, Date.UTC(2026, 10, 22, 4, 30))
  // 2026-10-25 02:30 happens twice in Berlin: the first (summer time) instant is chosen.
  assert.equal(p('<13>Oct 25 02:30:00 h app: m', berlin).timestamp?.epochMs, Date.UTC(2026, 9, 25, 0, 30))
  // 2026-03-29 02:30 does not exist in Berlin: read with the offset before the change.
  assert.equal(p('<13>Mar 29 02:30:00 h app: m', berlin).timestamp?.epochMs, Date.UTC(2026, 2, 29, 1, 30))
  assert.equal(p('<13>Nov 22 10:00:00 h app: m', { timeZone: '+05:45' }).timestamp?.epochMs, Date.UTC(2026, 10, 22, 4, 15))
})

test('rfc3164: garbage after PRI is kept as the message and reported', () => {
  const msg = p('<13>%%% not a header')
  assert.equal(msg.text, '%%% not a header')
  assert.deepEqual(codes(msg), ['no-timestamp'])
  const badPri = p('<1a>Nov 22 10:00:00 h app: m')
  assert.equal(badPri.pri, 13)
  assert.equal(badPri.text, '<1a>Nov 22 10:00:00 h app: m')
  assert.deepEqual(codes(badPri), ['bad-pri', 'no-timestamp'])
})

test('rfc3164: strict mode reports the first violation only', () => {
  const strict = { strict: true }
  assert.deepEqual(p("<34>Oct 11 22:14:15 mymachine su: 'su root' failed", strict).problems, [])
  assert.deepEqual(codes(p('<13>Nov 22 10:00:00.123 h app: m', strict)), ['no-timestamp'])
  assert.deepEqual(codes(p('<13>Nov 22 10:00:00 app[1]: m', strict)), ['no-hostname'])
  assert.deepEqual(codes(p('kernel: m', strict)), ['no-pri'])
  assert.deepEqual(codes(p(`<13>Nov 22 10:00:00 h ${'t'.repeat(33)}: m`, strict)), ['bad-tag'])
  assert.deepEqual(codes(p(`<13>Nov 22 10:00:00 h app: ${'m'.repeat(1100)}`, strict)), ['field-too-long'])
})

test('rfc3164: a repeated timestamp is reused only when it would be read the same way', () => {
  const a = p('<13>Nov 22 10:00:00 h app: first')
  const b = p('<13>Nov 22 10:00:00 h app: second')
  assert.equal(b.timestamp, a.timestamp, 'the same bytes, settings and receive day share one parsed value')
  assert.equal(p('<13>Nov 22 10:00:00.250 h app: m').timestamp?.epochMs, Date.UTC(2026, 10, 22, 10, 0, 0, 250))
  assert.equal(p('<13>Nov 22 10:00:00 UTC: %X-1-Y: m').timestamp?.hasZone, true)
  assert.equal(p('<13>Nov 22 10:00:00 h app: m', { timeZone: 'Europe/Berlin' }).timestamp?.epochMs, Date.UTC(2026, 10, 22, 9))
  assert.equal(p('<13>Nov 22 10:00:00 h app: m', { strict: true }).timestamp?.epochMs, Date.UTC(2026, 10, 22, 10))
  // A new receive day may change the inferred year.
  assert.equal(p('<13>Dec 31 23:59:59 h app: m', { receivedAt: Date.UTC(2026, 11, 31, 23, 59, 59) }).timestamp?.epochMs, Date.UTC(2026, 11, 31, 23, 59, 59))
  assert.equal(p('<13>Dec 31 23:59:59 h app: m', { receivedAt: Date.UTC(2027, 0, 1, 0, 0, 1) }).timestamp?.epochMs, Date.UTC(2026, 11, 31, 23, 59, 59))
  assert.equal(p('<13>Dec 31 23:59:59 h app: m', { receivedAt: Date.UTC(2027, 11, 31, 23, 59, 59) }).timestamp?.epochMs, Date.UTC(2027, 11, 31, 23, 59, 59))
})

test('rfc3164: a cached timestamp reading is not reused when the receive time changes the inferred year', () => {
  // Nov 29 13:00 is within the 7-day future skew of 2026-11-22T14:00Z (so 2026), but not of
  // 05:00Z the same day (so 2025): the cache of the last timestamp must not carry 2026 over.
  const line = Buffer.from('<13>Nov 29 13:00:00 host app: m')
  const late = Date.UTC(2026, 10, 22, 14)
  const early = Date.UTC(2026, 10, 22, 5)
  const yearOf = (receivedAt: number): number => new Date(parse(line, { receivedAt, timeZone: 'UTC' }).timestamp!.epochMs).getUTCFullYear()
  assert.equal(yearOf(late), 2026)
  assert.equal(yearOf(early), 2025, 'right after the same bytes were read at a later receive time')
  assert.equal(yearOf(late), 2026)
  // And a reading that cannot change is still shared: the same timestamp object comes back.
  const a = parse(line, { receivedAt: late, timeZone: 'UTC' }).timestamp
  const b = parse(line, { receivedAt: late + 1000, timeZone: 'UTC' }).timestamp
  assert.equal(a, b)
})
