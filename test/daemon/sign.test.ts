// syslog-sign in the daemon (RFC 5848), end to end: a real `stele run` signs what it writes and
// the real `stele verify` checks the result.
//
// Each scenario sends numbered messages over TCP, lets the daemon write them (to files, or as
// UDP datagrams to a socket of this test), stops it (the last hashes are signed at stop) and
// runs `stele verify` on what was written. Checked: every message verified, in its group
// (SG, SPRI), none lost or unsigned; a restart starts a new session with a larger RSID and both
// verify; key types K (generated, mode 0600) and C (a certificate made by openssl); SHA-1 and
// SHA-256; Signature Blocks lost on UDP are made up for by the redundancy; deleted message
// lines are reported lost; bad sign_* options are reported by `stele check` at FILE:LINE.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import dgram from 'node:dgram'
import net from 'node:net'
import { once } from 'node:events'
import { generateKeyPairSync } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readLines, run, settledStats, startDaemon, STELE, waitFor, type RunningDaemon } from './harness.js'

interface Sent { pri: number, text: string }

/** Sends octet-counted RFC 5424 messages over one TCP connection and closes it. */
async function send (daemon: RunningDaemon, messages: readonly Sent[]): Promise<void> {
  const socket = net.connect(daemon.port('tcp://127.0.0.1:0'), '127.0.0.1')
  await once(socket, 'connect')
  for (const { pri, text } of messages) {
    const frame = Buffer.from(`<${pri}>1 2026-01-02T03:04:05.000006Z client app 42 - - ${text}`)
    socket.write(`${frame.length} `)
    socket.write(frame)
  }
  socket.end()
  await once(socket, 'close')
}

function numbered (count: number, pri = 13, tag = 'msg'): Sent[] {
  return Array.from({ length: count }, (_, i) => ({ pri, text: `${tag} ${i}` }))
}

async function verify (file: string, ...options: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return await run(process.execPath, [STELE, 'verify', '-i', file, ...options])
}

/** Verified lines as [tuple fields..., message]: "host,rsid,ver,sg,spri,n  <pri>1 ...". */
function verified (stdout: string): Array<{ rsid: number, ver: string, sg: number, spri: number, number: number, text: string }> {
  const rows = []
  for (const line of stdout.split('\n')) {
    const m = /^([^,\s]+),(\d+),(\d{4}),(\d),(\d+),(\d+)\s+(.*)$/.exec(line)
    if (m !== null) rows.push({ rsid: Number(m[2]), ver: m[3]!, sg: Number(m[4]), spri: Number(m[5]), number: Number(m[6]), text: m[7]! })
  }
  return rows
}

async function waitForLines (path: string, what: (lines: string[]) => boolean, label: string): Promise<void> {
  await waitFor(async () => what(await readLines(path)), label)
}

