// include: globs in sorted order, nested includes, relative paths, loops, and block boundaries.
// Uses real files in a fresh temporary directory, read through loadConfig.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig, parseConfigText } from '../../src/config/load.js'

async function tree (t: { after: (fn: () => Promise<void>) => void }, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stele-include-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true })
    await writeFile(join(dir, name), text)
  }
  return dir
}

const where = (p: { file: string, line: number, severity: string, message: string }, dir: string) =>
  `${p.file.replace(dir, '.')}:${p.line}: ${p.severity}: ${p.message.replaceAll(dir, '.')}`

test('config include: a glob reads matching files in sorted order, relative to the including file', async (t) => {
  const dir = await tree(t, {
    'stele.conf': 'listen udp://127.0.0.1:0\n*.* /var/log/first\ninclude stele.d/*.conf\n*.* /var/log/last\n',
    'stele.d/20-b.conf': 'mail.* /var/log/b\n',
    'stele.d/10-a.conf': 'hostname=gw1\nauth.* /var/log/a\n',
    'stele.d/30-c.conf.disabled': 'kern.* /var/log/never\n',
    'stele.d/.hidden.conf': 'kern.* /var/log/hidden\n',
    'stele.d/99-dir.conf/x': ''
  })
  const { config, problems } = await loadConfig(join(dir, 'stele.conf'))
  assert.deepEqual(problems, [])
  assert.ok(config !== null)
  assert.deepEqual(config.rules.map((r) => [r.file.replace(dir, '.'), r.line, r.action.text]), [
    ['./stele.conf', 2, '/var/log/first'],
    ['./stele.d/10-a.conf', 2, '/var/log/a'],
    ['./stele.d/20-b.conf', 1, '/var/log/b'],
    ['./stele.conf', 4, '/var/log/last']
  ])
  assert.equal(config.globals.hostname, 'gw1')
  assert.deepEqual(config.files.map((f) => f.replace(dir, '.')), ['./stele.conf', './stele.d/10-a.conf', './stele.d/20-b.conf'])
})

test('config include: nested includes, a directory (FreeBSD) and a symlinked drop-in', async (t) => {
  const dir = await tree(t, {
    'main.conf': 'listen udp://127.0.0.1:0\ninclude ./conf.d\n',
    'conf.d/a.conf': 'include ../deeper/*.conf\n*.* ./relative.log\n',
    'deeper/b.conf': 'mail.* /var/log/b\n',
    'shared/c.conf': 'kern.* /var/log/c\n'
  })
  await symlink(join(dir, 'shared/c.conf'), join(dir, 'conf.d/c.conf'))
  const { config, problems } = await loadConfig(join(dir, 'main.conf'))
  assert.deepEqual(problems, [])
  assert.ok(config !== null)
  assert.deepEqual(config.rules.map((r) => r.action.kind === 'file' ? r.action.path.replace(dir, '.') : ''), [
    '/var/log/b', './conf.d/relative.log', '/var/log/c'
  ])
})

test('config include: a loop is reported at the include line that closes it', async (t) => {
  const dir = await tree(t, {
    'a.conf': 'listen udp://127.0.0.1:0\ninclude b.conf\n*.* /var/log/a\n',
    'b.conf': '*.* /var/log/b\n\ninclude a.conf\n'
  })
  const { config, problems } = await loadConfig(join(dir, 'a.conf'))
  assert.equal(config, null)
  assert.deepEqual(problems.map((p) => where(p, dir)), [
    './b.conf:3: error: include loop: ./a.conf -> ./b.conf -> ./a.conf'
  ])
})

test('config include: a file that includes itself, and one included twice', async (t) => {
  const dir = await tree(t, {
    'self.conf': 'include *.conf\n',
    'main.conf': 'listen udp://127.0.0.1:0\ninclude x.inc\ninclude x.inc\n',
    'x.inc': '*.* /var/log/x\n'
  })
  const self = await loadConfig(join(dir, 'self.conf'))
  assert.ok(self.problems.some((p) => where(p, dir) === './self.conf:1: error: include loop: ./self.conf -> ./self.conf'))
  const twice = await loadConfig(join(dir, 'main.conf'))
  assert.deepEqual(twice.problems.map((p) => where(p, dir)), [
    './main.conf:3: warning: include "x.inc": ./x.inc was already read; not reading it twice'
  ])
  assert.equal(twice.config?.rules.length, 1)
})

test('config include: blocks do not cross file boundaries in either direction', async (t) => {
  const dir = await tree(t, {
    'main.conf': 'listen udp://127.0.0.1:0\n!sshd\n+gw1\ninclude inc.conf\n*.* /var/log/after\n',
    'inc.conf': '*.* /var/log/inside\n!cron\n-gw2\n*.* /var/log/cron\n'
  })
  const { config } = await loadConfig(join(dir, 'main.conf'))
  assert.ok(config !== null)
  assert.deepEqual(config.rules.map((r) => [r.action.text, r.program?.names ?? null, r.host?.names ?? null]), [
    ['/var/log/inside', null, null],
    ['/var/log/cron', ['cron'], ['gw2']],
    ['/var/log/after', ['sshd'], ['gw1']]
  ])
})

test('config include: no match is a warning; a wildcard directory and extra words are errors', async (t) => {
  const dir = await tree(t, {
    'main.conf': 'listen udp://127.0.0.1:0\n*.* /var/log/x\ninclude none.d/*.conf\ninclude */x.conf\ninclude a b\ninclude missing.conf\n'
  })
  const { config, problems } = await loadConfig(join(dir, 'main.conf'))
  assert.equal(config, null)
  assert.deepEqual(problems.map((p) => where(p, dir)), [
    './main.conf:3: warning: include "none.d/*.conf" matches no file',
    './main.conf:4: error: include "./*/x.conf": only the last path component may hold * or ?',
    './main.conf:5: error: include takes one path or pattern, found 2',
    './main.conf:6: warning: include "missing.conf" matches no file'
  ])
})

test('config include: parseConfigText without a reader reports include as an error', () => {
  const { problems } = parseConfigText('include /etc/stele.d/*.conf\n', '/etc/stele.conf')
  assert.equal(problems[0]!.line, 1)
  assert.match(problems[0]!.message, /use loadConfig/)
})

test('config include: an unreadable main file is one problem at line 0', async (t) => {
  const dir = await tree(t, {})
  const { config, problems } = await loadConfig(join(dir, 'nope.conf'))
  assert.equal(config, null)
  assert.equal(problems.length, 1)
  assert.equal(problems[0]!.line, 0)
  assert.match(problems[0]!.message, /^cannot read config: ENOENT/)
})
