// `stele cert` run as a user would: the built CLI in a child process, in a temp directory. What
// it makes is checked with the real openssl(1): `verify` against the CA, `x509 -text` for the
// extensions, `pkey` for key/certificate pairs, `x509 -fingerprint` for the fingerprints. The
// last tests run a mutual-TLS handshake between `openssl s_server -Verify` and Node's
// tls.connect with the files made here: accepted with the CA's client certificate, refused
// with one from another CA.

import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import { fileStem } from '../../src/cli/cert-command.js'
import { requireProgram, run, STELE } from '../daemon/harness.js'
import { haveOpenssl } from '../interop/certs.js'

const skip = requireProgram(haveOpenssl, 'openssl', 'openssl')

async function stele (args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return await run(process.execPath, [STELE, 'cert', ...args])
}

async function openssl (args: string[], input?: string): Promise<string> {
  const r = await run('openssl', args, input)
  assert.equal(r.code, 0, `openssl ${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

async function tempDir (t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stele-cert-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

async function ok (args: string[]): Promise<string> {
  const r = await stele(args)
  assert.equal(r.stderr, '', `stele cert ${args.join(' ')}`)
  assert.equal(r.code, 0)
  return r.stdout
}

/** A CA, a server certificate for localhost and 127.0.0.1, and a client certificate, in a new temp dir. */
async function setup (t: TestContext, keyType: 'ec' | 'rsa' = 'ec'): Promise<string> {
  const dir = await tempDir(t)
  await ok(['ca', '--dir', dir, '--key-type', keyType])
  await ok(['server', '--dir', dir, '--name', 'localhost', '--name', 'relay.example.org', '--ip', '127.0.0.1', '--ip', '::1', '--key-type', keyType])
  await ok(['client', '--dir', dir, '--name', 'app1.example.org', '--key-type', keyType])
  return dir
}

async function text (file: string): Promise<string> {
  return await openssl(['x509', '-in', file, '-noout', '-text'])
}

/** The lines of `x509 -text` that follow the extension's heading. */
function extension (certText: string, heading: string): string {
  const match = new RegExp(`X509v3 ${heading}:( critical)? *\\n\\s+(.*)`).exec(certText)
  assert.ok(match !== null, `no ${heading} in\n${certText}`)
  return `${match[1] === undefined ? '' : 'critical: '}${match[2]!.trim()}`
}

async function assertKeyMatches (dir: string, stem: string): Promise<void> {
  const fromCert = await openssl(['x509', '-in', join(dir, `${stem}.crt`), '-noout', '-pubkey'])
  const fromKey = await openssl(['pkey', '-in', join(dir, `${stem}.key`), '-pubout'])
  assert.equal(fromKey, fromCert, `${stem}.key is the key of ${stem}.crt`)
  const key = await readFile(join(dir, `${stem}.key`), 'utf8')
  assert.match(key, /^-----BEGIN PRIVATE KEY-----\n/, 'PKCS#8 PEM')
  assert.equal((await stat(join(dir, `${stem}.key`))).mode & 0o777, 0o600)
}

test('cert: ca, server and client certificates verify with openssl and carry the asked extensions', { skip }, async (t) => {
  const dir = await setup(t)
  const ca = join(dir, 'ca.crt')
  assert.deepEqual((await readdir(dir)).sort(), ['app1.example.org.crt', 'app1.example.org.key', 'ca.crt', 'ca.key', 'localhost.crt', 'localhost.key'])
  assert.equal(await openssl(['verify', '-CAfile', ca, join(dir, 'localhost.crt'), join(dir, 'app1.example.org.crt')]),
    `${join(dir, 'localhost.crt')}: OK\n${join(dir, 'app1.example.org.crt')}: OK\n`)
  // -purpose checks the EKU and key usage as a TLS peer would.
  await openssl(['verify', '-purpose', 'sslserver', '-CAfile', ca, join(dir, 'localhost.crt')])
  await openssl(['verify', '-purpose', 'sslclient', '-CAfile', ca, join(dir, 'localhost.crt')])
  await openssl(['verify', '-purpose', 'sslclient', '-CAfile', ca, join(dir, 'app1.example.org.crt')])
  const notServer = await run('openssl', ['verify', '-purpose', 'sslserver', '-CAfile', ca, join(dir, 'app1.example.org.crt')])
  assert.notEqual(notServer.code, 0, 'a client certificate is not a server certificate')

  const caText = await text(ca)
  assert.match(caText, /Subject: CN ?= ?stele CA\n/)
  assert.match(caText, /Issuer: CN ?= ?stele CA\n/)
  assert.equal(extension(caText, 'Basic Constraints'), 'critical: CA:TRUE')
  assert.equal(extension(caText, 'Key Usage'), 'critical: Certificate Sign, CRL Sign')
  const caSki = extension(caText, 'Subject Key Identifier')
  assert.match(caSki, /^([0-9A-F]{2}:){19}[0-9A-F]{2}$/)
  assert.match(caText, /Public Key Algorithm: id-ecPublicKey[\s\S]*NIST CURVE: P-256/)

  const serverText = await text(join(dir, 'localhost.crt'))
  assert.match(serverText, /Subject: CN ?= ?localhost\n/)
  assert.equal(extension(serverText, 'Subject Alternative Name'),
    'DNS:localhost, DNS:relay.example.org, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1')
  assert.equal(extension(serverText, 'Extended Key Usage'), 'TLS Web Server Authentication, TLS Web Client Authentication')
  assert.equal(extension(serverText, 'Key Usage'), 'critical: Digital Signature')
  assert.equal(extension(serverText, 'Basic Constraints'), 'critical: CA:FALSE')
  assert.equal(extension(serverText, 'Authority Key Identifier').replace(/^keyid:/, ''), caSki)
  assert.match(serverText, /Signature Algorithm: ecdsa-with-SHA256/)

  const clientText = await text(join(dir, 'app1.example.org.crt'))
  assert.match(clientText, /Subject: CN ?= ?app1\.example\.org\n/)
  assert.equal(extension(clientText, 'Subject Alternative Name'), 'DNS:app1.example.org')
  assert.equal(extension(clientText, 'Extended Key Usage'), 'TLS Web Client Authentication')

  for (const stem of ['ca', 'localhost', 'app1.example.org']) await assertKeyMatches(dir, stem)
  assert.equal((await stat(ca)).mode & 0o022, 0, 'a certificate is not writable by others')
})

test('cert: serial numbers are 16 random positive bytes; validity starts minutes ago and lasts --days', { skip }, async (t) => {
  const dir = await tempDir(t)
  await ok(['ca', '--dir', dir, '--days', '30'])
  await ok(['client', '--dir', dir, '--name', 'a'])
  await ok(['client', '--dir', dir, '--name', 'b', '--days', '7'])
  const serials = new Set<string>()
  for (const stem of ['ca', 'a', 'b']) {
    const out = await openssl(['x509', '-in', join(dir, `${stem}.crt`), '-noout', '-serial', '-startdate', '-enddate'])
    const serial = /serial=([0-9A-F]+)/.exec(out)![1]!
    assert.equal(serial.length, 32, `serial ${serial} is 16 bytes`)
    assert.ok(parseInt(serial.slice(0, 2), 16) < 0x80, 'positive')
    serials.add(serial)
    const start = Date.parse(/notBefore=(.*)/.exec(out)![1]!)
    const end = Date.parse(/notAfter=(.*)/.exec(out)![1]!)
    assert.ok(start < Date.now() - 60_000 && start > Date.now() - 3_600_000, `${stem} starts a few minutes ago`)
    const days = { ca: 30, a: 30, b: 7 }[stem]!
    // a's 825 default days are cut to the CA's 30.
    assert.ok(Math.abs(end - Date.now() - days * 86_400_000) < 600_000, `${stem} lasts ${days} days`)
  }
  assert.equal(serials.size, 3)
})

test('cert: --key-type rsa makes RSA 2048 keys that verify; the server key may encipher', { skip }, async (t) => {
  const dir = await setup(t, 'rsa')
  await openssl(['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'localhost.crt'), join(dir, 'app1.example.org.crt')])
  const serverText = await text(join(dir, 'localhost.crt'))
  assert.match(serverText, /Public-Key: \(2048 bit\)/)
  assert.match(serverText, /Signature Algorithm: sha256WithRSAEncryption/)
  assert.equal(extension(serverText, 'Key Usage'), 'critical: Digital Signature, Key Encipherment')
  for (const stem of ['ca', 'localhost', 'app1.example.org']) await assertKeyMatches(dir, stem)
})

test('cert: existing files are not replaced without --force; with it they are, mode 0600 kept', { skip }, async (t) => {
  const dir = await tempDir(t)
  await ok(['ca', '--dir', dir])
  const caBefore = await readFile(join(dir, 'ca.crt'), 'utf8')
  const again = await stele(['ca', '--dir', dir])
  assert.equal(again.code, 1)
  assert.equal(again.stderr, `stele cert ca: ${join(dir, 'ca.crt')} and ${join(dir, 'ca.key')} exist; nothing written (--force replaces)\n`)
  assert.equal(await readFile(join(dir, 'ca.crt'), 'utf8'), caBefore)

  await ok(['server', '--dir', dir, '--name', 'h1'])
  await rm(join(dir, 'h1.crt'))
  const keyBefore = await readFile(join(dir, 'h1.key'), 'utf8')
  const partial = await stele(['server', '--dir', dir, '--name', 'h1'])
  assert.equal(partial.code, 1)
  assert.equal(partial.stderr, `stele cert server: ${join(dir, 'h1.key')} exists; nothing written (--force replaces)\n`)
  assert.equal(await readFile(join(dir, 'h1.key'), 'utf8'), keyBefore)
  assert.deepEqual((await readdir(dir)).sort(), ['ca.crt', 'ca.key', 'h1.key'])

  await writeFile(join(dir, 'h1.key'), 'old', { mode: 0o644 })
  await ok(['server', '--dir', dir, '--name', 'h1', '--force'])
  assert.notEqual(await readFile(join(dir, 'h1.key'), 'utf8'), 'old')
  await assertKeyMatches(dir, 'h1')
  await openssl(['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'h1.crt')])
  assert.deepEqual((await readdir(dir)).sort(), ['ca.crt', 'ca.key', 'h1.crt', 'h1.key'], 'no temporary files left')
})

test('cert: without a CA in DIR, server and client say how to make one; ca makes DIR but not its parents', { skip }, async (t) => {
  const dir = await tempDir(t)
  for (const kind of ['server', 'client']) {
    const r = await stele([kind, '--dir', dir, '--name', 'h1'])
    assert.equal(r.code, 1)
    assert.equal(r.stderr, `stele cert ${kind}: no CA in ${dir}: run \`stele cert ca --dir ${dir}\` first\n`)
  }
  await ok(['ca', '--dir', dir])
  await rm(join(dir, 'ca.key'))
  const r = await stele(['client', '--dir', dir, '--name', 'h1'])
  assert.equal(r.stderr, `stele cert client: no CA in ${dir} (${join(dir, 'ca.key')} is missing): run \`stele cert ca --dir ${dir}\` first\n`)
  assert.deepEqual((await readdir(dir)).sort(), ['ca.crt'])
  const deep = await stele(['ca', '--dir', join(dir, 'a', 'b')])
  assert.equal(deep.code, 1)
  assert.equal(deep.stderr, `stele cert ca: cannot create directory "${join(dir, 'a', 'b')}": its parent directory does not exist\n`)
})

