// `stele queue inspect|verify DIR` as a user runs it: the built CLI in a child process, on queue
// directories written by the real DiskRecordQueue, healthy, with a torn tail, and damaged.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { run, STELE } from '../daemon/harness.js'
import { openQueue, record, tempDir } from '../queue/helpers.js'

async function stele (...args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return await run(process.execPath, [STELE, ...args])
}

test('queue command: inspect shows depth, the oldest record and segments; verify passes a healthy queue', async (t) => {
  const dir = await tempDir(t)
  const queue = await openQueue(dir, { segmentBytes: 512 })
  for (let n = 1; n <= 40; n++) queue.push(record(n))
  await queue.committed()
  queue.shift(0)
  await queue.close()
  const inspect = await stele('queue', 'inspect', dir)
  assert.equal(inspect.code, 0, inspect.stderr)
  assert.match(inspect.stdout, /depth: 40 records, \d+ bytes waiting; next SEQ 41/)
  assert.match(inspect.stdout, /oldest: SEQ 1: record 1 x+/)
  assert.match(inspect.stdout, /segments: [3-9]/)
  assert.match(inspect.stdout, /damage: none/)
  const json = JSON.parse((await stele('queue', 'inspect', '--json', dir)).stdout)
  assert.equal(json.depth, 40)
  assert.equal(json.damaged, false)
  const verify = await stele('queue', 'verify', dir)
  assert.equal(verify.code, 0)
  assert.match(verify.stdout, /40 records checked: ok/)
})

test('queue command: a torn newest tail is reported but is not damage; a flipped byte is (exit 1)', async (t) => {
  const dir = await tempDir(t)
  const queue = await openQueue(dir, { segmentBytes: 512 })
  for (let n = 1; n <= 40; n++) queue.push(record(n))
  await queue.close()
  const segments = (await readdir(dir)).filter((name) => name.endsWith('.seg')).sort()
  const newest = join(dir, segments[segments.length - 1]!)
  await truncate(newest, (await readFile(newest)).length - 5)
  const torn = await stele('queue', 'verify', dir)
  assert.equal(torn.code, 0, torn.stdout)
  assert.match(torn.stdout, /torn: .* from an interrupted append/)
  const victim = join(dir, segments[0]!)
  const bytes = await readFile(victim)
  bytes[40]! ^= 1
  await writeFile(victim, bytes)
  const damaged = await stele('queue', 'verify', dir)
  assert.equal(damaged.code, 1)
  assert.match(damaged.stdout, new RegExp(`damaged: ${segments[0]}: \\d+ bytes at offset 8, 1 records lost`))
  assert.match(damaged.stdout, /DAMAGED/)
  const inspect = await stele('queue', 'inspect', dir)
  assert.equal(inspect.code, 1)
  assert.match(inspect.stdout, /damage: yes/)
})

test('queue command: usage errors and --help', async () => {
  assert.equal((await stele('queue')).code, 2)
  assert.equal((await stele('queue', 'fix', '/tmp')).code, 2)
  assert.equal((await stele('queue', 'inspect', '/nonexistent/stele-queue')).code, 2)
  const help = await stele('queue', '--help')
  assert.equal(help.code, 0)
  assert.match(help.stdout, /stele queue inspect DIR/)
  assert.match((await stele('--help')).stdout, /queue {5}inspect or verify/)
})
