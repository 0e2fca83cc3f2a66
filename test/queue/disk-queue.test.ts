import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { crc32c } from '../../src/queue/crc32c.js'
import { DiskRecordQueue } from '../../src/queue/disk-queue.js'
import { inspectQueue, isDamaged } from '../../src/queue/inspect.js'
import { nodeQueueFs } from '../../src/queue/queue-fs.js'
import { RECORD_HEADER_BYTES } from '../../src/queue/segment.js'
import { expected, FaultyQueueFs, LogLines, openQueue, record, take, tempDir } from './helpers.js'

test('crc32c: the iSCSI check value and chained updates', () => {
  const data = Buffer.from('123456789')
  assert.equal(crc32c(data), 0xe3069283)
  assert.equal(crc32c(data, 4, 9, crc32c(data, 0, 4)), 0xe3069283)
  assert.equal(crc32c(Buffer.alloc(32)), 0x8a9136aa) // RFC 3720 §B.4: 32 bytes of zeros
})

test('disk-queue: append, read and ack across segment rollover', async (t) => {
  const dir = await tempDir(t)
  const queue = await openQueue(dir)
  for (let n = 1; n <= 500; n++) assert.equal(queue.push(record(n)), true)
  await queue.committed()
  assert.equal(queue.length, 500)
  assert.ok(queue.stats.segments > 10, `1 KiB segments: ${queue.stats.segments}`)
  // One write per segment the turn's records fill, not one per record.
  assert.ok(queue.stats.appends <= queue.stats.segments + 1, `appended in batches (${queue.stats.appends} appends, ${queue.stats.segments} segments)`)
  assert.deepEqual(await take(queue, 250), expected(1, 250))
  // More records while half is still waiting: they come after, in order.
  for (let n = 501; n <= 600; n++) queue.push(record(n))
  assert.deepEqual(await take(queue, 350), expected(251, 600))
  assert.equal(queue.length, 0)
  assert.equal(queue.bytes, 0)
  await queue.close()
  const left = (await readdir(dir)).filter((name) => name.endsWith('.seg'))
  assert.ok(left.length <= 1, `delivered segments are removed (left: ${left.join(', ')})`)
  const report = await inspectQueue(nodeQueueFs, dir)
  assert.equal(report.depth, 0)
  assert.equal(report.nextSeq, 601)
})

test('disk-queue: a backlog larger than the memory window is read back from disk, in order', async (t) => {
  const dir = await tempDir(t)
  const queue = await openQueue(dir, { windowBytes: 4096 })
  for (let n = 1; n <= 2000; n++) queue.push(record(n))
  await queue.committed()
  assert.deepEqual(await take(queue, 2000), expected(1, 2000))
  await queue.close()
})

test('disk-queue: after close and reopen the backlog comes first, in order, then new records', async (t) => {
  const dir = await tempDir(t)
  const first = await openQueue(dir)
  for (let n = 1; n <= 300; n++) first.push(record(n))
  assert.deepEqual(await take(first, 100), expected(1, 100))
  await first.close()
  const log = new LogLines()
  const second = await openQueue(dir, { log })
  assert.equal(second.length, 200)
  assert.ok(log.lines.some((line) => /200 messages .* waiting from an earlier run/.test(line)), log.lines.join('\n'))
  for (let n = 301; n <= 350; n++) second.push(record(n))
  assert.deepEqual(await take(second, 250), expected(101, 350))
  await second.close()
})

test('disk-queue: a directory locked by another live process is refused', async (t) => {
  const dir = await tempDir(t)
  await writeFile(join(dir, 'lock'), `${process.ppid}\n`)
  await assert.rejects(openQueue(dir), (err: Error & { code?: string }) => err.code === 'STELE_QUEUE_OPEN' && err.message.includes(`in use by process ${process.ppid}`))
  // A lock left by a process that is gone (kill -9) is taken over.
  await writeFile(join(dir, 'lock'), '2147483646\n')
  await (await openQueue(dir)).close()
})

