import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtemp, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { FileTemplateError } from '../../src/errors.js'
import { FileOutput } from '../../src/outputs/file.js'
import { FaultyFs } from './fault-fs.js'
import { assertBalanced, feed, fileAction, message, messageNumbers, range, tempDir, testContext, waitFor } from './helpers.js'

async function listFiles (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(dir, join(entry.parentPath, entry.name))).sort()
}

for (const sync of [false, true]) {
  test(`file: 10,000 messages are all in the file, in order, after flush() (sync=${String(sync)})`, async (t) => {
    const dir = await tempDir(t)
    const path = join(dir, 'sub', 'dir', 'messages')
    const fs = new FaultyFs()
    const ctx = testContext()
    const output = new FileOutput(fileAction(path, { sync, mode: 0o600 }), ctx, { fs })
    t.after(async () => { await output.stop() })
    await output.start()
    await feed(output, 0, 10_000)
    await output.flush()
    const text = await readFile(path, 'utf8')
    assert.deepEqual(messageNumbers(text), range(0, 10_000))
    assert.equal(text.split('\n')[0], '2026-03-07T09:30:00.000Z host1 app[42]: message 0')
    assert.equal(output.counters.written, 10_000)
    assertBalanced(output.counters)
    assert.equal((await stat(path)).mode & 0o777, 0o600)
    assert.equal((await stat(join(dir, 'sub'))).mode & 0o777, 0o750)
    // Batched: far fewer writes than messages; fdatasync once per batch with sync only.
    assert.ok(fs.writes < 1000, `${fs.writes} writes`)
    if (sync) assert.equal(fs.datasyncs, fs.writes)
    else assert.equal(fs.datasyncs, 0)
    assert.equal(ctx.log.lines.length, 0, ctx.log.dump())
  })
}

test('file: write() returns false past the high-water mark and onDrain fires once written', async (t) => {
  const dir = await tempDir(t)
  const output = new FileOutput(fileAction(join(dir, 'f')), testContext(), { highWaterMessages: 10 })
  t.after(async () => { await output.stop() })
  await output.start()
  let drains = 0
  const drained = new Promise<void>((resolve) => { output.onDrain(() => { drains++; resolve() }) })
  const results = range(0, 12).map((n) => output.write(message(n)))
  assert.deepEqual(results, [...Array(9).fill(true), false, false, false])
  await drained
  assert.equal(drains, 1)
  await output.flush()
  assert.equal(output.counters.written, 12)
  assertBalanced(output.counters)
})

test('file: templates write one file per host, and hostile values stay inside the base directory', async (t) => {
  const root = await tempDir(t)
  const base = join(root, 'base')
  const output = new FileOutput(fileAction(join(base, '%HOSTNAME%', '%APPNAME%.log')), testContext())
  t.after(async () => { await output.stop() })
  await output.start()
  const hosts = ['web1', 'web2', '../../etc/passwd', 'a/b', '\0', '..', '.', '/abs', 'x\\..\\y']
  let n = 0
  for (let round = 0; round < 3; round++) {
    for (const hostname of hosts) {
      output.write(message(n++, { hostname, appName: round === 2 ? '../up' : 'app' }))
    }
  }
  await output.flush()
  assert.deepEqual(await readdir(root), ['base'])
  const files = await listFiles(base)
  const dirs = ['_._.._etc_passwd', '_.', '_', '_abs', 'a_b', 'web1', 'web2', 'x_.._y']
  assert.deepEqual(files, dirs.flatMap((d) => [`${d}/_._up.log`, `${d}/app.log`]).sort())
  // '\0' and '.' both become '_' (one directory), so that directory got both hosts' messages.
  assert.deepEqual(messageNumbers(await readFile(join(base, 'web2', 'app.log'), 'utf8')), [1, 10])
  assert.deepEqual(messageNumbers(await readFile(join(base, '_', 'app.log'), 'utf8')), [4, 6, 13, 15])
  assert.equal(output.counters.written, n)
  assertBalanced(output.counters)
})

