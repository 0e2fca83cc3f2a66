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
import { open } from 'node:fs/promises'

async function main (): Promise<void> {
  const [portText, file] = process.argv.slice(2)
  if (portText === undefined || file === undefined) throw new Error('usage: tcp-bare-receiver.js PORT FILE')
  const fh = await open(file, 'a')
  // Backpressure as a daemon has it: past PAUSE_BYTES not yet written, the connections stop
  // being read until the write in flight completes (the bytes then wait in the kernel).
  const PAUSE_BYTES = 1024 * 1024
  const sockets = new Set<net.Socket>()
  let batch: Buffer[] = []
  let pending = 0
  let paused = false
  let writing: Promise<void> | null = null
  const flush = (): void => {
    if (writing !== null || batch.length === 0) return
    const parts = batch
    batch = []
    let bytes = 0
    for (const part of parts) bytes += part.length
    writing = fh.writev(parts).then(() => {
      writing = null
      pending -= bytes
      if (paused && pending < PAUSE_BYTES) { paused = false; for (const s of sockets) s.resume() }
      flush()
    })
  }
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('data', (chunk: Buffer) => {
      batch.push(chunk)
      pending += chunk.length
      if (!paused && pending >= PAUSE_BYTES) { paused = true; for (const s of sockets) s.pause() }
      flush()
    })
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(Number(portText), '127.0.0.1', resolve))
  process.once('SIGTERM', () => {
    server.close()
    flush()
    void (async () => {
      while (writing !== null) await writing
      await fh.close()
      process.exit(0)
    })()
  })
}

main().catch((err: Error) => { process.stderr.write(`tcp-bare-receiver: ${err.message}\n`); process.exit(1) })
