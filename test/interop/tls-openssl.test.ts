// openssl s_client against `listen tls://` (RFC 5425), the good case and every way a client can
// be wrong. One daemon, two listeners:
//   A: ca= (mutual authentication), allow=*.example (names), handshake_timeout=1s,
//      idle_timeout=2s, framing=octet;
//   B: no ca=, allow=<fingerprint of a self-signed client> (pinning, RFC 5425 §4.2.2).
// Sent: one good message per listener, with a client certificate that passes; then clients with
// a certificate from an unknown CA, an expired one, none, one whose name allow= does not list,
// TLS 1.1 and TLS 1.0 handshakes, plain text instead of a handshake, a TCP connection that
// never starts its handshake, a client that completes it and sends garbage, and one that
// completes it and stalls. Checked: each bad one is logged with its address and reason and
// counted (handshakeErrors / refused), nothing a refused client sent is delivered, the good
// messages arrive whole with the client's identity (format=json "identity", %IDENTITY% paths),
// and the daemon still serves a good client at the end; stopping it sends close_notify.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import net from 'node:net'
import { join } from 'node:path'
import { readLines, startDaemon, waitFor, type RunningDaemon } from '../daemon/harness.js'
import { requireOpenssl, selfSigned, TestCa } from './certs.js'

/** Runs s_client, feeding `input`; resolves with its output when it exits (killed after 15 s). */
async function sClient (port: number, host: string, args: string[], input: string): Promise<string> {
  const child = spawn('openssl', ['s_client', '-connect', `${host}:${port}`, '-quiet', '-no_ign_eof', ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  child.stdin.on('error', () => {})
  child.stdin.end(input)
  const timer = setTimeout(() => child.kill(), 15000)
  await once(child, 'close')
  clearTimeout(timer)
  return output
}

function frame (text: string): string { return `${Buffer.byteLength(text)} ${text}` }

async function logged (d: RunningDaemon, pattern: RegExp): Promise<void> {
  await waitFor(() => pattern.test(d.stderr), () => `${pattern} in the daemon's log:\n${d.stderr}`)
}

test('tls openssl: bad clients are refused or cut off, logged with address and reason, counted; good ones deliver with their identity', { skip: requireOpenssl(), timeout: 120000 }, async (t) => {
  const d0 = await startDaemon('mark_interval=0\nlisten udp://127.0.0.1:0\n*.* DIR/unused.log\n')
  const dir = d0.dir
  await d0.stop()
  const ca = await TestCa.create(dir)
  const rogue = await TestCa.create(dir, 'rogue')
  const server = await ca.issue('server', { cn: 'localhost', dns: ['localhost'], ip: ['127.0.0.1', '127.0.0.2'] })
  const client = await ca.issue('client1', { cn: 'client1', dns: ['client1.example'] })
  const stranger = await ca.issue('stranger', { cn: 'stranger.other' })
  const expired = await ca.issue('expired', { cn: 'old', dns: ['old.example'], expired: true })
  const unknown = await rogue.issue('unknown', { cn: 'unknown', dns: ['unknown.example'] })
  const pinned = await selfSigned(dir, 'pinned', 'pinned-client')
  const d = await startDaemon(`
mark_interval=0
repeat_suppression=off
listen tls://127.0.0.1:0 cert=${server.cert} key=${server.key} ca=${ca.cert} allow=*.example handshake_timeout=1s idle_timeout=2s framing=octet
listen tls://127.0.0.2:0 cert=${server.cert} key=${server.key} allow=${pinned.fingerprint.sha256}
*.* DIR/all.json format=json
*.* DIR/by-identity/%IDENTITY%.log
`, { dir })
  t.after(async () => { await d.close() })
  const portA = d.port('tls://127.0.0.1:0')
  const portB = d.port('tls://127.0.0.2:0')
  const trust = ['-CAfile', ca.cert, '-servername', 'localhost', '-verify_return_error']
  const good = (text: string): string => frame(`<134>1 2026-11-22T10:00:00.000Z src app 42 ID7 [x@32473 k="v"] ${text}`)

  // The good cases first: mutual authentication by chain + name, and by pinned fingerprint.
  await sClient(portA, '127.0.0.1', [...trust, '-cert', client.cert, '-key', client.key], good('good via ca'))
  await sClient(portB, '127.0.0.2', [...trust, '-cert', pinned.cert, '-key', pinned.key], good('good via pin'))
  const all = join(dir, 'all.json')
  await waitFor(async () => (await readLines(all)).filter((l) => l.includes('good via')).length === 2, 'both good messages')
  const records = (await readLines(all)).filter((l) => l.includes('good via')).map((l) => JSON.parse(l))
  const viaCa = records.find((r) => r.msg === 'good via ca')
  assert.equal(viaCa.source.identity, 'client1.example', 'the verified SAN is the identity')
  assert.equal(viaCa.hostname, 'src')
  assert.equal(viaCa.appName, 'app')
  assert.equal(viaCa.procId, '42')
  assert.equal(viaCa.msgId, 'ID7')
  assert.deepEqual(viaCa.structuredData, { 'x@32473': { k: 'v' } })
  assert.equal(records.find((r) => r.msg === 'good via pin').source.identity, pinned.fingerprint.sha256)
  assert.match(await readFile(join(dir, 'by-identity', 'client1.example.log'), 'utf8'), /good via ca/)

  // Refused after the handshake, before anything they sent is read.
  await sClient(portA, '127.0.0.1', [...trust, '-cert', unknown.cert, '-key', unknown.key], good('bad: unknown CA'))
  await logged(d, /tls:\/\/127\.0\.0\.1:0: client 127\.0\.0\.1:\d+ refused: unknown CA \(\w+\)/)
  await sClient(portA, '127.0.0.1', [...trust, '-cert', expired.cert, '-key', expired.key], good('bad: expired'))
  await logged(d, /client 127\.0\.0\.1:\d+ refused: certificate has expired/)
  await sClient(portA, '127.0.0.1', trust, good('bad: no cert'))
  await logged(d, /client 127\.0\.0\.1:\d+ refused: no client certificate;/)
  await sClient(portA, '127.0.0.1', [...trust, '-cert', stranger.cert, '-key', stranger.key], good('bad: not allowed'))
  await logged(d, /client 127\.0\.0\.1:\d+ refused: certificate "stranger\.other" sha256:[0-9A-F:]+ is not in allow=/)
  await sClient(portB, '127.0.0.2', [...trust, '-cert', client.cert, '-key', client.key], good('bad: not pinned'))
  await logged(d, /tls:\/\/127\.0\.0\.2:0: client 127\.0\.0\.\d:\d+ refused: certificate .* is not in allow=/)

  // Failed handshakes. SECLEVEL=0: OpenSSL 3 would not even offer TLS 1.0/1.1 otherwise.
  for (const version of ['-tls1_1', '-tls1']) {
    await sClient(portA, '127.0.0.1', [...trust, version, '-cipher', 'DEFAULT@SECLEVEL=0', '-cert', client.cert, '-key', client.key], good(`bad: ${version}`))
  }
  await waitFor(() => (d.stderr.match(/TLS handshake with 127\.0\.0\.1:\d+ failed: TLS version not supported/g) ?? []).length === 2, () => `two old-version handshakes refused:\n${d.stderr}`)
  const plain = net.connect(portA, '127.0.0.1')
  plain.on('error', () => {})
  plain.end(good('bad: plain text\n'))
  await logged(d, /TLS handshake with 127\.0\.0\.1:\d+ failed: not a TLS handshake/)
  const silent = net.connect(portA, '127.0.0.1')
  silent.on('error', () => {})
  await once(silent, 'connect')
  await logged(d, /TLS handshake with 127\.0\.0\.1:\d+ failed: handshake timed out/)
  silent.destroy()

  // Completes the handshake, then garbage: delivered as what it is (marked), logged; then a stall.
  await sClient(portA, '127.0.0.1', [...trust, '-cert', client.cert, '-key', client.key], 'garbage\u0000\u00ff no frame\n')
  await logged(d, /from 127\.0\.0\.1:\d+: invalid octet-counting length prefix "g"/)
  const stall = sClient(portA, '127.0.0.1', [...trust, '-cert', client.cert, '-key', client.key, '-ign_eof'], '')
  // An info-level event: in the daemon's own messages (all.json), not echoed to stderr.
  await waitFor(async () => (await readLines(join(dir, 'all.json'))).some((l) => /from 127\.0\.0\.1:\d+: idle for 2 s; connection closed/.test(l)), 'the staller cut off')
  await stall

  // Still serving.
  await sClient(portA, '127.0.0.1', [...trust, '-cert', client.cert, '-key', client.key], good('good after all that'))
  await waitFor(async () => (await readLines(all)).some((l) => l.includes('good after all that')), 'the last good message')
  const delivered = await readLines(all)
  assert.deepEqual(delivered.filter((l) => /"msg":"bad: /.test(l)), [], 'nothing a refused client sent was delivered')
  const stats = await d.stats()
  const a = stats.inputs.find((i: { name: string }) => i.name === 'tls://127.0.0.1:0')
  const b = stats.inputs.find((i: { name: string }) => i.name === 'tls://127.0.0.2:0')
  assert.equal(a.handshakeErrors, 7, 'unknown CA, expired, no cert, TLS 1.1, TLS 1.0, plain text, handshake timeout')
  assert.equal(a.refused, 1, 'the name allow= does not list')
  assert.equal(b.refused, 1, 'the certificate whose fingerprint is not pinned')
  assert.equal(a.accepted, 4, 'the good clients, the garbage sender and the staller')
  assert.equal(a.malformed, 1, 'the garbage, kept and marked')
  assert.equal(a.idleTimeouts, 1, 'the staller')

  // RFC 5425 §4.4: the daemon stopping closes a session with close_notify (s_client -msg shows it).
  const closing = sClient(portA, '127.0.0.1', [...trust, '-cert', client.cert, '-key', client.key, '-ign_eof', '-msg'], '')
  await waitFor(async () => (await d.stats()).inputs[0].connections === 1, 'the last session up')
  assert.equal(await d.stop(), 0)
  assert.match(await closing, /<<< TLS [\d.]+, Alert \[length 0002\], warning close_notify/)
})
