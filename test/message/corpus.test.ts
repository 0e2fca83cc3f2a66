// The real-world corpus: every file in test/fixtures/wire/ (see its README for how each was
// captured: glibc syslog(3), util-linux logger in both formats over UDP, TCP and unix sockets,
// rsyslog's forwarding templates; plus documented Cisco, kernel and systemd lines). Stream
// captures are split with the RFC 6587 decoder, then every message is checked field by field.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { FrameDecoder } from '../../src/framing/index.js'
import { parse } from '../../src/message/index.js'

const DIR = new URL('../../../test/fixtures/wire/', import.meta.url)
const RECEIVED = Date.UTC(2026, 10, 22, 19)
type Expected = [pri: number, timestamp: string | null, hostname: string | null, appName: string | null, procId: string | null, msgId: string | null, sdIds: string, text: string]

// [file, local (no HOSTNAME expected: glibc and logger's default local format), messages]
const CORPUS: Array<[string, boolean, Expected[]]> = [
  ['documented-cisco-ios-seq-star.bin', false, [
    [189,"Mar  1 00:08:05.123",null,"%LINK-3-UPDOWN",null,null,"","Interface FastEthernet0/1, changed state to up"]
  ]],
  ['documented-linux-kernel-klogd.bin', false, [
    [6,null,null,"kernel",null,null,"","[    1.234567] usb 1-1: new high-speed USB device"]
  ]],
  ['documented-rfc3164-example1.bin', false, [
    [34,"Oct 11 22:14:15","mymachine","su",null,null,"","'su root' failed for lonvick on /dev/pts/8"]
  ]],
  ['documented-rfc5424-example1-bom.bin', false, [
    [34,"2003-10-11T22:14:15.003Z","mymachine.example.com","su",null,"ID47","","'su root' failed for lonvick on /dev/pts/8"]
  ]],
  ['documented-rfc5424-example4-sd-no-msg.bin', false, [
    [165,"2003-10-11T22:14:15.003Z","mymachine.example.com","evntslog",null,"ID47","exampleSDID@32473 examplePriority@32473",""]
  ]],
  ['documented-systemd-started.bin', false, [
    [30,"Nov 22 10:00:00",null,"systemd","1",null,"","Started Daily apt download activities."]
  ]],
  ['glibc-dgram-newline-tab-utf8.bin', true, [
    [158,"Nov 22 18:16:51",null,"myapp","3192",null,"","line one\nline two\tcol2 grüße ✓"]
  ]],
  ['glibc-dgram-nopid.bin', true, [
    [156,"Nov 22 18:16:51",null,"myapp",null,null,"","disk 91% full"]
  ]],
  ['glibc-dgram-pid.bin', true, [
    [156,"Nov 22 18:16:51",null,"myapp","3110",null,"","disk 91% full"]
  ]],
  ['glibc-dgram-tz-newyork.bin', true, [
    [156,"Nov 22 13:18:10",null,"myapp","6141",null,"","disk 91% full"]
  ]],
  ['glibc-stream-nul-3msgs.bin', true, [
    [156,"Nov 22 18:16:52",null,"myapp","3280",null,"","disk 91% full"],
    [27,"Nov 22 18:16:52",null,"myapp","3280",null,"","second message, daemon.err"],
    [158,"Nov 22 18:16:52",null,"myapp","3280",null,"","line one\nline two\tcol2 grüße ✓"]
  ]],
  ['logger-tcp-lf-rfc3164-3msgs.bin', false, [
    [131,"Nov 22 18:17:25","vm","myapp","4791",null,"","first"],
    [131,"Nov 22 18:17:25","vm","myapp","4791",null,"","second message"],
    [131,"Nov 22 18:17:25","vm","myapp","4791",null,"","third grüße"]
  ]],
  ['logger-tcp-lf-rfc5424-3msgs.bin', false, [
    [131,"2026-11-22T18:17:25.674461+00:00","vm","myapp","4743",null,"timeQuality","first"],
    [131,"2026-11-22T18:17:25.674516+00:00","vm","myapp","4743",null,"timeQuality","second message"],
    [131,"2026-11-22T18:17:25.674528+00:00","vm","myapp","4743",null,"timeQuality","third grüße"]
  ]],
  ['logger-tcp-octet-count-rfc3164-3msgs.bin', false, [
    [131,"Nov 22 18:17:26","vm","myapp","4885",null,"","first"],
    [131,"Nov 22 18:17:26","vm","myapp","4885",null,"","second message"],
    [131,"Nov 22 18:17:26","vm","myapp","4885",null,"","third grüße"]
  ]],
  ['logger-tcp-octet-count-rfc5424-3msgs.bin', false, [
    [131,"2026-11-22T18:17:25.957548+00:00","vm","myapp","4838",null,"timeQuality","first"],
    [131,"2026-11-22T18:17:25.957654+00:00","vm","myapp","4838",null,"timeQuality","second message"],
    [131,"2026-11-22T18:17:25.957667+00:00","vm","myapp","4838",null,"timeQuality","third grüße"]
  ]],
  ['logger-tcp-octet-count-sd-1msg.bin', false, [
    [131,"2026-11-22T18:17:26.189589+00:00","vm","myapp","4930","ID47","timeQuality zoo@123","single message, octet counted"]
  ]],
  ['logger-udp-rfc3164-default.bin', false, [
    [13,"Nov 22 18:17:24","vm","root",null,null,"","plain message, no options"]
  ]],
  ['logger-udp-rfc3164-faketime-day5.bin', false, [
    [13,"Mar  5 09:04:03","vm","myapp","5737",null,"","single-digit day"]
  ]],
  ['logger-udp-rfc3164-newline-tab-utf8.bin', false, [
    [13,"Nov 22 18:17:25","vm","myapp",null,null,"","line one\nline two\tcol2 grüße ✓"]
  ]],
  ['logger-udp-rfc3164-tag-id-prio.bin', false, [
    [131,"Nov 22 18:17:24","vm","myapp","4290",null,"","disk 91% full"]
  ]],
  ['logger-udp-rfc5424-default.bin', false, [
    [13,"2026-11-22T18:17:24.713847+00:00","vm","root",null,null,"timeQuality","plain message, no options"]
  ]],
  ['logger-udp-rfc5424-explicit-id.bin', false, [
    [131,"2026-11-22T18:17:24.939397+00:00","vm","myapp","4242",null,"timeQuality","explicit --id=4242"]
  ]],
  ['logger-udp-rfc5424-newline-tab-utf8.bin', false, [
    [13,"2026-11-22T18:17:25.393599+00:00","vm","myapp",null,null,"timeQuality","line one\nline two\tcol2 grüße ✓"]
  ]],
  ['logger-udp-rfc5424-nohost-notime.bin', false, [
    [13,null,null,"myapp",null,null,"","no host, no time"]
  ]],
  ['logger-udp-rfc5424-notq.bin', false, [
    [13,"2026-11-22T18:17:25.280659+00:00","vm","myapp",null,null,"","no timeQuality"]
  ]],
  ['logger-udp-rfc5424-prio-kern-emerg-becomes-user.bin', false, [
    [8,"2026-11-22T18:17:48.475881+00:00","vm","myapp",null,null,"timeQuality","kern.emerg is <0>"]
  ]],
  ['logger-udp-rfc5424-prio-local7-debug.bin', false, [
    [191,"2026-11-22T18:17:48.588472+00:00","vm","myapp",null,null,"timeQuality","local7.debug is <191>"]
  ]],
  ['logger-udp-rfc5424-sd.bin', false, [
    [131,"2026-11-22T18:17:25.052181+00:00","vm","myapp","4515","ID47","timeQuality zoo@123 manager@123","message with structured data"]
  ]],
  ['logger-udp-rfc5424-tag-id-prio-msgid.bin', false, [
    [131,"2026-11-22T18:17:24.826793+00:00","vm","myapp","4425","ID47","timeQuality","disk 91% full"]
  ]],
  ['logger-udp-rfc5424-tz-kolkata.bin', false, [
    [13,"2026-11-22T23:47:48.248132+05:30","vm","myapp",null,null,"timeQuality","TZ=Asia/Kolkata"]
  ]],
  ['logger-udp-rfc5424-tz-newyork.bin', false, [
    [13,"2026-11-22T13:17:48.362008-05:00","vm","myapp",null,null,"timeQuality","TZ=America/New_York"]
  ]],
  ['logger-unix-dgram-default.bin', true, [
    [131,"Nov 22 18:17:26",null,"myapp","4975",null,"","via unix socket, default format"]
  ]],
  ['logger-unix-dgram-rfc3164.bin', false, [
    [131,"Nov 22 18:17:26","vm","myapp","5020",null,"","via unix socket, --rfc3164"]
  ]],
  ['logger-unix-dgram-rfc5424.bin', false, [
    [131,"2026-11-22T18:17:26.529510+00:00","vm","myapp","5065",null,"timeQuality","via unix socket, --rfc5424"]
  ]],
  ['logger-unix-stream-lf-default-3msgs.bin', true, [
    [131,"Nov 22 18:17:26",null,"myapp","5112",null,"","first"],
    [131,"Nov 22 18:17:26",null,"myapp","5112",null,"","second message"],
    [131,"Nov 22 18:17:26",null,"myapp","5112",null,"","third"]
  ]],
  ['logger-unix-stream-lf-rfc5424-3msgs.bin', false, [
    [131,"2026-11-22T18:17:26.757770+00:00","vm","myapp","5159",null,"timeQuality","first"],
    [131,"2026-11-22T18:17:26.757810+00:00","vm","myapp","5159",null,"timeQuality","second message"],
    [131,"2026-11-22T18:17:26.757815+00:00","vm","myapp","5159",null,"timeQuality","third"]
  ]],
  ['rsyslog-fwd-tcp-lf-ForwardFormat-5msgs.bin', false, [
    [131,"2026-11-22T18:18:49+00:00","vm","myapp","7075",null,"","disk 91% full"],
    [131,"2026-11-22T18:18:50.209375+00:00","vm","myapp","7078",null,"","rfc5424 with SD via imudp"],
    [158,"2026-11-22T18:16:51+00:00","localhost","myapp","3192",null,"","line one#012line two#011col2 grüße ✓"],
    [131,"2026-11-22T18:18:50.921612+00:00","vm","myapp","7122",null,"","via imtcp octet-counted"],
    [131,"2026-11-22T18:18:51+00:00","vm","myapp","7124",null,"","via imtcp LF-framed"]
  ]],
  ['rsyslog-fwd-tcp-lf-SyslogProtocol23Format-5msgs.bin', false, [
    [131,"2026-11-22T18:18:49+00:00","vm","myapp","7075",null,""," disk 91% full"],
    [131,"2026-11-22T18:18:50.209375+00:00","vm","myapp","7078","ID47","timeQuality zoo@123","rfc5424 with SD via imudp"],
    [158,"2026-11-22T18:16:51+00:00","localhost","myapp","3192",null,""," line one#012line two#011col2 grüße ✓"],
    [131,"2026-11-22T18:18:50.921612+00:00","vm","myapp","7122",null,"timeQuality","via imtcp octet-counted"],
    [131,"2026-11-22T18:18:51+00:00","vm","myapp","7124",null,""," via imtcp LF-framed"]
  ]],
  ['rsyslog-fwd-tcp-lf-TraditionalForwardFormat-5msgs.bin', false, [
    [131,"Nov 22 18:18:49","vm","myapp","7075",null,"","disk 91% full"],
    [131,"Nov 22 18:18:50","vm","myapp","7078",null,"","rfc5424 with SD via imudp"],
    [158,"Nov 22 18:16:51","localhost","myapp","3192",null,"","line one#012line two#011col2 grüße ✓"],
    [131,"Nov 22 18:18:50","vm","myapp","7122",null,"","via imtcp octet-counted"],
    [131,"Nov 22 18:18:51","vm","myapp","7124",null,"","via imtcp LF-framed"]
  ]],
  ['rsyslog-fwd-tcp-octet-counted-SyslogProtocol23Format-5msgs.bin', false, [
    [131,"2026-11-22T18:18:49+00:00","vm","myapp","7075",null,""," disk 91% full"],
    [131,"2026-11-22T18:18:50.209375+00:00","vm","myapp","7078","ID47","timeQuality zoo@123","rfc5424 with SD via imudp"],
    [158,"2026-11-22T18:16:51+00:00","localhost","myapp","3192",null,""," line one#012line two#011col2 grüße ✓"],
    [131,"2026-11-22T18:18:50.921612+00:00","vm","myapp","7122",null,"timeQuality","via imtcp octet-counted"],
    [131,"2026-11-22T18:18:51+00:00","vm","myapp","7124",null,""," via imtcp LF-framed"]
  ]],
  ['rsyslog-fwd-udp-ForwardFormat-1.bin', false, [
    [131,"2026-11-22T18:18:49+00:00","vm","myapp","7075",null,"","disk 91% full"]
  ]],
  ['rsyslog-fwd-udp-ForwardFormat-2.bin', false, [
    [131,"2026-11-22T18:18:50.209375+00:00","vm","myapp","7078",null,"","rfc5424 with SD via imudp"]
  ]],
  ['rsyslog-fwd-udp-ForwardFormat-3.bin', false, [
    [158,"2026-11-22T18:16:51+00:00","localhost","myapp","3192",null,"","line one#012line two#011col2 grüße ✓"]
  ]],
  ['rsyslog-fwd-udp-ForwardFormat-4.bin', false, [
    [131,"2026-11-22T18:18:50.921612+00:00","vm","myapp","7122",null,"","via imtcp octet-counted"]
  ]],
  ['rsyslog-fwd-udp-ForwardFormat-5.bin', false, [
    [131,"2026-11-22T18:18:51+00:00","vm","myapp","7124",null,"","via imtcp LF-framed"]
  ]]
]

