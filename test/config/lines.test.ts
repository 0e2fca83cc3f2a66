// Comments, blank lines, continuation lines and the line numbers problems are reported at.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { logicalLines } from '../../src/config/lines.js'
import { parseOk, problemsOf } from './helpers.js'

test('config lines: a continued line reads as one, numbered where it started', () => {
  const config = parseOk([
    '# sysklogd style', // 1
    '*.=info;*.=notice;\\', // 2
    '\tmail.none\t\\', // 3
    '# a comment inside is skipped', // 4
    '', // 5
    '  /var/log/messages \\', // 6
    '  format=json', // 7
    'kern.* /var/log/kern' // 8
  ].join('\n'))
  assert.deepEqual(config.rules.map((r) => [r.line, r.selector.text, r.action.text, r.action.format]), [
    [2, '*.=info;*.=notice;mail.none', '/var/log/messages', 'json'],
    [8, 'kern.*', '/var/log/kern', 'iso']
  ])
})

test('config lines: CRLF, indentation, trailing comments', () => {
  const lines = logicalLines('  *.* /a   # all of it\r\n\r\n#comment\r\nmail.* /b#c\r\n', () => () => {})
  assert.deepEqual(lines, [{ line: 1, text: '*.* /a' }, { line: 4, text: 'mail.* /b#c' }])
})

test('config lines: a backslash on the last line is a warning', () => {
  assert.deepEqual(problemsOf('listen udp://127.0.0.1:0\n*.* /var/log/x \\\n'), [
    '2: warning: the last line ends with "\\" but no line follows; read as if it did not'
  ])
})

test('config lines: problems on a continued line are reported at its first line', () => {
  assert.deepEqual(problemsOf('listen udp://127.0.0.1:0\n\n*.info;\\\n  mial.none \\\n  /var/log/x\n'), [
    '3: error: unknown facility "mial" in selector "*.info;mial.none"'
  ])
})
