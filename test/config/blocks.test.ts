// Program (!prog) and host (+host) blocks apply to the rules after them, until reset.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseOk, problemsOf } from './helpers.js'

test('config blocks: program and host blocks apply to the following rules and reset', () => {
  const config = parseOk([
    '*.* /var/log/all', // 1: no block
    '!sshd,sudo', // 2
    'auth.* /var/log/auth', // 3: sshd, sudo
    '+gw1, gw2', // 4
    '*.* /var/log/gw', // 5: sshd, sudo on gw1, gw2
    '!-cron', // 6
    '*.* /var/log/not-cron', // 7: all but cron, on gw1, gw2
    '-gw3', // 8
    '*.* /var/log/not-gw3', // 9: all but cron, all hosts but gw3
    '!*', // 10
    '+*', // 11
    '*.* /var/log/reset', // 12
    '#!ntpd', // 13: FreeBSD spelling
    '#+@', // 14: FreeBSD local host
    '*.* /var/log/ntpd' // 15
  ].join('\n'))
  const summary = config.rules.map((r) => [r.line, r.program, r.host])
  assert.deepEqual(summary, [
    [1, null, null],
    [3, { names: ['sshd', 'sudo'], negate: false }, null],
    [5, { names: ['sshd', 'sudo'], negate: false }, { names: ['gw1', 'gw2'], negate: false }],
    [7, { names: ['cron'], negate: true }, { names: ['gw1', 'gw2'], negate: false }],
    [9, { names: ['cron'], negate: true }, { names: ['gw3'], negate: true }],
    [12, null, null],
    [15, { names: ['ntpd'], negate: false }, { names: ['@'], negate: false }]
  ])
})

test('config blocks: "#-host" and ordinary comments stay comments', () => {
  const config = parseOk('#----------\n#- not a host\n# !sshd is not a block\n*.* /var/log/x\n')
  assert.equal(config.rules[0]!.host, null)
  assert.equal(config.rules[0]!.program, null)
})

test('config blocks: bad block lines are errors', () => {
  assert.deepEqual(problemsOf('!sshd,,sudo\n!-*\n-*\n+bad host\n!\n-/var/log/x\n!postfix/smtpd\n').filter((p) => !p.startsWith('0:')), [
    '1: error: program block "!sshd,,sudo" has an empty program name',
    '2: error: "!-*" would match no program; write !* to end the program block',
    '3: error: "-*" would match no host; write +* to end the host block',
    '4: error: host block "+bad host": "bad host" is not a host name',
    '5: error: program block "!" has an empty program name',
    '6: error: host block "-/var/log/x": "/var/log/x" is not a host name'
  ])
})