function framesOf (file: string, bytes: Buffer): Buffer[] {
  if (!/tcp|stream/.test(file)) return [bytes]
  const frames: Buffer[] = []
  // glibc ends each message with NUL on a stream socket and keeps LFs inside it.
  const decoder = new FrameDecoder({ framing: file.startsWith('glibc-stream') ? 'nul' : 'auto', onFrame: (frame) => frames.push(frame) })
  decoder.push(bytes)
  decoder.end()
  return frames
}

test('corpus: every captured file is listed here', () => {
  const files = readdirSync(DIR).filter((name) => name.endsWith('.bin')).sort()
  assert.deepEqual(CORPUS.map(([file]) => file).sort(), files)
})

for (const [file, local, expected] of CORPUS) {
  test(`corpus: ${file}`, () => {
    const frames = framesOf(file, readFileSync(new URL(file, DIR)))
    assert.equal(frames.length, expected.length)
    frames.forEach((frame, i) => {
      const msg = parse(frame, { expectHostname: !local, timeZone: 'UTC', receivedAt: RECEIVED })
      const [pri, timestamp, hostname, appName, procId, msgId, sdIds, text] = expected[i]!
      assert.deepEqual(
        [msg.pri, msg.timestamp?.text ?? null, msg.hostname, msg.appName, msg.procId, msg.msgId, msg.structuredData.map((e) => e.id).join(' '), msg.text],
        [pri, timestamp, hostname, appName, procId, msgId, sdIds, text]
      )
      const noTimestamp = file === 'documented-linux-kernel-klogd.bin'
      assert.deepEqual(msg.problems.map((p) => p.code), noTimestamp ? ['no-timestamp'] : [])
      assert.equal(msg.format, /^<\d+>1 /.test(frame.toString('latin1')) ? 'rfc5424' : 'rfc3164')
    })
  })
}