test('cert: file names from --name stay inside DIR; the CN keeps the name', { skip }, async (t) => {
  const dir = await tempDir(t)
  await ok(['ca', '--dir', dir])
  const out = await ok(['client', '--dir', dir, '--name', '../../x/.. y'])
  assert.deepEqual((await readdir(dir)).sort(), ['____x___y.crt', '____x___y.key', 'ca.crt', 'ca.key'].sort())
  assert.match(out, /____x___y\.crt: CN=\.\.\/\.\.\/x\/\.\. y, valid until/)
  const clientText = await text(join(dir, '____x___y.crt'))
  assert.doesNotMatch(clientText, /Subject Alternative Name/, 'not a DNS name: no SAN')
  await ok(['server', '--dir', dir, '--name', '*.example.org'])
  assert.match(extension(await text(join(dir, '_.example.org.crt')), 'Subject Alternative Name'), /^DNS:\*\.example\.org$/)
  const ca = await stele(['client', '--dir', dir, '--name', 'ca'])
  assert.equal(ca.code, 2, 'a certificate named ca would replace the CA')
})

test('fileStem: no separators, no "..", no leading dot', () => {
  assert.equal(fileStem('host-1.example.org'), 'host-1.example.org')
  assert.equal(fileStem('../etc/passwd'), '__etc_passwd')
  assert.equal(fileStem('a/../b'), 'a___b')
  assert.equal(fileStem('.hidden'), '_hidden')
  assert.equal(fileStem('-rf'), '_rf')
  assert.equal(fileStem('a\\b:c'), 'a_b_c')
  assert.equal(fileStem('user@example.org'), 'user@example.org')
})