test('file: templates keep at most maxOpenFiles open (LRU) and close idle files', async (t) => {
  const dir = await tempDir(t)
  const fs = new FaultyFs()
  const output = new FileOutput(fileAction(join(dir, '%HOSTNAME%.log')), testContext(), { fs, maxOpenFiles: 2, idleCloseMs: 30 })
  t.after(async () => { await output.stop() })
  await output.start()
  for (let n = 0; n < 500; n++) output.write(message(n, { hostname: `h${n % 5}` }))
  await output.flush()
  for (let h = 0; h < 5; h++) {
    const numbers = messageNumbers(await readFile(join(dir, `h${h}.log`), 'utf8'))
    assert.deepEqual(numbers, range(0, 100).map((i) => i * 5 + h))
  }
  assert.ok(fs.openNow <= 2, `${fs.openNow} open`)
  await waitFor(() => fs.openNow === 0, { what: 'idle files closed' })
  assert.equal(fs.closes, fs.opens)
  assertBalanced(output.counters)
})

test('file: reopen() after the file is renamed away under continuous writes loses and duplicates nothing', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'messages')
  const output = new FileOutput(fileAction(path, { sync: true }), testContext())
  t.after(async () => { await output.stop() })
  await output.start()
  const total = 20_000
  let next = 0
  let rotated = false
  // A writer that keeps going while the file is rotated, as traffic does during logrotate.
  await new Promise<void>((resolve, reject) => {
    const tick = (): void => {
      for (let i = 0; i < 200 && next < total; i++) output.write(message(next++))
      if (!rotated && next >= total / 2) {
        rotated = true
        rename(path, `${path}.1`).then(async () => await output.reopen()).catch(reject)
      }
      if (next < total) setImmediate(tick)
      else resolve()
    }
    tick()
  })
  await output.flush()
  const old = messageNumbers(await readFile(`${path}.1`, 'utf8'))
  const fresh = messageNumbers(await readFile(path, 'utf8'))
  assert.ok(old.length > 0 && fresh.length > 0, `old ${old.length}, new ${fresh.length}`)
  assert.deepEqual([...old, ...fresh], range(0, total))
  assert.equal(output.counters.written, total)
  assertBalanced(output.counters)
})

test('file: ENOSPC (injected) drops counted as disk-full, logs once, resumes and reports the count', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'messages')
  const fs = new FaultyFs()
  const ctx = testContext()
  const output = new FileOutput(fileAction(path), ctx, { fs })
  t.after(async () => { await output.stop() })
  await output.start()
  await feed(output, 0, 10)
  await output.flush()
  fs.fault = { code: 'ENOSPC' }
  for (let n = 10; n < 30; n++) {
    output.write(message(n))
    if (n % 5 === 0) await output.flush() // several batches, each retried
  }
  await output.flush()
  assert.equal(output.counters.dropped['disk-full'], 20)
  assert.ok(fs.failures >= 4, `${fs.failures} failed writes`)
  assert.deepEqual(ctx.log.matching(/disk full/), [`file ${path}: disk full (ENOSPC); dropping messages until space returns`])
  assert.equal(output.counters.errors, 1)
  fs.fault = null
  await feed(output, 30, 35)
  await output.flush()
  assert.equal(await ctx.log.next(/resumed/), `file ${path}: resumed after dropping 20 messages: disk full`)
  assert.deepEqual(messageNumbers(await readFile(path, 'utf8')), [...range(0, 10), ...range(30, 35)])
  assert.equal(output.counters.written, 15)
  assertBalanced(output.counters)
})