test('corpus: logger --sd-param escapes survive into the parsed values', () => {
  const msg = parse(readFileSync(new URL('logger-udp-rfc5424-sd.bin', DIR)), { receivedAt: RECEIVED })
  const zoo = msg.structuredData.find((e) => e.id === 'zoo@123')
  assert.deepEqual(zoo?.params, [{ name: 'tiger', value: 'hungry' }, { name: 'note', value: 'a "quoted" ]bracket \\ backslash' }])
})

test('corpus: the time zone offset a sender used is kept', () => {
  const kolkata = parse(readFileSync(new URL('logger-udp-rfc5424-tz-kolkata.bin', DIR)), { receivedAt: RECEIVED })
  assert.equal(kolkata.timestamp?.offsetMinutes, 330)
  assert.equal(kolkata.timestamp?.epochMs, Date.UTC(2026, 10, 22, 18, 17, 48, 248))
  // glibc writes local time with no zone: the receiver's configured zone resolves it.
  const newYork = parse(readFileSync(new URL('glibc-dgram-tz-newyork.bin', DIR)), { receivedAt: RECEIVED, timeZone: 'America/New_York', expectHostname: false })
  assert.equal(newYork.timestamp?.epochMs, Date.UTC(2026, 10, 22, 18, 18, 10))
})
