// The signer's parts without a daemon: signature group plans, the hash window's redundancy,
// the RSID store, the signing key file, block sizes, and a whole session writing to in-memory
// outputs whose lines `LogVerifier` (the verifier of `stele verify`) must accept.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { planGroups, rangeUppers } from '../../src/sign/signer/signature-groups.js'
import { HashWindow } from '../../src/sign/signer/hash-window.js'
import { nextRsid, RSID_FILE } from '../../src/sign/signer/rsid-store.js'
import { GENERATED_KEY_FILE, loadSigningKey } from '../../src/sign/signer/signing-key.js'
import { defaultSignSettings, type SignSettings } from '../../src/sign/signer/settings.js'
import { blockShape, MAX_BLOCK_OCTETS, SigningSession } from '../../src/sign/signer/signing-session.js'
import { LogVerifier } from '../../src/sign/verify/log-verifier.js'
import { createMessage, type SyslogMessage } from '../../src/message/model.js'
import { timeZone } from '../../src/message/time-zone.js'
import type { Output, OutputCounters } from '../../src/daemon/component.js'

async function tempDir (t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stele-signer-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

const ALL = new Uint8Array(192).fill(1)
function only (...pris: number[]): Uint8Array {
  const mask = new Uint8Array(192)
  for (const pri of pris) mask[pri] = 1
  return mask
}

test('signer groups: SG 0 is one group with SPRI 0 over every destination', () => {
  const plan = planGroups(0, [], [ALL, only(16)])
  assert.equal(plan.groups.length, 1)
  assert.deepEqual(plan.groups[0], { spri: 0, destinations: [0, 1] })
  assert.ok([...plan.groupOfPri].every((g) => g === 0))
})

test('signer groups: SG 1 is a group per PRI, each with the destinations that select it', () => {
  const plan = planGroups(1, [], [only(13, 16), only(16)])
  assert.equal(plan.groups.length, 192)
  assert.equal(plan.groupOfPri[13], 13)
  assert.deepEqual(plan.groups[13], { spri: 13, destinations: [0] })
  assert.deepEqual(plan.groups[16], { spri: 16, destinations: [0, 1] })
  assert.deepEqual(plan.groups[17], { spri: 17, destinations: [] })
})

test('signer groups: SG 2 ranges end at each delimiter, plus one up to 191; default one per facility', () => {
  assert.deepEqual(rangeUppers([15, 31]), [15, 31, 191])
  assert.deepEqual(rangeUppers([15, 191]), [15, 191])
  const facilities = rangeUppers([])
  assert.equal(facilities.length, 24)
  assert.deepEqual(facilities.slice(0, 3), [7, 15, 23])
  const plan = planGroups(2, [15, 31], [only(3), only(20), only(100)])
  assert.deepEqual(plan.groups.map((g) => g.spri), [15, 31, 191])
  assert.equal(plan.groupOfPri[0], 0)
  assert.equal(plan.groupOfPri[15], 0)
  assert.equal(plan.groupOfPri[16], 1)
  assert.equal(plan.groupOfPri[31], 1)
  assert.equal(plan.groupOfPri[32], 2)
  assert.deepEqual(plan.groups.map((g) => g.destinations), [[0], [1], [2]])
})

test('signer groups: SG 3 is a group per destination, SPRI its number', () => {
  const plan = planGroups(3, [], [ALL, ALL, only(1)])
  assert.deepEqual(plan.groups, [{ spri: 0, destinations: [0] }, { spri: 1, destinations: [1] }, { spri: 2, destinations: [2] }])
})

/** Feeds `count` hashes, taking a block whenever due; returns the blocks. */
function run (window: HashWindow, count: number): Array<{ firstNumber: number, hashes: readonly string[] }> {
  const blocks = []
  for (let i = 1; i <= count; i++) {
    window.add(`h${i}`)
    if (window.due) blocks.push(window.take()!)
  }
  while (window.pending) blocks.push(window.take()!)
  return blocks
}

test('signer window: in steady flow every hash is in exactly `redundancy` consecutive blocks, numbers contiguous', () => {
  for (const [max, redundancy] of [[99, 3], [38, 3], [10, 1], [60, 4]] as const) {
    const window = new HashWindow(max, redundancy)
    const blocks = run(window, 1000)
    const seenIn = new Map<number, number[]>()
    blocks.forEach((block, b) => {
      assert.ok(block.hashes.length <= max, `block of ${block.hashes.length} > ${max}`)
      block.hashes.forEach((hash, i) => {
        assert.equal(hash, `h${block.firstNumber + i}`)
        const list = seenIn.get(block.firstNumber + i) ?? []
        list.push(b)
        seenIn.set(block.firstNumber + i, list)
      })
    })
    for (let n = 1; n <= 1000; n++) {
      const list = seenIn.get(n)!
      assert.equal(list.length, redundancy, `hash ${n} (max ${max}, redundancy ${redundancy})`)
      assert.equal(list[list.length - 1]! - list[0]!, redundancy - 1, `hash ${n} in consecutive blocks`)
    }
    assert.equal(window.degraded, 0)
  }
})

test('signer window: blocks taken late (signing behind) still cover every hash; redundancy given up is counted', () => {
  const window = new HashWindow(30, 3)
  const covered = new Set<number>()
  let next = 1
  while (next <= 500) {
    // Only take a block when the window is full, as the signer does when signatures pile up.
    if (window.full) {
      const block = window.take()!
      block.hashes.forEach((_, i) => covered.add(block.firstNumber + i))
    }
    assert.equal(window.add(`h${next}`), next)
    next++
  }
  while (window.pending) {
    const block = window.take()!
    block.hashes.forEach((_, i) => covered.add(block.firstNumber + i))
  }
  assert.equal(covered.size, 500)
  assert.ok(window.degraded > 0)
})

test('signer rsid: strictly increasing across starts, persisted; a lost file falls back to the clock', async (t) => {
  const dir = await tempDir(t)
  const clock = 1_700_000_000_000
  const first = await nextRsid(dir, { now: () => clock })
  assert.equal(first, 1_700_000_000)
  const second = await nextRsid(dir, { now: () => clock })
  assert.equal(second, first + 1)
  // The clock set back: the stored value still wins.
  assert.equal(await nextRsid(dir, { now: () => clock - 86_400_000 }), first + 2)
  assert.equal((await readFile(join(dir, RSID_FILE), 'utf8')).trim(), String(first + 2))
  assert.equal((await stat(join(dir, RSID_FILE))).mode & 0o777, 0o600)
  // State lost: the clock, which has moved on, is used.
  await rm(join(dir, RSID_FILE))
  assert.equal(await nextRsid(dir, { now: () => clock + 10_000 }), 1_700_000_010)
  await writeFile(join(dir, RSID_FILE), 'garbage')
  assert.equal(await nextRsid(dir, { now: () => clock + 20_000 }), 1_700_000_020)
})

test('signer key: generated at first use with mode 0600, the same key afterwards, blob type K', async (t) => {
  const dir = await tempDir(t)
  const settings = defaultSignSettings()
  const old = process.umask(0)
  let key
  try {
    key = await loadSigningKey(settings, join(dir, 'state'))
  } finally {
    process.umask(old)
  }
  const path = join(dir, 'state', GENERATED_KEY_FILE)
  assert.equal((await stat(path)).mode & 0o777, 0o600)
  assert.equal(key.blobType, 'K')
  assert.equal(key.privateKey.asymmetricKeyType, 'dsa')
  assert.equal(key.privateKey.asymmetricKeyDetails?.modulusLength, 2048)
  const again = await loadSigningKey(settings, join(dir, 'state'))
  assert.ok(again.blob.equals(key.blob))
})

test('signer key: sign_key must be DSA; sign_cert must hold that key', async (t) => {
  const dir = await tempDir(t)
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
  await writeFile(join(dir, 'rsa.pem'), rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }))
  const settings: SignSettings = { ...defaultSignSettings(), keyFile: join(dir, 'rsa.pem') }
  await assert.rejects(loadSigningKey(settings, dir), /is a rsa key; RFC 5848 signatures need a DSA key/)
  await writeFile(join(dir, 'bad.pem'), 'not a key')
  await assert.rejects(loadSigningKey({ ...settings, keyFile: join(dir, 'bad.pem') }, dir), /cannot read a private key/)
})

