// syslog-ng (3.x, unpacked by .ci/run into .ci/syslog-ng because its Debian package conflicts
// with rsyslog's) and stele over TLS, both directions, mutual authentication:
//   syslog-ng -> stele: a message sent to syslog-ng's plain syslog() source is forwarded by its
//     syslog() destination over TLS (RFC 5425 octet counting, client certificate
//     "syslog-ng.example", peer-verify(required-trusted)) to stele's `listen tls://` (ca=,
//     allow=syslog-ng.example), which writes format=json.
//   stele -> syslog-ng: a message sent to stele's tcp listener is forwarded by `@tls://`
//     (client certificate "stele.example") to syslog-ng's TLS syslog() source
//     (peer-verify(required-trusted)), which writes the fields with a template.
// Checked: short and 10000-byte messages arrive whole with HOSTNAME, APP-NAME, PROCID, MSGID and
// structured data intact, and stele records syslog-ng's certificate name as the identity.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readLines, requireProgram, run, startDaemon, STELE, waitFor } from '../daemon/harness.js'
import { requireOpenssl, TestCa } from './certs.js'
import { freePort } from './free-port.js'

// dist/test/interop -> the repository's .ci/syslog-ng; STELE_SYSLOG_NG_ROOT overrides it.
const ROOT = process.env.STELE_SYSLOG_NG_ROOT ?? fileURLToPath(new URL('../../../.ci/syslog-ng', import.meta.url))
const BINARY = join(ROOT, 'usr/sbin/syslog-ng')
const LIBS = join(ROOT, 'usr/lib/syslog-ng')
const ENV = { ...process.env, LD_LIBRARY_PATH: [LIBS, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'), TZ: 'UTC' }
const version = existsSync(BINARY) ? /syslog-ng \d+ \((\d+\.\d+)/.exec(spawnSync(BINARY, ['--version'], { env: ENV, encoding: 'utf8' }).stdout ?? '')?.[1] : undefined

function skipReason (): string | undefined {
  return requireOpenssl() ?? requireProgram(version !== undefined, `syslog-ng (unpacked at ${ROOT})`, 'syslog-ng-core (unpacked by .ci/run: apt-get download syslog-ng-core && dpkg -x)')
}

test('tls syslog-ng: syslog-ng -> stele and stele -> syslog-ng over TLS with client certificates; fields and 10000-byte messages intact', { skip: skipReason(), timeout: 120000 }, async (t) => {
  const tlsPort = await freePort()
  const plainPort = await freePort()
  const d0 = await startDaemon('mark_interval=0\nlisten udp://127.0.0.1:0\n*.* DIR/unused.log\n')
  const dir = d0.dir
  await d0.stop()
  const ca = await TestCa.create(dir)
  const steleServer = await ca.issue('stele-server', { cn: 'localhost', dns: ['localhost'], ip: ['127.0.0.1'] })
  const steleClient = await ca.issue('stele-client', { cn: 'stele.example', dns: ['stele.example'] })
  const peer = await ca.issue('syslog-ng', { cn: 'syslog-ng.example', dns: ['syslog-ng.example'], ip: ['127.0.0.1'] })
  const stele = await startDaemon(`
mark_interval=0
repeat_suppression=off
max_message_size=64k
listen tls://127.0.0.1:0 cert=${steleServer.cert} key=${steleServer.key} ca=${ca.cert} allow=syslog-ng.example
listen tcp://127.0.0.1:0
local1.*   DIR/from-syslog-ng.json format=json
local2.*   @tls://127.0.0.1:${tlsPort} ca=${ca.cert} cert=${steleClient.cert} key=${steleClient.key} name=syslog-ng.example
`, { dir })
  t.after(async () => { await stele.close() })

  const work = join(dir, 'syslog-ng')
  await mkdir(work)
  const conf = join(work, 'syslog-ng.conf')
  const tls = (extra: string): string => `tls(ca-file("${ca.cert}") cert-file("${peer.cert}") key-file("${peer.key}") peer-verify(required-trusted)${extra})`
  await writeFile(conf, `@version: ${version}
options { keep-hostname(yes); log-msg-size(65536); stats-freq(0); use-dns(no); };
source s_plain { syslog(ip("127.0.0.1") port(${plainPort}) transport("tcp")); };
source s_tls { syslog(ip("127.0.0.1") port(${tlsPort}) transport("tls") ${tls('')}); };
destination d_stele { syslog("127.0.0.1" port(${stele.port('tls://127.0.0.1:0')}) transport("tls") ${tls('')}); };
destination d_file { file("${join(work, 'from-stele.log')}" template("\${HOST}|\${PROGRAM}|\${PID}|\${MSGID}|\${SDATA}|\${MESSAGE}\\n")); };
log { source(s_plain); destination(d_stele); };
log { source(s_tls); destination(d_file); };
`)
  const syslogNg = spawn(BINARY, ['--foreground', '--no-caps', '-f', conf, '--persist-file', join(work, 'persist'), '--pidfile', join(work, 'pid'),
    '--control', join(work, 'ctl'), '--module-path', join(LIBS, version!), '--stderr'], { stdio: ['ignore', 'pipe', 'pipe'], env: ENV })
  let output = ''
  syslogNg.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  syslogNg.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  t.after(async () => {
    if (syslogNg.exitCode === null) {
      syslogNg.kill('SIGTERM')
      await once(syslogNg, 'exit')
    }
  })
  await waitFor(async () => await new Promise<boolean>((resolve) => {
    if (syslogNg.exitCode !== null) { resolve(false); return }
    const probe = net.connect(plainPort, '127.0.0.1', () => { probe.destroy(); resolve(true) })
    probe.on('error', () => resolve(false))
  }), () => `syslog-ng listening:\n${output}`)

  const big = Array.from({ length: 1200 }, (_, i) => `chunk${String(i).padStart(4, '0')}`).join('').slice(0, 10000)
  const fields = ['--octet-count', '--hostname', 'origin.example', '-t', 'interop', '--id=4242', '--msgid', 'ID47', '--sd', 'x@32473 k=v']
  for (const body of ['hello from syslog-ng', big]) {
    const sent = await run(process.execPath, [STELE, 'send', '--transport', 'tcp', '--port', String(plainPort), '-p', 'local1.info', ...fields, body])
    assert.equal(sent.code, 0, sent.stderr)
  }
  for (const body of ['hello to syslog-ng', big]) {
    const sent = await run(process.execPath, [STELE, 'send', '--transport', 'tcp', '--port', String(stele.port('tcp://127.0.0.1:0')), '-p', 'local2.info', ...fields, body])
    assert.equal(sent.code, 0, sent.stderr)
  }

  const fromPeer = join(dir, 'from-syslog-ng.json')
  await waitFor(async () => (await readLines(fromPeer)).length >= 2, () => `two messages from syslog-ng at stele\n${stele.stderr}\n${output}`, 60000)
  const records = (await readLines(fromPeer)).map((l) => JSON.parse(l))
  // Compared as booleans and lengths: a failure must not print 10000-byte strings.
  assert.deepEqual(records.map((r) => [r.msg.length, r.msg === 'hello from syslog-ng' || r.msg === big]), [[20, true], [10000, true]])
  for (const r of records) {
    assert.equal(r.hostname, 'origin.example')
    assert.equal(r.appName, 'interop')
    assert.equal(r.procId, '4242')
    assert.equal(r.msgId, 'ID47')
    assert.deepEqual(r.structuredData, { 'x@32473': { k: 'v' } })
    assert.equal(r.source.identity, 'syslog-ng.example', 'syslog-ng authenticated by its client certificate')
  }

  const fromStele = join(work, 'from-stele.log')
  await waitFor(async () => (await readLines(fromStele)).length >= 2, () => `two messages from stele at syslog-ng\n${stele.stderr}\n${output}`, 60000)
  const prefix = 'origin.example|interop|4242|ID47|[x@32473 k="v"]|'
  const lines = await readLines(fromStele)
  assert.equal(lines[0], `${prefix}hello to syslog-ng`)
  assert.equal(lines[1]!.length, prefix.length + big.length, 'the 10000-byte message arrived whole')
  assert.ok(lines[1] === `${prefix}${big}`, 'and unchanged')
  const input = (await stele.stats()).inputs.find((i: { name: string }) => i.name.startsWith('tls://'))
  assert.equal(input.handshakeErrors, 0)
  assert.equal(input.refused, 0)
})
