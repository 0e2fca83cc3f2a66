// RELP between rsyslog (omrelp / imrelp, librelp) and stele, both directions, 100,000 numbered
// messages each, with the receiver killed (SIGKILL) and restarted twice during the run. One
// rsyslogd in the foreground with its own config, pid file and work directory in the test's
// temp dir.
//   rsyslog -> stele: `stele send` writes to rsyslog's plain imtcp input; rsyslog forwards with
//     omrelp (a LinkedList action queue, retried for ever) to stele's `listen relp://`, which
//     writes a file. The stele receiver is killed at 25% and 60% and started again on its port.
//   stele -> rsyslog: `stele send` writes to stele's tcp listener; stele forwards with
//     `@relp://` to rsyslog's imrelp input, whose ruleset writes a file with a Direct queue (so
//     that rsyslog answers a transaction after the file write). rsyslogd is killed at 25% and
//     60% and started again.
// Checked: every number from 1 to 100,000 arrives; duplicates are counted and bounded by the
// senders' windows (128) per lost session, with a margin of one more window for rsyslog's
// own retry of the batch it was in.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { requireProgram, run, startDaemon, STELE, waitFor, type RunningDaemon } from '../daemon/harness.js'
import { arrivals, type Arrivals } from '../daemon/relp-helpers.js'
import { freePort } from './free-port.js'
import { haveRelpModules, haveRsyslog, Rsyslog } from './rsyslog.js'

const COUNT = 100_000
const WINDOW = 128
const KILLS = 2

function skipReason (): string | undefined {
  return requireProgram(haveRsyslog, 'rsyslogd', 'rsyslog') ?? requireProgram(haveRelpModules, 'rsyslog\'s RELP modules (imrelp, omrelp)', 'rsyslog-relp')
}

/** Waits for `fraction` of the messages, kills the receiver, starts it again. */
async function killDuring (file: string, tag: string, kill: () => Promise<void>, restart: () => Promise<void>): Promise<number[]> {
  const killedAt: number[] = []
  for (const fraction of [0.25, 0.6]) {
    let seen: Arrivals | null = null
    await waitFor(async () => (seen = await arrivals(file, tag, COUNT)).distinct >= COUNT * fraction, () => `${fraction * 100}% at the receiver: ${JSON.stringify(seen)}`, 120000)
    await kill()
    killedAt.push((await arrivals(file, tag, COUNT)).distinct)
    await restart()
  }
  return killedAt
}

async function allArrived (file: string, tag: string, detail: () => string): Promise<Arrivals> {
  let seen: Arrivals | null = null
  await waitFor(async () => (seen = await arrivals(file, tag, COUNT)).distinct === COUNT, () => `all ${COUNT}: ${JSON.stringify(seen)}\n${detail()}`, 180000)
  return seen!
}