class MemoryOutput implements Output {
  readonly name = 'memory'
  readonly counters: OutputCounters = { received: 0, written: 0, dropped: {}, truncated: 0, errors: 0 }
  readonly lines: Buffer[] = []
  write (msg: SyslogMessage): boolean { this.lines.push(msg.raw); return true }
  onDrain (): void {}
  async start (): Promise<void> {}
  async flush (): Promise<void> {}
  async reopen (): Promise<void> {}
  async stop (): Promise<void> {}
  destroy (): void {}
}

async function session (t: { after: (fn: () => Promise<void>) => void }, settings: Partial<SignSettings>, outputs: MemoryOutput[], hostname = 'host.example.org', datagram: boolean | readonly boolean[] = false): Promise<SigningSession> {
  const dir = await tempDir(t)
  return await SigningSession.open({
    settings: { ...defaultSignSettings(), sg: 0, ...settings },
    stateDir: dir,
    hostname,
    timeZone: timeZone('UTC'),
    log: { log () {} },
    destinations: outputs.map((output, d) => ({ output, selects: ALL, datagram: typeof datagram === 'boolean' ? datagram : datagram[d]!, maxRecordBytes: 0 }))
  })
}

function verify (lines: readonly Buffer[], hashes: Array<'sha1' | 'sha256'>): ReturnType<LogVerifier['finish']> {
  const verifier = new LogVerifier({ hashes })
  for (const line of lines) verifier.addLine(line)
  return verifier.finish()
}

