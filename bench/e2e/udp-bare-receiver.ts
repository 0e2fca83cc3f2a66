// The runtime's own ceiling for UDP, as a reference row of the matrix's UDP series: a bare Node
// receiver that appends every datagram and an LF to a file, with no parsing, routing or
// formatting, in batches (one write in flight, the rest collecting), with the same 4 MiB receive
// buffer the daemons get. Its loss at a rate is what any daemon on Node's dgram (one JS callback
// per datagram, no recvmmsg) starts from on this machine.
//
//   node dist/bench/e2e/udp-bare-receiver.js PORT FILE RCVBUF_BYTES
//
// It writes nothing else to the file, and exits on SIGTERM once its last write is done.

import dgram from 'node:dgram'
import { open } from 'node:fs/promises'

async function main (): Promise<void> {
  const [portText, file, rcvbufText] = process.argv.slice(2)
  if (portText === undefined || file === undefined || rcvbufText === undefined) throw new Error('usage: udp-bare-receiver.js PORT FILE RCVBUF_BYTES')
  const fh = await open(file, 'a')
  let batch: Buffer[] = []
  let writing: Promise<void> | null = null
  const flush = (): void => {
    if (writing !== null || batch.length === 0) return
    const parts = batch
    batch = []
    writing = fh.writev(parts).then(() => { writing = null; flush() })
  }
  const lf = Buffer.from('\n')
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: Number(rcvbufText) })
  socket.on('message', (datagram: Buffer) => {
    batch.push(datagram, lf)
    if (batch.length >= 1024) flush()
  })
  const timer = setInterval(flush, 5)
  await new Promise<void>((resolve) => socket.bind(Number(portText), '127.0.0.1', resolve))
  process.once('SIGTERM', () => {
    socket.close()
    clearInterval(timer)
    flush()
    void (async () => {
      while (writing !== null) await writing
      await fh.close()
      process.exit(0)
    })()
  })
}

main().catch((err: Error) => { process.stderr.write(`udp-bare-receiver: ${err.message}\n`); process.exit(1) })