test('cert: usage errors exit 2 with the reason', { skip }, async (t) => {
  const dir = await tempDir(t)
  const cases: Array<[string[], string]> = [
    [['server', '--dir', dir], 'stele cert server: --name HOST is required'],
    [['client', '--dir', dir, '--name', 'a', '--name', 'b'], 'stele cert client: one --name only'],
    [['server', '--dir', dir, '--name', 'bad_host'], 'stele cert server: --name "bad_host" is neither a DNS name'],
    [['server', '--dir', dir, '--name', 'h', '--ip', '300.1.1.1'], 'stele cert server: --ip "300.1.1.1" is not an IP address'],
    [['ca', '--dir', dir, '--days', '0'], 'stele cert ca: --days "0": a whole number of days'],
    [['ca', '--dir', dir, '--key-type', 'dsa'], 'stele cert ca: --key-type "dsa": ec or rsa'],
    [['ca', '--dir', dir, '--bogus'], 'stele cert ca: Unknown option \'--bogus\''],
    [['sign'], 'stele cert: unknown subcommand "sign"'],
    [['fingerprint'], 'stele cert fingerprint: name a certificate FILE']
  ]
  for (const [args, message] of cases) {
    const r = await stele(args)
    assert.equal(r.code, 2, args.join(' '))
    assert.ok(r.stderr.startsWith(message), `${args.join(' ')}: ${r.stderr}`)
  }
  assert.deepEqual(await readdir(dir), [], 'nothing written')
  const help = await stele(['--help'])
  assert.equal(help.code, 0)
  assert.match(help.stdout, /^Usage: stele cert ca/)
})

