import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  FACILITY_NAMES, SEVERITY_NAMES, facilityFromName, facilityName, makePri, priFromString, severityFromName, severityName
} from '../../src/message/index.js'

test('priority: facility names and codes as BSD syslog.conf uses them', () => {
  const expected: Record<string, number> = {
    kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9, authpriv: 10,
    ftp: 11, ntp: 12, security: 13, console: 14, local0: 16, local1: 17, local2: 18, local3: 19, local4: 20,
    local5: 21, local6: 22, local7: 23
  }
  for (const [name, code] of Object.entries(expected)) {
    assert.equal(facilityFromName(name), code, name)
    assert.equal(facilityFromName(name.toUpperCase()), code, name)
    assert.equal(facilityName(code), name)
  }
  for (let code = 0; code <= 23; code++) assert.equal(facilityFromName(String(code)), code)
  assert.equal(facilityFromName('24'), undefined)
  assert.equal(facilityFromName('mark'), undefined)
  assert.equal(facilityFromName('nonsense'), undefined)
  assert.equal(FACILITY_NAMES.length, 24)
})

test('priority: severity names, aliases panic/error/warn, and numeric codes', () => {
  const expected: Record<string, number> = { emerg: 0, panic: 0, alert: 1, crit: 2, err: 3, error: 3, warning: 4, warn: 4, notice: 5, info: 6, debug: 7 }
  for (const [name, code] of Object.entries(expected)) assert.equal(severityFromName(name), code, name)
  for (let code = 0; code <= 7; code++) {
    assert.equal(severityFromName(String(code)), code)
    assert.equal(severityName(code), SEVERITY_NAMES[code])
  }
  assert.equal(severityFromName('8'), undefined)
  assert.equal(severityFromName('none'), undefined)
})

test('priority: PRI arithmetic and logger-style "facility.severity"', () => {
  assert.equal(makePri(20, 5), 165)
  assert.equal(priFromString('local4.notice'), 165)
  assert.equal(priFromString('mail.err'), 19)
  assert.equal(priFromString('warn'), 12, 'a bare severity means facility user, as logger -p does')
  assert.equal(priFromString('16.3'), 131)
  assert.equal(priFromString('bogus.err'), undefined)
  assert.equal(priFromString('mail.bogus'), undefined)
})
