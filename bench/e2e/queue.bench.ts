// `npm run bench:queue`: what the disk queue costs end to end. COUNT (default 500,000) RFC 3164
// lines of about 200 bytes go over ONE TCP connection into stele (`stele run -f CONF`), which
// forwards them over TCP (framing=lf) to a receiver in this process that counts lines. Two
// configurations, alternating run by run, each with a fresh daemon and ports:
//   disk     local0.*  @tcp://127.0.0.1:PORT framing=lf queue=disk fsync=batch queue_dir=DIR/q
//   memory   local0.*  @tcp://127.0.0.1:PORT framing=lf buffer=8m   (the forward before issue 5)
// A run's clock starts at the sender's first write and stops when the receiver has counted every
// line. It prints msgs/s per run, the medians, and disk/memory (the target: >= 0.5).
// After each run the receiver checks that it got exactly COUNT lines, and the first and last.
//
// Flags: --count N, --runs N, --json

import net from 'node:net'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '500000' },
    runs: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false }
  }
})
const COUNT = Math.max(1000, Math.floor(Number(args.count)))
const RUNS = Math.max(1, Math.floor(Number(args.runs)))
const STELE_JS = join(resolve(dirname(fileURLToPath(import.meta.url)), '../../..'), 'dist/src/cli/stele.js')
const TIMEOUT_MS = 300_000

type Mode = 'disk' | 'memory'
const QUEUE_OPTIONS: Record<Mode, string> = {
  disk: 'queue=disk fsync=batch queue_dir=DIR/q',
  memory: 'buffer=8m'
}

function makeLoad (count: number): Buffer {
  const parts: Buffer[] = []
  const pad = 'p'.repeat(150)
  for (let n = 1; n <= count; n++) parts.push(Buffer.from(`<134>Nov 22 10:00:00 benchhost app[42]: seq ${String(n).padStart(8, '0')} ${pad}\n`))
  return Buffer.concat(parts)
}

/** A TCP server that counts LF-terminated lines and resolves when `count` have arrived. */
async function startReceiver (count: number): Promise<{ port: number, done: Promise<{ lines: number, first: string, last: string }>, close: () => void }> {
  let lines = 0
  let first = ''
  let tail: Buffer = Buffer.alloc(0)
  let resolveDone: (v: { lines: number, first: string, last: string }) => void = () => {}
  const done = new Promise<{ lines: number, first: string, last: string }>((resolve) => { resolveDone = resolve })
  const server = net.createServer((socket) => {
    socket.on('error', () => {})
    socket.on('data', (chunk: Buffer) => {
      if (first === '') first = chunk.subarray(0, chunk.indexOf(0x0a)).toString()
      for (let at = chunk.indexOf(0x0a); at >= 0; at = chunk.indexOf(0x0a, at + 1)) lines++
      tail = chunk.subarray(Math.max(0, chunk.length - 400))
      if (lines >= count) {
        const text = tail.toString()
        resolveDone({ lines, first, last: text.slice(text.lastIndexOf('\n', text.length - 2) + 1).trim() })
      }
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { port: (server.address() as net.AddressInfo).port, done, close: () => { server.close() } }
}

async function startStele (dir: string, receiverPort: number, mode: Mode): Promise<{ child: ChildProcess, port: number }> {
  const conf = join(dir, 'stele.conf')
  writeFileSync(conf, `repeat_suppression=off\nmark_interval=0\ncontrol_socket=${dir}/stele.ctl\nlisten tcp://127.0.0.1:0\n` +
    `local0.*  @tcp://127.0.0.1:${receiverPort} framing=lf ${QUEUE_OPTIONS[mode].replace('DIR', dir)}\n`)
  const child = spawn(process.execPath, [STELE_JS, 'run', '-f', conf], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`stele exited with ${code}`)))
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      const m = /listening on tcp:\/\/127\.0\.0\.1:0 \(127\.0\.0\.1:(\d+)\)/.exec(out)
      if (m !== null) resolve(Number(m[1]))
    })
  })
  return { child, port }
}

async function runOnce (mode: Mode, load: Buffer): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), `stele-qbench-${mode}-`))
  const receiver = await startReceiver(COUNT)
  const stele = await startStele(dir, receiver.port, mode)
  try {
    const socket = net.connect(stele.port, '127.0.0.1')
    await once(socket, 'connect')
    const start = performance.now()
    const CHUNK = 1024 * 1024
    for (let at = 0; at < load.length; at += CHUNK) {
      if (!socket.write(load.subarray(at, at + CHUNK))) await once(socket, 'drain')
    }
    socket.end()
    let timer: NodeJS.Timeout | undefined
    const result = await Promise.race([receiver.done, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${mode}: timed out`)), TIMEOUT_MS) })])
    clearTimeout(timer)
    const seconds = (performance.now() - start) / 1000
    if (result.lines !== COUNT || !result.first.includes('seq 00000001') || !result.last.includes(`seq ${String(COUNT).padStart(8, '0')}`)) {
      throw new Error(`${mode}: receiver got ${result.lines} lines, first "${result.first.slice(0, 60)}", last "${result.last.slice(0, 60)}"`)
    }
    return COUNT / seconds
  } finally {
    stele.child.kill('SIGTERM')
    await once(stele.child, 'exit')
    receiver.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const load = makeLoad(COUNT)
const rates: Record<Mode, number[]> = { disk: [], memory: [] }
for (let run = 1; run <= RUNS; run++) {
  const order: Mode[] = run % 2 === 1 ? ['memory', 'disk'] : ['disk', 'memory']
  for (const mode of order) {
    const rate = await runOnce(mode, load)
    rates[mode].push(rate)
    if (args.json !== true) process.stdout.write(`run ${run} ${mode.padEnd(6)} ${Math.round(rate).toLocaleString('en')} msgs/s\n`)
  }
}
const disk = median(rates.disk)
const memory = median(rates.memory)
const ratios = rates.disk.map((rate, i) => rate / rates.memory[i]!)
if (args.json === true) {
  process.stdout.write(`${JSON.stringify({ count: COUNT, runs: RUNS, rates, medians: { disk, memory }, ratio: median(ratios) })}\n`)
} else {
  process.stdout.write(`\n${COUNT.toLocaleString('en')} messages, ${RUNS} runs, medians:\n`)
  process.stdout.write(`  memory queue (buffer=8m)          ${Math.round(memory).toLocaleString('en')} msgs/s\n`)
  process.stdout.write(`  disk queue (fsync=batch)          ${Math.round(disk).toLocaleString('en')} msgs/s\n`)
  process.stdout.write(`  disk / memory                     ${median(ratios).toFixed(2)} (ratio of medians ${(disk / memory).toFixed(2)}; target >= 0.5)\n`)
}
