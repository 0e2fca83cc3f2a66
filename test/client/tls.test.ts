// The client over TLS with mutual authentication, against a real `stele run` with
// `listen tls://` and `listen relp+tls://`, both requiring a client certificate from the test CA
// (ca=, allow=client.example). Certificates are made by openssl (test/interop/certs.ts).
// Checked: records over tls and relp+tls arrive with the client's identity from its
// certificate; a record longer than the TLS default limit (8192 bytes) arrives cut to it on a
// UTF-8 boundary; a client without a certificate is refused, counted, and its records stay
// pending (nothing claimed delivered); a pinned fingerprint that does not match is refused.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger } from '../../src/client/index.js'
import { readLines, startDaemon, waitFor } from '../daemon/harness.js'
import { requireOpenssl, TestCa } from '../interop/certs.js'

test('client tls: tls and relp+tls with a client certificate arrive with its identity; long records cut at 8192; no certificate or a wrong pin is refused', { skip: requireOpenssl(), timeout: 60000 }, async (t) => {
  const certDir = await mkdtemp(join(tmpdir(), 'stele-client-tls-'))
  t.after(() => rm(certDir, { recursive: true, force: true }))
  const ca = await TestCa.create(certDir)
  const server = await ca.issue('server', { cn: 'localhost', dns: ['localhost'], ip: ['127.0.0.1'] })
  const client = await ca.issue('client', { cn: 'client.example', dns: ['client.example'] })
  const d = await startDaemon(`mark_interval=0
repeat_suppression=off
max_message_size=64k
listen tls://127.0.0.1:0 cert=${server.cert} key=${server.key} ca=${ca.cert} allow=client.example
listen relp+tls://127.0.0.1:0 cert=${server.cert} key=${server.key} ca=${ca.cert} allow=client.example
*.* -DIR/out.json format=json
`)
  t.after(async () => { await d.close() })
  const tlsOptions = { ca: ca.cert, cert: client.cert, key: client.key, servername: 'localhost' }
  const overTls = createLogger({ transport: 'tls', port: d.port('tls://127.0.0.1:0'), appName: 'overtls', tls: tlsOptions })
  const overRelp = createLogger({ transport: 'relp', port: d.port('relp+tls://127.0.0.1:0'), appName: 'overrelp', tls: tlsOptions })
  t.after(async () => { await Promise.all([overTls.close(1000), overRelp.close(1000)]) })
  assert.equal(overRelp.target, `relp+tls://127.0.0.1:${d.port('relp+tls://127.0.0.1:0')}`)
  for (const logger of [overTls, overRelp]) {
    for (let i = 0; i < 100; i++) logger.info(`n=${i}`, { 'x@32473': { i } })
    logger.info('€'.repeat(4000)) // 12000 bytes: over the 8192 default of tls and relp
    assert.deepEqual(await logger.flush(20000), { ok: true, pending: 0 })
    assert.equal(logger.counters.truncated, 1)
  }
  const records = async (app: string): Promise<any[]> => (await readLines(join(d.dir, 'out.json'))).map((l) => JSON.parse(l)).filter((r) => r.appName === app)
  await waitFor(async () => (await records('overtls')).length >= 101 && (await records('overrelp')).length >= 101, 'all records at the daemon')
  for (const app of ['overtls', 'overrelp']) {
    const mine = await records(app)
    assert.equal(mine.length, 101, app)
    assert.deepEqual(mine.slice(0, 100).map((r) => r.msg), Array.from({ length: 100 }, (_, i) => `n=${i}`))
    assert.deepEqual(mine[7].structuredData, { 'x@32473': { i: '7' } })
    for (const r of mine) assert.equal(r.source.identity, 'client.example', `${app}: the daemon knows the client by its certificate`)
    const cut = mine[100].msg as string
    assert.ok(/^€+$/.test(cut), 'cut on a character boundary')
    assert.ok(cut.length < 4000 && Buffer.byteLength(cut) > 8000, `${Buffer.byteLength(cut)} bytes of text kept`)
  }

  // No client certificate, over RELP: the daemon refuses the session; nothing is claimed
  // delivered. (Over plain tls with TLS 1.3 the client's handshake completes before the server
  // checks its certificate, so a record written at once is "in the kernel" before the refusal
  // comes: only an acknowledging transport can tell. The refusal is still counted.)
  const anonymousRelp = createLogger({ transport: 'relp', port: d.port('relp+tls://127.0.0.1:0'), tls: { ca: ca.cert, servername: 'localhost' }, reconnect: { minDelayMs: 20, maxDelayMs: 100 } })
  // A pinned fingerprint that is not the server's: refused by the client before anything is sent.
  const wrongPin = createLogger({ transport: 'tls', port: d.port('tls://127.0.0.1:0'), tls: { ...tlsOptions, fingerprints: [client.fingerprint.sha256] }, reconnect: { minDelayMs: 20, maxDelayMs: 100 } })
  for (const logger of [anonymousRelp, wrongPin]) {
    logger.info('should wait')
    await waitFor(() => logger.counters.errors >= 2, 'refusals counted')
    assert.deepEqual(await logger.flush(300), { ok: false, pending: 1 }, logger.target)
    assert.equal(logger.counters.sent, 0)
    assert.equal(logger.connected, false)
    assert.deepEqual(await logger.close(100), { ok: false, pending: 1 })
  }
  const anonymousTls = createLogger({ transport: 'tls', port: d.port('tls://127.0.0.1:0'), tls: { ca: ca.cert, servername: 'localhost' }, reconnect: { minDelayMs: 20, maxDelayMs: 100 } })
  anonymousTls.info('refused')
  await waitFor(() => anonymousTls.counters.errors >= 1, 'the refusal counted over tls')
  await anonymousTls.close(100)
  await waitFor(async () => (await d.stats()).inputs.reduce((sum: number, i: { refused?: number, handshakeErrors?: number }) => sum + (i.refused ?? 0) + (i.handshakeErrors ?? 0), 0) >= 2, 'the daemon counted both refusals')
})
