// `stele check` run as a user would: the real built CLI in a child process, on the configs in
// test/fixtures/config/. Checks what is printed on stdout and stderr, and the exit status.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BAD_CONF_PROBLEMS } from '../config/helpers.js'

const STELE = fileURLToPath(new URL('../../src/cli/stele.js', import.meta.url))
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/config/', import.meta.url))

async function stele (args: string[], cwd?: string): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, [STELE, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const [code] = await once(child, 'close') as [number | null]
  return { code, stdout, stderr }
}

test('check: a valid config prints a summary and exits 0', async () => {
  const file = join(FIXTURES, 'stele.conf')
  const { code, stdout, stderr } = await stele(['check', '-f', file])
  assert.equal(stderr, '')
  assert.equal(code, 0)
  assert.equal(stdout, [
    `${file}: OK`,
    'listeners: 3',
    '  udp://127.0.0.1:5514',
    '  tcp://127.0.0.1:5514',
    '  unix:///run/stele/log.sock',
    'rules: 7',
    'outputs: 7',
    '  file /var/log/messages (iso)',
    '  file /var/log/mail.log (iso, sync)',
    '  file /var/log/remote/%HOSTNAME%/%YEAR%-%MONTH%.log (rfc5424, sync)',
    '  forward tcp://loghost.example.org:6514 (rfc5424, octet framing)',
    '  forward udp://[2001:db8::1]:514 (rfc3164)',
    '  pipe /run/stele/kern.fifo (iso)',
    '  stdout (json)',
    ''
  ].join('\n'))
})

test('check: warnings are printed with FILE:LINE and a count, and still exit 0', async () => {
  const file = join(FIXTURES, 'bsd.conf')
  const { code, stdout, stderr } = await stele(['check', '--config', file])
  assert.equal(code, 0)
  assert.equal(stderr, [
    `${file}:9: warning: writing to logged-in users is not supported; messages matched by this rule go nowhere`,
    `${file}: warning: no listen line: stele will receive no messages (add e.g. "listen unix:///dev/log" or "listen udp://0.0.0.0:514")`,
    '0 errors, 2 warnings',
    ''
  ].join('\n'))
  assert.match(stdout, /^rules: 9$/m)
  assert.match(stdout, /^ {2}file \/dev\/console \(iso, sync\)$/m)
})

test('check: every problem in a bad config is printed and the exit status is 1', async () => {
  const file = join(FIXTURES, 'bad.conf')
  const { code, stdout, stderr } = await stele(['check', '-f', file])
  assert.equal(code, 1)
  assert.equal(stdout, '')
  const expected = BAD_CONF_PROBLEMS.map((p) => `${file}:${p}`)
  assert.deepEqual(stderr.trimEnd().split('\n'), [...expected, '11 errors, 1 warning'])
})

test('check: an unreadable config is an error without a line number', async () => {
  const file = join(FIXTURES, 'does-not-exist.conf')
  const { code, stderr } = await stele(['check', '-f', file])
  assert.equal(code, 1)
  assert.match(stderr, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: error: cannot read config: ENOENT`))
  assert.match(stderr, /^1 error, 0 warnings$/m)
})

test('check: without -f it checks the built-in config, resolved in the working directory', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'stele-check-'))
  t.after(() => rm(cwd, { recursive: true, force: true }))
  const { code, stdout, stderr } = await stele(['check'], cwd)
  assert.equal(stderr, '')
  assert.equal(code, 0)
  assert.match(stdout, /^\(built-in default\): OK$/m)
  assert.ok(stdout.includes(`  unix://./stele.sock (${join(cwd, 'stele.sock')})\n`), stdout)
  assert.ok(stdout.includes(`  file ${join(cwd, 'log/messages')} (iso, sync)\n`), stdout)
})

test('check: usage errors exit 2; --help exits 0', async () => {
  const extra = await stele(['check', 'stele.conf'])
  assert.equal(extra.code, 2)
  assert.match(extra.stderr, /^stele check: unexpected argument "stele.conf" \(the config is given with -f FILE\)$/m)
  const missing = await stele(['check', '-f'])
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /^stele check: /)
  const unknown = await stele(['check', '--frobnicate'])
  assert.equal(unknown.code, 2)
  const help = await stele(['check', '--help'])
  assert.equal(help.code, 0)
  assert.match(help.stdout, /^Usage: stele check \[-f CONFIG\]/)
})
