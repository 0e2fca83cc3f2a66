// Runs the real `stele` executable as a user would: bytes in on stdin, records out on stdout.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const STELE = fileURLToPath(new URL('../../src/cli/stele.js', import.meta.url))
const FIXTURES = new URL('../../../test/fixtures/wire/', import.meta.url)

async function stele (args: string[], input: Buffer | string = ''): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, [STELE, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TZ: 'UTC' } })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  child.stdin.end(input)
  const [code] = await once(child, 'close') as [number | null]
  return { code, stdout, stderr }
}

test('cli: --version and --help', async () => {
  const version = await stele(['--version'])
  assert.equal(version.code, 0)
  assert.equal(version.stdout.trim(), JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version)
  const help = await stele(['--help'])
  assert.equal(help.code, 0)
  assert.match(help.stdout, /Usage: stele COMMAND/)
  assert.match((await stele(['parse', '--help'])).stdout, /Usage: stele parse/)
})

test('cli: unknown command and bad options are usage errors (exit 2)', async () => {
  const unknown = await stele(['frobnicate'])
  assert.equal(unknown.code, 2)
  assert.match(unknown.stderr, /unknown command "frobnicate"/)
  const badFormat = await stele(['parse', '--format', 'xml'])
  assert.equal(badFormat.code, 2)
  assert.match(badFormat.stderr, /--format "xml" is not one of/)
  const badOption = await stele(['parse', '--no-such-option'])
  assert.equal(badOption.code, 2)
})

test('cli: parse reads an octet-counted logger capture and prints iso lines', async () => {
  const result = await stele(['parse', '-o', 'iso'], readFileSync(new URL('logger-tcp-octet-count-rfc5424-3msgs.bin', FIXTURES)))
  assert.equal(result.code, 0)
  assert.deepEqual(result.stdout.split('\n'), [
    '2026-11-22T18:17:25.957Z vm myapp[4838]: [timeQuality tzKnown="1" isSynced="0"] first',
    '2026-11-22T18:17:25.957Z vm myapp[4838]: [timeQuality tzKnown="1" isSynced="0"] second message',
    '2026-11-22T18:17:25.957Z vm myapp[4838]: [timeQuality tzKnown="1" isSynced="0"] third grüße',
    ''
  ])
})

test('cli: parse --local --framing nul reads glibc stream bytes; newlines in a message stay escaped on one line', async () => {
  const result = await stele(['parse', '--local', '--framing', 'nul', '-o', 'traditional'], readFileSync(new URL('glibc-stream-nul-3msgs.bin', FIXTURES)))
  assert.equal(result.code, 0)
  assert.deepEqual(result.stdout.split('\n'), [
    'Nov 22 18:16:52 - myapp[3280]: disk 91% full',
    'Nov 22 18:16:52 - myapp[3280]: second message, daemon.err',
    'Nov 22 18:16:52 - myapp[3280]: line one#012line two#011col2 grüße ✓',
    ''
  ])
})

test('cli: parse --strict --problems reports violations on stderr and exits 1', async () => {
  const result = await stele(['parse', '--strict', '--problems', '-o', 'json'], '<13>Nov 22 10:00:00 app[1]: no host\n<34>Oct 11 22:14:15 mymachine su: fine\n')
  assert.equal(result.code, 1)
  assert.match(result.stderr, /message 1: no-hostname at byte 20/)
  const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line))
  assert.equal(lines.length, 2, 'malformed messages are printed too, never dropped')
  assert.equal(lines[1].hostname, 'mymachine')
})

test('cli: parse truncates oversize messages to --max-size and says so', async () => {
  const result = await stele(['parse', '--max-size', '40', '--problems', '-o', 'raw'], `<13>Nov 22 10:00:00 h app: ${'x'.repeat(100)}\n<13>Nov 22 10:00:00 h app: short\n`)
  assert.equal(result.code, 0)
  assert.deepEqual(result.stdout.split('\n'), [`<13>Nov 22 10:00:00 h app: ${'x'.repeat(13)}`, '<13>Nov 22 10:00:00 h app: short', ''])
  assert.match(result.stderr, /truncated to 40 bytes/)
})
