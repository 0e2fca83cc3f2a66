// file-follow: `listen file://./app.log` in a real `stele run`, with the test as the application
// writing the file and logrotate doing its two kinds of rotation.
//
// Sent: numbered lines "line N" appended to DIR/app.log (plus a syslog-formatted line and a line
// without newline in the first test). Routed: user.* (the followed file's lines, tag=app) to
// DIR/out, syslog.* (stele's own log) to DIR/daemon.log. Checked: the numbers in DIR/out, which
// must be every line exactly once and in order: across appends, rename rotation under continuous
// writing, copytruncate (outside its documented loss window), SIGTERM and kill -9 restarts (after
// kill -9 duplicates are allowed, bounded by the last batch), and a file that appears late; the
// state file, stele stats counters and the log lines for rotation and truncation.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFile, copyFile, mkdtemp, readdir, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readLines, run, startDaemon, STELE, waitFor, type RunningDaemon } from './harness.js'

const CONFIG = `
repeat_suppression=off
mark_interval=0
listen file://./app.log tag=app partial_timeout=1
user.*;local4.*   DIR/out
syslog.*          DIR/daemon.log
`

/** Bodies of the followed file's messages in DIR/out, in the order written. */
async function bodies (dir: string): Promise<string[]> {
  return (await readLines(join(dir, 'out'))).map((line) => line.slice(line.indexOf(': ') + 2))
}

/** The N of every "line N" in DIR/out. */
async function numbers (dir: string): Promise<number[]> {
  return (await bodies(dir)).filter((body) => body.startsWith('line ')).map((body) => Number(body.slice(5)))
}

function lines (from: number, to: number): string {
  let text = ''
  for (let n = from; n <= to; n++) text += `line ${n}\n`
  return text
}

function range (from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i)
}

/**
 * "missing 1531-1560, 4501-6000 (1530 of 6000); 12 duplicates; 3 out of order": what `got` lacks
 * against 1..count, with runs of numbers collapsed, so a timed-out wait says which lines never came.
 */
function describeNumbers (got: number[], count: number): string {
  const seen = new Uint32Array(count + 1)
  let disorder = 0
  for (let i = 0; i < got.length; i++) {
    const n = got[i]!
    if (n >= 1 && n <= count) seen[n]!++
    if (i > 0 && n <= got[i - 1]!) disorder++
  }
  const runs: string[] = []
  let missing = 0
  let duplicates = 0
  for (let n = 1; n <= count; n++) {
    if (seen[n]! > 1) duplicates += seen[n]! - 1
    if (seen[n] !== 0) continue
    let to = n
    while (to < count && seen[to + 1] === 0) to++
    missing += to - n + 1
    runs.push(n === to ? `${n}` : `${n}-${to}`)
    n = to
  }
  const shown = runs.length > 20 ? [...runs.slice(0, 20), `... ${runs.length - 20} more runs`] : runs
  return `have ${got.length}; missing ${missing === 0 ? 'none' : `${shown.join(', ')} (${missing} of ${count})`}; ${duplicates} duplicates; ${disorder} out of order`
}

/** Waits for `count` numbered lines in DIR/out; on timeout the error names the missing numbers. */
async function waitForNumbers (dir: string, count: number, timeoutMs = 20000): Promise<void> {
  let last: number[] = []
  await waitFor(async () => (last = await numbers(dir)).length >= count, () => `${count} lines in out (${describeNumbers(last, count)})`, timeoutMs)
}

async function savedPosition (dir: string): Promise<{ ino: string, offset: number } | null> {
  const names = await readdir(join(dir, 'state')).catch(() => [] as string[])
  const name = names.find((n) => n.startsWith('app.log-') && n.endsWith('.json'))
  if (name === undefined) return null
  return JSON.parse(await readFile(join(dir, 'state', name), 'utf8'))
}

interface Scene { dir: string, start: () => Promise<RunningDaemon> }

/** A temp dir and daemons started in it; after the test every daemon is stopped, then the dir removed. */
async function scene (t: { after: (fn: () => Promise<void>) => void }, config = CONFIG): Promise<Scene> {
  const dir = await mkdtemp(join(tmpdir(), 'stele-follow-'))
  const daemons: RunningDaemon[] = []
  t.after(async () => {
    for (const daemon of daemons) await daemon.stop()
    await rm(dir, { recursive: true, force: true })
  })
  return {
    dir,
    async start () {
      const daemon = await startDaemon(config, { dir })
      daemons.push(daemon)
      return daemon
    }
  }
}

