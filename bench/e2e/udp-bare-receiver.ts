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
import { BareAppender } from './bare-appender.js'

const LF = Buffer.from('\n')

async function main (): Promise<void> {
  const [portText, file, rcvbufText] = process.argv.slice(2)
  if (portText === undefined || file === undefined || rcvbufText === undefined) throw new Error('usage: udp-bare-receiver.js PORT FILE RCVBUF_BYTES')
  const out = await BareAppender.open(file)
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: Number(rcvbufText) })
  socket.on('message', (datagram: Buffer) => {
    out.add(datagram)
    out.add(LF)
    if (out.collected >= 1024) out.flush()
  })
  const timer = setInterval(() => out.flush(), 5)
  await new Promise<void>((resolve) => socket.bind(Number(portText), '127.0.0.1', resolve))
  out.exitOnSigterm(() => { socket.close(); clearInterval(timer) })
}

main().catch((err: Error) => { process.stderr.write(`udp-bare-receiver: ${err.message}\n`); process.exit(1) })
