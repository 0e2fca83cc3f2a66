// tls: stele to stele over TLS (RFC 5425), in both directions of the daemon.
//
// relay: `stele send --transport tls` (client certificate) -> daemon A `listen tls://` (ca=,
// mutual authentication) -> A's `@tls://` forward (client certificate, name=localhost) ->
// daemon B `listen tls://` (ca=, allow=a.example) -> B's json file. Sent: messages of 8192 and
// 60000 bytes and a short one. Checked: each arrives whole at B, with A's identity, and the
// identity of stele send's certificate travelled into A's %IDENTITY% file.
//
// receiver checks: A forwards to B with name= naming another host, and with a wrong pin;
// both are refused before anything is sent, logged ("host name mismatch", "fingerprint
// mismatch") and counted; a right sha1 pin to a self-signed receiver delivers, and so does
// verify=none, with a warning at start (as for a listener with verify=none). stele send makes
// the same checks.
//
// reload: the listener's certificate files are replaced and it gets SIGHUP while a client holds
// a session: that session keeps delivering, and a new connection gets the new certificate. Then
// a broken key file and SIGHUP: the reload is rejected with FILE:LINE, nothing changes.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { once } from 'node:events'
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import { readLines, run, settledStats, startDaemon, STELE, waitFor } from './harness.js'
import { requireOpenssl, selfSigned, TestCa } from '../interop/certs.js'

const QUIET = 'mark_interval=0\nrepeat_suppression=off\n'

test('tls: stele send -> A -> B over TLS with client certificates: 8192- and 60000-byte messages arrive whole with the sender\'s identity', { skip: requireOpenssl(), timeout: 90000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stele-tls-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const ca = await TestCa.create(dir)
  const server = await ca.issue('server', { cn: 'localhost', dns: ['localhost'], ip: ['127.0.0.1'] })
  const aClient = await ca.issue('a', { cn: 'a', dns: ['a.example'] })
  const sender = await ca.issue('sender', { cn: 'sender.example' })
  const b = await startDaemon(`${QUIET}listen tls://127.0.0.1:0 cert=${server.cert} key=${server.key} ca=${ca.cert} allow=a.example\n*.* DIR/b.json format=json\n`)
  t.after(async () => { await b.close() })
  const a = await startDaemon(`${QUIET}listen tls://127.0.0.1:0 cert=${server.cert} key=${server.key} ca=${ca.cert}
*.* DIR/%IDENTITY%.log
*.* @tls://127.0.0.1:${b.port('tls://127.0.0.1:0')} ca=${ca.cert} cert=${aClient.cert} key=${aClient.key} name=localhost
`)
  t.after(async () => { await a.close() })
  const bodies = ['x'.repeat(8192), Array.from({ length: 6000 }, (_, i) => `${String(i).padStart(9, '0')}`).join('-').slice(0, 60000), 'short one']
  for (const body of bodies) {
    const sent = await run(process.execPath, [STELE, 'send', '--transport', 'tls', '--port', String(a.port('tls://127.0.0.1:0')),
      '--ca', ca.cert, '--cert', sender.cert, '--key', sender.key, '--name', 'localhost', '-t', 'big', body])
    assert.equal(sent.code, 0, sent.stderr)
  }
  const bJson = join(b.dir, 'b.json')
  const arrived = async (): Promise<any[]> => (await readLines(bJson)).map((l) => JSON.parse(l)).filter((r) => r.appName === 'big')
  await waitFor(async () => (await arrived()).length === 3, 'three messages at B')
  const records = await arrived()
  assert.deepEqual(records.map((r) => r.msg), bodies, 'whole, in order')
  for (const r of records) assert.equal(r.source.identity, 'a.example', 'B knows A by its client certificate')
  // B having them says nothing of A's file output, which writes on its own schedule: wait
  // until A has settled everything it received.
  const aStats = await settledStats(a)
  const aFile = await readFile(join(a.dir, 'sender.example.log'), 'utf8')
  assert.equal(aFile.split('\n').filter((l) => l.includes(' big')).length, 3, 'A filed them under the sender\'s identity')
  const forward = aStats.outputs.find((o: { name: string }) => o.name.startsWith('forward tls://'))
  assert.equal(forward.written, forward.received)
  assert.equal(forward.errors, 0)
})