async function inputStats (daemon: RunningDaemon): Promise<Record<string, number>> {
  return (await daemon.stats()).inputs.find((input: { name: string }) => input.name.startsWith('file://'))
}

test('file-follow: existing and appended lines are delivered once, in order; syslog lines parsed; a last line without newline is delivered after partial_timeout', { timeout: 60000 }, async (t) => {
  const { dir, start } = await scene(t)
  await writeFile(join(dir, 'app.log'), lines(1, 100))
  const daemon = await start()
  await waitForNumbers(dir, 100)
  for (let from = 101; from <= 2000; from += 100) await appendFile(join(dir, 'app.log'), lines(from, from + 99))
  await appendFile(join(dir, 'app.log'), '<165>1 2003-10-11T22:14:15.003Z otherhost myapp 42 ID7 - a syslog line\n')
  await waitForNumbers(dir, 2000)
  assert.deepEqual(await numbers(dir), range(1, 2000))
  await waitFor(async () => (await readLines(join(dir, 'out'))).some((l) => l.includes('otherhost myapp[42]: a syslog line')), 'the syslog line, parsed')
  // Plain lines: tag=app, user.notice, the daemon's hostname, the read time.
  const first = (await readLines(join(dir, 'out')))[0]!
  assert.match(first, /^\d{4}-\d\d-\d\dT[\d:.]+Z \S+ app: line 1$/)

  await appendFile(join(dir, 'app.log'), 'no newline yet')
  await waitFor(async () => (await bodies(dir)).includes('no newline yet'), 'the partial line after partial_timeout=1')
  await appendFile(join(dir, 'app.log'), ', now ended\nline 2001\n')
  await waitForNumbers(dir, 2001)
  const all = await bodies(dir)
  assert.deepEqual(all.slice(-3), ['no newline yet', ', now ended', 'line 2001'], 'the partial line and its rest, each once')
  const stats = await inputStats(daemon)
  assert.equal(stats['received'], 2004)
  assert.equal(stats['partialLines'], 1)
  assert.equal(stats['malformed'], 2, 'the partial line and its continuation are marked')
  assert.equal(await daemon.stop(), 0, `signal ${daemon.child.signalCode}; stderr: ${daemon.stderr}`)
  const saved = await savedPosition(dir)
  assert.equal(saved?.offset, (await readFile(join(dir, 'app.log'))).length, 'the position at stop is the end of the file')
})

test('file-follow: rename rotation under continuous writing (create, late writes to the old file): every line once, in order', { timeout: 90000 }, async (t) => {
  const { dir, start } = await scene(t)
  const daemon = await start()
  const path = join(dir, 'app.log')
  const TOTAL = 6000
  let n = 0
  for (let rotation = 1; rotation <= 3; rotation++) {
    // Continuous writing in small appends until this round's share is written.
    while (n < rotation * 1500) { await appendFile(path, lines(n + 1, n + 30)); n += 30 }
    // logrotate: rename, create an empty file; the application writes a little more to the old
    // file before it reopens (postrotate), then writes to the new one.
    await rename(path, `${path}.${rotation}`)
    await writeFile(path, '')
    await appendFile(`${path}.${rotation}`, lines(n + 1, n + 30)); n += 30
  }
  while (n < TOTAL) { await appendFile(path, lines(n + 1, n + 30)); n += 30 }
  try {
    await waitForNumbers(dir, TOTAL, 30000)
  } catch (err) {
    // Where the lines were written (each generation's last line) and what the daemon did about it.
    const files = await Promise.all(['app.log.1', 'app.log.2', 'app.log.3', 'app.log'].map(async (name) =>
      `${name}: ${(await readLines(join(dir, name))).at(-1) ?? 'empty'}`))
    const log = (await readLines(join(dir, 'daemon.log'))).filter((l) => l.includes('app.log'))
    throw new Error(`${(err as Error).message}\nlast line of each file: ${files.join('; ')}\ndaemon.log:\n${log.join('\n')}\nstats: ${JSON.stringify(await inputStats(daemon))}`, { cause: err })
  }
  assert.deepEqual(await numbers(dir), range(1, TOTAL))
  const stats = await inputStats(daemon)
  assert.equal(stats['rotations'], 3)
  assert.equal(stats['errors'], 0)
  const log = (await readLines(join(dir, 'daemon.log'))).filter((l) => l.includes(' was rotated '))
  assert.equal(log.length, 3, 'each rotation logged once')
})

