// The sender of the end-to-end benchmark, run as a child process (fork, with an IPC channel) so
// that it has a core of its own and the daemon under test does not share its event loop.
//
//   node dist/bench/e2e/sender.js LOADFILE PORT [CHUNK_BYTES [tcp|tls]]
//
// It reads the pre-generated load into memory, opens ONE connection to 127.0.0.1:PORT (plain TCP,
// or TLS 1.2 or newer) and reports { type: 'ready', bytes, tls } (tls: the negotiated protocol
// and cipher, or null). On { type: 'go' } it writes the whole buffer in CHUNK_BYTES slices
// (default 1 MiB, no copies), waiting for 'drain' whenever the socket's buffer is full, so the
// receiver's pace sets the rate; then it ends the connection and reports
// { type: 'done', bytes, ms } (ms: from 'go' to the last byte handed to the kernel), and exits.
// Any error is reported as { type: 'error', message } with exit code 1. It writes the file's
// bytes as they are: the bench gives it an LF-framed load for TCP, an octet-counted one for TLS.

import net from 'node:net'
import tls from 'node:tls'
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

/** Resolves once the connection is up (for TLS: the handshake is done). */
async function connect (port: number, transport: string): Promise<net.Socket> {
  if (transport === 'tls') {
    // The certificate is the bench's throwaway self-signed one and the peer is 127.0.0.1, so it is
    // not verified: acceptable in the bench sender only, where the point is the receivers' cost.
    const socket = tls.connect({ host: '127.0.0.1', port, minVersion: 'TLSv1.2', rejectUnauthorized: false })
    socket.on('error', fail)
    await new Promise<void>((resolve) => socket.once('secureConnect', resolve))
    return socket
  }
  const socket = net.connect({ host: '127.0.0.1', port })
  socket.on('error', fail)
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  return socket
}

async function main (): Promise<void> {
  const [file, portText, chunkText, transport = 'tcp'] = process.argv.slice(2)
  if (file === undefined || portText === undefined || process.send === undefined || !['tcp', 'tls'].includes(transport)) {
    throw new Error('usage: sender.js LOADFILE PORT [CHUNK_BYTES [tcp|tls]] (run with an IPC channel)')
  }
  const chunk = Math.max(4096, Number(chunkText ?? 1 << 20))
  const data = await readFile(file)
  const socket = await connect(Number(portText), transport)
  socket.on('data', () => {}) // a daemon sends nothing; keep the readable side flowing anyway
  const session = socket instanceof tls.TLSSocket ? { protocol: socket.getProtocol(), cipher: socket.getCipher().name } : null
  send({ type: 'ready', bytes: data.length, tls: session })

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
