// Runs the real `stele send` against listeners made here: a TCP server, a UDP socket, a unix
// stream server and (with the unix-dgram addon) a unix datagram socket, all on loopback or in a
// temp directory. Each test sends with some options, waits for the child to exit and for the
// listener to have everything (the connection's 'end', or the expected datagram count), then
// reads the bytes with the project's FrameDecoder and parse() and checks framing and fields.

import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import dgram from 'node:dgram'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseSdElement, parsePriority } from '../../src/cli/send-command.js'
import { FrameDecoder } from '../../src/framing/frame-decoder.js'
import { loadUnixDgram } from '../../src/inputs/unix.js'
import type { SyslogMessage } from '../../src/message/model.js'
import { parse } from '../../src/message/parse.js'

const STELE = fileURLToPath(new URL('../../src/cli/stele.js', import.meta.url))

interface Run { code: number | null, stdout: string, stderr: string, pid: number }

async function stele (args: string[], input = ''): Promise<Run> {
  const child = spawn(process.execPath, [STELE, 'send', ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  child.stdin.on('error', () => {}) // the child may exit before reading stdin (usage errors)
  child.stdin.end(input)
  const [code] = await once(child, 'close') as [number | null]
  return { code, stdout, stderr, pid: child.pid! }
}

/** A stream server that keeps the bytes of its first connection; `received` resolves on its end. */
async function streamServer (t: TestContext, where: { port: 0, host: string } | { path: string }): Promise<{ port: number, received: Promise<Buffer> }> {
  const server = net.createServer()
  t.after(() => server.close())
  const received = new Promise<Buffer>((resolve, reject) => {
    server.once('connection', (socket) => {
      const chunks: Buffer[] = []
      socket.on('data', (chunk: Buffer) => chunks.push(chunk))
      socket.on('error', reject)
      socket.on('end', () => resolve(Buffer.concat(chunks)))
    })
  })
  server.listen(where)
  await once(server, 'listening')
  const address = server.address()
  return { port: typeof address === 'object' && address !== null ? address.port : 0, received }
}

async function tempDir (t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stele-send-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

function frames (bytes: Buffer, framing: 'octet' | 'lf'): Buffer[] {
  const out: Buffer[] = []
  const decoder = new FrameDecoder({ framing, maxFrameBytes: 1 << 20, onFrame: (frame) => { out.push(frame) } })
  decoder.push(bytes)
  decoder.end()
  return out
}

function assertNearNow (msg: SyslogMessage): void {
  assert.ok(msg.timestamp !== null)
  assert.ok(Math.abs(msg.timestamp.epochMs - Date.now()) < 60_000, `timestamp ${msg.timestamp.text} is now`)
}

test('send: tcp, LF framing, RFC 5424 with every header field from the options', async (t) => {
  const server = await streamServer(t, { port: 0, host: '127.0.0.1' })
  const run = await stele(['--transport', 'tcp', '--port', String(server.port), '-p', 'local3.err', '-t', 'myapp', '--id=4242',
    '--hostname', 'h1.example', '--msgid', 'ID7', '--sd', 'meta a=1 b="x y"', '--sd', 'origin ip=192.0.2.1', 'grüße', 'aus', 'Köln ✓'])
  assert.equal(run.code, 0, run.stderr)
  assert.equal(run.stderr, '')
  const bytes = await server.received
  assert.equal(bytes[0], 0x3c, 'LF framing starts with <PRI>, not a length')
  assert.equal(bytes.at(-1), 0x0a)
  const [frame, ...more] = frames(bytes, 'lf')
  assert.equal(more.length, 0)
  const msg = parse(frame!, { strict: true })
  assert.deepEqual(msg.problems, [])
  assert.equal(msg.format, 'rfc5424')
  assert.equal(msg.pri, 19 * 8 + 3)
  assert.equal(msg.hostname, 'h1.example')
  assert.equal(msg.appName, 'myapp')
  assert.equal(msg.procId, '4242')
  assert.equal(msg.msgId, 'ID7')
  assert.deepEqual(msg.structuredData, [
    { id: 'meta', params: [{ name: 'a', value: '1' }, { name: 'b', value: 'x y' }] },
    { id: 'origin', params: [{ name: 'ip', value: '192.0.2.1' }] }
  ])
  assert.equal(msg.text, 'grüße aus Köln ✓')
  assertNearNow(msg)
})

test('send: tcp --octet-count --rfc3164; -i is the sender\'s pid; defaults for tag, host, priority', async (t) => {
  const server = await streamServer(t, { port: 0, host: '127.0.0.1' })
  const run = await stele(['--transport', 'tcp', '--port', String(server.port), '--octet-count', '--rfc3164', '-i', 'two\nlines'])
  assert.equal(run.code, 0, run.stderr)
  const bytes = await server.received
  assert.match(bytes.toString('latin1'), /^[1-9]\d* <13>/, 'octet-counted frame')
  const [frame, ...more] = frames(bytes, 'octet')
  assert.equal(more.length, 0)
  const msg = parse(frame!)
  assert.equal(msg.format, 'rfc3164')
  assert.equal(msg.pri, 13, 'user.notice, as logger')
  assert.equal(msg.hostname, hostname().split('.')[0])
  assert.equal(msg.procId, String(run.pid))
  assert.equal(typeof msg.appName, 'string')
  assert.notEqual(msg.appName, '')
  assert.equal(msg.text, 'two\nlines', 'octet counting keeps the newline')
  assertNearNow(msg)
})

test('send: tcp LF framing turns a newline inside a message into a space', async (t) => {
  const server = await streamServer(t, { port: 0, host: '127.0.0.1' })
  const run = await stele(['--transport', 'tcp', '--port', String(server.port), 'two\nlines'])
  assert.equal(run.code, 0, run.stderr)
  const all = frames(await server.received, 'lf')
  assert.deepEqual(all.map((f) => parse(f).text), ['two lines'])
})

test('send: --count 100000 over tcp arrives complete and in order', async (t) => {
  const server = await streamServer(t, { port: 0, host: '127.0.0.1' })
  const run = await stele(['--transport', 'tcp', '--port', String(server.port), '--count', '100000', 'load'])
  assert.equal(run.code, 0, run.stderr)
  const all = frames(await server.received, 'lf')
  assert.equal(all.length, 100000)
  for (let i = 0; i < all.length; i++) {
    const msg = parse(all[i]!)
    if (msg.text !== `load ${i + 1}` || msg.malformed) assert.fail(`message ${i + 1}: ${all[i]!.toString()}`)
  }
})

test('send: --count over tcp with --octet-count', async (t) => {
  const server = await streamServer(t, { port: 0, host: '127.0.0.1' })
  const run = await stele(['--transport', 'tcp', '--port', String(server.port), '--octet-count', '--count', '5000', 'n'])
  assert.equal(run.code, 0, run.stderr)
  const texts = frames(await server.received, 'octet').map((f) => parse(f).text)
  assert.deepEqual(texts, Array.from({ length: 5000 }, (_, i) => `n ${i + 1}`))
})

test('send: each stdin line is one message; empty lines skipped, CR LF accepted, bytes intact', async (t) => {
  const server = await streamServer(t, { port: 0, host: '127.0.0.1' })
  const run = await stele(['--transport', 'tcp', '--port', String(server.port), '-t', 'lines'], 'first\n\nsecond ✓\r\n\nthird without newline')
  assert.equal(run.code, 0, run.stderr)
  const msgs = frames(await server.received, 'lf').map((f) => parse(f))
  assert.deepEqual(msgs.map((m) => m.text), ['first', 'second ✓', 'third without newline'])
  assert.ok(msgs.every((m) => m.appName === 'lines'))
})

test('send: udp sends one datagram per message', async (t) => {
  const socket = dgram.createSocket('udp4')
  t.after(() => socket.close())
  socket.bind(0, '127.0.0.1')
  await once(socket, 'listening')
  const datagrams: Buffer[] = []
  const all = new Promise<void>((resolve) => {
    socket.on('message', (datagram) => { datagrams.push(datagram); if (datagrams.length === 20) resolve() })
  })
  const run = await stele(['--transport', 'udp', '--port', String(socket.address().port), '-p', 'daemon.warning', '--rate', '2000', '--count', '20', 'dgram'])
  assert.equal(run.code, 0, run.stderr)
  await all
  const msgs = datagrams.map((d) => parse(d))
  assert.deepEqual(msgs.map((m) => m.text).sort(), Array.from({ length: 20 }, (_, i) => `dgram ${i + 1}`).sort())
  assert.ok(msgs.every((m) => m.pri === 3 * 8 + 4 && m.format === 'rfc5424'))
  assert.ok(datagrams.every((d) => d.at(-1) !== 0x0a), 'datagrams carry no trailer')
})

test('send: unix stream socket (the fallback when the path is not a datagram socket), RFC 3164 without HOSTNAME', async (t) => {
  const path = join(await tempDir(t), 'log.sock')
  const server = await streamServer(t, { path })
  const run = await stele(['--socket', path, '--rfc3164', '-t', 'app', '--id=77', 'local message'])
  assert.equal(run.code, 0, run.stderr)
  const bytes = await server.received
  assert.match(bytes.toString(), /^<13>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d app\[77\]: local message\n$/)
  const msg = parse(frames(bytes, 'lf')[0]!, { expectHostname: false })
  assert.equal(msg.appName, 'app')
  assert.equal(msg.procId, '77')
  assert.equal(msg.text, 'local message')
})

test('send: unix datagram socket through the unix-dgram addon', async (t) => {
  const addon = loadUnixDgram()
  if (addon === null) { t.skip('the optional unix-dgram addon is not installed (npm install unix-dgram)'); return }
  const path = join(await tempDir(t), 'dgram.sock')
  const datagrams: Buffer[] = []
  let resolveAll: () => void
  const all = new Promise<void>((resolve) => { resolveAll = resolve })
  const socket = addon.createSocket('unix_dgram', (datagram) => {
    datagrams.push(datagram)
    if (datagrams.length === 1000) resolveAll()
  })
  t.after(() => socket.close())
  const listening = new Promise<void>((resolve, reject) => { socket.once('listening', () => resolve()); socket.once('error', reject) })
  socket.bind(path)
  await listening
  const run = await stele(['--socket', path, '-t', 'dg', '--count', '1000', 'unix'])
  assert.equal(run.code, 0, run.stderr)
  await all
  const msgs = datagrams.map((d) => parse(d))
  assert.deepEqual(msgs.map((m) => m.text), Array.from({ length: 1000 }, (_, i) => `unix ${i + 1}`), 'a local datagram socket loses nothing and keeps order')
  assert.ok(msgs.every((m) => m.appName === 'dg' && m.format === 'rfc5424'))
})

test('send: a closed port or a missing socket exits 1 with a message saying where', async (t) => {
  const probe = net.createServer().listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const port = (probe.address() as net.AddressInfo).port
  await new Promise((resolve) => probe.close(resolve))
  const refused = await stele(['--transport', 'tcp', '--port', String(port), 'hello'])
  assert.equal(refused.code, 1)
  assert.equal(refused.stderr, `stele send: cannot connect to tcp://127.0.0.1:${port}: ECONNREFUSED\n`)
  const path = join(await tempDir(t), 'absent.sock')
  const missing = await stele(['--socket', path, 'hello'])
  assert.equal(missing.code, 1)
  assert.equal(missing.stderr, `stele send: cannot connect to unix://${path}: ENOENT\n`)
})

test('send: a receiver that resets the connection mid-stream: exit 1, saying where and how far it got', async (t) => {
  const server = net.createServer((socket) => {
    let bytes = 0
    socket.on('error', () => {})
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length
      if (bytes > 1_000_000) socket.resetAndDestroy()
    })
  })
  t.after(() => server.close())
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as net.AddressInfo).port
  const run = await stele(['--transport', 'tcp', '--port', String(port), '--count', '1000000', 'reset'])
  assert.equal(run.code, 1)
  assert.match(run.stderr, new RegExp(`^stele send: tcp://127.0.0.1:${port}: (ECONNRESET|EPIPE); sending stopped after \\d+ messages\\n$`))
})