for (const hash of ['sha1', 'sha256'] as const) {
  test(`signer session: a group with a UDP destination keeps its blocks within ${MAX_BLOCK_OCTETS} octets (${hash}, a 255-character hostname)`, async (t) => {
    const out = new MemoryOutput()
    const s = await session(t, { hash }, [out], 'h'.repeat(255), true)
    const fitting = s.fittingHashes()
    assert.ok(fitting >= (hash === 'sha1' ? 40 : 25), `only ${fitting} hashes per block`)
    for (let i = 0; i < 500; i++) out.write(s.sign(createMessage({ facility: 1, severity: 5, hostname: 'h'.repeat(255), appName: 'app', body: `message ${i}` }), 0))
    await s.close()
    const blocks = out.lines.filter((line) => line.includes('[ssign '))
    assert.ok(blocks.length > 10)
    for (const line of blocks) assert.ok(line.length <= MAX_BLOCK_OCTETS, `block of ${line.length} octets`)
    const result = verify(out.lines, [hash])
    assert.equal(result.counts.signed, 500)
    assert.equal(result.counts.lost + result.counts.unsigned + result.counts.invalidBlocks, 0)
  })
}

test('signer session: a message routed to two destinations of one group is hashed once and written to both', async (t) => {
  const a = new MemoryOutput()
  const b = new MemoryOutput()
  const s = await session(t, { sbRedundancy: 2 }, [a, b])
  for (let i = 0; i < 100; i++) {
    const msg = createMessage({ facility: 1, severity: 5, hostname: 'h1', appName: 'app', body: `m${i}` })
    a.write(s.sign(msg, 0))
    b.write(s.sign(msg, 1))
  }
  await s.close()
  assert.deepEqual(a.lines, b.lines)
  const result = verify(a.lines, ['sha1'])
  assert.equal(result.counts.signed, 100)
  assert.equal(result.counts.lost + result.counts.unsigned, 0)
  // 100 messages in one synchronous burst: 3 blocks at most wait for signatures, not "behind".
  assert.equal(s.groups[0]!.window.degraded, 0)
})

test('signer session: the Certificate Block comes before the first Signature Block; GBC counts every block', async (t) => {
  const out = new MemoryOutput()
  const s = await session(t, { sbMaxHashes: 9 }, [out])
  for (let i = 0; i < 20; i++) out.write(s.sign(createMessage({ facility: 1, severity: 5, hostname: 'h1', appName: 'app', body: `m${i}` }), 0))
  await s.close()
  const kinds = out.lines.map((line) => line.includes('[ssign-cert ') ? 'cb' : line.includes('[ssign ') ? 'sb' : 'msg')
  assert.ok(kinds.indexOf('cb') < kinds.indexOf('sb'))
  const gbcs = out.lines.map((line) => /GBC="(\d+)"/.exec(line.toString('latin1'))?.[1]).filter((g) => g !== undefined).map(Number)
  // The CB took GBC 0; every SB after it takes the next number (a resend at close takes one too).
  assert.equal(gbcs[0], 1)
  for (let i = 1; i < gbcs.length; i++) assert.ok(gbcs[i]! > gbcs[i - 1]!)
  assert.equal(verify(out.lines, ['sha1']).counts.signed, 20)
})

/** How many Signature Blocks of `lines` cover each message number (from FMN and CNT). */
function coverage (lines: readonly Buffer[]): Map<number, number> {
  const counts = new Map<number, number>()
  for (const line of lines) {
    const m = / FMN="(\d+)" CNT="(\d+)"/.exec(line.toString('latin1'))
    if (m === null) continue
    for (let n = Number(m[1]); n < Number(m[1]) + Number(m[2]); n++) counts.set(n, (counts.get(n) ?? 0) + 1)
  }
  return counts
}