test('file-follow: rotated three times while the daemon is frozen (SIGSTOP), numbered upwards (app.log.1, .2, .3): each generation read once, in order', { timeout: 60000 }, async (t) => {
  // A daemon slower than the writer (here: stopped by SIGSTOP) sees the rotations only after the
  // fact: generations 2 and 3 were never at the path while it looked, and must be found by name.
  // Before the fix they were skipped: the next file was taken to be the one at the path.
  const { dir, start } = await scene(t)
  const daemon = await start()
  const path = join(dir, 'app.log')
  await appendFile(path, lines(1, 100))
  await waitForNumbers(dir, 100)
  daemon.signal('SIGSTOP')
  t.after(() => { daemon.signal('SIGCONT') })
  let n = 100
  for (let rotation = 1; rotation <= 3; rotation++) {
    await appendFile(path, lines(n + 1, n + 70)); n += 70
    await rename(path, `${path}.${rotation}`)
    await writeFile(path, '')
    await appendFile(`${path}.${rotation}`, lines(n + 1, n + 30)); n += 30
  }
  await appendFile(path, lines(n + 1, n + 100)); n += 100
  daemon.signal('SIGCONT')
  await waitForNumbers(dir, n)
  assert.deepEqual(await numbers(dir), range(1, n))
  assert.equal((await inputStats(daemon))['rotations'], 3)
})

test('file-follow: copytruncate: lines read before the copy and written after the truncate are each delivered once', { timeout: 60000 }, async (t) => {
  const { dir, start } = await scene(t)
  const daemon = await start()
  const path = join(dir, 'app.log')
  await appendFile(path, lines(1, 1000))
  await waitForNumbers(dir, 1000)
  // logrotate copytruncate: copy, then truncate in place. Lines written between the two steps
  // (here 1001-1010) are in the copy but gone from app.log: copytruncate's loss window, which no
  // follower can close; they are not asserted.
  await copyFile(path, `${path}.1`)
  await appendFile(path, lines(1001, 1010))
  await truncate(path, 0)
  await appendFile(path, lines(1011, 1100))
  await waitFor(async () => (await numbers(dir)).includes(1100), 'line 1100')
  const got = await numbers(dir)
  const guaranteed = [...range(1, 1000), ...range(1011, 1100)]
  for (const line of guaranteed) assert.equal(got.filter((x) => x === line).length, 1, `line ${line} exactly once`)
  assert.deepEqual(got.filter((x) => x <= 1000 || x > 1010), guaranteed, 'in order')
  assert.equal((await inputStats(daemon))['truncations'], 1)
  await waitFor(async () => (await readLines(join(dir, 'daemon.log'))).some((l) => l.includes('shrank from')), 'the truncation logged')
})

test('file-follow: SIGTERM restart with lines appended while stopped: every line once, in order', { timeout: 60000 }, async (t) => {
  const { dir, start } = await scene(t)
  const path = join(dir, 'app.log')
  await writeFile(path, lines(1, 500))
  let daemon = await start()
  await appendFile(path, lines(501, 1000))
  await waitForNumbers(dir, 1000)
  assert.equal(await daemon.stop(), 0, `signal ${daemon.child.signalCode}; stderr: ${daemon.stderr}`)
  await appendFile(path, lines(1001, 1500))
  daemon = await start()
  await waitForNumbers(dir, 1500)
  await appendFile(path, lines(1501, 1600))
  await waitForNumbers(dir, 1600)
  assert.deepEqual(await numbers(dir), range(1, 1600))
})