test('send: usage errors exit 2 with a clear message', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['-p', 'user.loud', 'x'], /--priority "user.loud" is not FACILITY.SEVERITY/],
    [['--transport', 'sctp', 'x'], /--transport "sctp" is not one of unix, tcp, tls, udp/],
    [['--transport', 'tcp', '--ca', '/x.pem', 'x'], /--ca applies to --transport tls and relp\+tls only/],
    [['--transport', 'tls', '--verify', 'maybe', 'x'], /--verify "maybe" is not peer or none/],
    [['--transport', 'tls', '--cert', '/c.pem', 'x'], /--cert and --key go together/],
    [['--transport', 'tls', '--fingerprint', 'sha256:12', 'x'], /--fingerprint: fingerprint "sha256:12": a sha256 fingerprint has 32 bytes/],
    [['--port', '70000', 'x'], /--port "70000" is not a whole number from 1 to 65535/],
    [['--port', 'http', 'x'], /--port "http"/],
    [['--count', '10'], /--count needs a MESSAGE/],
    [['--rate', '0', 'x'], /--rate "0" is not a positive number/],
    [['--transport', 'udp', '--size', '70000', 'x'], /--size "70000" is not a whole number from 64 to 65507/],
    [['--sd', 'a=b', 'x'], /--sd "a=b" does not start with an SD-ID/],
    [['--rfc3164', '--rfc5424', 'x'], /cannot both be given/],
    [['--no-such-option'], /Unknown option/]
  ]
  for (const [args, message] of cases) {
    const run = await stele(args)
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`)
    assert.match(run.stderr, message)
  }
})

test('send: a message over --size is cut on a UTF-8 boundary, with a warning', async (t) => {
  const server = await streamServer(t, { port: 0, host: '127.0.0.1' })
  const run = await stele(['--transport', 'tcp', '--port', String(server.port), '--octet-count', '--size', '100', 'é'.repeat(100)])
  assert.equal(run.code, 0, run.stderr)
  assert.match(run.stderr, /message 1 is longer than 100 bytes; truncated/)
  const [frame] = frames(await server.received, 'octet')
  assert.ok(frame!.length <= 100 && frame!.length >= 97, `record of ${frame!.length} bytes`)
  const msg = parse(frame!)
  assert.ok(msg.utf8Valid)
  assert.match(msg.text, /^(é)+$/)
})

test('send: --help', async () => {
  const run = await stele(['--help'])
  assert.equal(run.code, 0)
  assert.match(run.stdout, /Usage: stele send \[options\] \[MESSAGE\.\.\.\]/)
})

test('send: priorities as logger takes them', () => {
  assert.equal(parsePriority('user.notice'), 13)
  assert.equal(parsePriority('local0.err'), 16 * 8 + 3)
  assert.equal(parsePriority('16.3'), 16 * 8 + 3)
  assert.equal(parsePriority('err'), 8 + 3, 'a bare severity means facility user')
  assert.equal(parsePriority('134'), 134)
  assert.equal(parsePriority('192'), undefined)
  assert.equal(parsePriority('user.loud'), undefined)
})

test('send: --sd elements', () => {
  assert.deepEqual(parseSdElement('exampleSDID@32473 iut=3 eventSource="Application x" q="a\\"b"'), {
    id: 'exampleSDID@32473',
    params: [{ name: 'iut', value: '3' }, { name: 'eventSource', value: 'Application x' }, { name: 'q', value: 'a"b' }]
  })
  assert.deepEqual(parseSdElement('bare'), { id: 'bare', params: [] })
  assert.throws(() => parseSdElement('id novalue'), /expected NAME=VALUE/)
})