test('file: a short write followed by ENOSPC counts whole messages written and never glues lines together', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'messages')
  const fs = new FaultyFs()
  const ctx = testContext()
  const output = new FileOutput(fileAction(path), ctx, { fs })
  t.after(async () => { await output.stop() })
  await output.start()
  const line = Buffer.byteLength('2026-03-07T09:30:00.000Z host1 app[42]: message 0\n')
  // 2.5 records fit, then the disk is full.
  fs.fault = { code: 'ENOSPC', partialBytes: Math.floor(line * 2.5) }
  for (let n = 0; n < 10; n++) output.write(message(n))
  await output.flush()
  assert.equal(output.counters.written, 2)
  assert.equal(output.counters.dropped['disk-full'], 8)
  fs.fault = null
  output.write(message(10))
  await output.flush()
  const lines = (await readFile(path, 'utf8')).split('\n')
  assert.equal(lines.length, 5) // two records, the cut one, message 10, and the final ''
  const record = (n: number): string => `2026-03-07T09:30:00.000Z host1 app[42]: message ${n}`
  assert.deepEqual([lines[0], lines[1]], [record(0), record(1)])
  assert.ok(lines[2]!.length > 0 && lines[2]!.length < record(2).length && record(2).startsWith(lines[2]!), lines[2])
  assert.equal(lines[3], record(10))
  assert.match(await ctx.log.next(/resumed/), /resumed after dropping 8 messages: disk full/)
  assertBalanced(output.counters)
})

test('file: EIO drops the batch as write-error, reopens with back-off, and reports on recovery', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'messages')
  const fs = new FaultyFs()
  const ctx = testContext()
  const output = new FileOutput(fileAction(path), ctx, { fs, retryMinMs: 40, retryMaxMs: 40 })
  t.after(async () => { await output.stop() })
  await output.start()
  fs.fault = { code: 'EIO', times: 1 }
  for (let n = 0; n < 5; n++) output.write(message(n))
  await output.flush()
  assert.equal(output.counters.dropped['write-error'], 5)
  assert.match(await ctx.log.next(/cannot write/), /file .*messages: cannot write \(EIO\); dropping messages, reopening in/)
  assert.equal(fs.closes, 1) // closed after the error
  // Until the back-off has passed, batches are dropped without touching the disk.
  const writesBefore = fs.writes
  output.write(message(5))
  await output.flush()
  assert.equal(fs.writes, writesBefore)
  // After it (40 ms: nothing to await but the clock), the file is opened again and writing resumes.
  const retryAt = Date.now() + 45
  await waitFor(() => Date.now() >= retryAt)
  output.write(message(6))
  await output.flush()
  assert.equal(fs.opens, 2)
  assert.equal(await ctx.log.next(/resumed/), `file ${path}: resumed after dropping 6 messages: write error`)
  assert.deepEqual(messageNumbers(await readFile(path, 'utf8')), [6])
  assert.equal(output.counters.written, 1)
  assertBalanced(output.counters)
})

test('file: an fdatasync failure drops the batch (durability unknown) without breaking lines', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'messages')
  const fs = new FaultyFs()
  const ctx = testContext()
  const output = new FileOutput(fileAction(path, { sync: true }), ctx, { fs, retryMinMs: 0, retryMaxMs: 0 })
  t.after(async () => { await output.stop() })
  await output.start()
  fs.fault = { code: 'EIO', onDatasync: true, times: 1 }
  for (let n = 0; n < 3; n++) output.write(message(n))
  await output.flush()
  assert.equal(output.counters.dropped['write-error'], 3)
  output.write(message(3))
  await output.flush()
  assert.equal(output.counters.written, 1)
  assert.deepEqual(messageNumbers(await readFile(path, 'utf8')), [0, 1, 2, 3])
  assertBalanced(output.counters)
})