test('signer session: by default a file-only group sends each hash once in blocks of 99; a group with a UDP destination keeps redundancy 3 and 2048 octets', async (t) => {
  const file = new MemoryOutput()
  const udp = new MemoryOutput()
  // SG 3: a group per destination, so the two defaults are side by side in one session.
  const s = await session(t, { sg: 3, hash: 'sha256' }, [file, udp], 'host.example.org', [false, true])
  assert.deepEqual([s.groups[0]!.window.redundancy, s.groups[0]!.window.maxHashes], [1, 99])
  assert.deepEqual([s.groups[1]!.window.redundancy, s.groups[1]!.window.maxHashes], [3, s.fittingHashes()])
  assert.ok(s.fittingHashes() < 99)
  for (let i = 0; i < 100; i++) {
    const msg = createMessage({ facility: 1, severity: 5, hostname: 'h1', appName: 'app', body: `m${i}` })
    file.write(s.sign(msg, 0))
    udp.write(s.sign(msg, 1))
  }
  await s.close()
  // 100 messages in one burst: few enough blocks wait for signatures that the signer is never behind.
  assert.equal(s.groups[1]!.window.degraded, 0)
  const once = coverage(file.lines)
  assert.equal(once.size, 100)
  assert.ok([...once.values()].every((n) => n === 1), 'each hash in exactly one block')
  assert.equal(file.lines.filter((line) => line.includes('[ssign ')).length, Math.ceil(100 / 99))
  const thrice = coverage(udp.lines)
  assert.equal(thrice.size, 100)
  assert.ok([...thrice.values()].every((n) => n === 3), 'each hash in exactly three blocks')
  for (const line of udp.lines.filter((l) => l.includes('[ssign'))) assert.ok(line.length <= MAX_BLOCK_OCTETS, `UDP block of ${line.length} octets`)
  for (const lines of [file.lines, udp.lines]) {
    const result = verify(lines, ['sha256'])
    assert.equal(result.counts.signed, 100)
    assert.equal(result.counts.lost + result.counts.unsigned + result.counts.invalidBlocks, 0)
  }
  assert.deepEqual(s.blockShapes(), [{ maxHashes: 99, redundancy: 1, groups: 1 }, { maxHashes: s.fittingHashes(), redundancy: 3, groups: 1 }])
})

test('signer session: a group with one UDP destination among files keeps the UDP defaults (SG 0)', async (t) => {
  const s = await session(t, {}, [new MemoryOutput(), new MemoryOutput()], 'host.example.org', [false, true])
  assert.deepEqual([s.groups[0]!.window.redundancy, s.groups[0]!.window.maxHashes], [3, s.fittingHashes()])
})

test('signer session: sign_sb_redundancy and sign_sb_max_hashes override the defaults by destination', async (t) => {
  const fitting = (): number => 38
  assert.deepEqual(blockShape({ ...defaultSignSettings(), sbRedundancy: 2 }, false, fitting), { redundancy: 2, maxHashes: 99 })
  assert.deepEqual(blockShape({ ...defaultSignSettings(), sbRedundancy: 1 }, true, fitting), { redundancy: 1, maxHashes: 38 })
  assert.deepEqual(blockShape({ ...defaultSignSettings(), sbMaxHashes: 20 }, true, fitting), { redundancy: 3, maxHashes: 20 })
  assert.deepEqual(blockShape({ ...defaultSignSettings(), sbMaxHashes: 99, sbRedundancy: 3 }, false, () => assert.fail('no 2048-octet fit needed')), { redundancy: 3, maxHashes: 99 })
  assert.deepEqual(blockShape(defaultSignSettings(), false, () => assert.fail('no 2048-octet fit needed'), true), { redundancy: 3, maxHashes: 99 })
  assert.deepEqual(blockShape({ ...defaultSignSettings(), sbRedundancy: 1 }, false, fitting, true), { redundancy: 1, maxHashes: 99 })
  const out = new MemoryOutput()
  const s = await session(t, { sbRedundancy: 2, hash: 'sha256' }, [out])
  assert.deepEqual([s.groups[0]!.window.redundancy, s.groups[0]!.window.maxHashes], [2, 99])
  for (let i = 0; i < 300; i++) out.write(s.sign(createMessage({ facility: 1, severity: 5, hostname: 'h1', appName: 'app', body: `m${i}` }), 0))
  await s.close()
  assert.ok([...coverage(out.lines).values()].every((n) => n >= 2), 'each hash in at least two blocks')
  assert.equal(verify(out.lines, ['sha256']).counts.signed, 300)
})
