// `stele verify` run as a user would: the built CLI in a child process on a log in NetBSD
// syslogd's exact format (test/sign/netbsd-fixture.ts, DSA certificate made by openssl(1)).
// The seed's example (003: msg0..msg19, msg12 modified) must give the published verify.pl
// output byte for byte on stdout and its status lines on stderr.

import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { requireProgram, run, STELE } from '../daemon/harness.js'
import { haveOpenssl } from '../interop/certs.js'
import { dsaIdentity, netbsdSignedLog, SEED_STDERR_STATUS, SEED_STDOUT, seedLog, seedMessages } from '../sign/netbsd-fixture.js'

const skip = requireProgram(haveOpenssl, 'openssl', 'openssl')

async function tempDir (t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stele-verify-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

async function writeLog (dir: string, lines: readonly string[]): Promise<string> {
  const path = join(dir, 'test.log')
  await writeFile(path, lines.map((l) => `${l}\n`).join(''), 'latin1')
  return path
}

async function stele (args: string[], input?: string): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return await run(process.execPath, [STELE, 'verify', ...args], input)
}

test('verify cli: the seed example gives verify.pl\'s published output', { skip }, async (t) => {
  const log = await writeLog(await tempDir(t), seedLog())
  const r = await stele(['-i', log])
  assert.equal(r.stdout, SEED_STDOUT)
  const stderr = r.stderr.split('\n')
  assert.deepEqual(stderr.slice(0, SEED_STDERR_STATUS.length), SEED_STDERR_STATUS)
  assert.match(stderr[SEED_STDERR_STATUS.length], /^stele verify: 19 signed, 1 lost, 1 unsigned, 0 invalid blocks, 0 unverifiable blocks /)
  assert.equal(r.code, 3)
})

test('verify cli: stdin, --tab, -q, -o and -u', { skip }, async (t) => {
  const dir = await tempDir(t)
  const text = seedLog().map((l) => `${l}\n`).join('')
  const tab = await stele(['--tab', '-q'], text)
  assert.equal(tab.stderr, '')
  assert.equal(tab.code, 3)
  const lines = tab.stdout.split('\n')
  assert.equal(lines[0], 'host.example.org,1217632162,0111,3,0,1\t<15>1 2008-08-02T02:09:27+02:00 host.example.org test 6255 - - msg0')
  assert.equal(lines[12], 'host.example.org,1217632162,0111,3,0,13 **** msg lost')
  assert.equal(lines[20], '<15>1 2008-08-02T02:09:27+02:00 host.example.org test 6255 - - modified msg12')
  const out = join(dir, 'signed.txt')
  const unsigned = join(dir, 'unsigned.txt')
  const files = await stele(['-i', await writeLog(dir, seedLog()), '-o', out, '-u', unsigned])
  assert.equal(files.stdout, '')
  const [signedBody, unsignedBody] = SEED_STDOUT.split('messages without signature:\n')
  assert.equal(await readFile(out, 'utf8'), signedBody)
  assert.equal(await readFile(unsigned, 'utf8'), `messages without signature:\n${unsignedBody}`)
})

test('verify cli: --json and the exit codes', { skip }, async (t) => {
  const dir = await tempDir(t)
  const honest = netbsdSignedLog({ identity: dsaIdentity('C'), messages: seedMessages() }).lines
  const ok = await stele(['-i', await writeLog(dir, honest), '--json'])
  assert.equal(ok.code, 0)
  const doc = JSON.parse(ok.stdout)
  assert.equal(doc.exitCode, 0)
  assert.equal(doc.groups[0].key, 'host.example.org,1217632162,0111,3,0')
  assert.equal(doc.groups[0].start, '2008-08-02T01:09:27.773464+02:00')
  assert.equal(doc.groups[0].messages.length, 20)
  assert.deepEqual(doc.groups[0].messages[0], { number: 1, line: '<15>1 2008-08-02T02:09:27+02:00 host.example.org test 6255 - - msg0' })
  assert.deepEqual(doc.unsigned, [])

  const seed = JSON.parse((await stele(['-i', await writeLog(dir, seedLog()), '--json', '-q'])).stdout)
  assert.deepEqual(seed.groups[0].messages[12], { number: 13, lost: 'deleted-or-modified' })
  assert.equal(seed.exitCode, 3)

  const unsignedOnly = await stele(['-q'], 'just a line\n')
  assert.equal(unsignedOnly.code, 1)
  assert.equal(unsignedOnly.stdout, 'just a line\n')

  const invalid = [...honest]
  invalid[invalid.length - 1] = invalid[invalid.length - 1].replace('GBC="2"', 'GBC="3"')
  const bad = await stele(['-i', await writeLog(dir, invalid)])
  assert.equal(bad.code, 4)
  assert.match(bad.stderr, /Warning: invalid signature\. ignoring this SB\./)

  assert.equal((await stele(['-v', '-q'])).code, 2)
  assert.equal((await stele(['--bogus'])).code, 2)
  const missing = await stele(['-i', join(dir, 'nope.log')])
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /cannot read ".*nope\.log"/)
})

test('verify cli: verbose shows every block, hash and check', { skip }, async (t) => {
  const log = await writeLog(await tempDir(t), seedLog())
  const r = await stele(['-i', log, '-v'])
  assert.match(r.stderr, /--Found ssign-cert \(host\.example\.org,1217632162,0111,3,0, \d+, 1, \d+\)/)
  assert.match(r.stderr, /--Found msg, hash '\S{28}', line '<15>1 .* msg0'/)
  assert.match(r.stderr, /\*\*\* missing msg host\.example\.org,1217632162,0111,3,0\/#13 with hash \S{28}/)
  assert.match(r.stderr, /found msg host\.example\.org,1217632162,0111,3,0\/#20/)
  assert.equal(r.stdout, SEED_STDOUT)
})

test('verify: a reader that stops early (| head) does not change the verdict: exit status of the verification, no write error', { skip }, async (t) => {
  const dir = await tempDir(t)
  // Enough output (about 1 MB) that the pipe fills and the writer meets EPIPE once head has gone.
  const log = await writeLog(dir, netbsdSignedLog({ identity: dsaIdentity('C'), messages: seedMessages(8000) }).lines)
  const shell = await run('bash', ['-c', `"${process.execPath}" "${STELE}" verify -i "${log}" | head -c 10 > /dev/null; echo "exit=\${PIPESTATUS[0]}"`])
  assert.match(shell.stdout, /exit=0\n/)
  assert.doesNotMatch(shell.stderr, /cannot write output/)
  assert.match(shell.stderr, /stele verify: 8000 signed, 0 lost, 0 unsigned/)
})
