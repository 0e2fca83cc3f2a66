// The verifier on NetBSD-format logs made by netbsd-fixture.ts: every kind of tampering the
// issue lists must change the result, and honest logs (even reordered, interleaved, or with
// lost signature blocks) must verify completely.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { VER_SHA256 } from '../../src/sign/index.js'
import { LogVerifier, type VerifyOptions, type VerifyResult } from '../../src/sign/verify/log-verifier.js'
import { exitCodeOf, EXIT_INVALID, EXIT_LOST, EXIT_OK, EXIT_UNSIGNED } from '../../src/sign/verify/report.js'
import { dsaIdentity, netbsdSignedLog, seedLog, seedMessages } from './netbsd-fixture.js'

function verify (lines: readonly string[], options: VerifyOptions = {}): VerifyResult & { status: string[] } {
  const status: string[] = []
  const v = new LogVerifier({ status: (l) => status.push(l), ...options })
  for (const line of lines) v.addLine(Buffer.from(line, 'latin1'))
  return { ...v.finish(), status }
}

function numbers (r: VerifyResult, which: 'line' | 'lost', group = 0): number[] {
  return r.groups[group].entries.filter((e) => which in e).map((e) => e.number)
}

const honest = (): string[] => netbsdSignedLog({ identity: dsaIdentity('C'), messages: seedMessages() }).lines
const isBlock = (l: string): boolean => l.includes('[ssign')

test('verify: an honest NetBSD log verifies completely', () => {
  const r = verify(honest())
  assert.equal(r.counts.signed, 20)
  assert.deepEqual([r.counts.lost, r.counts.unsigned, r.counts.invalidBlocks], [0, 0, 0])
  assert.equal(exitCodeOf(r), EXIT_OK)
  assert.equal(r.groups[0].key, 'host.example.org,1217632162,0111,3,0')
})

test('verify: the seed example (msg12 modified) -> 13 lost, modified line unsigned', () => {
  const r = verify(seedLog())
  assert.deepEqual(numbers(r, 'lost'), [13])
  assert.equal(r.counts.signed, 19)
  assert.deepEqual(r.unsigned.map(String), ['<15>1 2008-08-02T02:09:27+02:00 host.example.org test 6255 - - modified msg12'])
  assert.equal(exitCodeOf(r), EXIT_LOST)
})

test('verify: a deleted message is lost at its number', () => {
  const r = verify(honest().filter((l) => !l.endsWith(' msg4')))
  assert.deepEqual(numbers(r, 'lost'), [5])
  assert.equal(r.counts.unsigned, 0)
  assert.equal(exitCodeOf(r), EXIT_LOST)
})

test('verify: an inserted forged line is unsigned', () => {
  const lines = honest()
  lines.splice(3, 0, '<15>1 2008-08-02T02:09:27+02:00 host.example.org test 6255 - - msg2')
  lines.splice(5, 0, '<15>1 2008-08-02T02:09:28+02:00 host.example.org sshd 1 - - Accepted password for root')
  const r = verify(lines)
  assert.equal(r.counts.signed, 20)
  assert.equal(r.counts.lost, 0)
  // The duplicate of msg2 is signed only once: one copy is matched, the other is left over.
  assert.equal(r.counts.unsigned, 2)
  assert.equal(exitCodeOf(r), EXIT_UNSIGNED)
})

test('verify: reordered lines still come out in message-number order', () => {
  const lines = honest().reverse()
  const r = verify(lines)
  assert.equal(r.counts.signed, 20)
  assert.deepEqual(numbers(r, 'line'), Array.from({ length: 20 }, (_, i) => i + 1))
  assert.deepEqual(r.groups[0].entries.map((e) => 'line' in e ? e.line.toString().split(' - - ')[1] : ''), seedMessages().map((m) => m.split(' - - ')[1]))
})