test('relp rsyslog: rsyslog omrelp -> stele listen relp://, 100000 messages, stele killed -9 twice: every message arrives, duplicates bounded', { skip: skipReason(), timeout: 400000 }, async (t) => {
  const stelePort = await freePort()
  const rsyslogPlainPort = await freePort()
  const receiverConf = `repeat_suppression=off\nmark_interval=0\nlisten relp://127.0.0.1:${stelePort}\n*.* DIR/from-rsyslog.log\n`
  let stele: RunningDaemon = await startDaemon(receiverConf)
  const dir = stele.dir
  t.after(async () => { await stele.close() })
  const work = join(dir, 'rsyslog')
  await mkdir(work)
  const conf = join(work, 'rsyslog.conf')
  await writeFile(conf, `
global(workDirectory="${work}")
main_queue(queue.size="300000")
module(load="imtcp")
module(load="omrelp")
ruleset(name="toStele") {
  action(type="omrelp" target="127.0.0.1" port="${stelePort}" template="RSYSLOG_SyslogProtocol23Format"
         queue.type="LinkedList" queue.size="300000" action.resumeRetryCount="-1" action.resumeInterval="1")
}
input(type="imtcp" address="127.0.0.1" port="${rsyslogPlainPort}" ruleset="toStele")
`)
  const rsyslog = new Rsyslog(work, conf, rsyslogPlainPort)
  await rsyslog.start()
  t.after(async () => { await rsyslog.kill('SIGTERM') })
  const sent = await run(process.execPath, [STELE, 'send', '--transport', 'tcp', '--port', String(rsyslogPlainPort), '--octet-count', '--count', String(COUNT), 'omrelp'])
  assert.equal(sent.code, 0, sent.stderr)
  const file = join(dir, 'from-rsyslog.log')
  const killedAt = await killDuring(file, 'omrelp', async () => {
    stele.child.kill('SIGKILL')
    if (stele.child.exitCode === null && stele.child.signalCode === null) await once(stele.child, 'exit')
  }, async () => { stele = await startDaemon(receiverConf, { dir }) })
  const final = await allArrived(file, 'omrelp', () => rsyslog.output)
  t.diagnostic(`stele killed at ${killedAt.join(', ')} of ${COUNT}; duplicates ${final.duplicates}`)
  assert.ok(final.duplicates <= KILLS * WINDOW * 2, `duplicates ${final.duplicates} bounded by the window`)
  const input = (await stele.stats()).inputs[0]
  assert.equal(input.protocolErrors, 0)
})

test('relp rsyslog: stele @relp:// -> rsyslog imrelp, 100000 messages, rsyslogd killed -9 twice: every message arrives, duplicates bounded', { skip: skipReason(), timeout: 400000 }, async (t) => {
  const relpPort = await freePort()
  const stele = await startDaemon(`
repeat_suppression=off
mark_interval=0
listen tcp://127.0.0.1:0
local3.*   @relp://127.0.0.1:${relpPort} stall_timeout=10 window=${WINDOW}
`)
  t.after(async () => { await stele.close() })
  const work = join(stele.dir, 'rsyslog')
  await mkdir(work)
  const conf = join(work, 'rsyslog.conf')
  const file = join(work, 'from-stele.log')
  await writeFile(conf, `
global(workDirectory="${work}")
module(load="imrelp")
template(name="msgonly" type="string" string="%msg%\\n")
ruleset(name="fromStele" queue.type="Direct") {
  action(type="omfile" file="${file}" template="msgonly" flushOnTXEnd="on" asyncWriting="off")
}
input(type="imrelp" address="127.0.0.1" port="${relpPort}" ruleset="fromStele")
`)
  const rsyslog = new Rsyslog(work, conf, relpPort)
  await rsyslog.start()
  t.after(async () => { await rsyslog.kill('SIGTERM') })
  const send = run(process.execPath, [STELE, 'send', '--transport', 'tcp', '--port', String(stele.port('tcp://127.0.0.1:0')), '--octet-count', '-p', 'local3.info', '--count', String(COUNT), 'imrelp'])
  const killedAt = await killDuring(file, 'imrelp', async () => { await rsyslog.kill('SIGKILL') }, async () => { await rsyslog.start() })
  const sent = await send
  assert.equal(sent.code, 0, sent.stderr)
  const final = await allArrived(file, 'imrelp', () => `${stele.stderr}\n${rsyslog.output}`)
  const forward = (await stele.stats()).outputs.find((o: { name: string }) => o.name.startsWith('forward relp://'))
  t.diagnostic(`rsyslogd killed at ${killedAt.join(', ')} of ${COUNT}; duplicates ${final.duplicates}, resent ${forward.resent}`)
  assert.deepEqual(forward.dropped, {})
  assert.ok(final.duplicates <= forward.resent, `duplicates ${final.duplicates} <= resent ${forward.resent}`)
  assert.ok(forward.resent <= KILLS * WINDOW, `resent ${forward.resent} within a window per lost session`)
})
