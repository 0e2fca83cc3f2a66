// lifecycle: MARK messages at mark_interval; privileges dropped to user=/group= after binding;
// running out of file descriptors (EMFILE on accept) is logged and survived.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { once } from 'node:events'
import { chmod, mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { readLines, requireProgram, startDaemon, waitFor } from './harness.js'

test('lifecycle: -- MARK -- every mark_interval seconds', { timeout: 30000 }, async (t) => {
  const daemon = await startDaemon('mark_interval=1\nlisten udp://127.0.0.1:0\n*.*  DIR/all.log\n')
  t.after(async () => { await daemon.close() })
  await waitFor(async () => (await readLines(join(daemon.dir, 'all.log'))).filter((line) => line.endsWith('stele[' + daemon.child.pid + ']: -- MARK --')).length >= 2, 'two MARK lines')
})

test('lifecycle: privileges are dropped to user= and group= after binding', { timeout: 30000, skip: process.getuid?.() !== 0 ? 'needs root to change user' : undefined }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stele-priv-'))
  await chmod(dir, 0o777)
  const daemon = await startDaemon('user=nobody group=nogroup\nlisten tcp://127.0.0.1:0\n*.*  DIR/all.log\n', { dir })
  t.after(async () => { await daemon.close() })
  const status = await readFile(`/proc/${daemon.child.pid!}/status`, 'utf8')
  const uid = Number(execFileSync('id', ['-u', 'nobody']).toString())
  assert.match(status, new RegExp(`^Uid:\\s+${uid}\\s+${uid}\\s+${uid}`, 'm'))
  const socket = net.connect(daemon.port('tcp://127.0.0.1:0'), '127.0.0.1')
  await once(socket, 'connect')
  socket.end('<13>Nov 22 10:00:00 h app: written as nobody\n')
  await waitFor(async () => (await readLines(join(dir, 'all.log'))).some((line) => line.endsWith('written as nobody')), 'the message, written by the unprivileged daemon')
})

function hasPrlimit (): boolean {
  try { execFileSync('sh', ['-c', 'command -v prlimit'], { stdio: 'ignore' }); return true } catch { return false }
}

test('lifecycle: out of file descriptors, connections are refused and logged, the daemon survives and serves again', { timeout: 60000, skip: requireProgram(hasPrlimit(), 'prlimit', 'util-linux') }, async (t) => {
  const daemon = await startDaemon('mark_interval=0\nrepeat_suppression=off\nlisten tcp://127.0.0.1:0\n*.*  DIR/all.log\n', { wrapper: ['prlimit', '--nofile=64:64', '--'] })
  t.after(async () => { await daemon.close() })
  const port = daemon.port('tcp://127.0.0.1:0')
  const sockets: net.Socket[] = []
  for (let i = 0; i < 120; i++) {
    const socket = net.connect(port, '127.0.0.1')
    socket.on('error', () => {})
    sockets.push(socket)
  }
  await Promise.all(sockets.map(async (socket) => await Promise.race([once(socket, 'connect'), once(socket, 'close')])))
  await waitFor(() => /out of file descriptors/.test(daemon.stderr), 'the EMFILE report')
  for (const socket of sockets) socket.destroy()
  // Descriptors free again: a new sender is served.
  await waitFor(async () => {
    const socket = net.connect(port, '127.0.0.1')
    socket.on('error', () => {})
    try {
      await once(socket, 'connect')
      socket.end('<13>Nov 22 10:00:00 h app: after EMFILE\n')
      await once(socket, 'close')
    } catch { return false }
    return (await readLines(join(daemon.dir, 'all.log'))).some((line) => line.endsWith('after EMFILE'))
  }, 'a message delivered after the descriptors came back')
  assert.equal(daemon.child.exitCode, null)
  assert.ok((await daemon.stats()).inputs[0].refused > 0)
})

test('lifecycle: /dev/stdout as an action writes records to standard output (for containers)', { timeout: 30000 }, async (t) => {
  const daemon = await startDaemon('mark_interval=0\nlisten tcp://127.0.0.1:0\n*.*  /dev/stdout format=json\n')
  t.after(async () => { await daemon.close() })
  let stdout = ''
  daemon.child.stdout!.on('data', (chunk: string) => { stdout += chunk })
  const socket = net.connect(daemon.port('tcp://127.0.0.1:0'), '127.0.0.1')
  await once(socket, 'connect')
  socket.end('<13>Nov 22 10:00:00 web1 app[7]: to stdout\n')
  await waitFor(() => stdout.includes('to stdout'), 'the record on stdout')
  const record = JSON.parse(stdout.split('\n').find((line) => line.includes('to stdout'))!)
  assert.equal(record.hostname, 'web1')
  assert.equal(record.appName, 'app')
  assert.equal(record.source.input, 'tcp://127.0.0.1:0')
  assert.match(record.source.peer, /^127\.0\.0\.1:\d+$/)
})
