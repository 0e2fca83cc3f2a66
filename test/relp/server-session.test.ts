import { test } from 'node:test'
import assert from 'node:assert/strict'
import { encodeRelpFrame, RelpDecoder, type RelpFrame } from '../../src/framing/relp.js'
import { RelpServerSession } from '../../src/relp/server-session.js'

/** A session with a controllable flush; what it writes is decoded back to frames. */
function harness () {
  const written: RelpFrame[] = []
  const delivered: string[] = []
  const problems: string[] = []
  const flushes: Array<() => void> = []
  let ended = false
  let acked = 0
  const out = new RelpDecoder({ maxDataBytes: 1 << 20, onFrame: (f) => written.push(f), onProblem: (p) => { throw new Error(p) } })
  const session = new RelpServerSession({
    software: 'stele,test',
    deliver: (data) => delivered.push(data.toString()),
    flush: async () => await new Promise<void>((resolve) => flushes.push(resolve)),
    write: (bytes) => { out.push(bytes) },
    end: () => { ended = true },
    onProblem: (text) => problems.push(text),
    onAcked: (n) => { acked += n }
  })
  const feed = (...frames: Buffer[]): void => {
    const input = new RelpDecoder({ maxDataBytes: 1 << 20, onFrame: (f) => session.receive(f), onProblem: (p) => { throw new Error(p) } })
    input.push(Buffer.concat(frames))
    session.pump()
  }
  const responses = (): string[] => written.map((f) => `${f.txnr} ${f.command} ${f.data.toString().split('\n')[0]}`)
  return { session, written, delivered, problems, flushes, feed, responses, ended: () => ended, acked: () => acked }
}

const OPEN = encodeRelpFrame(1, 'open', 'relp_version=0\nrelp_software=librelp,1.11.0\ncommands=syslog')
const flushed = async (): Promise<void> => await new Promise((resolve) => setImmediate(resolve))

test('relp session: open is answered with our offers; syslog is acknowledged only after the flush', async () => {
  const h = harness()
  h.feed(OPEN)
  assert.deepEqual(h.responses(), ['1 rsp 200 OK'])
  assert.match(h.written[0]!.data.toString(), /relp_version=0\nrelp_software=stele,test\ncommands=syslog$/)
  h.feed(encodeRelpFrame(2, 'syslog', 'a'), encodeRelpFrame(3, 'syslog', 'b'), encodeRelpFrame(4, 'syslog', 'c'))
  assert.deepEqual(h.delivered, ['a', 'b', 'c'])
  assert.equal(h.flushes.length, 1, 'one flush covers the three transactions of the chunk')
  assert.equal(h.written.length, 1, 'nothing acknowledged before the flush resolved')
  h.feed(encodeRelpFrame(5, 'syslog', 'd'))
  assert.equal(h.flushes.length, 1, 'a later chunk waits for the next flush')
  h.flushes[0]!()
  await flushed()
  assert.deepEqual(h.responses().slice(1), ['2 rsp 200 OK', '3 rsp 200 OK', '4 rsp 200 OK'])
  assert.equal(h.flushes.length, 2)
  h.flushes[1]!()
  await flushed()
  assert.deepEqual(h.responses().slice(4), ['5 rsp 200 OK'])
  assert.equal(h.acked(), 4)
  h.feed(encodeRelpFrame(6, 'close'))
  assert.deepEqual(h.responses().slice(5), ['6 rsp 200 OK'])
  assert.equal(h.ended(), true)
  assert.deepEqual(h.problems, [])
})

test('relp session: syslog before open, a wrong txnr, a second open and a client rsp end the session with serverclose', async () => {
  for (const frames of [
    [encodeRelpFrame(1, 'syslog', 'x')],
    [OPEN, encodeRelpFrame(3, 'syslog', 'x')],
    [OPEN, encodeRelpFrame(2, 'open', 'commands=syslog')],
    [OPEN, encodeRelpFrame(2, 'rsp', '200 OK')],
    [OPEN, encodeRelpFrame(0, 'syslog', 'x')]
  ]) {
    const h = harness()
    h.feed(...frames)
    assert.equal(h.problems.length, 1, h.problems.join())
    assert.match(h.problems[0]!, /serverclose/)
    assert.equal(h.responses().at(-1), '0 serverclose ')
    assert.equal(h.ended(), true)
    assert.deepEqual(h.delivered, [])
  }
})

test('relp session: acknowledgements due before a protocol error are still sent, after the flush', async () => {
  const h = harness()
  h.feed(OPEN, encodeRelpFrame(2, 'syslog', 'a'), encodeRelpFrame(9, 'syslog', 'b'))
  assert.deepEqual(h.delivered, ['a'])
  assert.equal(h.ended(), false)
  h.flushes[0]!()
  await flushed()
  assert.deepEqual(h.responses(), ['1 rsp 200 OK', '2 rsp 200 OK', '0 serverclose '])
  assert.equal(h.ended(), true)
})

test('relp session: an unknown command is answered 500 and the session goes on; no syslog offer is refused', async () => {
  const h = harness()
  h.feed(OPEN, encodeRelpFrame(2, 'starttls'), encodeRelpFrame(3, 'syslog', 'a'))
  h.flushes[0]!()
  await flushed()
  assert.deepEqual(h.responses(), ['1 rsp 200 OK', '2 rsp 500 command not supported', '3 rsp 200 OK'])
  assert.equal(h.problems.length, 1)
  const r = harness()
  r.feed(encodeRelpFrame(1, 'open', 'relp_version=0\ncommands=other'))
  assert.deepEqual(r.responses(), ['1 rsp 500 required command not supported by client'])
  assert.equal(r.ended(), true)
})

test('relp session: shutdown acknowledges what is due, then sends serverclose', async () => {
  const h = harness()
  h.feed(OPEN, encodeRelpFrame(2, 'syslog', 'a'))
  h.session.shutdown()
  assert.equal(h.ended(), false)
  h.flushes[0]!()
  await flushed()
  assert.deepEqual(h.responses(), ['1 rsp 200 OK', '2 rsp 200 OK', '0 serverclose '])
  assert.equal(h.ended(), true)
})