test('sign: SG 0 with a generated key (SHA-1, type K) verifies; a restart is a new session with a larger RSID, and both verify', { timeout: 60000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stele-sign-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  const config = 'listen tcp://127.0.0.1:0\nstate_dir=DIR/state\nsign_sg=0\n*.*\tDIR/signed.log\n'
  const first = await startDaemon(config, { dir })
  await send(first, numbered(150, 13, 'first'))
  await waitForLines(join(dir, 'signed.log'), (lines) => lines.some((l) => l.endsWith('first 149')), 'the first session\'s messages written')
  const stats = await settledStats(first)
  assert.equal(stats.signing.sg, 0)
  assert.equal(stats.signing.keyType, 'K')
  assert.equal(await first.stop(), 0)
  const keyFile = join(dir, 'state', 'sign-key.pem')
  assert.equal((await stat(keyFile)).mode & 0o777, 0o600)
  const key = await readFile(keyFile, 'utf8')

  const second = await startDaemon(config, { dir })
  await send(second, numbered(120, 13, 'second'))
  await waitForLines(join(dir, 'signed.log'), (lines) => lines.some((l) => l.endsWith('second 119')), 'the second session\'s messages written')
  assert.equal(await second.stop(), 0)
  assert.equal(await readFile(keyFile, 'utf8'), key, 'the generated key is kept')

  const result = await verify(join(dir, 'signed.log'))
  assert.equal(result.code, 0, result.stderr)
  const rows = verified(result.stdout)
  const rsids = [...new Set(rows.map((row) => row.rsid))]
  assert.equal(rsids.length, 2)
  assert.ok(rsids[1]! > rsids[0]!, `RSID ${rsids[1]} after ${rsids[0]}`)
  assert.equal(rows.filter((row) => / first \d+$/.test(row.text)).length, 150)
  assert.equal(rows.filter((row) => / second \d+$/.test(row.text)).length, 120)
  assert.ok(rows.every((row) => row.ver === '0111' && row.sg === 0 && row.spri === 0))
  // Numbers run 1..n in each session, without gaps.
  for (const rsid of rsids) {
    const numbers = rows.filter((row) => row.rsid === rsid).map((row) => row.number)
    assert.deepEqual(numbers, numbers.map((_, i) => i + 1))
  }
  assert.match(result.stderr, / 0 lost, 0 unsigned, 0 invalid blocks/)
})

test('sign: SG 0 with SHA-256 and a DSA certificate (key type C) verifies with --sha256', { timeout: 60000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stele-sign-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  const { privateKey } = generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 })
  await writeFile(join(dir, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
  execFileSync('openssl', ['req', '-new', '-x509', '-key', join(dir, 'key.pem'), '-sha256', '-subj', '/CN=stele-sign-test', '-days', '2', '-out', join(dir, 'cert.pem')], { stdio: 'pipe' })
  const daemon = await startDaemon('listen tcp://127.0.0.1:0\nstate_dir=DIR/state\nsign_sg=0 sign_hash=sha256 sign_key=DIR/key.pem sign_cert=DIR/cert.pem\n*.*\tDIR/signed.log\n', { dir })
  await send(daemon, numbered(200))
  await waitForLines(join(dir, 'signed.log'), (lines) => lines.some((l) => l.endsWith('msg 199')), 'messages written')
  assert.equal(await daemon.stop(), 0)
  const sha1Only = await verify(join(dir, 'signed.log'))
  assert.notEqual(sha1Only.code, 0, 'SHA-256 blocks are not accepted by default (as NetBSD\'s verifier)')
  const result = await verify(join(dir, 'signed.log'), '--sha256')
  assert.equal(result.code, 0, result.stderr)
  assert.match(result.stderr, /got PKIX DSA key/)
  const rows = verified(result.stdout)
  assert.equal(rows.filter((row) => / msg \d+$/.test(row.text)).length, 200)
  assert.ok(rows.every((row) => row.ver === '0121'))
})

