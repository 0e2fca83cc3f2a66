// rsyslog (8.x, its openssl stream driver "ossl") and stele over TLS, both directions, mutual
// authentication by certificate name on both sides. One rsyslogd in the foreground with its
// own config, pid file and work directory in the test's temp dir:
//   rsyslog -> stele: a message (local1) sent to rsyslog's plain imtcp input is forwarded by
//     omfwd over TLS (octet-counted, RFC 5424 format, client certificate "rsyslog.example") to
//     stele's `listen tls://` (ca=, allow=rsyslog.example), which writes format=json.
//   stele -> rsyslog: a message (local2) sent to stele's tcp listener is forwarded by
//     `@tls://` (client certificate "stele.example", name=rsyslog.example) to rsyslog's TLS
//     imtcp input (x509/name, PermittedPeer stele.example), which writes the fields with a
//     template.
// Checked: short and 10000-byte messages arrive whole with HOSTNAME, APP-NAME, PROCID, MSGID
// and structured data intact, and stele records rsyslog's certificate name as the identity.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { join } from 'node:path'
import { readLines, requireProgram, run, startDaemon, STELE, waitFor } from '../daemon/harness.js'
import { requireOpenssl, TestCa } from './certs.js'
import { freePort } from './free-port.js'
import { haveRsyslog, RSYSLOGD } from './rsyslog.js'

const OSSL = ['/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_ossl.so', '/usr/lib/aarch64-linux-gnu/rsyslog/lmnsd_ossl.so', '/usr/lib/rsyslog/lmnsd_ossl.so'].some((p) => existsSync(p))

function skipReason (): string | undefined {
  return requireOpenssl() ?? requireProgram(haveRsyslog, 'rsyslogd', 'rsyslog') ?? requireProgram(OSSL, 'rsyslog\'s openssl driver (lmnsd_ossl)', 'rsyslog-openssl')
}