test('verify: a truncated archive loses the tail and is not clean', () => {
  const lines = honest()
  // Cut in the middle of the last Signature Block: msg15..19 are then covered by nothing.
  const cut = lines.slice(0, -1).concat(lines[lines.length - 1].slice(0, 150))
  const r = verify(cut)
  assert.equal(r.counts.signed, 15)
  assert.equal(r.counts.unsigned, 6) // msg15..19 and the cut block line
  assert.equal(r.counts.invalidBlocks, 1)
  assert.equal(exitCodeOf(r), EXIT_INVALID)
  // Cut inside a message line: that message is lost and the stump is unsigned.
  const r2 = verify(lines.map((l) => l.endsWith(' msg7') ? l.slice(0, 40) : l))
  assert.deepEqual(numbers(r2, 'lost'), [8])
  assert.equal(r2.counts.unsigned, 1)
})

test('verify: a forged or modified signature block is invalid and signs nothing', () => {
  const lines = honest()
  const last = lines.length - 1
  // Replace a hash in the last SB with the hash of a forged message: the signature breaks.
  const forged = [...lines]
  forged[last] = forged[last].replace(/HB="(\S+) /, 'HB="AAAAAAAAAAAAAAAAAAAAAAAAAAA= ')
  const r = verify(forged)
  assert.equal(r.counts.invalidBlocks, 1)
  assert.ok(r.status.includes('Warning: invalid signature. ignoring this SB.'))
  assert.equal(r.counts.signed, 15) // only the first SB's range remains
  assert.equal(exitCodeOf(r), EXIT_INVALID)
  // A changed FMN shifts every number: also caught by the signature.
  const shifted = [...lines]
  shifted[last] = shifted[last].replace('FMN="1"', 'FMN="2"')
  assert.equal(verify(shifted).counts.invalidBlocks, 1)
  // An SB signed by another key (a forger who knows the hashes but not the key).
  const other = netbsdSignedLog({ identity: dsaIdentity('K', 'forger'), messages: seedMessages() }).lines
  const r3 = verify([...lines.filter((l) => !l.includes('[ssign ')), ...other.filter((l) => l.includes('[ssign '))])
  assert.equal(r3.counts.invalidBlocks, 2)
  assert.equal(r3.counts.signed, 0)
})

test('verify: a certificate block signed by another key makes its group untrusted', () => {
  const { lines } = netbsdSignedLog({ identity: dsaIdentity('C'), messages: seedMessages(), cbSigner: dsaIdentity('K', 'forger') })
  const r = verify(lines)
  assert.equal(r.counts.groups, 0)
  assert.equal(r.counts.invalidBlocks, 1)
  assert.equal(r.counts.unverifiableBlocks, 2) // both SBs: no trusted key for their group
  assert.equal(r.counts.unsigned, 20)
  assert.ok(r.status.includes('invalid signature in CB. will not trust SG host.example.org,1217632162,0111,3,0'))
  assert.equal(exitCodeOf(r), EXIT_INVALID)
  // A CB whose key was swapped for the forger's (and re-signed by the forger) does not verify
  // the SBs of the real key.
  const forger = dsaIdentity('K', 'forger')
  const swapped = netbsdSignedLog({ identity: forger, messages: seedMessages() }).lines.filter((l) => l.includes('[ssign-cert'))
  const r2 = verify([...lines.filter((l) => !l.includes('[ssign-cert')), ...swapped])
  assert.equal(r2.counts.signed, 0)
  assert.equal(r2.counts.invalidBlocks, 2)
})

test('verify: lost signature blocks are tolerated through the sliding window', () => {
  // 100 messages, division 10, redundancy 3: every hash is in 3 consecutive SBs.
  const messages = seedMessages(100)
  const { lines } = netbsdSignedLog({ identity: dsaIdentity('K'), messages, division: 10, redundancy: 3 })
  const sbIndexes = lines.flatMap((l, i) => l.includes('[ssign ') ? [i] : [])
  assert.ok(sbIndexes.length >= 10)
  // Drop every other SB (as lost UDP datagrams): each hash still reaches the verifier.
  const dropped = new Set(sbIndexes.filter((_, k) => k % 2 === 1))
  const r = verify(lines.filter((_, i) => !dropped.has(i)))
  assert.equal(r.counts.signed, 100)
  assert.equal(r.counts.lost, 0)
  assert.equal(exitCodeOf(r), EXIT_OK)
  // Dropping three consecutive SBs leaves a range without signature: reported lost, and its
  // messages unsigned.
  const three = new Set(sbIndexes.slice(2, 5))
  const r2 = verify(lines.filter((_, i) => !three.has(i)))
  assert.ok(r2.counts.lost > 0)
  assert.equal(r2.counts.lost, r2.counts.unsigned)
  assert.ok(r2.groups[0].entries.some((e) => 'lost' in e && e.lost === 'no-signature'))
})

test('verify: SHA-256 (VER 0121) needs --sha256; key type K; OpenPGP-encoded signatures', () => {
  const { lines } = netbsdSignedLog({ identity: dsaIdentity('K'), messages: seedMessages(), ver: VER_SHA256, signatureEncoding: 'openpgp' })
  const r = verify(lines, { hashes: ['sha256'] })
  assert.equal(r.counts.signed, 20)
  assert.equal(exitCodeOf(r), EXIT_OK)
  assert.ok(r.status.includes('got DER DSA key'))
  const sha1Only = verify(lines)
  assert.equal(sha1Only.counts.signed, 0)
  assert.equal(sha1Only.counts.unverifiableBlocks, 2)
  assert.equal(exitCodeOf(sha1Only), EXIT_UNSIGNED)
  const both = verify(lines, { hashes: ['sha1', 'sha256'] })
  assert.equal(both.counts.signed, 20)
})

test('verify: two hosts and two groups interleaved, with a multi-fragment CB', () => {
  const a = netbsdSignedLog({ identity: dsaIdentity('C'), messages: seedMessages(30, 'alpha.example.org'), hostname: 'alpha.example.org', rsid: 10, sg: 1, spri: 15, maxFragmentChars: 300 }).lines
  const b = netbsdSignedLog({ identity: dsaIdentity('K'), messages: seedMessages(30, 'beta.example.org'), hostname: 'beta.example.org', rsid: 9, sg: 0, spri: 0 }).lines
  const c = netbsdSignedLog({ identity: dsaIdentity('K'), messages: seedMessages(5, 'beta.example.org').map((m) => m.replace('test', 'other')), hostname: 'beta.example.org', rsid: 9, sg: 2, spri: 7, division: 5 }).lines
  assert.ok(a.filter((l) => l.includes('[ssign-cert')).length > 1)
  const mixed: string[] = []
  for (let i = 0; i < Math.max(a.length, b.length, c.length); i++) {
    if (i < b.length) mixed.push(b[i])
    if (i < a.length) mixed.push(a[a.length - 1 - i])
    if (i < c.length) mixed.push(c[i])
  }
  const r = verify(mixed)
  assert.deepEqual(r.groups.map((g) => g.key), ['alpha.example.org,10,0111,1,15', 'beta.example.org,9,0111,0,0', 'beta.example.org,9,0111,2,7'])
  assert.deepEqual(r.groups.map((g) => g.entries.length), [30, 30, 5])
  assert.equal(r.counts.signed, 65)
  assert.equal(exitCodeOf(r), EXIT_OK)
})

test('verify: garbage never throws and is counted as unsigned', () => {
  const junk = ['\u0000\u0001\u00ff', '<110>1 x h a - - [ssign VER="0111" RSID="1"', '[ssign-cert', 'plain text', ' ', '<999>1 - - - - - [ssign']
  const r = verify([...honest(), ...junk, ''])
  assert.equal(r.counts.signed, 20)
  assert.equal(r.counts.unsigned, junk.length)
  assert.equal(r.counts.invalidBlocks, 2) // the two cut ssign lines
  const all = verify(junk.filter((l) => !isBlock(l)))
  assert.equal(exitCodeOf(all), EXIT_UNSIGNED)
  assert.equal(exitCodeOf(verify([])), EXIT_OK)
})
