// TLS options in the config: `listen tls://` and `@tls://` parse into their settings with the
// documented defaults, misused options are errors at their line, and the certificate / key / CA
// files are read when the config is loaded (loadConfig, which `stele run`, SIGHUP and
// `stele check` use), so that a bad file is a FILE:LINE error before anything starts.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load.js'
import type { ForwardAction } from '../../src/config/schema.js'
import { run, STELE } from '../daemon/harness.js'
import { requireOpenssl, selfSigned, TestCa } from '../interop/certs.js'
import { parseOk, problemsOf } from './helpers.js'

test('config tls: listen tls:// and @tls:// settings and defaults', () => {
  const config = parseOk([
    'listen tls://0.0.0.0:6514 cert=./server.pem key=/k/server.key ca=/k/ca.pem allow=*.example.com,client1 max_connections=9',
    'listen tls://127.0.0.1:6515 cert=/k/s.pem key=/k/s.key verify=none handshake_timeout=3s framing=octet',
    `*.* @tls://loghost.example ca=/k/ca.pem`,
    `*.* @tls://[::1]:7000 cert=/k/c.pem key=/k/c.key name=logs.example fingerprint=SHA1:${'ab'.repeat(20)},sha256:${'CD'.repeat(32)} format=json`
  ].join('\n'))
  assert.deepEqual(config.listeners[0]!.tls, { cert: '/etc/stele/server.pem', key: '/k/server.key', ca: '/k/ca.pem', verify: true, allow: '*.example.com,client1', handshakeTimeoutS: 10 })
  assert.equal(config.listeners[0]!.maxConnections, 9)
  assert.deepEqual(config.listeners[1]!.tls, { cert: '/k/s.pem', key: '/k/s.key', ca: null, verify: false, allow: null, handshakeTimeoutS: 3 })
  const [plain, pinned] = config.rules.map((r) => r.action as ForwardAction)
  assert.equal(plain!.transport, 'tls')
  assert.equal(plain!.port, 6514, 'RFC 5425 §4.1 port by default')
  assert.equal(plain!.framing, 'octet')
  assert.equal(plain!.format, 'rfc5424')
  assert.deepEqual(plain!.tls, { ca: '/k/ca.pem', cert: null, key: null, name: null, fingerprints: [], verify: true })
  assert.equal(pinned!.host, '::1')
  assert.deepEqual(pinned!.tls, {
    ca: null, cert: '/k/c.pem', key: '/k/c.key', name: 'logs.example',
    fingerprints: [`sha1:${'AB:'.repeat(19)}AB`, `sha256:${'CD:'.repeat(31)}CD`], verify: true
  })
})

test('config tls: missing, misplaced and bad TLS options are errors at their line', () => {
  assert.deepEqual(problemsOf([
    'listen tls://0.0.0.0:6514', // 1
    'listen tls://0.0.0.0:6514 cert=/a key=/b verify=maybe allow=x/y', // 2
    'listen tls://0.0.0.0:6514 cert=/a key=/b allow=client1', // 3
    'listen tcp://0.0.0.0:514 cert=/a', // 4
    'listen tls://0.0.0.0:6514 cert=/a key=/b handshake_timeout=0', // 5
    '*.* @tls://h framing=lf', // 6
    '*.* @tls://h cert=/a', // 7
    '*.* @tls://h fingerprint=sha256:00', // 8
    '*.* @tcp://h ca=/a', // 9
    '*.* @tls://h verify=none name=x' // 10
  ].join('\n')), [
    '1: error: listen "tls://0.0.0.0:6514": a TLS listener needs cert=FILE (its certificate and private key, PEM)',
    '1: error: listen "tls://0.0.0.0:6514": a TLS listener needs key=FILE (its certificate and private key, PEM)',
    '2: error: verify "maybe" is not one of peer, none',
    '2: error: listen "tls://0.0.0.0:6514": allow entry "x/y" is neither a name (letters, digits, ".", "-", "*" wildcards) nor a fingerprint (sha256:HEX)',
    '3: error: listen "tls://0.0.0.0:6514": allow= names need verified client certificates: give ca=FILE (and not verify=none), or allow fingerprints only',
    '4: error: option "cert" does not apply to tcp listeners (only tls, relp)',
    '5: error: handshake_timeout=0: a client that never finishes its handshake would hold its connection forever; give a time such as 10s',
    '6: error: option "framing" does not apply to TLS forward actions (it takes format, newline, buffer, stall_timeout, ca, cert, key, name, fingerprint, verify, queue, queue_max, queue_dir, fsync, overflow)',
    '7: error: forward "@tls://h": cert= and key= go together (the client certificate and its private key)',
    '8: error: forward "@tls://h": fingerprint "sha256:00": a sha256 fingerprint has 32 bytes, this has 1',
    '9: error: option "ca" does not apply to TCP forward actions (it takes format, newline, buffer, framing, stall_timeout, queue, queue_max, queue_dir, fsync, overflow)',
    '10: warning: forward "@tls://h": verify=none turns off the name= and fingerprint= checks too'
  ])
})