test('sign: SG 1 groups by PRI and SG 2 by the ranges of sign_sg2_delim=15 31', { timeout: 60000 }, async (t) => {
  // PRI 13 (user.notice), 22 (mail.info), 134 (local0.info)
  const messages = [...numbered(40, 13, 'user'), ...numbered(40, 22, 'mail'), ...numbered(40, 134, 'local')]
  for (const [sg, extra, spris] of [[1, '', { user: 13, mail: 22, local: 134 }], [2, ' sign_sg2_delim=15 31', { user: 15, mail: 31, local: 191 }]] as const) {
    const dir = await mkdtemp(join(tmpdir(), 'stele-sign-'))
    t.after(async () => { await rm(dir, { recursive: true, force: true }) })
    // mail.* goes to a file of its own too: its groups (one PRI, or PRIs 16..31) are whole there.
    const daemon = await startDaemon(`listen tcp://127.0.0.1:0\nstate_dir=DIR/state\nsign_sg=${sg}${extra}\n*.*\tDIR/all.log\nmail.*\tDIR/mail.log\n`, { dir })
    await send(daemon, messages)
    await waitForLines(join(dir, 'all.log'), (lines) => lines.some((l) => l.endsWith('local 39')), 'messages written')
    assert.equal(await daemon.stop(), 0)
    const all = await verify(join(dir, 'all.log'))
    assert.equal(all.code, 0, all.stderr)
    const rows = verified(all.stdout)
    for (const [tag, spri] of Object.entries(spris)) {
      const mine = rows.filter((row) => new RegExp(` ${tag} \\d+$`).test(row.text))
      assert.equal(mine.length, 40, `SG ${sg}: ${tag}`)
      assert.ok(mine.every((row) => row.sg === sg && row.spri === spri), `SG ${sg}: ${tag} in SPRI ${spri}`)
    }
    const mail = await verify(join(dir, 'mail.log'))
    assert.equal(mail.code, 0, mail.stderr)
    assert.equal(verified(mail.stdout).filter((row) => / mail \d+$/.test(row.text)).length, 40)
  }
})

test('sign: SG 3 signs each destination as a group of its own; a message written to two files is in both groups', { timeout: 60000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stele-sign-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  const daemon = await startDaemon('listen tcp://127.0.0.1:0\nstate_dir=DIR/state\nsign_sg=3\nmail.*\tDIR/mail.log\n*.*\tDIR/all.log\n*.*\tDIR/plain.log\tsign=off format=iso\n', { dir })
  await send(daemon, [...numbered(60, 22, 'mail'), ...numbered(60, 13, 'user')])
  await waitForLines(join(dir, 'all.log'), (lines) => lines.some((l) => l.endsWith('user 59')), 'messages written')
  assert.equal(await daemon.stop(), 0)
  const mail = await verify(join(dir, 'mail.log'))
  const all = await verify(join(dir, 'all.log'))
  assert.equal(mail.code, 0, mail.stderr)
  assert.equal(all.code, 0, all.stderr)
  const mailRows = verified(mail.stdout)
  const allRows = verified(all.stdout)
  assert.equal(mailRows.length, 60)
  assert.ok(mailRows.every((row) => row.sg === 3 && row.spri === 0))
  assert.equal(allRows.filter((row) => / (mail|user) \d+$/.test(row.text)).length, 120)
  assert.ok(allRows.every((row) => row.sg === 3 && row.spri === 1))
  // sign=off: an ordinary file, without blocks.
  const plain = await readFile(join(dir, 'plain.log'), 'utf8')
  assert.doesNotMatch(plain, /ssign/)
  assert.match(plain, / app\[42\]: user 59\n/)
})

