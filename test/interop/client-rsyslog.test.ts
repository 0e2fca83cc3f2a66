// The client against rsyslog as the collector: one rsyslogd in the foreground (imtcp and
// imudp on free ports) writes each message's parsed properties with a template
// "%hostname%|%app-name%|%procid%|%msgid%|%structured-data%|%msg%". The client sends RFC 5424
// over tcp (octet counting) and udp with every header field and structured data set.
// Checked: rsyslog parsed every field as sent.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger } from '../../src/client/index.js'
import { readLines, requireProgram, waitFor } from '../daemon/harness.js'
import { freePort } from './free-port.js'
import { haveRsyslog, RSYSLOGD } from './rsyslog.js'


test('client rsyslog: tcp and udp records parsed by rsyslog with every field intact', { skip: requireProgram(haveRsyslog, 'rsyslogd', 'rsyslog'), timeout: 60000 }, async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'stele-client-rsyslog-'))
  t.after(async () => { await rm(work, { recursive: true, force: true }) })
  await mkdir(join(work, 'spool'))
  const port = await freePort()
  const out = join(work, 'fields.log')
  const conf = join(work, 'rsyslog.conf')
  await writeFile(conf, `
global(workDirectory="${join(work, 'spool')}" maxMessageSize="64k")
module(load="imtcp")
module(load="imudp")
template(name="fields" type="string" string="%hostname%|%app-name%|%procid%|%msgid%|%structured-data%|%msg%\\n")
ruleset(name="fromClient") { action(type="omfile" file="${out}" template="fields") }
input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="fromClient")
input(type="imudp" address="127.0.0.1" port="${port}" ruleset="fromClient")
`)
  const rsyslog = spawn(RSYSLOGD, ['-n', '-f', conf, '-i', join(work, 'rsyslogd.pid')], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  rsyslog.stdout.setEncoding('utf8').on('data', (c: string) => { output += c })
  rsyslog.stderr.setEncoding('utf8').on('data', (c: string) => { output += c })
  t.after(async () => {
    if (rsyslog.exitCode === null) { rsyslog.kill('SIGTERM'); await once(rsyslog, 'exit') }
  })
  await waitFor(async () => await new Promise<boolean>((resolve) => {
    const probe = net.connect(port, '127.0.0.1', () => { probe.destroy(); resolve(true) })
    probe.on('error', () => resolve(false))
  }), () => `rsyslogd listening:\n${output}`)

  const fields = { hostname: 'origin.example', appName: 'interop', procId: 4242, msgId: 'ID47', port } as const
  for (const transport of ['tcp', 'udp'] as const) {
    const logger = createLogger({ ...fields, transport })
    logger.info(`hello rsyslog over ${transport}`, { 'x@32473': { k: 'v', q: 'a"b' } })
    const result = await logger.close(5000)
    assert.deepEqual(result, { ok: true, pending: 0 })
  }
  await waitFor(async () => (await readLines(out)).length >= 2, () => `two lines from rsyslog\n${output}`)
  const lines = (await readLines(out)).sort()
  assert.deepEqual(lines, [
    'origin.example|interop|4242|ID47|[x@32473 k="v" q="a\\"b"]|hello rsyslog over tcp',
    'origin.example|interop|4242|ID47|[x@32473 k="v" q="a\\"b"]|hello rsyslog over udp'
  ])
})
