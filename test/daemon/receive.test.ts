// Scenario tests against the real `stele run`, with real senders (OpenBSD regress style).
//
// receive: TCP, UDP and unix-socket listeners on 127.0.0.1 port 0 and a socket in a temp dir;
// every message goes to one file, written as `iso`. Senders: util-linux logger (TCP octet
// counting, UDP, unix socket), stele send, and glibc syslog(3) through python3's syslog module
// in a private mount namespace whose /dev/log is the daemon's socket. Checked: every message
// arrives exactly once, in order per connection, with its tag and pid.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { readLines, requireProgram, run, startDaemon, STELE, waitFor } from './harness.js'

const CONFIG = `
repeat_suppression=off
listen tcp://127.0.0.1:0
listen udp://127.0.0.1:0
listen unix://DIR/log.sock
*.*   -DIR/all.log
`

function has (program: string): boolean {
  try { execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }); return true } catch { return false }
}

async function written (daemon: Awaited<ReturnType<typeof startDaemon>>): Promise<number> {
  const stats = await daemon.stats()
  return stats.outputs[0].written as number
}

/** The numbers n of lines ending in `${prefix}n`, in file order. */
function numbersAfter (lines: string[], prefix: string): number[] {
  const numbers: number[] = []
  for (const line of lines) {
    const at = line.lastIndexOf(prefix)
    if (at >= 0 && /^\d+$/.test(line.slice(at + prefix.length))) numbers.push(Number(line.slice(at + prefix.length)))
  }
  return numbers
}

const sequence = (count: number): number[] => Array.from({ length: count }, (_, i) => i + 1)

test('receive: 100,000 messages each from logger --tcp --octet-count and stele send over TCP arrive exactly once, in order', { timeout: 180000, skip: requireProgram(has('logger'), 'logger', 'bsdutils') }, async (t) => {
  const daemon = await startDaemon(CONFIG)
  t.after(async () => { await daemon.close() })
  const port = String(daemon.port('tcp://127.0.0.1:0'))
  const COUNT = 100_000
  const lines = sequence(COUNT).map((n) => `logger-load ${n}`).join('\n') + '\n'
  const [viaLogger, viaSend] = await Promise.all([
    run('logger', ['--tcp', '--octet-count', '-n', '127.0.0.1', '-P', port, '-t', 'loggertag'], lines),
    run(process.execPath, [STELE, 'send', '--transport', 'tcp', '--port', port, '--count', String(COUNT), '-t', 'sendtag', 'send-load'])
  ])
  assert.equal(viaLogger.code, 0, viaLogger.stderr)
  assert.equal(viaSend.code, 0, viaSend.stderr)
  await waitFor(async () => await written(daemon) >= 2 * COUNT, '200,000 messages written')
  assert.equal(await daemon.stop(), 0)
  const file = await readLines(join(daemon.dir, 'all.log'))
  assert.deepEqual(numbersAfter(file.filter((line) => line.includes(' loggertag: ')), 'logger-load '), sequence(COUNT))
  assert.deepEqual(numbersAfter(file.filter((line) => line.includes(' sendtag: ')), 'send-load '), sequence(COUNT))
})

test('receive: UDP at a modest rate arrives complete', { timeout: 60000, skip: requireProgram(has('logger'), 'logger', 'bsdutils') }, async (t) => {
  const daemon = await startDaemon(CONFIG)
  t.after(async () => { await daemon.close() })
  const port = String(daemon.port('udp://127.0.0.1:0'))
  const COUNT = 2000
  const result = await run('logger', ['-d', '-n', '127.0.0.1', '-P', port, '-t', 'udptag'], sequence(COUNT).map((n) => `udp ${n}`).join('\n') + '\n')
  assert.equal(result.code, 0, result.stderr)
  await waitFor(async () => await written(daemon) >= COUNT, `${COUNT} UDP messages written`)
  await daemon.stop()
  const file = await readLines(join(daemon.dir, 'all.log'))
  assert.deepEqual(numbersAfter(file.filter((line) => line.includes(' udptag: ')), 'udp ').sort((a, b) => a - b), sequence(COUNT))
})

test('receive: glibc syslog(3) (python3 syslog module) lands through the unix socket with its tag and pid', { timeout: 60000, skip: requireProgram(has('python3') && has('unshare'), 'python3 / unshare', 'python3 util-linux') }, async (t) => {
  const daemon = await startDaemon(CONFIG)
  t.after(async () => { await daemon.close() })
  const socket = join(daemon.dir, 'log.sock')
  // glibc always writes to /dev/log: give it a private /dev in which /dev/log is our socket.
  const python = 'import os, syslog; syslog.openlog("pyapp", syslog.LOG_PID, syslog.LOG_LOCAL3); syslog.syslog(syslog.LOG_WARNING, "hello from glibc grüße"); print(os.getpid())'
  const script = `mount -t tmpfs tmpfs /dev && ln -s ${socket} /dev/log && exec python3 -c '${python}'`
  const result = await run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script])
  assert.equal(result.code, 0, result.stderr)
  const pid = result.stdout.trim()
  await waitFor(async () => (await readLines(join(daemon.dir, 'all.log'))).some((line) => line.includes('hello from glibc')), 'the glibc message')
  const line = (await readLines(join(daemon.dir, 'all.log'))).find((l) => l.includes('hello from glibc'))!
  // iso: TIME HOST APP[PID]: MSG; local messages get the daemon's hostname.
  assert.match(line, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z \\S+ pyapp\\[${pid}\\]: hello from glibc grüße$`))
  const stats = await daemon.stats()
  const unix = stats.inputs.find((input: { name: string }) => input.name.startsWith('unix://'))
  assert.equal(unix.received, 1)
  assert.equal(unix.malformed, 0)
})

test('receive: logger -u writes to the unix socket (datagram or stream, as the socket is)', { timeout: 60000, skip: requireProgram(has('logger'), 'logger', 'bsdutils') }, async (t) => {
  const daemon = await startDaemon(CONFIG)
  t.after(async () => { await daemon.close() })
  const result = await run('logger', ['-u', join(daemon.dir, 'log.sock'), '-t', 'localtag', '-i', '-p', 'local4.err', 'first local'])
  assert.equal(result.code, 0, result.stderr)
  await waitFor(async () => (await readLines(join(daemon.dir, 'all.log'))).some((line) => line.includes('first local')), 'the logger message')
  const line = (await readLines(join(daemon.dir, 'all.log'))).find((l) => l.includes('first local'))!
  assert.match(line, /Z \S+ localtag\[\d+\]: first local/)
})