test('cert: fingerprint prints the subject and RFC 5425 sha1 and sha256 fingerprints, as openssl computes them', { skip }, async (t) => {
  const dir = await setup(t)
  const expected = async (stem: string, subject: string): Promise<string> => {
    const file = join(dir, `${stem}.crt`)
    // openssl prints "sha256 Fingerprint=AB:CD:..." (older versions "SHA256 Fingerprint=").
    const digest = async (alg: string): Promise<string> =>
      `${alg}:${(await openssl(['x509', '-in', file, '-noout', '-fingerprint', `-${alg}`])).replace(/^.*=/, '').trim().toUpperCase()}`
    return `subject: ${subject}\n${await digest('sha1')}\n${await digest('sha256')}\n`
  }
  const server = await ok(['fingerprint', join(dir, 'localhost.crt')])
  assert.equal(server, await expected('localhost', 'CN=localhost'))
  assert.match(server, /^subject: .*\nsha1:([0-9A-F]{2}:){19}[0-9A-F]{2}\nsha256:([0-9A-F]{2}:){31}[0-9A-F]{2}\n$/)
  // A chain file: every certificate in it; DER is read too.
  await writeFile(join(dir, 'chain.pem'), (await readFile(join(dir, 'localhost.crt'), 'utf8')) + (await readFile(join(dir, 'ca.crt'), 'utf8')))
  await openssl(['x509', '-in', join(dir, 'ca.crt'), '-outform', 'DER', '-out', join(dir, 'ca.der')])
  assert.equal(await ok(['fingerprint', join(dir, 'chain.pem'), join(dir, 'ca.der')]),
    [server, await expected('ca', 'CN=stele CA'), await expected('ca', 'CN=stele CA')].join('\n'))
  const notCert = await stele(['fingerprint', join(dir, 'ca.key')])
  assert.equal(notCert.code, 1)
  assert.match(notCert.stderr, /^stele cert fingerprint: ".*ca\.key": no certificate read/)
})