test('sign: over UDP, Signature Blocks lost are made up for by redundancy; deleted message lines are reported lost', { timeout: 60000 }, async (t) => {
  const receiver = dgram.createSocket('udp4')
  receiver.bind(0, '127.0.0.1')
  await once(receiver, 'listening')
  const datagrams: Buffer[] = []
  receiver.on('message', (datagram) => { datagrams.push(datagram) })
  t.after(() => { receiver.close() })
  const dir = await mkdtemp(join(tmpdir(), 'stele-sign-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  // No sign_sb_* option: a group with a UDP destination sends each hash in 3 blocks of at most 2048 octets.
  const daemon = await startDaemon(`listen tcp://127.0.0.1:0\nstate_dir=DIR/state\nsign_sg=0\n*.*\t@udp://127.0.0.1:${receiver.address().port}\n`, { dir })
  // Paced, so that the kernel drops no datagram on the loopback: blocks are the only loss.
  for (let i = 0; i < 6; i++) await send(daemon, numbered(50, 13, `burst${i}`))
  await waitFor(() => datagrams.some((d) => d.toString().endsWith('burst5 49')), 'datagrams received')
  const shapes = (await daemon.stats()).signing.blockShapes
  assert.equal(shapes.length, 1)
  assert.equal(shapes[0].redundancy, 3)
  assert.ok(shapes[0].maxHashes < 99, `${shapes[0].maxHashes} hashes per block`)
  assert.equal(await daemon.stop(), 0)
  await waitFor(() => datagrams.some((d) => d.toString().includes('exiting')) && datagrams.filter((d) => d.includes('[ssign ')).length >= 3, 'the last blocks received')
  const lines = datagrams.map((d) => d.toString('latin1'))
  const blocks = lines.filter((l) => l.includes('[ssign '))
  assert.ok(blocks.length >= 9, `${blocks.length} signature blocks`)
  for (const block of blocks) assert.ok(block.length <= 2048, `a block of ${block.length} octets`)
  // Lose every second Signature Block: of any three consecutive ones, at least one arrives.
  let sb = 0
  const received = lines.filter((l) => !l.includes('[ssign ') || sb++ % 2 === 0)
  await writeFile(join(dir, 'received.log'), received.join('\n') + '\n')
  const result = await verify(join(dir, 'received.log'))
  assert.equal(result.code, 0, result.stderr)
  assert.equal(verified(result.stdout).filter((row) => / burst\d \d+$/.test(row.text)).length, 300)

  // Two message lines deleted: reported lost at their numbers, exit status 3.
  const withoutTwo = received.filter((l) => !l.endsWith(' burst2 7') && !l.endsWith(' burst4 30'))
  await writeFile(join(dir, 'deleted.log'), withoutTwo.join('\n') + '\n')
  const deleted = await verify(join(dir, 'deleted.log'))
  assert.equal(deleted.code, 3, deleted.stderr)
  assert.equal(deleted.stdout.split('\n').filter((l) => l.endsWith('**** msg lost')).length, 2)
  assert.match(deleted.stderr, / 2 lost, 0 unsigned/)
})

test('sign: a file-only group sends each hash once, in blocks of 99 (SHA-256), and verifies; sign_sb_redundancy= overrides', { timeout: 60000 }, async (t) => {
  for (const [extra, redundancy] of [['', 1], [' sign_sb_redundancy=2', 2]] as const) {
    const dir = await mkdtemp(join(tmpdir(), 'stele-sign-'))
    t.after(async () => { await rm(dir, { recursive: true, force: true }) })
    const daemon = await startDaemon(`listen tcp://127.0.0.1:0\nstate_dir=DIR/state\nsign_sg=0 sign_hash=sha256${extra}\n*.*\tDIR/signed.log\n`, { dir })
    assert.deepEqual((await daemon.stats()).signing.blockShapes, [{ maxHashes: 99, redundancy, groups: 1 }])
    await send(daemon, numbered(250))
    await waitForLines(join(dir, 'signed.log'), (lines) => lines.some((l) => l.endsWith('msg 249')), 'messages written')
    assert.equal(await daemon.stop(), 0)
    const lines = await readLines(join(dir, 'signed.log'))
    // How many Signature Blocks cover each message number.
    const covered = new Map<number, number>()
    for (const line of lines) {
      const m = / FMN="(\d+)" CNT="(\d+)"/.exec(line)
      if (m !== null) for (let n = Number(m[1]); n < Number(m[1]) + Number(m[2]); n++) covered.set(n, (covered.get(n) ?? 0) + 1)
    }
    // Every line that is not a block is a signed message (ours, and the daemon's own).
    assert.equal(covered.size, lines.filter((l) => !l.includes('[ssign')).length)
    assert.ok(covered.size >= 250)
    assert.ok([...covered.values()].every((n) => n >= redundancy), `each hash in ${redundancy} blocks at least`)
    if (redundancy === 1) {
      assert.ok([...covered.values()].every((n) => n === 1), 'each hash in exactly one block')
      assert.ok(lines.some((l) => / CNT="99" /.test(l)), 'full blocks of 99 hashes')
    }
    const result = await verify(join(dir, 'signed.log'), '--sha256')
    assert.equal(result.code, 0, result.stderr)
    assert.equal(verified(result.stdout).filter((row) => / msg \d+$/.test(row.text)).length, 250)
  }
})

test('sign: stele check reports bad sign_* options and unsigned formats at FILE:LINE', { timeout: 30000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stele-sign-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
  await writeFile(join(dir, 'rsa.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }))
  const conf = join(dir, 'stele.conf')
  await writeFile(conf, [
    'listen tcp://127.0.0.1:0',
    'sign_sg=4 sign_hash=md5',
    'sign_sb_redundancy=0 sign_sg2_delim=31 15',
    `sign_key=${join(dir, 'rsa.pem')}`,
    '*.*\t/tmp/x.log\tformat=iso',
    '*.*\t/tmp/y.log\tsign=maybe',
    ''
  ].join('\n'))
  const result = await run(process.execPath, [STELE, 'check', '-f', conf])
  assert.equal(result.code, 1)
  assert.match(result.stderr, new RegExp(`${conf}:2: error: sign_sg "4" is not a signature group strategy`))
  assert.match(result.stderr, new RegExp(`${conf}:2: error: sign_hash "md5" is not sha1`))
  assert.match(result.stderr, new RegExp(`${conf}:3: error: sign_sb_redundancy "0"`))
  assert.match(result.stderr, new RegExp(`${conf}:3: error: sign_sg2_delim "31,15": values must be in ascending order`))
  assert.match(result.stderr, new RegExp(`${conf}:6: error: sign "maybe" is not on or off`))

  // With a valid strategy: a signed action asking for another format, and a key that is not DSA.
  await writeFile(conf, ['listen tcp://127.0.0.1:0', 'sign_sg=0', `sign_key=${join(dir, 'rsa.pem')}`, '*.*\t/tmp/x.log\tformat=iso', '*.*\t/tmp/z.log\tformat=iso sign=off', ''].join('\n'))
  const second = await run(process.execPath, [STELE, 'check', '-f', conf])
  assert.equal(second.code, 1)
  assert.match(second.stderr, new RegExp(`${conf}:4: error: signing \\(sign_sg=0\\) needs format=rfc5424 on "/tmp/x.log", not iso`))
  assert.doesNotMatch(second.stderr, new RegExp(`${conf}:5:`))
  await writeFile(conf, ['listen tcp://127.0.0.1:0', 'sign_sg=0', `sign_key=${join(dir, 'rsa.pem')}`, '*.*\t/tmp/x.log', ''].join('\n'))
  const third = await run(process.execPath, [STELE, 'check', '-f', conf])
  assert.equal(third.code, 1)
  assert.match(third.stderr, new RegExp(`${conf}:3: error: sign_key ".*rsa.pem": is a rsa key; RFC 5848 signatures need a DSA key`))
})

test('sign: a plain TCP forward keeps each hash in 3 blocks (a reset loses what is in flight), in full blocks; a file beside it (SG 3) sends each hash once', { timeout: 60000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stele-sign-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  const receiver = net.createServer((socket) => { socket.resume() })
  receiver.listen(0, '127.0.0.1')
  await once(receiver, 'listening')
  t.after(() => { receiver.close() })
  const port = (receiver.address() as net.AddressInfo).port
  const daemon = await startDaemon(`listen tcp://127.0.0.1:0\nstate_dir=DIR/state\nsign_sg=3 sign_hash=sha256\n*.*\tDIR/signed.log\n*.*\t@@127.0.0.1:${port} queue=memory\n`, { dir })
  const shapes = (await daemon.stats()).signing.blockShapes as Array<{ maxHashes: number, redundancy: number }>
  assert.deepEqual(shapes.map((s) => [s.maxHashes, s.redundancy]).sort(), [[99, 1], [99, 3]])
  assert.equal(await daemon.stop(), 0)
})
