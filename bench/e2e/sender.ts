// The sender of the end-to-end benchmark, run as a child process (fork, with an IPC channel) so
// that it has a core of its own and the daemon under test does not share its event loop.
//
//   node dist/bench/e2e/sender.js LOADFILE PORT [CHUNK_BYTES [tcp|tls [CONNECTIONS]]]
//
// With CONNECTIONS > 1 (the matrix's 4-connection scenarios) the load is cut into that many
// runs of whole frames (at an LF, or at an octet-counted frame's end), one per connection, all
// written at once; each connection keeps its own lines in order.
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
import { fail, send } from './child-ipc.js'

interface GoMessage { type: 'go' }

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

/** Where `data` can be cut into `parts` runs of whole frames: offsets, first 0, last data.length. */
function cutPoints (data: Buffer, parts: number): number[] {
  const cuts = [0]
  const octetCounted = data.length > 0 && data[0]! >= 0x30 && data[0]! <= 0x39
  let at = 0
  for (let k = 1; k < parts; k++) {
    const target = Math.floor((data.length * k) / parts)
    if (octetCounted) {
      // Walk the frames: `LEN SP MSG`, LEN in decimal.
      while (at < target) {
        const sp = data.indexOf(0x20, at)
        at = sp + 1 + Number(data.toString('latin1', at, sp))
      }
    } else {
      const lf = data.indexOf(0x0a, Math.max(at, target))
      at = lf < 0 ? data.length : lf + 1
    }
    cuts.push(Math.min(at, data.length))
  }
  cuts.push(data.length)
  return cuts
}

/** Writes `data` in `chunk`-byte slices, waiting for 'drain' whenever the socket's buffer is full. */
async function writeAll (socket: net.Socket, data: Buffer, chunk: number): Promise<void> {
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
}

async function main (): Promise<void> {
  const [file, portText, chunkText, transport = 'tcp', connectionsText = '1'] = process.argv.slice(2)
  if (file === undefined || portText === undefined || process.send === undefined || !['tcp', 'tls'].includes(transport)) {
    throw new Error('usage: sender.js LOADFILE PORT [CHUNK_BYTES [tcp|tls]] (run with an IPC channel)')
  }
  const chunk = Math.max(4096, Number(chunkText ?? 1 << 20))
  const data = await readFile(file)
  const connections = Math.max(1, Math.floor(Number(connectionsText)))
  const sockets: net.Socket[] = []
  for (let i = 0; i < connections; i++) sockets.push(await connect(Number(portText), transport))
  for (const socket of sockets) socket.on('data', () => {}) // a daemon sends nothing; keep the readable side flowing anyway
  const first = sockets[0]!
  const session = first instanceof tls.TLSSocket ? { protocol: first.getProtocol(), cipher: first.getCipher().name } : null
  send({ type: 'ready', bytes: data.length, tls: session })

  await new Promise<void>((resolve) => {
    process.on('message', (m: GoMessage) => { if (m.type === 'go') resolve() })
  })
  const start = process.hrtime.bigint()
  const cuts = cutPoints(data, connections)
  await Promise.all(sockets.map(async (socket, i) => await writeAll(socket, data.subarray(cuts[i], cuts[i + 1]), chunk)))
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  send({ type: 'done', bytes: data.length, ms })
  for (const socket of sockets) socket.destroy()
  process.disconnect()
}

main().catch(fail)