test('tls: a forward refuses a receiver whose certificate names another host or lacks the pinned fingerprint; a right sha1 pin delivers', { skip: requireOpenssl(), timeout: 90000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stele-tls-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const ca = await TestCa.create(dir)
  const elsewhere = await ca.issue('elsewhere', { cn: 'logs.elsewhere.example', dns: ['logs.elsewhere.example'] })
  const own = await selfSigned(dir, 'own', 'self-signed receiver')
  const b = await startDaemon(`${QUIET}listen tls://127.0.0.1:0 cert=${elsewhere.cert} key=${elsewhere.key}
listen tls://127.0.0.2:0 cert=${own.cert} key=${own.key}
listen tls://127.0.0.3:0 cert=${own.cert} key=${own.key} ca=${ca.cert} verify=none
*.* DIR/b.log
`)
  t.after(async () => { await b.close() })
  const portNamed = b.port('tls://127.0.0.1:0')
  const portPinned = b.port('tls://127.0.0.2:0')
  const wrongPin = `sha256:${'00:'.repeat(31)}00`
  const a = await startDaemon(`${QUIET}listen tcp://127.0.0.1:0
*.* @tls://127.0.0.1:${portNamed} ca=${ca.cert} name=localhost
*.* @tls://127.0.0.2:${portPinned} fingerprint=${wrongPin}
*.* @tls://127.0.0.2:${portPinned} fingerprint=${own.fingerprint.sha1} format=rfc3164
*.* @tls://127.0.0.2:${portPinned} verify=none format=json
`)
  t.after(async () => { await a.close() })
  const sent = await run(process.execPath, [STELE, 'send', '--transport', 'tcp', '--port', String(a.port('tcp://127.0.0.1:0')), '-t', 'probe', 'pinned hello'])
  assert.equal(sent.code, 0, sent.stderr)
  await waitFor(() => /forward tls:\/\/127\.0\.0\.1:\d+: cannot connect \(host name mismatch: "localhost" is not in the certificate/.test(a.stderr), () => `host name mismatch logged:\n${a.stderr}`)
  await waitFor(() => /forward tls:\/\/127\.0\.0\.2:\d+: cannot connect \(certificate fingerprint mismatch \(got sha256:/.test(a.stderr), () => `fingerprint mismatch logged:\n${a.stderr}`)
  await waitFor(async () => (await readLines(join(b.dir, 'b.log'))).some((l) => l.includes('probe: pinned hello')), 'the pinned forward delivers')
  const lines = await readLines(join(b.dir, 'b.log'))
  assert.equal(lines.filter((l) => l.includes('probe: pinned hello')).length, 1, 'only through the right pin (the rfc3164 one; the json line is the verify=none forward)')
  const outputs = (await a.stats()).outputs.filter((o: { name: string }) => o.name.startsWith('forward tls://'))
  // (A's own log lines go to every output too, so the pinned forward wrote more than the probe.)
  assert.deepEqual(outputs.map((o: { errors: number, written: number }) => [o.errors, o.written > 0]), [[1, false], [1, false], [0, true], [0, true]], 'each refusal counted once per outage; nothing sent to them')
  // Verification off is explicit, and warned about at start, on both sides.
  assert.match(a.stderr, /forward tls:\/\/127\.0\.0\.2:\d+: verify=none: the receiver's certificate is not checked/)
  assert.match(b.stderr, /tls:\/\/127\.0\.0\.3:0: verify=none: client certificates are not verified/)
  await waitFor(async () => (await readLines(join(b.dir, 'b.log'))).some((l) => l.includes('"msg":"pinned hello"')), 'the unverified forward delivers too')

  // stele send checks the same way.
  const mismatch = await run(process.execPath, [STELE, 'send', '--transport', 'tls', '--port', String(portNamed), '--ca', ca.cert, 'x'])
  assert.equal(mismatch.code, 1)
  assert.match(mismatch.stderr, /cannot connect to tls:\/\/127\.0\.0\.1:\d+: host name mismatch: "127\.0\.0\.1" is not in the certificate/)
  const unknownCa = await run(process.execPath, [STELE, 'send', '--transport', 'tls', '--port', String(portPinned), '--server', '127.0.0.2', 'x'])
  assert.match(unknownCa.stderr, /cannot connect to tls:\/\/127\.0\.0\.2:\d+: unknown CA \(DEPTH_ZERO_SELF_SIGNED_CERT\)/)
  const unchecked = await run(process.execPath, [STELE, 'send', '--transport', 'tls', '--port', String(portPinned), '--server', '127.0.0.2', '--verify', 'none', '-t', 'probe', 'unchecked'])
  assert.equal(unchecked.code, 0, unchecked.stderr)
  assert.match(unchecked.stderr, /warning: --verify none: the receiver's certificate is not checked/)
  await waitFor(async () => (await readLines(join(b.dir, 'b.log'))).some((l) => l.includes('probe: unchecked')), 'the unchecked send arrives')
})

test('tls: SIGHUP with renewed certificate files: an established session keeps delivering, new handshakes get the new certificate', { skip: requireOpenssl(), timeout: 90000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stele-tls-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const ca = await TestCa.create(dir)
  const first = await ca.issue('first', { cn: 'localhost', dns: ['localhost'] })
  const renewed = await ca.issue('renewed', { cn: 'localhost', dns: ['localhost'] })
  const cert = join(dir, 'server.pem')
  const key = join(dir, 'server.key')
  await copyFile(first.cert, cert)
  await copyFile(first.key, key)
  const d = await startDaemon(`${QUIET}listen tls://127.0.0.1:0 cert=${cert} key=${key}\n*.* DIR/out.log\n`)
  t.after(async () => { await d.close() })
  const port = d.port('tls://127.0.0.1:0')
  const fingerprintOf = (socket: tls.TLSSocket): string => `sha256:${socket.getPeerX509Certificate()!.fingerprint256}`
  const session = tls.connect({ port, host: '127.0.0.1', ca: await readFile(ca.cert), servername: 'localhost' })
  await once(session, 'secureConnect')
  assert.equal(fingerprintOf(session), first.fingerprint.sha256)
  const out = join(d.dir, 'out.log')
  const frame = (text: string): string => `${Buffer.byteLength(text)} ${text}`
  session.write(frame('<13>1 - h app - - - before reload'))
  await waitFor(async () => (await readLines(out)).some((l) => l.endsWith('before reload')), 'the first message')
  await copyFile(renewed.cert, cert)
  await copyFile(renewed.key, key)
  d.signal('SIGHUP')
  await waitFor(async () => (await readLines(out)).some((l) => l.includes('reloaded')), 'the reload')
  session.write(frame('<13>1 - h app - - - after reload, same session'))
  await waitFor(async () => (await readLines(out)).some((l) => l.endsWith('after reload, same session')), 'the established session still delivers')
  const fresh = tls.connect({ port, host: '127.0.0.1', ca: await readFile(ca.cert), servername: 'localhost' })
  await once(fresh, 'secureConnect')
  assert.equal(fingerprintOf(fresh), renewed.fingerprint.sha256, 'new handshakes use the renewed certificate')
  assert.notEqual(new X509Certificate(await readFile(first.cert)).serialNumber, new X509Certificate(await readFile(renewed.cert)).serialNumber)
  fresh.end()
  // A reload with a broken key file is a config error: rejected, logged at FILE:LINE, and the
  // running listener keeps its certificate and its sessions.
  await writeFile(key, 'not a key\n')
  d.signal('SIGHUP')
  await waitFor(() => /stele\.conf:\d+: error: listen "tls:\/\/127\.0\.0\.1:0": key ".*server\.key": not a usable PEM private key/.test(d.stderr) &&
    d.stderr.includes('reload rejected'), () => `the rejected reload:\n${d.stderr}`)
  session.write(frame('<13>1 - h app - - - after a rejected reload'))
  await waitFor(async () => (await readLines(out)).some((l) => l.endsWith('after a rejected reload')), 'the session still delivers')
  const third = tls.connect({ port, host: '127.0.0.1', ca: await readFile(ca.cert), servername: 'localhost' })
  await once(third, 'secureConnect')
  assert.equal(fingerprintOf(third), renewed.fingerprint.sha256, 'still the renewed certificate')
  third.end()
  session.end()
  await once(session, 'close')
  const stats = (await d.stats()).inputs[0]
  assert.equal(stats.handshakeErrors, 0)
  assert.equal(stats.received, 3)
})
