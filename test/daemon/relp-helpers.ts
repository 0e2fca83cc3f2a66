// Shared by the RELP scenario tests: which numbered messages arrived, which are missing and how
// many came twice; a raw RELP client for hostile-input tests.

import { once } from 'node:events'
import net from 'node:net'
import { readLines } from './harness.js'

export interface Arrivals { distinct: number, duplicates: number, missing: number[] }

/** Lines of `file` holding "<tag> N": N from 1..count, how often each came. */
export async function arrivals (file: string, tag: string, count: number): Promise<Arrivals> {
  const seen = new Uint32Array(count + 1)
  const pattern = new RegExp(`${tag} (\\d+)$`)
  for (const line of await readLines(file)) {
    const m = pattern.exec(line)
    if (m !== null) seen[Number(m[1])]!++
  }
  let distinct = 0
  let duplicates = 0
  const missing: number[] = []
  for (let n = 1; n <= count; n++) {
    if (seen[n]! > 0) distinct++
    else if (missing.length < 10) missing.push(n)
    if (seen[n]! > 1) duplicates += seen[n]! - 1
  }
  return { distinct, duplicates, missing }
}

/** Connects, writes `bytes`, and collects everything the server sends until it closes. */
export async function rawExchange (port: number, bytes: Buffer | string): Promise<string> {
  const socket = net.connect(port, '127.0.0.1')
  let received = ''
  socket.setEncoding('latin1').on('data', (chunk: string) => { received += chunk })
  socket.on('error', () => {})
  await once(socket, 'connect')
  socket.write(bytes)
  await once(socket, 'close')
  return received
}