test('config tls: unreadable, non-PEM, mismatched and expired files are reported at FILE:LINE by loadConfig and stele check', { skip: requireOpenssl(), timeout: 60000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stele-tlsconf-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const ca = await TestCa.create(dir)
  const server = await ca.issue('server', { cn: 'localhost', dns: ['localhost'] })
  const other = await selfSigned(dir, 'other', 'other')
  const expired = await ca.issue('expired', { cn: 'old', dns: ['old'], expired: true })
  await writeFile(join(dir, 'garbage.pem'), 'not a certificate\n')
  const conf = join(dir, 'stele.conf')
  await writeFile(conf, [
    `listen tls://127.0.0.1:0 cert=${server.cert} key=${server.key} ca=${ca.cert}`, // 1: good
    `listen tls://127.0.0.1:0 cert=${join(dir, 'missing.pem')} key=${server.key}`, // 2
    `listen tls://127.0.0.1:0 cert=${server.cert} key=${other.key}`, // 3
    `listen tls://127.0.0.1:0 cert=${server.cert} key=${server.key} ca=${join(dir, 'garbage.pem')}`, // 4
    `listen tls://127.0.0.1:0 cert=${server.key} key=${server.key}`, // 5
    `*.* @tls://127.0.0.1:1 cert=${expired.cert} key=${expired.key} ca=${server.cert}`, // 6: usable, warned
    `*.* @tls://127.0.0.1:2 ca=${server.cert} cert=${server.cert} key=${join(dir, 'garbage.pem')}`, // 7
    ''
  ].join('\n'))
  const expected = [
    `${conf}:2: error: listen "tls://127.0.0.1:0": cert "${join(dir, 'missing.pem')}": cannot read (ENOENT)`,
    `${conf}:3: error: listen "tls://127.0.0.1:0": key "${other.key}" does not belong to cert "${server.cert}" (key values mismatch)`,
    `${conf}:4: error: listen "tls://127.0.0.1:0": ca "${join(dir, 'garbage.pem')}": no PEM certificate ("-----BEGIN CERTIFICATE-----") in it`,
    `${conf}:5: error: listen "tls://127.0.0.1:0": cert "${server.key}": no PEM certificate ("-----BEGIN CERTIFICATE-----") in it`,
    `${conf}:6: warning: forward "@tls://127.0.0.1:1": cert "${expired.cert}" expired on Feb  1 00:00:00 2020 GMT; peers that verify it will refuse the connection`,
    `${conf}:7: error: forward "@tls://127.0.0.1:2": key "${join(dir, 'garbage.pem')}": not a usable PEM private key (unsupported; an encrypted key is not supported)`
  ]
  const { config, problems } = await loadConfig(conf)
  assert.equal(config, null, 'a config with unusable TLS files is rejected')
  assert.deepEqual(problems.map((p) => `${p.file}:${p.line}: ${p.severity}: ${p.message}`), expected)
  const check = await run(process.execPath, [STELE, 'check', '-f', conf])
  assert.equal(check.code, 1)
  for (const line of expected) assert.ok(check.stderr.includes(line.replace(': error: ', ': ').replace(': warning: ', ': ')) || check.stderr.includes(line), `stele check prints: ${line}\n${check.stderr}`)
})
