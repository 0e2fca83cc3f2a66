import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createParser, timeZone, TimeZone, UnknownTimeZoneError } from '../../src/index.js'

test('time-zone: names, fixed offsets and UTC', () => {
  assert.equal(timeZone('UTC').offsetAtUtc(Date.UTC(2026, 6, 1)), 0)
  assert.equal(timeZone('+05:30').offsetAtUtc(0), 330)
  assert.equal(timeZone('-0800').offsetAtUtc(0), -480)
  assert.equal(timeZone('Europe/Berlin').offsetAtUtc(Date.UTC(2026, 6, 1)), 120)
  assert.equal(timeZone('Europe/Berlin').offsetAtUtc(Date.UTC(2026, 0, 1)), 60)
  assert.equal(timeZone('America/St_Johns').offsetAtUtc(Date.UTC(2026, 0, 1)), -210)
  assert.equal(timeZone('Australia/Lord_Howe').offsetAtUtc(Date.UTC(2026, 0, 1)), 660)
  assert.equal(timeZone('Australia/Lord_Howe').offsetAtUtc(Date.UTC(2026, 6, 1)), 630)
  assert.throws(() => timeZone('Mars/Olympus_Mons'), UnknownTimeZoneError)
})

test('time-zone: offsets change exactly at the transition instant', () => {
  const berlin = timeZone('Europe/Berlin')
  const change = Date.UTC(2026, 2, 29, 1, 0, 0) // 02:00 CET -> 03:00 CEST
  assert.equal(berlin.offsetAtUtc(change - 1), 60)
  assert.equal(berlin.offsetAtUtc(change), 120)
  const stJohns = timeZone('America/St_Johns')
  const nlChange = Date.UTC(2026, 2, 8, 5, 30, 0) // 02:00 NST (-3:30) -> 03:00 NDT (-2:30)
  assert.equal(stJohns.offsetAtUtc(nlChange - 1), -210)
  assert.equal(stJohns.offsetAtUtc(nlChange), -150)
})

test('time-zone: resolving timestamps consults the zone rules once per 15 minutes, not per message', () => {
  const zone = TimeZone.named('America/New_York')
  const parse = createParser({ timeZone: zone })
  const received = Date.UTC(2026, 10, 22, 15, 0, 0)
  for (let i = 0; i < 10000; i++) {
    const second = String(i % 60).padStart(2, '0')
    const msg = parse(Buffer.from(`<13>Nov 22 10:0${i % 10}:${second} host app: message ${i}`), received)
    assert.equal(msg.timestamp?.offsetMinutes, -300)
  }
  assert.ok(zone.lookups <= 8, `ICU was asked ${zone.lookups} times for 10000 messages`)
})
