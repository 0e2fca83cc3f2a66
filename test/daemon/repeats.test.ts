import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RepeatSuppressor } from '../../src/daemon/repeats.js'
import { parse, type SyslogMessage } from '../../src/message/index.js'

const from = (peer: string, text: string, receivedAt = 1000): SyslogMessage => {
  const msg = parse(Buffer.from(text), { receivedAt, timeZone: 'UTC' })
  msg.source = { input: 'udp://0.0.0.0:514', peer, peerAddress: peer.split(':')[0]!, identity: null }
  return msg
}

test('repeats: identical messages from one source collapse into "last message repeated N times"', () => {
  const out: string[] = []
  const repeats = new RepeatSuppressor((msg) => { out.push(msg.text); return true })
  for (let i = 0; i < 5; i++) repeats.accept(from('10.0.0.1:514', '<13>Nov 22 10:00:00 h app: link down'))
  repeats.accept(from('10.0.0.1:514', '<13>Nov 22 10:00:00 h app: link up'))
  assert.deepEqual(out, ['link down', 'last message repeated 4 times', 'link up'])
  assert.equal(repeats.suppressed, 4)
})

test('repeats: never across different sources, and any differing field breaks a run', () => {
  const out: string[] = []
  const repeats = new RepeatSuppressor((msg) => { out.push(`${msg.source?.peer} ${msg.pri} ${msg.text}`); return true })
  repeats.accept(from('10.0.0.1:514', '<13>Nov 22 10:00:00 h app: same'))
  repeats.accept(from('10.0.0.2:514', '<13>Nov 22 10:00:00 h app: same'))
  repeats.accept(from('10.0.0.1:514', '<14>Nov 22 10:00:00 h app: same'))
  repeats.accept(from('10.0.0.1:514', '<14>Nov 22 10:00:00 h other: same'))
  assert.equal(out.length, 4)
  assert.equal(repeats.suppressed, 0)
})

test('repeats: a pending count is written by flush() after the interval, with the run\'s PRI and tag', () => {
  const out: SyslogMessage[] = []
  const repeats = new RepeatSuppressor((msg) => { out.push(msg); return true })
  repeats.accept(from('10.0.0.1:514', '<11>Nov 22 10:00:00 h app: disk error', 1000))
  repeats.accept(from('10.0.0.1:514', '<11>Nov 22 10:00:00 h app: disk error', 2000))
  repeats.flush(1000)
  assert.equal(out.length, 1, 'not yet: the first repeat came after the cut-off')
  repeats.flush(2000)
  assert.equal(out.length, 2)
  assert.equal(out[1]!.text, 'last message repeated 1 time')
  assert.equal(out[1]!.pri, 11)
  assert.equal(out[1]!.appName, 'app')
  repeats.stop()
  assert.equal(out.length, 2, 'nothing pending after a flush')
})