interface Server {
  port: number
  stdout: () => string
  stderr: () => string
  /** Resolves once s_server has printed `text` on stdout; rejects if it exits first. */
  printed: (text: string) => Promise<void>
  /** s_server has exited and its output is all read. */
  exited: Promise<unknown>
}

/** openssl s_server requiring a client certificate from the CA (-Verify, -verify_return_error), on a free loopback port. */
async function startSServer (t: TestContext, dir: string, stem: string): Promise<Server> {
  const child = spawn('openssl', ['s_server', '-accept', '127.0.0.1:0', '-naccept', '1',
    '-cert', join(dir, `${stem}.crt`), '-key', join(dir, `${stem}.key`), '-CAfile', join(dir, 'ca.crt'),
    '-Verify', '1', '-verify_return_error'], { stdio: ['pipe', 'pipe', 'pipe'] })
  // 'close': exited, and stdout and stderr read to the end.
  const exited = once(child, 'close')
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill()
    await exited
  })
  let stdout = ''
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  const printed = async (text: string): Promise<void> => {
    while (!stdout.includes(text)) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`openssl s_server exited before printing ${JSON.stringify(text)}: ${stderr}`)
      await Promise.race([once(child.stdout, 'data'), exited])
    }
  }
  // OpenSSL 3 prints the port it bound for port 0: "ACCEPT 127.0.0.1:41507".
  await printed('ACCEPT ')
  await printed('\n')
  const port = Number(/^ACCEPT .*:(\d+)$/m.exec(stdout)?.[1])
  assert.ok(port > 0, `openssl s_server printed its port: ${stdout}`)
  return { port, stdout: () => stdout, stderr: () => stderr, printed, exited }
}

async function connect (t: TestContext, port: number, dir: string, clientDir: string, client: string): Promise<tls.TLSSocket> {
  const socket = tls.connect({
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    ca: await readFile(join(dir, 'ca.crt')),
    cert: await readFile(join(clientDir, `${client}.crt`)),
    key: await readFile(join(clientDir, `${client}.key`))
  })
  t.after(() => socket.destroy())
  return socket
}

test('cert: mutual TLS between openssl s_server and Node tls.connect with the generated files', { skip, timeout: 30_000 }, async (t) => {
  const dir = await setup(t)
  const server = await startSServer(t, dir, 'localhost')
  const socket = await connect(t, server.port, dir, dir, 'app1.example.org')
  await once(socket, 'secureConnect') // rejects on the socket's 'error'
  assert.equal(socket.authorized, true, String(socket.authorizationError))
  assert.equal(socket.getPeerCertificate().subject.CN, 'localhost')
  // s_server echoes what it receives once the handshake, client certificate included, is
  // accepted (in TLS 1.3 the server checks it after the client already saw secureConnect).
  socket.write('hello from node\n')
  await server.printed('hello from node\n')
  socket.end()
  await once(socket, 'close')
  await server.exited // -naccept 1: s_server ends with the connection
  assert.match(server.stderr(), /depth=0 CN ?= ?app1\.example\.org\nverify return:1/)
})

test('cert: s_server refuses a client certificate from another CA', { skip, timeout: 30_000 }, async (t) => {
  const dir = await setup(t)
  const other = await tempDir(t)
  await ok(['ca', '--dir', other, '--name', 'other CA'])
  await ok(['client', '--dir', other, '--name', 'mallory'])
  const server = await startSServer(t, dir, 'localhost')
  const socket = await connect(t, server.port, dir, other, 'mallory')
  const err = await new Promise<NodeJS.ErrnoException>((resolve, reject) => {
    socket.on('error', resolve)
    socket.on('close', () => reject(new Error('closed without an error')))
  })
  assert.equal(err.code, 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA')
  await server.exited
  assert.doesNotMatch(server.stdout(), /hello/)
  assert.match(server.stderr(), /depth=0 CN ?= ?mallory\nverify error/)
})
