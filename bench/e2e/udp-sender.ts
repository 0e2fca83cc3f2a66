// The UDP sender of the benchmark matrix, run as a child process (fork, with an IPC channel) so
// that it has a core of its own:
//
//   node dist/bench/e2e/udp-sender.js LOADFILE PORT COUNT RATE
//
// It reads the first COUNT lines of the LF-framed load into memory and reports { type: 'ready' }.
// On { type: 'go' } it sends each line (without its LF) as one datagram to 127.0.0.1:PORT, at
// RATE datagrams per second (0: as fast as it can): a token bucket refilled from the monotonic
// clock, sent in bursts of at most BURST and yielding to the event loop between bursts, so the
// offered rate is even over the run rather than front-loaded. Then it reports
// { type: 'done', sent, ms, sendErrors } (ms: from 'go' to the last datagram handed to the kernel) and exits.
// The rate actually offered (sent / ms) is what the report shows; a sender that cannot keep up
// with RATE shows it there.

import dgram from 'node:dgram'
import { open } from 'node:fs/promises'
import { MAX_LINE_BYTES } from './load.js'
import { fail, send } from './child-ipc.js'

const BURST = 64

function splitLines (data: Buffer, count: number): Buffer[] {
  const lines: Buffer[] = []
  let start = 0
  while (lines.length < count) {
    const lf = data.indexOf(0x0a, start)
    if (lf < 0) break
    lines.push(data.subarray(start, lf))
    start = lf + 1
  }
  return lines
}

async function main (): Promise<void> {
  const [file, portText, countText, rateText] = process.argv.slice(2)
  if (file === undefined || portText === undefined || countText === undefined || rateText === undefined || process.send === undefined) {
    throw new Error('usage: udp-sender.js LOADFILE PORT COUNT RATE (run with an IPC channel)')
  }
  const port = Number(portText)
  const rate = Number(rateText)
  // Only the first COUNT lines are sent: read just enough of the load for them.
  const count = Number(countText)
  const fh = await open(file, 'r')
  const head = Buffer.allocUnsafe(Math.min((await fh.stat()).size, count * MAX_LINE_BYTES))
  try { await fh.read(head, 0, head.length, 0) } finally { await fh.close() }
  const lines = splitLines(head, count)
  const socket = dgram.createSocket('udp4')
  // A send error (none is expected on loopback: a full socket buffer makes libuv queue, not fail)
  // is counted and reported; the datagram counts as offered and, not arriving, as lost.
  let sendErrors = 0
  socket.on('error', () => { sendErrors++ })
  await new Promise<void>((resolve) => socket.connect(port, '127.0.0.1', resolve))
  send({ type: 'ready', count: lines.length })
  await new Promise<void>((resolve) => {
    process.on('message', (m: { type: string }) => { if (m.type === 'go') resolve() })
  })

  const start = process.hrtime.bigint()
  let sent = 0
  await new Promise<void>((resolve) => {
    const burst = (): void => {
      const elapsedS = Number(process.hrtime.bigint() - start) / 1e9
      const due = rate > 0 ? Math.min(lines.length, Math.floor(elapsedS * rate) + 1) : lines.length
      const until = Math.min(due, sent + BURST)
      while (sent < until) socket.send(lines[sent++]!)
      if (sent >= lines.length) resolve()
      else setImmediate(burst)
    }
    burst()
  })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  socket.close(() => {
    send({ type: 'done', sent, ms, sendErrors })
    process.disconnect()
  })
}

main().catch(fail)
