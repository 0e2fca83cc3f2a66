// hostile input: garbage bytes, oversize frames and half-open connections over TCP. Checked:
// the daemon stays up, answers, delivers the valid message sent afterwards, keeps malformed
// input as marked messages, truncates and counts oversize ones, and the memory it holds stays
// bounded.
//
// Memory is read from `stele stats` with the daemon under `node --expose-gc`, so garbage is
// collected first and heapUsedBytes + externalBytes (Buffers) are what the daemon holds. The
// baseline is taken after a warm-up of normal traffic (code compiled, output buffers and the log
// file open), the second figure while the oversize frame and the half-open connections are still
// open: a decoder that kept the oversize frame, or per-connection memory that grew with input,
// is then live and counted. RSS is not compared: it follows the peak allocation rate (GC timing,
// the load of parallel tests) and grew by 15-80 MiB between runs for the same input.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readLines, startDaemon, waitFor } from './harness.js'

const CONFIG = `
repeat_suppression=off
mark_interval=0
listen tcp://127.0.0.1:0 max_message_size=8192 max_connections=300
*.*   -DIR/all.log format=json
`
const MiB = 1 << 20
/**
 * Bound on the growth of the memory held. Expected: about 4 MiB, mostly the 250 half-open
 * frames (8 KB each, max_message_size); keeping the oversize frame would add about 100 MiB.
 */
const MAX_HELD_GROWTH_BYTES = 16 * MiB

interface Memory { rssBytes: number, heapUsedBytes: number, externalBytes: number }
const held = (memory: Memory): number => memory.heapUsedBytes + memory.externalBytes
const mib = (bytes: number): string => (bytes / MiB).toFixed(1)

test('hostile input: garbage, oversize frames and 250 half-open connections neither crash the daemon nor grow it without bound', { timeout: 120000 }, async (t) => {
  const daemon = await startDaemon(CONFIG, { nodeArgs: ['--expose-gc'] })
  t.after(async () => { await daemon.close() })
  const port = daemon.port('tcp://127.0.0.1:0')
  const log = join(daemon.dir, 'all.log')
  const logIncludes = async (text: string): Promise<boolean> => (await readFile(log, 'utf8').catch(() => '')).includes(text)
  const connect = async (): Promise<net.Socket> => {
    const socket = net.connect(port, '127.0.0.1')
    socket.on('error', () => {})
    await once(socket, 'connect')
    return socket
  }
  const send = async (socket: net.Socket, data: Buffer): Promise<void> => {
    if (!socket.write(data)) await once(socket, 'drain')
  }

  // Warm-up: 8 MB of valid messages, newline-framed and octet-counted near max_message_size.
  const lines = await connect()
  const line = Buffer.from(`<13>Nov 22 10:00:00 h app: ${'w'.repeat(200)}\n`)
  for (let i = 0; i < 4; i++) await send(lines, Buffer.concat(Array.from({ length: Math.floor(MiB / line.length) }, () => line)))
  lines.end('<13>Nov 22 10:00:00 h app: warm-up lines done\n')
  const frames = await connect()
  const frame = `8000 <13>Nov 22 10:00:00 h app: ${'w'.repeat(8000 - 27)}`
  for (let i = 0; i < 4; i++) await send(frames, Buffer.from(frame.repeat(Math.floor(MiB / frame.length))))
  const last = '<13>Nov 22 10:00:00 h app: warm-up frames done'
  frames.end(`${last.length} ${last}`)
  await waitFor(async () => await logIncludes('warm-up lines done') && await logIncludes('warm-up frames done'), 'the warm-up messages')
  const before: Memory = (await daemon.stats()).memory

  // 8 MB of random garbage on one connection (non-transparent: split at LF/NUL, kept as messages).
  const garbage = await connect()
  for (let i = 0; i < 8; i++) await send(garbage, randomBytes(MiB))
  garbage.end()
  // An octet-counted frame declaring 200 MB, of which 100 MB arrive and the connection stays
  // open: a decoder that buffered frames whole would hold 100 MB.
  const oversize = await connect()
  t.after(() => { oversize.destroy() })
  oversize.write('200000000 <13>')
  for (let i = 0; i < 100; i++) await send(oversize, Buffer.alloc(MiB, 0x41))
  // 250 connections that each send most of a frame and then stay open, silent.
  const halfOpen: net.Socket[] = []
  t.after(() => { for (const socket of halfOpen) socket.destroy() })
  for (let i = 0; i < 250; i++) {
    const socket = await connect()
    socket.write(`8000 <13>Nov 22 10:00:00 h app: ${'x'.repeat(7000)}`)
    halfOpen.push(socket)
  }
  // The garbage connection is read to its end (and closed) before the last message is sent, so
  // once that message is in the file the garbage's records are written, not queued in memory.
  await waitFor(async () => (await daemon.stats()).inputs[0].connections === 251, 'the garbage connection to be read and closed')
  // The daemon still answers and delivers.
  const good = await connect()
  good.end('<13>Nov 22 10:00:00 h app: still alive\n')
  await waitFor(async () => await logIncludes('still alive'), 'the valid message after the garbage')
  const stats = await daemon.stats()
  const tcp = stats.inputs[0]
  assert.ok(tcp.malformed > 0, 'garbage is kept, marked malformed')
  assert.ok(tcp.truncated >= 1, 'the oversize frame is truncated and counted')
  assert.ok(tcp.connections >= 250, 'half-open connections are held, not crashed on')
  const after: Memory = stats.memory
  const growth = held(after) - held(before)
  assert.ok(growth < MAX_HELD_GROWTH_BYTES,
    `heap + external memory grew by ${mib(growth)} MiB (from ${mib(held(before))}, RSS ${mib(before.rssBytes)} -> ${mib(after.rssBytes)} MiB) ` +
    `after 108 MB of hostile input; per-connection memory must stay bounded by max_message_size`)
  const records = (await readLines(log)).map((text) => JSON.parse(text))
  const truncated = records.find((m) => m.problems.some((p: { code: string }) => p.code === 'truncated'))
  assert.ok(truncated !== undefined && Buffer.byteLength(truncated.msg) < 8192)
  assert.equal(daemon.child.exitCode, null, 'still running')
  t.diagnostic(`held memory ${mib(held(before))} -> ${mib(held(after))} MiB, RSS ${mib(before.rssBytes)} -> ${mib(after.rssBytes)} MiB`)
})
