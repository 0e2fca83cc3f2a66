// The line formats' shortcut (message.headerTail): when an RFC 3164 message's
// `HOST TAG[PID]: MSG` bytes are exactly what iso / traditional would write, they are copied in
// one piece. It must never change a record: every message gives the same bytes with the
// shortcut as field by field (clearing headerTail by setting a field forces the latter), for
// the wire fixtures and for random lines with odd spacing, colons, brackets, control and
// non-ASCII bytes, in every newline policy.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import fc from 'fast-check'
import { FrameDecoder } from '../../src/framing/index.js'
import { createFormatter, parse, type NewlinePolicy, type OutputFormat, type SyslogMessage } from '../../src/message/index.js'
import { ByteWriter } from '../../src/message/byte-writer.js'

const DIR = new URL('../../../test/fixtures/wire/', import.meta.url)
const RECEIVED = Date.UTC(2026, 10, 22, 19)

function render (msg: SyslogMessage, format: OutputFormat, newline: NewlinePolicy): string {
  const out = new ByteWriter(64)
  createFormatter(format, { newline, timeZone: 'UTC' }).write(msg, out)
  return out.take().toString('latin1')
}

function assertSame (bytes: Buffer, expectHostname: boolean, label: string): boolean {
  const fast = parse(bytes, { receivedAt: RECEIVED, timeZone: 'UTC', expectHostname })
  const slow = parse(bytes, { receivedAt: RECEIVED, timeZone: 'UTC', expectHostname })
  slow.hostname = slow.hostname // eslint-disable-line no-self-assign -- any field write clears headerTail
  assert.equal(slow.headerTail, -1)
  for (const format of ['iso', 'traditional'] as const) {
    for (const newline of ['escape', 'split', 'keep'] as const) {
      assert.equal(render(fast, format, newline), render(slow, format, newline), `${label} (${format}, newline=${newline})`)
    }
  }
  return fast.headerTail >= 0
}

test('format tail: every wire fixture renders the same with and without the shortcut, and common lines take it', () => {
  let shortcuts = 0
  let messages = 0
  for (const name of readdirSync(DIR).filter((n) => n.endsWith('.bin'))) {
    const local = name.startsWith('glibc') || name.includes('local')
    const decoder = new FrameDecoder({
      onFrame: (frame) => {
        messages++
        if (assertSame(frame, !local, name)) shortcuts++
      }
    })
    decoder.push(readFileSync(new URL(name, DIR)))
    decoder.end()
  }
  assert.ok(messages >= 60)
  assert.ok(shortcuts > 0, 'the shortcut is used for plain RFC 3164 lines')
  assert.ok(assertSame(Buffer.from('<13>Nov 22 10:00:00 web-01 nginx[2211]: GET /'), true, 'plain'), 'HOST TAG[PID]: MSG takes the shortcut')
  assert.ok(assertSame(Buffer.from('<13>Nov 22 10:00:00 web-01 cron: job'), true, 'no pid'), 'HOST TAG: MSG takes the shortcut')
  assert.ok(!assertSame(Buffer.from('<13>Nov 22 10:00:00 web-01  nginx: two spaces'), true, 'spaces'))
  assert.ok(!assertSame(Buffer.from('<13>Nov 22 10:00:00 web-01 nginx[1]:no space'), true, 'colon'))
  assert.ok(!assertSame(Buffer.from('<13>Nov 22 10:00:00 web-01 täg: x'), true, 'utf-8 tag'))
  // A control byte in a header field is escaped even with newline=keep (found by the property below).
  assertSame(Buffer.from('<13>Nov 22 10:00:00 web-01 app[4\x7f2]:  x', 'latin1'), true, 'DEL in the pid')
})

test('format tail: random RFC 3164 lines render the same with and without the shortcut', () => {
  const piece = fc.constantFrom('host', 'web-01', 'h.example.com', '::1', 'app', 'app[42]', 'app[4\x7f2]', 'tag:', ':', '[', ']', ' ', '  ', 'x\ty', 'grüße', '\x00', '\n', 'body text', '\xff')
  fc.assert(fc.property(
    fc.array(piece, { minLength: 1, maxLength: 8 }),
    fc.boolean(),
    (pieces, expectHostname) => {
      const line = Buffer.from(`<34>Oct 11 22:14:15 ${pieces.join(' ')}`, 'utf8')
      assertSame(line, expectHostname, JSON.stringify(line.toString('latin1')))
      const latin = Buffer.from(`<34>Oct 11 22:14:15 ${pieces.join('')}`, 'latin1')
      assertSame(latin, expectHostname, JSON.stringify(latin.toString('latin1')))
    }
  ), { numRuns: 3000 })
})
