// RELP over TLS between two stele daemons, client certificates both ways (made by openssl):
// `stele send --transport relp+tls` (client certificate "sender.example") -> A's
// `listen relp+tls://` (ca=, so the sender must authenticate) -> A's `@relp://... tls=on`
// (client certificate "a.example", name=localhost) -> B's `listen relp://... tls=on`
// (ca=, allow=a.example), writing format=json.
// Checked: 500 messages and one of 60000 bytes arrive whole, once, in order, with A's identity;
// every message was acknowledged; a client without a certificate is refused and counted.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { requireOpenssl, TestCa } from '../interop/certs.js'
import { readLines, run, startDaemon, STELE, waitFor } from './harness.js'

const QUIET = 'mark_interval=0\nrepeat_suppression=off\n'

test('relp tls: stele send -> A -> B over RELP/TLS with client certificates: every message acknowledged, with the sender\'s identity', { skip: requireOpenssl(), timeout: 90000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stele-relp-tls-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const ca = await TestCa.create(dir)
  const server = await ca.issue('server', { cn: 'localhost', dns: ['localhost'], ip: ['127.0.0.1'] })
  const aClient = await ca.issue('a', { cn: 'a', dns: ['a.example'] })
  const sender = await ca.issue('sender', { cn: 'sender.example' })
  const b = await startDaemon(`${QUIET}listen relp://127.0.0.1:0 tls=on cert=${server.cert} key=${server.key} ca=${ca.cert} allow=a.example\n*.* DIR/b.json format=json\n`)
  t.after(async () => { await b.close() })
  const a = await startDaemon(`${QUIET}listen relp+tls://127.0.0.1:0 cert=${server.cert} key=${server.key} ca=${ca.cert}
local4.* @relp://127.0.0.1:${b.port('relp://127.0.0.1:0')} tls=on ca=${ca.cert} cert=${aClient.cert} key=${aClient.key} name=localhost
`)
  t.after(async () => { await a.close() })
  const tlsArgs = ['--transport', 'relp+tls', '--port', String(a.port('relp+tls://127.0.0.1:0')), '--ca', ca.cert, '--cert', sender.cert, '--key', sender.key, '--name', 'localhost', '-p', 'local4.info', '-t', 'relptls']
  const series = await run(process.execPath, [STELE, 'send', ...tlsArgs, '--count', '500', 'n'])
  assert.equal(series.code, 0, series.stderr)
  const big = Array.from({ length: 6000 }, (_, i) => `${String(i).padStart(9, '0')}`).join('-').slice(0, 60000)
  const one = await run(process.execPath, [STELE, 'send', ...tlsArgs, big])
  assert.equal(one.code, 0, one.stderr)
  const bJson = join(b.dir, 'b.json')
  const arrived = async (): Promise<any[]> => (await readLines(bJson)).map((l) => JSON.parse(l)).filter((r) => r.appName === 'relptls')
  await waitFor(async () => (await arrived()).length >= 501, 'all messages at B')
  const records = await arrived()
  assert.deepEqual(records.map((r) => r.msg), [...Array.from({ length: 500 }, (_, i) => `n ${i + 1}`), big], 'whole, once, in order')
  for (const r of records) assert.equal(r.source.identity, 'a.example', 'B knows A by its client certificate')
  // B writes its file before it answers, so A may count the last acknowledgement a moment later.
  const forwardStats = async (): Promise<any> => (await a.stats()).outputs.find((o: { name: string }) => o.name.startsWith('forward relp+tls://'))
  await waitFor(async () => (await forwardStats()).written >= 501, 'every message acknowledged by B')
  const forward = await forwardStats()
  assert.equal(forward.written, 501)
  assert.equal(forward.errors, 0)
  const input = (await a.stats()).inputs[0]
  assert.equal(input.acked, 501)

  const anonymous = await run(process.execPath, [STELE, 'send', '--transport', 'relp+tls', '--port', String(a.port('relp+tls://127.0.0.1:0')), '--ca', ca.cert, '--name', 'localhost', 'x'])
  assert.equal(anonymous.code, 1, 'a client without a certificate is refused')
  await waitFor(async () => (await a.stats()).inputs[0].refused + (await a.stats()).inputs[0].handshakeErrors >= 1, 'the refusal counted')
})