test('disk-queue: a reload\'s new queue on the same directory waits for the old one; what it took meanwhile comes after the backlog', async (t) => {
  const dir = await tempDir(t)
  const old = await openQueue(dir)
  for (let n = 1; n <= 20; n++) old.push(record(n))
  const next = new DiskRecordQueue({ dir, maxBytes: 1024 * 1024, segmentBytes: 1024 })
  const opened = next.open()
  for (let n = 21; n <= 25; n++) assert.equal(next.push(record(n)), true, 'taken in memory while opening')
  await old.close()
  await opened
  assert.equal(next.length, 25)
  assert.deepEqual(await take(next, 25), expected(1, 25))
  await next.close()
})

test('disk-queue: torn last record cut at every byte offset; every earlier record intact', async (t) => {
  const base = await tempDir(t)
  const source = join(base, 'source')
  const queue = await openQueue(source, { segmentBytes: 1024 * 1024 })
  for (let n = 1; n <= 5; n++) queue.push(record(n, 40))
  await queue.close()
  const [segment] = (await readdir(source)).filter((name) => name.endsWith('.seg'))
  const size = (await readFile(join(source, segment!))).length
  const lastStart = size - (RECORD_HEADER_BYTES + record(5, 40).length)
  for (let cut = lastStart; cut < size; cut++) {
    const dir = join(base, `cut-${cut}`)
    await cp(source, dir, { recursive: true })
    await truncate(join(dir, segment!), cut)
    const reopened = await openQueue(dir)
    assert.equal(reopened.length, 4, `cut at ${cut}`)
    assert.equal(reopened.stats.torn, cut > lastStart ? 1 : 0, `cut at ${cut}`)
    assert.equal(reopened.stats.quarantined, 0)
    // Appends continue cleanly after the cut.
    reopened.push(record(6, 40))
    await reopened.close()
    const again = await openQueue(dir)
    assert.deepEqual(await take(again, 5), [...expected(1, 4, 40), record(6, 40).toString()], `cut at ${cut}`)
    assert.equal(again.stats.torn, 0)
    await again.close()
    await rm(dir, { recursive: true })
  }
})

test('disk-queue: a flipped byte in a middle record: segment set aside and counted, later segments delivered', async (t) => {
  const dir = await tempDir(t)
  const queue = await openQueue(dir, { segmentBytes: 512 })
  for (let n = 1; n <= 60; n++) queue.push(record(n))
  await queue.close()
  const segments = (await readdir(dir)).filter((name) => name.endsWith('.seg')).sort()
  assert.ok(segments.length >= 3)
  // The second segment's second record: flip a byte of its payload.
  const victim = join(dir, segments[1]!)
  const bytes = await readFile(victim)
  const firstLen = bytes.readUInt32LE(8)
  const secondPayload = 8 + RECORD_HEADER_BYTES + firstLen + RECORD_HEADER_BYTES + 3
  const damagedSeq = Number(segments[1]!.slice(0, 20)) + 1
  bytes[secondPayload]! ^= 0x40
  await writeFile(victim, bytes)

  const before = await inspectQueue(nodeQueueFs, dir)
  assert.equal(isDamaged(before), true)
  const log = new LogLines()
  const reopened = await openQueue(dir, { log })
  assert.equal(reopened.stats.quarantined, 1)
  assert.equal(reopened.stats.lost, 1)
  assert.equal(reopened.length, 59)
  assert.ok(log.lines.some((line) => line.includes(`segment ${segments[1]} is damaged`) && line.includes('1 records known lost')), log.lines.join('\n'))
  const names = await readdir(dir)
  assert.ok(names.some((name) => name.startsWith(`${segments[1]}.corrupt-`)), names.join(' '))
  const want = expected(1, 60).filter((_, i) => i + 1 !== damagedSeq)
  assert.deepEqual(await take(reopened, 59), want)
  await reopened.close()
  // The damaged file stays for the operator; inspect reports it.
  const after = await inspectQueue(nodeQueueFs, dir)
  assert.equal(after.quarantined.length, 1)
  assert.equal(after.depth, 0)
})

