// The syslog-sign codec on its own: bytes in, bytes out, no I/O.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, generateKeyPairSync } from 'node:crypto'
import {
  VER_SHA1, VER_SHA256, hashMessage, parseBlockLine, buildSignatureBlock, buildCertificateBlocks,
  verifyBlockText, signBlockText, parsePayloadBlock, publicKeyFromBlob, keyBlobFromPublicKey, fragmentPayload
} from '../../src/sign/index.js'

const { privateKey, publicKey } = generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 })
const header = { timestamp: '2008-08-02T02:09:27.773478+02:00', hostname: 'host.example.org', appName: 'syslogd' }
const group = { ver: VER_SHA1, rsid: 1217632162, sg: 3, spri: 0 }

test('sign codec: message hash is base64 of SHA-1/SHA-256 of the exact line', () => {
  const line = '<15>1 2008-08-02T02:09:27+02:00 host.example.org test 6255 - - msg0'
  assert.equal(hashMessage(line, VER_SHA1), createHash('sha1').update(line).digest('base64'))
  assert.equal(hashMessage(Buffer.from(line), VER_SHA256).length, 44)
  assert.equal(hashMessage(line, VER_SHA1).length, 28)
  assert.notEqual(hashMessage(line, VER_SHA1), hashMessage(`${line}\n`, VER_SHA1))
})

test('sign codec: signature block round trip in NetBSD layout', () => {
  const hashes = ['a', 'b', 'c'].map((m) => hashMessage(m, VER_SHA1))
  const line = buildSignatureBlock({ header, group, gbc: 7, fmn: 1, hashes, privateKey })
  assert.match(line, /^<110>1 2008-08-02T02:09:27.773478\+02:00 host.example.org syslogd - - \[ssign VER="0111" RSID="1217632162" SG="3" SPRI="0" GBC="7" FMN="1" CNT="3" HB="\S{28} \S{28} \S{28}" SIGN="[A-Za-z0-9+/=]+"\]$/)
  const parsed = parseBlockLine(line)
  assert.ok(parsed.ok && parsed.kind === 'signature')
  assert.deepEqual(parsed.fields.hashes, hashes)
  assert.equal(parsed.fields.fmn, 1)
  assert.equal(parsed.fields.cnt, 3)
  assert.equal(parsed.header.hostname, 'host.example.org')
  // The signed text is the line without ` SIGN="..."`, exactly as verify.pl's check_sig.
  assert.equal(parsed.signedText.toString('latin1'), line.replace(/ SIGN="\S+"\]$/, ']'))
  assert.equal(verifyBlockText(parsed.signedText, parsed.signature, publicKey), true)
  const tampered = parseBlockLine(line.replace('GBC="7"', 'GBC="8"'))
  assert.ok(tampered.ok)
  assert.equal(verifyBlockText(tampered.signedText, tampered.signature, publicKey), false)
})

test('sign codec: certificate blocks fragment the payload and reassemble', () => {
  const keyBlob = keyBlobFromPublicKey(publicKey)
  const lines = buildCertificateBlocks({ header, group, payloadTimestamp: '2008-08-02T01:09:27.773464+02:00', keyBlobType: 'K', keyBlob, privateKey, maxFragmentChars: 200 })
  assert.ok(lines.length > 2)
  let payload = ''
  for (const line of lines) {
    const p = parseBlockLine(line)
    assert.ok(p.ok && p.kind === 'certificate', line)
    assert.match(line, / TBPL="\d+" INDEX="\d+" FLEN="\d+" FRAG="/)
    assert.equal(p.fields.index, payload.length + 1)
    assert.equal(p.fields.flen, p.fields.frag.length)
    payload += p.fields.frag
    assert.equal(p.fields.tpbl, lines.length > 0 ? p.fields.tpbl : 0)
    assert.equal(verifyBlockText(p.signedText, p.signature, publicKey), true)
  }
  const block = parsePayloadBlock(payload)
  assert.deepEqual(block && { t: block.timestamp, k: block.keyBlobType }, { t: '2008-08-02T01:09:27.773464+02:00', k: 'K' })
  const key = publicKeyFromBlob('K', block!.keyBlob)
  assert.ok(key.ok)
  assert.equal(key.label, 'DER DSA')
  // RFC 5848 spelling TPBL is read as well.
  const rfc = buildCertificateBlocks({ header, group, payloadTimestamp: 'x', keyBlobType: 'K', keyBlob, privateKey, lengthName: 'TPBL' })
  const p = parseBlockLine(rfc[0])
  assert.ok(p.ok && p.kind === 'certificate' && p.fields.tpbl === p.fields.flen)
  assert.deepEqual(fragmentPayload('abcde', 2), [{ index: 1, frag: 'ab' }, { index: 3, frag: 'cd' }, { index: 5, frag: 'e' }])
})

test('sign codec: OpenPGP MPI and DER signatures both verify; garbage does not', () => {
  const text = Buffer.from('<110>1 - h syslogd - - [ssign VER="0111"]')
  const der = signBlockText(text, privateKey, 'der')
  const mpi = signBlockText(text, privateKey, 'openpgp')
  assert.equal(Buffer.from(der, 'base64')[0], 0x30)
  assert.equal(verifyBlockText(text, der, publicKey), true)
  assert.equal(verifyBlockText(text, mpi, publicKey), true)
  assert.equal(verifyBlockText(text, 'AAAA', publicKey), false)
  assert.equal(verifyBlockText(text, '', publicKey), false)
  const other = generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 })
  assert.equal(verifyBlockText(text, der, other.publicKey), false)
})

test('sign codec: ordinary, malformed and hostile lines never throw', () => {
  const cases = [
    '', 'hello', '<15>1 2008-08-02T02:09:27+02:00 host test 1 - - msg [ssign not sd',
    '<110>1 - h a - - [ssign VER="0111"]',
    '<110>1 - h a - - [ssign VER="0111" RSID="1" SG="0" SPRI="0" GBC="1" FMN="1" CNT="1" HB="!!" SIGN="AA=="]',
    '<110>1 - h a - - [ssign VER="0111" RSID="1" SG="0" SPRI="0" GBC="1" FMN="1" CNT="1" HB="AA==" SIGN="AA=="',
    '<110>1 - h a - - [x@1 a="\\"]"][ssign-cert VER="0111"]', '\u0000\u00ff[ssign'
  ]
  const kinds = cases.map((c) => parseBlockLine(c).kind)
  assert.deepEqual(kinds, ['none', 'none', 'none', 'malformed', 'malformed', 'malformed', 'malformed', 'none'])
  const ok = parseBlockLine('<110>1 - h a - - [x@1 a="q\\"]"][ssign VER="0111" RSID="1" SG="0" SPRI="0" GBC="1" FMN="1" CNT="1" HB="AA==" SIGN="AA=="] trailing')
  assert.equal(ok.kind, 'signature')
})