test('file-follow: rotated while stopped: the old file is finished from the saved offset, then the new one is read', { timeout: 60000 }, async (t) => {
  const { dir, start } = await scene(t)
  const path = join(dir, 'app.log')
  await writeFile(path, lines(1, 300))
  let daemon = await start()
  await waitForNumbers(dir, 300)
  assert.equal(await daemon.stop(), 0, `signal ${daemon.child.signalCode}; stderr: ${daemon.stderr}`)
  await appendFile(path, lines(301, 400))
  await rename(path, `${path}.1`)
  await writeFile(path, lines(401, 500))
  daemon = await start()
  await waitForNumbers(dir, 500)
  assert.deepEqual(await numbers(dir), range(1, 500))
  assert.equal((await inputStats(daemon))['rotations'], 1)
  assert.ok((await readLines(join(dir, 'daemon.log'))).some((l) => l.includes('rotated while stele was stopped; finishing')))
})

test('file-follow: rotated twice while stopped: app.log.2, then app.log.1, then the new app.log, every line once, in order', { timeout: 60000 }, async (t) => {
  const { dir, start } = await scene(t)
  const path = join(dir, 'app.log')
  await writeFile(path, lines(1, 100))
  let daemon = await start()
  await waitForNumbers(dir, 100)
  assert.equal(await daemon.stop(), 0, `signal ${daemon.child.signalCode}; stderr: ${daemon.stderr}`)
  await appendFile(path, lines(101, 200))
  await rename(path, `${path}.1`)
  await writeFile(path, lines(201, 300))
  await rename(`${path}.1`, `${path}.2`)
  await rename(path, `${path}.1`)
  await writeFile(path, lines(301, 400))
  await writeFile(`${path}.10`, 'line 0 (an older generation, never read)\n')
  daemon = await start()
  await waitForNumbers(dir, 400)
  assert.deepEqual(await numbers(dir), range(1, 400))
  assert.equal((await inputStats(daemon))['rotations'], 2)
})

test('file-follow: kill -9 and restart: no line lost; duplicates only from the last batch, after the saved position', { timeout: 60000 }, async (t) => {
  const { dir, start } = await scene(t)
  const path = join(dir, 'app.log')
  let daemon = await start()
  await appendFile(path, lines(1, 1000))
  await waitForNumbers(dir, 1000)
  const size = (await readFile(path)).length
  await waitFor(async () => (await savedPosition(dir))?.offset === size, 'the position of line 1000 saved')
  // The last batch: delivered, maybe not yet saved when the daemon dies.
  await appendFile(path, lines(1001, 1100))
  await waitForNumbers(dir, 1100)
  daemon.signal('SIGKILL')
  await new Promise((resolve) => daemon.child.once('exit', resolve))
  await appendFile(path, lines(1101, 1200))
  daemon = await start()
  await waitFor(async () => (await numbers(dir)).includes(1200), 'line 1200')
  const got = await numbers(dir)
  for (const line of range(1, 1200)) assert.ok(got.includes(line), `line ${line} delivered`)
  const repeated = got.length - 1200
  assert.ok(repeated >= 0 && repeated <= 100, `${repeated} duplicates, at most the last batch of 100`)
  // The duplicates are the tail of the last batch, read again from the saved position.
  assert.deepEqual(got, [...range(1, 1100), ...range(1101 - repeated, 1200)])
})

test('file-follow: a file that does not exist at start is followed once it appears; missing is logged once', { timeout: 60000 }, async (t) => {
  const { dir, start } = await scene(t)
  const daemon = await start()
  await waitFor(async () => (await readLines(join(dir, 'daemon.log'))).some((l) => l.includes('does not exist (yet)')), 'the missing file logged')
  await writeFile(join(dir, 'app.log'), lines(1, 50))
  await waitForNumbers(dir, 50)
  await appendFile(join(dir, 'app.log'), lines(51, 100))
  await waitForNumbers(dir, 100)
  assert.deepEqual(await numbers(dir), range(1, 100))
  const log = await readLines(join(dir, 'daemon.log'))
  assert.equal(log.filter((l) => l.includes('does not exist')).length, 1)
  assert.ok(log.some((l) => l.includes('following') && l.includes('now')))
  assert.equal((await inputStats(daemon))['errors'], 0, 'a missing file is not an error')
})

