// The sender of the end-to-end benchmark, run as a child process (fork, with an IPC channel) so
// that it has a core of its own and the daemon under test does not share its event loop.
//
//   node dist/bench/e2e/sender.js LOADFILE PORT [CHUNK_BYTES]
//
// It reads the pre-generated load into memory, opens ONE TCP connection to 127.0.0.1:PORT and
// reports { type: 'ready' }. On { type: 'go' } it writes the whole buffer in CHUNK_BYTES slices
// (default 1 MiB, no copies), waiting for 'drain' whenever the socket's buffer is full, so the
// receiver's pace sets the rate; then it ends the connection and reports
// { type: 'done', bytes, ms } (ms: from 'go' to the last byte handed to the kernel), and exits.
// Any error is reported as { type: 'error', message } with exit code 1.

import net from 'node:net'
import { readFile } from 'node:fs/promises'

interface GoMessage { type: 'go' }

function send (message: object): void {
  process.send?.(message)
}

function fail (err: Error): void {
  send({ type: 'error', message: err.message })
  process.exitCode = 1
  setTimeout(() => process.exit(1), 100).unref()
}

async function main (): Promise<void> {
  const [file, portText, chunkText] = process.argv.slice(2)
  if (file === undefined || portText === undefined || process.send === undefined) {
    throw new Error('usage: sender.js LOADFILE PORT [CHUNK_BYTES] (run with an IPC channel)')
  }
  const chunk = Math.max(4096, Number(chunkText ?? 1 << 20))
  const data = await readFile(file)
  const socket = net.connect({ host: '127.0.0.1', port: Number(portText) })
  socket.on('error', fail)
  socket.on('data', () => {}) // a daemon sends nothing; keep the readable side flowing anyway
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  send({ type: 'ready', bytes: data.length })

  await new Promise<void>((resolve) => {
    process.on('message', (m: GoMessage) => { if (m.type === 'go') resolve() })
  })
  const start = process.hrtime.bigint()
  let offset = 0
  while (offset < data.length) {
    const end = Math.min(data.length, offset + chunk)
    const ok = socket.write(data.subarray(offset, end))
    offset = end
    if (!ok && offset < data.length) {
      await new Promise<void>((resolve, reject) => {
        const onClose = (): void => reject(new Error(`connection closed after ${offset} of ${data.length} bytes`))
        socket.once('close', onClose)
        socket.once('drain', () => { socket.off('close', onClose); resolve() })
      })
    }
  }
  socket.end()
  await new Promise<void>((resolve) => socket.once('finish', resolve))
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  send({ type: 'done', bytes: data.length, ms })
  socket.destroy()
  process.disconnect()
}

main().catch(fail)
