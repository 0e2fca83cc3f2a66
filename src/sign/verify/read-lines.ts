// Splits a byte stream into lines without their "\n", as Buffers, so that a huge archive is
// read in bounded chunks and every line keeps its exact octets (hashes are over octets).
// A last line without "\n" (a truncated archive) is returned too.

import type { Readable } from 'node:stream'

export async function * readLines (input: Readable): AsyncGenerator<Buffer> {
  let rest: Buffer | undefined
  for await (const chunk of input) {
    const buf: Buffer = rest === undefined ? chunk as Buffer : Buffer.concat([rest, chunk as Buffer])
    let start = 0
    let nl = buf.indexOf(0x0a, start)
    while (nl !== -1) {
      // Copy so that a kept line does not pin its whole 64 KB read chunk.
      yield Buffer.from(buf.subarray(start, nl))
      start = nl + 1
      nl = buf.indexOf(0x0a, start)
    }
    rest = start < buf.length ? buf.subarray(start) : undefined
  }
  if (rest !== undefined && rest.length > 0) yield Buffer.from(rest)
}