test('file-follow: backpressure: a forward whose peer stops reading pauses the file; nothing is dropped, every line arrives once, in order', { timeout: 90000 }, async (t) => {
  // The peer accepts and does not read, so the forward's buffer passes its high-water mark and
  // the daemon pauses its inputs: the followed file must stop being read (the lines wait in the
  // file) instead of pushing them into a full buffer. Then the peer reads everything.
  let received = ''
  let peer: net.Socket | undefined
  const server = net.createServer((socket) => {
    peer = socket
    socket.pause()
    socket.setEncoding('utf8').on('data', (chunk: string) => { received += chunk })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => { peer?.destroy(); server.close() })
  const port = (server.address() as net.AddressInfo).port
  const { dir, start } = await scene(t, `
repeat_suppression=off
mark_interval=0
listen file://./app.log tag=app
user.*   @tcp://127.0.0.1:${port} framing=lf format=rfc3164 buffer=256k
syslog.* DIR/daemon.log
`)
  const TOTAL = 150_000
  const padding = 'x'.repeat(60)
  let text = ''
  for (let n = 1; n <= TOTAL; n++) text += `line ${n} ${padding}\n`
  await writeFile(join(dir, 'app.log'), text)
  const daemon = await start()
  await waitFor(async () => (await daemon.stats()).paused === true, 'the inputs paused by the full forward')
  const atPause = (await inputStats(daemon))['received']!
  assert.ok(atPause < TOTAL, `${atPause} lines read when the inputs were paused, not all ${TOTAL}`)
  peer!.resume()
  const count = (): number => received.split('\n').length - 1
  await waitFor(() => count() >= TOTAL, () => `${TOTAL} lines at the peer, have ${count()}`, 60000)
  const numbersSeen = received.split('\n').filter((l) => l !== '').map((l) => Number(/ line (\d+) /.exec(l)![1]))
  assert.deepEqual(numbersSeen, range(1, TOTAL))
  const stats = await daemon.stats()
  assert.deepEqual(stats.outputs.find((o: { name: string }) => o.name.includes('forward')).dropped, {})
  assert.ok(stats.pauses >= 1)
})

test('file-follow: stele check reports file listener mistakes at FILE:LINE', async (t) => {
  const { dir } = await scene(t)
  const conf = join(dir, 'bad.conf')
  await writeFile(conf, [
    'state_dir=./positions', // 1
    'listen file://app.log', // 2: relative without ./
    'listen file:///var/log/app.log tga=web', // 3: unknown option
    'listen file:///var/log/b.log facility=bogus severity=loud poll_interval=0', // 4
    'listen udp://127.0.0.1:0 tag=x', // 5: not for udp
    '*.* ./out'
  ].join('\n'))
  const { code, stderr } = await run(process.execPath, [STELE, 'check', '-f', conf])
  assert.equal(code, 1)
  const problems = stderr.split('\n').filter((l) => l.startsWith(conf))
  assert.deepEqual(problems.map((l) => l.slice(conf.length)), [
    ':2: error: listen "file://app.log": the file path must be absolute (file:///var/log/app.log) or start with ./ or ../ (file://./app.log, relative to the config file\'s directory)',
    ':3: error: listen "file:///var/log/app.log": unknown option "tga" (did you mean "tag"?) (file listeners take tag, facility, severity, partial_timeout, poll_interval, max_message_size)',
    ':4: error: listen "file:///var/log/b.log": facility "bogus" is not a facility name (user, local0, ...) or 0-23',
    ':4: error: listen "file:///var/log/b.log": severity "loud" is not a level name (notice, info, ...) or 0-7',
    ':4: error: listen "file:///var/log/b.log": poll_interval=0: the poll is the safety net where fs.watch misses events; give 1s or more',
    ':5: error: option "tag" does not apply to udp listeners (only file)'
  ])
  await writeFile(conf, 'state_dir=./positions\nlisten file://./app.log tag=web facility=local3 severity=info\nlisten file:///var/log/app.log\nlisten file:///var/log/app.log\n*.* ./out\n')
  const dup = await run(process.execPath, [STELE, 'check', '-f', conf])
  assert.equal(dup.code, 1)
  assert.match(dup.stderr, /bad\.conf:4: error: listen "file:\/\/\/var\/log\/app\.log" repeats the listener at .*bad\.conf:3/)
  await writeFile(conf, 'state_dir=./positions\nlisten file://./app.log tag=web facility=local3 severity=info partial_timeout=0 max_message_size=8k\n*.* ./out\n')
  const ok = await run(process.execPath, [STELE, 'check', '-f', conf])
  assert.equal(ok.code, 0, ok.stderr)
  assert.match(ok.stdout, /file:\/\/\.\/app\.log/)
})