test('tls rsyslog: rsyslog -> stele and stele -> rsyslog over TLS with client certificates; fields and 10000-byte messages intact', { skip: skipReason(), timeout: 120000 }, async (t) => {
  const rsyslogTlsPort = await freePort()
  const rsyslogPlainPort = await freePort()
  const d0 = await startDaemon('mark_interval=0\nlisten udp://127.0.0.1:0\n*.* DIR/unused.log\n')
  const dir = d0.dir
  await d0.stop()
  const ca = await TestCa.create(dir)
  const steleServer = await ca.issue('stele-server', { cn: 'localhost', dns: ['localhost'], ip: ['127.0.0.1'] })
  const steleClient = await ca.issue('stele-client', { cn: 'stele.example', dns: ['stele.example'] })
  const rsyslogCert = await ca.issue('rsyslog', { cn: 'rsyslog.example', dns: ['rsyslog.example'] })
  const stele = await startDaemon(`
mark_interval=0
repeat_suppression=off
max_message_size=64k
listen tls://127.0.0.1:0 cert=${steleServer.cert} key=${steleServer.key} ca=${ca.cert} allow=rsyslog.example
listen tcp://127.0.0.1:0
local1.*   DIR/from-rsyslog.json format=json
local2.*   @tls://127.0.0.1:${rsyslogTlsPort} ca=${ca.cert} cert=${steleClient.cert} key=${steleClient.key} name=rsyslog.example
`, { dir })
  t.after(async () => { await stele.close() })

  const work = join(dir, 'rsyslog')
  await mkdir(work)
  const conf = join(work, 'rsyslog.conf')
  await writeFile(conf, `
global(workDirectory="${work}" maxMessageSize="64k"
  defaultNetstreamDriverCAFile="${ca.cert}"
  defaultNetstreamDriverCertFile="${rsyslogCert.cert}"
  defaultNetstreamDriverKeyFile="${rsyslogCert.key}")
module(load="imtcp")
template(name="fields" type="string" string="%hostname%|%app-name%|%procid%|%msgid%|%structured-data%|%msg%\\n")
ruleset(name="toStele") {
  action(type="omfwd" target="127.0.0.1" port="${stele.port('tls://127.0.0.1:0')}" protocol="tcp"
         streamDriver="ossl" streamDriverMode="1" streamDriverAuthMode="x509/name" streamDriverPermittedPeers="localhost"
         tcp_framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
}
ruleset(name="fromStele") {
  action(type="omfile" file="${join(work, 'from-stele.log')}" template="fields")
}
input(type="imtcp" address="127.0.0.1" port="${rsyslogTlsPort}" ruleset="fromStele"
      streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="x509/name" permittedPeer=["stele.example"])
input(type="imtcp" address="127.0.0.1" port="${rsyslogPlainPort}" ruleset="toStele")
`)
  const rsyslog = spawn(RSYSLOGD, ['-n', '-f', conf, '-i', join(work, 'rsyslogd.pid')], { stdio: ['ignore', 'pipe', 'pipe'] })
  let rsyslogOutput = ''
  rsyslog.stdout.setEncoding('utf8').on('data', (chunk: string) => { rsyslogOutput += chunk })
  rsyslog.stderr.setEncoding('utf8').on('data', (chunk: string) => { rsyslogOutput += chunk })
  t.after(async () => {
    if (rsyslog.exitCode === null) {
      rsyslog.kill('SIGTERM')
      await once(rsyslog, 'exit')
    }
  })
  // rsyslogd has no "ready" line; its plain input accepting a connection is the event.
  await waitFor(async () => await new Promise<boolean>((resolve) => {
    const probe = net.connect(rsyslogPlainPort, '127.0.0.1', () => { probe.destroy(); resolve(true) })
    probe.on('error', () => resolve(false))
  }), () => `rsyslogd listening:\n${rsyslogOutput}`)

  const big = Array.from({ length: 1200 }, (_, i) => `chunk${String(i).padStart(4, '0')}`).join('').slice(0, 10000)
  const fields = ['--octet-count', '--hostname', 'origin.example', '-t', 'interop', '--id=4242', '--msgid', 'ID47', '--sd', 'x@32473 k=v']
  for (const body of ['hello from rsyslog', big]) {
    const sent = await run(process.execPath, [STELE, 'send', '--transport', 'tcp', '--port', String(rsyslogPlainPort), '-p', 'local1.info', ...fields, body])
    assert.equal(sent.code, 0, sent.stderr)
  }
  for (const body of ['hello to rsyslog', big]) {
    const sent = await run(process.execPath, [STELE, 'send', '--transport', 'tcp', '--port', String(stele.port('tcp://127.0.0.1:0')), '-p', 'local2.info', ...fields, body])
    assert.equal(sent.code, 0, sent.stderr)
  }

  const fromRsyslog = join(dir, 'from-rsyslog.json')
  await waitFor(async () => (await readLines(fromRsyslog)).length >= 2, () => `two messages from rsyslog at stele\n${stele.stderr}\n${rsyslogOutput}`, 60000)
  const records = (await readLines(fromRsyslog)).map((l) => JSON.parse(l))
  // Compared as booleans and lengths: a failure must not print 10000-byte strings.
  assert.deepEqual(records.map((r) => [r.msg.length, r.msg === 'hello from rsyslog' || r.msg === big]), [[18, true], [10000, true]])
  for (const r of records) {
    assert.equal(r.hostname, 'origin.example')
    assert.equal(r.appName, 'interop')
    assert.equal(r.procId, '4242')
    assert.equal(r.msgId, 'ID47')
    assert.deepEqual(r.structuredData, { 'x@32473': { k: 'v' } })
    assert.equal(r.source.identity, 'rsyslog.example', 'rsyslog authenticated by its client certificate')
  }

  const fromStele = join(work, 'from-stele.log')
  await waitFor(async () => (await readLines(fromStele)).length >= 2, () => `two messages from stele at rsyslog\n${stele.stderr}\n${rsyslogOutput}`, 60000)
  const prefix = 'origin.example|interop|4242|ID47|[x@32473 k="v"]|'
  const lines = await readLines(fromStele)
  assert.equal(lines[0], `${prefix}hello to rsyslog`)
  assert.equal(lines[1]!.length, prefix.length + big.length, 'the 10000-byte message arrived whole')
  assert.ok(lines[1] === `${prefix}${big}`, 'and unchanged')
  const forward = (await stele.stats()).outputs.find((o: { name: string }) => o.name.startsWith('forward tls://'))
  assert.ok(forward.written >= 2)
  const input = (await stele.stats()).inputs.find((i: { name: string }) => i.name.startsWith('tls://'))
  assert.equal(input.handshakeErrors, 0)
  assert.equal(input.refused, 0)
})
