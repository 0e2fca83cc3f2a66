// The runtime's floor for the stream scenarios, as a reference row of the matrix: a bare Node
// receiver that appends what it reads from its TCP connections to a file, with no framing,
// parsing, routing or formatting, in batches (one writev in flight, the rest collecting), reading no further while 1 MiB waits to be written. Its
// throughput is the ceiling of any daemon written on Node's net and fs here, and its memory is the
// least such a daemon can have: the node executable's pages and V8's heap, with no code of ours.
//
//   node dist/bench/e2e/tcp-bare-receiver.js PORT FILE
//
// It writes nothing else to the file, and exits on SIGTERM once its last write is done.

import net from 'node:net'
import { BareAppender } from './bare-appender.js'

// Backpressure as a daemon has it: past PAUSE_BYTES not yet written, the connections stop being
// read until writes catch up (the bytes then wait in the kernel).
const PAUSE_BYTES = 1024 * 1024

async function main (): Promise<void> {
  const [portText, file] = process.argv.slice(2)
  if (portText === undefined || file === undefined) throw new Error('usage: tcp-bare-receiver.js PORT FILE')
  const sockets = new Set<net.Socket>()
  let paused = false
  const out = await BareAppender.open(file, (pendingBytes) => {
    if (paused && pendingBytes < PAUSE_BYTES) { paused = false; for (const s of sockets) s.resume() }
  })
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('data', (chunk: Buffer) => {
      out.add(chunk)
      if (!paused && out.pendingBytes >= PAUSE_BYTES) { paused = true; for (const s of sockets) s.pause() }
      out.flush()
    })
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(Number(portText), '127.0.0.1', resolve))
  out.exitOnSigterm(() => server.close())
}

main().catch((err: Error) => { process.stderr.write(`tcp-bare-receiver: ${err.message}\n`); process.exit(1) })
