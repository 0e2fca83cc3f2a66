// The built-in config: what `stele run` uses without -f, with paths under the working directory.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DEFAULT_CONFIG_TEXT, defaultConfig, parseDefaultConfig } from '../../src/config/load.js'
import { selectorMatches } from '../../src/route/selector.js'

test('config default: UDP and TCP on 127.0.0.1:5514, ./stele.sock, *.* to ./log/messages, ./stele.ctl', () => {
  const config = defaultConfig('/srv/stele')
  assert.deepEqual(config.listeners.map((l) => [l.transport, l.host, l.port, l.path]), [
    ['udp', '127.0.0.1', 5514, ''],
    ['tcp', '127.0.0.1', 5514, ''],
    ['unix', '', 0, '/srv/stele/stele.sock']
  ])
  assert.equal(config.globals.controlSocket, '/srv/stele/stele.ctl')
  assert.equal(config.rules.length, 1)
  const rule = config.rules[0]!
  assert.deepEqual(rule.action, {
    file: '(built-in default)', line: 8, text: './log/messages', options: { format: 'iso' },
    kind: 'file', path: '/srv/stele/log/messages', sync: true, mode: 0o640, format: 'iso', newline: 'escape'
  })
  for (let pri = 0; pri < 192; pri++) assert.ok(selectorMatches(rule.selector, pri))
  assert.deepEqual(config.files, [])
})

test('config default: the built-in text has no problems and resolves against the cwd given', () => {
  assert.deepEqual(parseDefaultConfig('/tmp').problems, [])
  assert.match(DEFAULT_CONFIG_TEXT, /^listen unix:\/\/\.\/stele\.sock$/m)
  assert.equal(defaultConfig('relative/dir').listeners[2]!.path.endsWith('/relative/dir/stele.sock'), true)
})
