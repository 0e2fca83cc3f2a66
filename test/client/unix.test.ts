// The unix transport as glibc's syslog(3) uses /dev/log, with the path given explicitly, against
// a real `stele run` listening on a datagram socket (type=dgram, through the unix-dgram addon)
// and on a stream socket (type=stream). The client tries a datagram connect first and takes a
// stream connection when the socket refuses it (EPROTOTYPE), as glibc does.
// Checked: records arrive through the listener the path names, RFC 3164 without HOSTNAME (the
// daemon fills in its own), with procId and severity; a line break inside a message survives
// both (NUL framing on the stream); the default limit is 2048 bytes, maxMessageBytes changes it.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { createLogger } from '../../src/client/index.js'
import { loadUnixDgram } from '../../src/inputs/unix.js'
import { readLines, requireProgram, startDaemon, waitFor } from '../daemon/harness.js'

test('client unix: datagram and stream sockets at an explicit path, as glibc writes /dev/log', { timeout: 30000, skip: requireProgram(loadUnixDgram() !== null, 'the unix-dgram addon', 'unix-dgram (npm, optional dependency)') }, async (t) => {
  const d = await startDaemon(`mark_interval=0
repeat_suppression=off
max_message_size=64k
listen unix://DIR/dgram.sock type=dgram
listen unix://DIR/stream.sock type=stream
*.* -DIR/out.json format=json
`)
  t.after(async () => { await d.close() })
  const dgram = createLogger({ transport: 'unix', path: join(d.dir, 'dgram.sock'), appName: 'unixapp', procId: 11, facility: 'daemon' })
  const stream = createLogger({ transport: 'unix', path: join(d.dir, 'stream.sock'), appName: 'unixapp', procId: 22, facility: 'daemon', maxMessageBytes: 8192 })
  t.after(async () => { await Promise.all([dgram.close(1000), stream.close(1000)]) })
  for (const [name, logger] of [['dgram', dgram], ['stream', stream]] as const) {
    logger.err(`over ${name}`)
    logger.notice(`two\nlines over ${name}`)
    logger.info(`${name} `.padEnd(5000, 'x'))
    assert.deepEqual(await logger.flush(10000), { ok: true, pending: 0 })
  }
  const records = async (): Promise<any[]> => (await readLines(join(d.dir, 'out.json'))).map((l) => JSON.parse(l)).filter((r) => r.appName === 'unixapp')
  await waitFor(async () => (await records()).length >= 6, 'six records')
  const all = await records()
  for (const [name, procId, input] of [['dgram', '11', 'dgram.sock'], ['stream', '22', 'stream.sock']] as const) {
    const mine = all.filter((r) => r.procId === procId)
    assert.equal(mine.length, 3, name)
    for (const r of mine) assert.ok(r.source.input.endsWith(input), `${name}: received by ${r.source.input}`)
    assert.equal(mine[0].msg, `over ${name}`)
    assert.equal(mine[0].pri, 3 * 8 + 3)
    assert.equal(mine[1].msg, `two\nlines over ${name}`, `${name}: a line break inside a message survives`)
    assert.equal(mine[0].hostname, all[0].hostname, 'no HOSTNAME sent: the daemon fills in its own')
  }
  // The unix default limit is the datagram one, 2048 (the whole record), whatever the socket
  // turns out to be; maxMessageBytes raises it (8192 here takes all 5000).
  const longDgram = all.find((r) => r.procId === '11' && r.msg.startsWith('dgram '))
  const longStream = all.find((r) => r.procId === '22' && r.msg.startsWith('stream '))
  assert.ok(longDgram.msg.length < 2048 && longDgram.msg.length > 1900, `dgram: ${longDgram.msg.length}`)
  assert.equal(longStream.msg.length, 5000)
  assert.equal(dgram.counters.truncated, 1)
  assert.equal(stream.counters.truncated, 0)
})
