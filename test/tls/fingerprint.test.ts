// Fingerprints (RFC 5425 §4.2.2) checked against what `openssl x509 -fingerprint` prints for the
// same certificate, and the forms a pin may be written in; allow= lists.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { certificateFingerprint, matchesFingerprint, parseFingerprint } from '../../src/tls/fingerprint.js'
import { AllowList } from '../../src/tls/peer.js'
import { requireOpenssl, selfSigned } from '../interop/certs.js'

test('fingerprint: sha1 and sha256 of a certificate equal openssl x509 -fingerprint', { skip: requireOpenssl() }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stele-fp-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const files = await selfSigned(dir, 'peer', 'peer.example')
  const der = new X509Certificate(await readFile(files.cert)).raw
  assert.equal(certificateFingerprint(der, 'sha256'), files.fingerprint.sha256)
  assert.equal(certificateFingerprint(der, 'sha1'), files.fingerprint.sha1)
  assert.equal(certificateFingerprint(der), files.fingerprint.sha256, 'sha256 by default')
  assert.ok(matchesFingerprint(der, [files.fingerprint.sha1]))
  assert.ok(matchesFingerprint(der, ['sha1:' + '00:'.repeat(19) + '00', files.fingerprint.sha256]))
  assert.ok(!matchesFingerprint(der, ['sha256:' + '00:'.repeat(31) + '00']))
})

test('fingerprint: pins are read in any case, with or without colons, and canonicalised', () => {
  const hex = 'ab'.repeat(32)
  const canonical = `sha256:${'AB:'.repeat(31)}AB`
  assert.deepEqual(parseFingerprint(`sha256:${hex}`), { fingerprint: canonical, algorithm: 'sha256' })
  assert.deepEqual(parseFingerprint(`SHA-256:${'ab:'.repeat(31)}ab`), { fingerprint: canonical, algorithm: 'sha256' })
  assert.deepEqual(parseFingerprint(`sha1:${'0F'.repeat(20)}`), { fingerprint: `sha1:${'0F:'.repeat(19)}0F`, algorithm: 'sha1' })
  assert.match((parseFingerprint(`sha1:${hex}`) as { error: string }).error, /a sha1 fingerprint has 20 bytes, this has 32/)
  assert.match((parseFingerprint('md5:00') as { error: string }).error, /is not "sha256:HEX"/)
  assert.match((parseFingerprint('sha256:xyz') as { error: string }).error, /is not "sha256:HEX"/)
})

test('fingerprint: allow= takes names with * wildcards within one label, and fingerprints', () => {
  const list = AllowList.parse(`client1.example, *.logs.example, sha256:${'AB:'.repeat(31)}AB`)
  assert.ok(!('error' in list))
  const der = Buffer.from('not a certificate')
  assert.equal(list.match(der, ['client1.example']), 'client1.example')
  assert.equal(list.match(der, ['CLIENT1.example']), 'CLIENT1.example', 'names compare case-insensitively')
  assert.equal(list.match(der, ['web.logs.example']), 'web.logs.example')
  assert.equal(list.match(der, ['a.web.logs.example']), null, '* does not cross a dot')
  assert.equal(list.match(der, ['client2.example']), null)
  assert.equal(list.match(der, []), null, 'the fingerprint of these bytes is not listed')
  assert.match((AllowList.parse('good, bad/name') as { error: string }).error, /allow entry "bad\/name" is neither a name/)
  assert.match((AllowList.parse(' , ') as { error: string }).error, /allow= is empty/)
  assert.match((AllowList.parse('sha256:12') as { error: string }).error, /has 32 bytes, this has 1/)
})