test('disk-queue: ledger deleted: everything is delivered again, the replay counted, nothing lost', async (t) => {
  const dir = await tempDir(t)
  const queue = await openQueue(dir, { segmentBytes: 1024 * 1024 })
  for (let n = 1; n <= 50; n++) queue.push(record(n))
  assert.deepEqual(await take(queue, 20), expected(1, 20))
  await queue.close()
  assert.equal((await inspectQueue(nodeQueueFs, dir)).depth, 30)
  await rm(join(dir, 'ledger'))
  const log = new LogLines()
  const reopened = await openQueue(dir, { log })
  assert.equal(reopened.length, 50)
  assert.equal(reopened.stats.replayed, 50)
  assert.ok(log.lines.some((line) => line.includes('the ledger is missing')), log.lines.join('\n'))
  assert.deepEqual(await take(reopened, 50), expected(1, 50))
  await reopened.close()
})

test('disk-queue: a damaged ledger is treated as missing', async (t) => {
  const dir = await tempDir(t)
  const queue = await openQueue(dir)
  for (let n = 1; n <= 10; n++) queue.push(record(n))
  await take(queue, 4)
  await queue.close()
  await writeFile(join(dir, 'ledger'), Buffer.from('garbage that is not a ledger'))
  const reopened = await openQueue(dir)
  assert.equal(reopened.stats.replayed, 10)
  assert.deepEqual(await take(reopened, 10), expected(1, 10))
  await reopened.close()
})

test('disk-queue: ENOSPC on append: refused and counted, no crash, resumes when space returns, nothing committed lost', async (t) => {
  const dir = await tempDir(t)
  const fs = new FaultyQueueFs()
  const log = new LogLines()
  const queue = await openQueue(dir, { fs, log, retryMinMs: 10, retryMaxMs: 20 })
  for (let n = 1; n <= 10; n++) queue.push(record(n))
  await queue.committed()
  fs.writeFault = 'ENOSPC'
  for (let n = 11; n <= 20; n++) queue.push(record(n))
  await queue.committed()
  assert.equal(queue.diskFull, true)
  assert.equal(queue.push(record(21)), false, 'a full disk is a full queue')
  assert.ok(queue.stats.appendErrors >= 1)
  assert.ok(log.lines.some((line) => line.includes('disk full (ENOSPC)')), log.lines.join('\n'))
  const writable = new Promise<void>((resolve) => { queue.onWritable(resolve) })
  fs.writeFault = null
  await writable
  assert.equal(queue.diskFull, false)
  assert.ok(log.lines.some((line) => line.includes('appending again')))
  queue.push(record(21))
  await queue.close()
  // The half-written batch was cut back and appended again: the file holds every record once.
  const reopened = await openQueue(dir)
  assert.equal(reopened.stats.torn, 0)
  assert.deepEqual(await take(reopened, 21), expected(1, 21))
  await reopened.close()
})

test('disk-queue: evict (drop-oldest) skips the records in flight and frees room', async (t) => {
  const dir = await tempDir(t)
  const size = RECORD_HEADER_BYTES + record(1).length
  const queue = await openQueue(dir, { maxBytes: size * 10 + 9 })
  for (let n = 1; n <= 10; n++) assert.equal(queue.push(record(n)), true)
  assert.equal(queue.push(record(11)), false)
  const inFlight: Buffer[] = []
  assert.equal(queue.peek(inFlight, 1 << 20, 2), 2)
  assert.equal(queue.evict(2, record(11).length), 1)
  assert.equal(queue.push(record(11)), true)
  queue.shift(2)
  assert.deepEqual(await take(queue, 8), [...expected(4, 11)])
  await queue.close()
})

test('disk-queue: fsync=always and fsync=interval keep the same records', async (t) => {
  for (const fsync of [{ mode: 'always' as const }, { mode: 'interval' as const, intervalMs: 5 }]) {
    const dir = await tempDir(t)
    const queue = await openQueue(dir, { fsync })
    for (let n = 1; n <= 30; n++) queue.push(record(n))
    await queue.committed()
    if (fsync.mode === 'always') assert.equal(queue.stats.fsyncs, 30, 'one write and fdatasync per record')
    await queue.close()
    const reopened = await openQueue(dir)
    assert.deepEqual(await take(reopened, 30), expected(1, 30))
    await reopened.close()
  }
})