test('file: a file that cannot be opened at start rejects with FileOpenError and keeps counting', async (t) => {
  const dir = await tempDir(t)
  const fs = new FaultyFs()
  fs.openFault = 'EACCES'
  const ctx = testContext()
  const output = new FileOutput(fileAction(join(dir, 'f')), ctx, { fs, retryMinMs: 0, retryMaxMs: 0 })
  t.after(async () => { await output.stop() })
  await assert.rejects(output.start(), (err: unknown) => (err as { code?: string }).code === 'STELE_FILE_OPEN' && /EACCES/.test((err as Error).message))
  output.write(message(0))
  await output.flush()
  assert.equal(output.counters.dropped['write-error'], 1)
  fs.openFault = null
  output.write(message(1))
  await output.flush()
  assert.equal(output.counters.written, 1)
  assert.match(await ctx.log.next(/resumed/), /resumed after dropping 1 message: write error/)
  assertBalanced(output.counters)
})

test('file: an unknown template field rejects start() and its messages are counted', async (t) => {
  const dir = await tempDir(t)
  const output = new FileOutput(fileAction(join(dir, '%NOPE%.log')), testContext())
  t.after(async () => { await output.stop() })
  await assert.rejects(output.start(), FileTemplateError)
  output.write(message(0))
  await output.flush()
  assert.equal(output.counters.dropped['write-error'], 1)
  assertBalanced(output.counters)
})

test('file: stop() writes what was accepted, later messages count as shutdown, stop is idempotent', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'f')
  const output = new FileOutput(fileAction(path), testContext())
  await output.start()
  for (let n = 0; n < 100; n++) output.write(message(n))
  await Promise.all([output.stop(), output.stop()])
  output.write(message(100))
  assert.equal(output.counters.dropped.shutdown, 1)
  assert.deepEqual(messageNumbers(await readFile(path, 'utf8')), range(0, 100))
  assertBalanced(output.counters)
  output.destroy()
})

test('file: ENOSPC on a real (tiny tmpfs) file system: survives, counts exactly, resumes when space returns', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to mount a tmpfs (the injected-ENOSPC test covers the logic)')
  const dir = await mkdtemp(join(tmpdir(), 'stele-tmpfs-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' })
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    return t.skip(`cannot mount a tmpfs here: ${(err as Error).message.split('\n')[0]}`)
  }
  const path = join(dir, 'messages')
  const ctx = testContext()
  const output = new FileOutput(fileAction(path), ctx)
  // One hook, in order: close the file, unmount, remove the mount point.
  t.after(async () => {
    await output.stop()
    execFileSync('umount', [dir], { stdio: 'pipe' })
    await rm(dir, { recursive: true, force: true })
  })
  const filler = join(dir, 'filler')
  await writeFile(filler, Buffer.alloc(32 * 1024, 0x66))
  await output.start()
  const body = (n: number): string => `message ${n} ${'x'.repeat(1000)} end`
  const total = 100 // ~100 KB into ~32 KB of free space
  for (let n = 0; n < total; n++) {
    output.write(message(n, { body: body(n) }))
    if (n % 10 === 9) await output.flush()
  }
  await output.flush()
  const written = output.counters.written
  const dropped = output.counters.dropped['disk-full'] ?? 0
  assert.ok(written > 0 && dropped > 0, `written ${written}, dropped ${dropped}`)
  assert.equal(written + dropped, total)
  assert.equal(ctx.log.matching(/disk full/).length, 1, ctx.log.dump())
  const complete = (text: string): number[] => text.split('\n').filter((l) => l.endsWith(' end')).map((l) => messageNumbers(l)[0]!)
  assert.equal(complete(await readFile(path, 'utf8')).length, written)
  // Free space: writing resumes, and the episode's drops are reported.
  await unlink(filler)
  for (let n = total; n < total + 5; n++) output.write(message(n, { body: body(n) }))
  await output.flush()
  assert.equal(await ctx.log.next(/resumed/), `file ${path}: resumed after dropping ${dropped} messages: disk full`)
  const lines = complete(await readFile(path, 'utf8'))
  assert.equal(lines.length, written + 5)
  assert.deepEqual(lines.slice(-5), range(total, total + 5))
  assertBalanced(output.counters)
})
