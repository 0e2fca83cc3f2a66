// The client over RELP to rsyslog's imrelp (librelp), with rsyslogd killed (SIGKILL) and started
// again while the app logs. rsyslogd runs in the foreground with a Direct-queue ruleset that
// writes "%app-name% %msg%" lines, so a transaction is answered after the file write.
// Checked: flush() resolves with nothing pending; every one of 10000 numbered records is in the
// file; duplicates (written by rsyslog but not acknowledged before it died) are at most one
// window per lost session; rsyslog parsed the RFC 5424 header (app-name) as sent.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger } from '../../src/client/index.js'
import { readLines, requireProgram, waitFor } from '../daemon/harness.js'
import { freePort } from './free-port.js'
import { haveRelpModules, haveRsyslog, Rsyslog } from './rsyslog.js'

const WINDOW = 128
const TOTAL = 10000

test('client relp rsyslog: imrelp receives every record, rsyslogd killed -9 mid-stream and restarted; duplicates bounded by the window', { skip: requireProgram(haveRsyslog, 'rsyslogd', 'rsyslog') ?? requireProgram(haveRelpModules, 'rsyslog\'s imrelp', 'rsyslog-relp'), timeout: 120000 }, async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'stele-client-relp-'))
  t.after(async () => { await rm(work, { recursive: true, force: true }) })
  await mkdir(join(work, 'spool'))
  const port = await freePort()
  const out = join(work, 'from-client.log')
  const conf = join(work, 'rsyslog.conf')
  await writeFile(conf, `
global(workDirectory="${join(work, 'spool')}")
module(load="imrelp")
template(name="appmsg" type="string" string="%app-name% %msg%\\n")
ruleset(name="fromClient" queue.type="Direct") {
  action(type="omfile" file="${out}" template="appmsg" flushOnTXEnd="on" asyncWriting="off")
}
input(type="imrelp" address="127.0.0.1" port="${port}" ruleset="fromClient")
`)
  const rsyslog = new Rsyslog(work, conf, port)
  t.after(async () => { await rsyslog.kill('SIGTERM') })
  await rsyslog.start()

  const logger = createLogger({ transport: 'relp', port, appName: 'relpclient', reconnect: { minDelayMs: 20, maxDelayMs: 500 } })
  t.after(async () => { await logger.close(1000) })
  const count = async (): Promise<Map<number, number>> => {
    const seen = new Map<number, number>()
    for (const line of await readLines(out)) {
      const m = /^relpclient seq=(\d+)$/.exec(line)
      if (m !== null) seen.set(Number(m[1]), (seen.get(Number(m[1])) ?? 0) + 1)
    }
    return seen
  }
  let next = 0
  const producer = (async () => {
    while (next < TOTAL) {
      for (const end = Math.min(TOTAL, next + 50); next < end; next++) logger.info(`seq=${next}`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  })()
  await waitFor(async () => (await count()).size >= TOTAL / 3, 'a third at rsyslog', 60000)
  const loggedAtKill = next
  await rsyslog.kill('SIGKILL')
  await rsyslog.start()
  await producer
  assert.ok(loggedAtKill < TOTAL, 'killed while the app was logging')
  assert.deepEqual(await logger.flush(60000), { ok: true, pending: 0 })
  let seen = new Map<number, number>()
  await waitFor(async () => (seen = await count()).size >= TOTAL, () => `${TOTAL} at rsyslog, have ${seen.size}\n${rsyslog.output}`)
  let duplicates = 0
  for (const c of seen.values()) duplicates += c - 1
  t.diagnostic(`rsyslogd killed with ${loggedAtKill} of ${TOTAL} logged; duplicates ${duplicates}`)
  assert.ok(duplicates <= WINDOW, `duplicates ${duplicates} <= window ${WINDOW}`)
  assert.equal(logger.counters.dropped, 0)
  assert.deepEqual(await logger.close(5000), { ok: true, pending: 0 })
})
