import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FileTemplateError } from '../../src/errors.js'
import { FileTemplate, MAX_PATH_VALUE_BYTES, sanitizePathValue } from '../../src/outputs/file-template.js'
import { message } from './helpers.js'

test('file-template: every field expands from the message', () => {
  const template = FileTemplate.parse('/log/%HOSTNAME%/%FROMHOST%/%APPNAME%-%PROGRAMNAME%-%PROCID%-%MSGID%/%FACILITY%.%SEVERITY%/%YEAR%-%MONTH%-%DAY%T%HOUR%/%INPUT%.log')
  const msg = message(1, { facility: 16, severity: 4, msgId: 'ID7' })
  msg.source = { input: 'udp://0.0.0.0:514', peer: '192.0.2.7:40000', peerAddress: '192.0.2.7', identity: null }
  msg.receivedAt = Date.UTC(2027, 0, 2, 3, 59, 59)
  assert.equal(template.expand(msg, 'local'), '/log/host1/192.0.2.7/app-app-42-ID7/local0.warning/2027-01-02T03/udp:__0.0.0.0:514.log')
})

test('file-template: time fields use the receive time in UTC, not the sender timestamp', () => {
  const template = FileTemplate.parse('/log/%YEAR%/%MONTH%/%DAY%/%HOUR%')
  const msg = message(1, { timestamp: Date.UTC(1999, 11, 31, 23, 0, 0) })
  msg.receivedAt = Date.UTC(2026, 6, 4, 0, 15, 0)
  assert.equal(template.expand(msg, 'local'), '/log/2026/07/04/00')
  msg.receivedAt = Date.UTC(2026, 6, 4, 1, 0, 0)
  assert.equal(template.expand(msg, 'local'), '/log/2026/07/04/01')
})

test('file-template: missing fields fall back to the local hostname or "-"', () => {
  const template = FileTemplate.parse('/log/%HOSTNAME%/%FROMHOST%/%APPNAME%/%PROCID%/%MSGID%/%INPUT%')
  const msg = message(1, { hostname: null, appName: null, procId: null })
  assert.equal(template.expand(msg, 'relay1'), '/log/relay1/relay1/-/-/-/internal')
})

test('file-template: an unknown field is a FileTemplateError; other % signs are literal', () => {
  assert.throws(() => FileTemplate.parse('/log/%HOST%/x'), (err: unknown) => err instanceof FileTemplateError && err.code === 'STELE_FILE_TEMPLATE' && /%HOST%/.test(err.message))
  const literal = FileTemplate.parse('/log/100%/%d/%hostname%')
  assert.equal(literal.hasFields, false)
  assert.equal(literal.expand(message(1), 'x'), '/log/100%/%d/%hostname%')
})

test('file-template: sanitizePathValue makes hostile values one harmless component', () => {
  const cases: Array<[string | null, string]> = [
    ['../../etc/passwd', '_._.._etc_passwd'],
    ['a/b', 'a_b'],
    ['a\\b', 'a_b'],
    ['\0', '_'],
    ['x\0y', 'x_y'],
    ['.', '_'],
    ['..', '_.'],
    ['.hidden', '_hidden'],
    ['', '-'],
    [null, '-'],
    ['tab\there\nline\x7f\x85', 'tab_here_line__'],
    ['host.example.com', 'host.example.com'],
    ['größe', 'größe'],
    ['\ud800x', '_x']
  ]
  for (const [value, expected] of cases) assert.equal(sanitizePathValue(value), expected, JSON.stringify(value))
})

test('file-template: values are cut to MAX_PATH_VALUE_BYTES of UTF-8 on a character boundary', () => {
  assert.equal(sanitizePathValue('a'.repeat(500)), 'a'.repeat(MAX_PATH_VALUE_BYTES))
  const euros = sanitizePathValue('€'.repeat(100)) // 3 bytes each
  assert.equal(euros, '€'.repeat(Math.floor(MAX_PATH_VALUE_BYTES / 3)))
  const emoji = sanitizePathValue('x' + '😀'.repeat(100)) // 1 + 4 bytes each
  assert.equal(emoji, 'x' + '😀'.repeat(Math.floor((MAX_PATH_VALUE_BYTES - 1) / 4)))
  assert.ok(Buffer.byteLength(emoji) <= MAX_PATH_VALUE_BYTES)
})
