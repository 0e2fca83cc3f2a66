import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { NotAFifoError } from '../../src/errors.js'
import { formatMessage } from '../../src/message/format.js'
import { FileOutput } from '../../src/outputs/file.js'
import { PipeOutput } from '../../src/outputs/pipe.js'
import { assertBalanced, fileAction, message, messageNumbers, pipeAction, range, tempDir, testContext, waitFor } from './helpers.js'

const RECORD_BYTES = formatMessage(message(10), 'iso').length

async function fifo (t: TestContext): Promise<string> {
  const path = join(await tempDir(t, 'stele-pipe-'), 'fifo')
  execFileSync('mkfifo', [path])
  return path
}

/** A reader in this process that reads only when told to (O_NONBLOCK, so reads never block). */
class FifoReader {
  readonly fd: number
  readonly chunks: Buffer[] = []
  #buf = Buffer.alloc(64 * 1024)

  constructor (path: string) {
    this.fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
  }

  /** Reads what the pipe holds now; returns the bytes read. */
  readAvailable (): number {
    let total = 0
    for (;;) {
      let n: number
      try {
        n = readSync(this.fd, this.#buf, 0, this.#buf.length, null)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return total
        throw err
      }
      if (n === 0) return total
      this.chunks.push(Buffer.from(this.#buf.subarray(0, n)))
      total += n
    }
  }

  get text (): string { return Buffer.concat(this.chunks).toString('utf8') }

  close (): void { closeSync(this.fd) }
}

test('pipe: with no reader, start() succeeds, the buffer fills and the rest is dropped; a reader then gets it all', async (t) => {
  const path = await fifo(t)
  const ctx = testContext()
  const bufferBytes = RECORD_BYTES * 10
  const output = new PipeOutput(pipeAction(path, { bufferBytes }), ctx, { openRetryMs: 20 })
  t.after(async () => { await output.stop() })
  await output.start()
  assert.equal(output.connected, false)
  assert.match(await ctx.log.next(/no reader/), /pipe .*fifo: no reader; buffering up to \d+ bytes/)
  for (let n = 10; n < 60; n++) assert.equal(output.write(message(n)), true)
  assert.equal(output.bufferedBytes, bufferBytes)
  assert.equal(output.counters.dropped['pipe-full'], 40)
  // `cat` opening the FIFO counts as a reader while it waits for a writer.
  const cat = spawn('cat', [path], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.after(() => { cat.kill() })
  let received = ''
  cat.stdout.setEncoding('utf8').on('data', (chunk: string) => { received += chunk })
  await output.flush()
  assert.equal(output.counters.written, 10)
  assert.equal(await ctx.log.next(/pipe full/), `pipe ${path}: dropped 40 messages: pipe full`)
  await output.stop() // closes the FIFO: cat sees end of file
  await once(cat, 'close')
  assert.deepEqual(messageNumbers(received), range(10, 20))
  assertBalanced(output.counters)
})

test('pipe: a reader that stops reading never stalls the event loop or a file output; drops are reported when it drains', async (t) => {
  const path = await fifo(t)
  const dir = await tempDir(t)
  const ctx = testContext()
  const reader = new FifoReader(path)
  t.after(() => { reader.close() })
  const pipe = new PipeOutput(pipeAction(path, { bufferBytes: 16 * 1024 }), ctx, { pollMaxMs: 10 })
  const file = new FileOutput(fileAction(join(dir, 'messages')), ctx)
  t.after(async () => { await pipe.stop(); await file.stop() })
  await pipe.start()
  await file.start()
  assert.equal(pipe.connected, true)
  // Fill the pipe to the brim from another writer, as a reader that stopped reading leaves it.
  const filler = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK)
  const line = Buffer.from('filler\n')
  for (;;) {
    try { writeSync(filler, line) } catch (err) { if ((err as NodeJS.ErrnoException).code === 'EAGAIN') break; throw err }
  }
  closeSync(filler)
  const total = 4000
  let ticks = 0
  const ticker = setInterval(() => { ticks++ }, 1)
  t.after(() => { clearInterval(ticker) })
  for (let n = 0; n < total; n++) {
    pipe.write(message(n))
    file.write(message(n))
  }
  await file.flush()
  const ticksBefore = ticks
  await waitFor(() => ticks >= ticksBefore + 20, { what: 'timers firing while the pipe is full' })
  assert.equal(pipe.counters.written, 0, 'the pipe is full')
  assert.equal(file.counters.written, total)
  // Exactly the records that fit in the 16 KiB buffer are kept (the oldest), the rest dropped.
  let buffered = 0
  let bufferedBytes = 0
  while (bufferedBytes + formatMessage(message(buffered), 'iso').length <= 16 * 1024) bufferedBytes += formatMessage(message(buffered++), 'iso').length
  assert.equal(pipe.bufferedBytes, bufferedBytes)
  assert.equal(pipe.counters.dropped['pipe-full'], total - buffered)
  // The reader catches up: everything buffered arrives, whole records in order, and the drops are reported.
  const flushed = pipe.flush()
  await waitFor(() => { reader.readAvailable(); return pipe.bufferedBytes === 0 })
  await flushed
  reader.readAvailable()
  assert.equal(await ctx.log.next(/pipe full/), `pipe ${path}: dropped ${total - buffered} messages: pipe full`)
  const lines = reader.text.split('\n').filter((l) => l !== 'filler')
  assert.equal(lines.pop(), '')
  for (const l of lines) assert.match(l, /^2026-03-07T09:30:00\.000Z host1 app\[42\]: message \d+$/)
  assert.deepEqual(messageNumbers(lines.join('\n')), range(0, buffered))
  // And it keeps working.
  pipe.write(message(total))
  await pipe.flush()
  reader.readAvailable()
  assert.equal(messageNumbers(reader.text).at(-1), total)
  assertBalanced(pipe.counters)
  assertBalanced(file.counters)
})

test('pipe: the reader going away (EPIPE) is logged, nothing crashes, and a new reader gets later messages', async (t) => {
  const path = await fifo(t)
  const ctx = testContext()
  let reader = new FifoReader(path)
  const output = new PipeOutput(pipeAction(path), ctx, { openRetryMs: 20 })
  t.after(async () => { await output.stop(); reader.close() })
  await output.start()
  for (let n = 0; n < 100; n++) output.write(message(n))
  await output.flush()
  reader.readAvailable()
  assert.deepEqual(messageNumbers(reader.text), range(0, 100))
  reader.close()
  for (let n = 100; n < 200; n++) output.write(message(n))
  assert.match(await ctx.log.next(/reader went away/), /pipe .*: reader went away \(EPIPE\); buffering/)
  assert.equal(output.connected, false)
  assert.equal(output.counters.errors, 1)
  reader = new FifoReader(path)
  await output.flush()
  reader.readAvailable()
  assert.deepEqual(messageNumbers(reader.text), range(100, 200))
  assert.equal(output.counters.written, 200)
  assertBalanced(output.counters)
})

test('pipe: a path that is not a FIFO is refused with NotAFifoError and its messages are counted', async (t) => {
  const dir = await tempDir(t)
  const path = join(dir, 'regular')
  await writeFile(path, '')
  const output = new PipeOutput(pipeAction(path), testContext(), { openRetryMs: 20 })
  t.after(async () => { await output.stop() })
  await assert.rejects(output.start(), (err: unknown) => err instanceof NotAFifoError && /regular file, not a FIFO/.test(err.message))
  for (let n = 0; n < 5; n++) output.write(message(n))
  await output.flush()
  assert.equal(output.counters.dropped['write-error'], 5)
  assert.equal(await readFile(path, 'utf8'), '')
  assertBalanced(output.counters)
})

test('pipe: reopen() reconnects to a waiting reader at once', async (t) => {
  const path = await fifo(t)
  const ctx = testContext()
  const output = new PipeOutput(pipeAction(path), ctx, { openRetryMs: 60_000 })
  let reader: FifoReader | null = null
  t.after(async () => { await output.stop(); reader?.close() })
  await output.start()
  output.write(message(1))
  reader = new FifoReader(path)
  await output.reopen() // without it, the next try would be a minute away
  assert.equal(output.connected, true)
  await output.flush()
  reader.readAvailable()
  assert.deepEqual(messageNumbers(reader.text), [1])
  assertBalanced(output.counters)
})

test('pipe: stop() gives a reader-less pipe a grace period, then counts what is left as shutdown', async (t) => {
  const path = await fifo(t)
  const ctx = testContext()
  const output = new PipeOutput(pipeAction(path), ctx, { stopGraceMs: 20 })
  await output.start()
  for (let n = 0; n < 3; n++) output.write(message(n))
  await output.stop()
  assert.equal(output.counters.dropped.shutdown, 3)
  assert.match(await ctx.log.next(/shutdown/), /dropped 3 messages at shutdown/)
  assertBalanced(output.counters)
  t.after(() => { output.destroy() })
})
