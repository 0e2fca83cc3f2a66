// Every action form parses to the ActionConfig the outputs expect, with the documented defaults.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ActionConfig } from '../../src/config/schema.js'
import { CONF, parseOk, problemsOf } from './helpers.js'
import { parseConfigText } from '../../src/config/load.js'
import { resolve } from 'node:path'

function action (text: string): ActionConfig {
  const config = parseOk(`*.*\t${text}\n`, true)
  assert.equal(config.rules.length, 1)
  return config.rules[0]!.action
}

const common = (text: string, options: Record<string, string> = {}) => ({ file: CONF, line: 1, text, options })

test('config actions: file paths, synced or not, with mode and sync options', () => {
  assert.deepEqual(action('/var/log/messages'), {
    ...common('/var/log/messages'), kind: 'file', path: '/var/log/messages', sync: true, mode: 0o640, format: 'iso', newline: 'escape'
  })
  assert.deepEqual(action('-/var/log/messages'), {
    ...common('-/var/log/messages'), kind: 'file', path: '/var/log/messages', sync: false, mode: 0o640, format: 'iso', newline: 'escape'
  })
  assert.deepEqual(action('/var/log/x mode=0600 sync=off format=rfc5424 newline=split'), {
    ...common('/var/log/x', { mode: '0600', sync: 'off', format: 'rfc5424', newline: 'split' }),
    kind: 'file', path: '/var/log/x', sync: false, mode: 0o600, format: 'rfc5424', newline: 'split'
  })
})

test('config actions: relative paths resolve against the config file directory', () => {
  const file = action('./log/messages')
  assert.equal(file.kind, 'file')
  assert.equal(file.kind === 'file' && file.path, '/etc/stele/log/messages')
  const up = action('-../x.log')
  assert.equal(up.kind === 'file' && up.path, '/etc/x.log')
})

test('config actions: %FIELD% placeholders are kept as written and checked as the file output reads them', () => {
  const file = action('/var/log/remote/%HOSTNAME%/%YEAR%-%MONTH%-%DAY%/%PROGRAMNAME%.log')
  assert.equal(file.kind === 'file' && file.path, '/var/log/remote/%HOSTNAME%/%YEAR%-%MONTH%-%DAY%/%PROGRAMNAME%.log')
  assert.deepEqual(problemsOf('*.* /var/log/%HOST%.log\n*.* /var/log/%hostname%.log\n*.* /var/log/100%.log\n').filter((p) => !p.startsWith('0:')), [
    '1: error: unknown placeholder "%HOST%" in path "/var/log/%HOST%.log" (known: HOSTNAME, FROMHOST, APPNAME, PROGRAMNAME, PROCID, MSGID, FACILITY, SEVERITY, YEAR, MONTH, DAY, HOUR, INPUT, IDENTITY)',
    '2: warning: "%hostname%" in path "/var/log/%hostname%.log" is written literally; placeholders are upper case: %HOSTNAME%'
  ])
})

test('config actions: /dev/stdout and named pipes', () => {
  assert.deepEqual(action('/dev/stdout format=json'), { ...common('/dev/stdout', { format: 'json' }), kind: 'stdout', format: 'json', newline: 'escape' })
  assert.deepEqual(action('|/run/stele.fifo buffer=64k'), {
    ...common('|/run/stele.fifo', { buffer: '64k' }), kind: 'pipe', path: '/run/stele.fifo', bufferBytes: 65536, format: 'iso', newline: 'escape'
  })
  assert.equal((action('|/run/x') as { bufferBytes: number }).bufferBytes, 1024 * 1024)
})

test('config actions: UDP forwards in every spelling, default port 514 and rfc3164', () => {
  const udp = (host: string, port: number) => ({ kind: 'forward', transport: 'udp', host, port, format: 'rfc3164', newline: 'keep', framing: 'octet', bufferBytes: 8 * 1024 * 1024 })
  const pick = (a: ActionConfig) => a.kind === 'forward'
    ? { kind: a.kind, transport: a.transport, host: a.host, port: a.port, format: a.format, newline: a.newline, framing: a.framing, bufferBytes: a.bufferBytes }
    : a
  assert.deepEqual(pick(action('@loghost')), udp('loghost', 514))
  assert.deepEqual(pick(action('@10.0.0.1:5514')), udp('10.0.0.1', 5514))
  assert.deepEqual(pick(action('@[::1]:5514')), udp('::1', 5514))
  assert.deepEqual(pick(action('@[fe80::1]')), udp('fe80::1', 514))
  assert.deepEqual(pick(action('@udp://loghost.example.org:1514')), udp('loghost.example.org', 1514))
})

test('config actions: TCP forwards, octet framing by default, lf on request', () => {
  const tcp = action('@tcp://loghost:6514')
  assert.deepEqual(tcp, {
    ...common('@tcp://loghost:6514'), kind: 'forward', transport: 'tcp', host: 'loghost', port: 6514, framing: 'octet',
    format: 'rfc5424', newline: 'keep', bufferBytes: 8 * 1024 * 1024,
    // Issue 5: a disk queue by default, per destination under ./spool.
    queue: { type: 'disk', maxBytes: 256 * 1024 * 1024, dir: resolve('spool', 'tcp-loghost-6514'), defaultDir: true, fsync: { mode: 'batch' }, overflow: 'drop-newest' }
  })
  const rsyslogStyle = action('@@[2001:db8::5]:10514 framing=lf buffer=16m format=rfc3164')
  assert.equal(rsyslogStyle.kind, 'forward')
  if (rsyslogStyle.kind !== 'forward') return
  assert.deepEqual([rsyslogStyle.transport, rsyslogStyle.host, rsyslogStyle.port, rsyslogStyle.framing, rsyslogStyle.newline, rsyslogStyle.bufferBytes, rsyslogStyle.format],
    ['tcp', '2001:db8::5', 10514, 'lf', 'escape', 16 * 1024 * 1024, 'rfc3164'])
  assert.equal((action('@@loghost') as { port: number }).port, 514)
  // buffer= alone keeps the memory buffer it always was.
  assert.equal((rsyslogStyle as { queue?: unknown }).queue, undefined)
})

test('config actions: queue options of TCP and TLS forwards', () => {
  const queue = (text: string): unknown => (action(text) as { queue?: unknown }).queue
  assert.deepEqual(queue('@tcp://h:514 queue=memory queue_max=1m overflow=block'),
    { type: 'memory', maxBytes: 1024 * 1024, dir: resolve('spool', 'tcp-h-514'), defaultDir: true, fsync: { mode: 'batch' }, overflow: 'block' })
  assert.deepEqual(queue('@tls://[::1]:6514 verify=none queue_dir=/var/spool/q fsync=interval:250 overflow=drop-oldest'),
    { type: 'disk', maxBytes: 256 * 1024 * 1024, dir: '/var/spool/q', defaultDir: false, fsync: { mode: 'interval', intervalMs: 250 }, overflow: 'drop-oldest' })
  assert.deepEqual((queue('@tcp://h queue=memory buffer=64k') as { maxBytes: number }).maxBytes, 65536)
  assert.deepEqual((queue('@tcp://h fsync=always') as { fsync: unknown }).fsync, { mode: 'always' })
})

test('config actions: bad queue options are errors that say why', () => {
  const errors = (text: string): string[] => problemsOf(`*.*\t${text}\n`)
  assert.match(errors('@tcp://h queue=ram').join('\n'), /queue "ram"/)
  assert.match(errors('@tcp://h fsync=sometimes').join('\n'), /fsync "sometimes" is not always, batch or interval:MS/)
  assert.match(errors('@tcp://h overflow=explode').join('\n'), /overflow "explode"/)
  assert.match(errors('@tcp://h queue=memory queue_dir=/x').join('\n'), /queue_dir= applies to queue=disk/)
  assert.match(errors('@tcp://h queue=disk buffer=1m').join('\n'), /with queue=disk use queue_max=/)
  assert.match(errors('@loghost queue=disk').join('\n'), /option "queue" does not apply to UDP forward actions/)
})

test('config actions: * and user lists are kept as users actions, with a warning', () => {
  for (const text of ['*', 'root,admin']) {
    const { rules } = parseOk(`*.emerg ${text}\nlisten udp://127.0.0.1:0\n`, true)
    assert.equal(rules[0]!.action.kind, 'users')
    const problems = problemsOf(`*.emerg ${text}\nlisten udp://127.0.0.1:0\n`)
    assert.equal(problems.length, 1)
    assert.match(problems[0]!, /^1: warning: writing to .* is not supported; messages matched by this rule go nowhere$/)
  }
})

test('config actions: bad targets, ports, options and values are errors naming them', () => {
  const text = [
    '*.* @host:70000', // 1
    '*.* @host:0', // 2
    '*.* @::1', // 3
    '*.* @tcp://host framing=nul', // 4
    '*.* @udp://host framing=lf', // 5
    '*.* /var/log/x buffer=1m', // 6
    '*.* /var/log/x mode=999 sync=maybe', // 7
    '*.* |/usr/bin/logger -t x', // 8
    '*.* /var/log/x format=xml newline=drop', // 9
    '*.* ~', // 10
    '*.* var/log/x/y', // 11
    '*.* /var/log/x;RSYSLOG_TraditionalFileFormat', // 12
    '*.* @tcp://h framing=lf newline=keep', // 13
    '*.* /var/log/x format=iso format=json', // 14
    '*.* /var/log/x oops' // 15
  ].join('\n')
  assert.deepEqual(problemsOf(text).filter((p) => !p.startsWith('0:')), [
    '1: error: forward "@host:70000": port "70000" in "host:70000" is not 1-65535',
    '2: error: forward "@host:0": port "0" in "host:0" is not 1-65535',
    '3: error: forward "@::1": IPv6 address in "::1" needs brackets, e.g. [::1]:514',
    '4: error: framing "nul" is not one of octet, lf',
    '5: error: option "framing" does not apply to UDP forward actions (it takes format, newline, buffer, max_datagram_size)',
    '6: error: option "buffer" does not apply to file actions (it takes format, newline, mode, sync)',
    '7: error: mode "999" is not an octal file mode (e.g. 0640)',
    '7: error: sync "maybe" is not on or off',
    '8: error: pipe "|/usr/bin/logger -t x": stele writes to a named pipe (FIFO) as Linux syslogd does; it does not run a command as BSD syslogd\'s "|command" does',
    '9: error: format "xml" is not one of iso, traditional, rfc3164, rfc5424, json, raw',
    '9: error: newline "drop" is not one of escape, split, keep',
    '10: error: "~" (rsyslog\'s discard) is not an action here; leave the messages out of other rules\' selectors with "none"',
    '11: error: unknown action "var/log/x/y": expected /path, -/path, |/fifo, @host[:port], @tcp://host:port, @tls://host:port, @relp://host:port or *',
    '12: error: path "/var/log/x;RSYSLOG_TraditionalFileFormat" holds ";": rsyslog templates (";Template") are not supported; use format=',
    '13: error: forward "@tcp://h": newline=keep with framing=lf would let a message\'s LF end its frame early; use newline=escape or split',
    '14: error: format is given twice after action "/var/log/x"',
    '15: error: expected key=value after action "/var/log/x", found "oops"'
  ])
})

test('config: stall_timeout= on TCP forwards and max_datagram_size= on UDP forwards are accepted, and only there', () => {
  const ok = parseConfigText('*.* @tcp://127.0.0.1:6514 stall_timeout=5\n*.* @127.0.0.1:514 max_datagram_size=1180\n', '/etc/stele.conf')
  assert.deepEqual(ok.problems.filter((p) => p.severity === 'error'), [])
  const bad = parseConfigText('*.* @127.0.0.1:514 stall_timeout=5\n*.* /var/log/x max_datagram_size=1180\n', '/etc/stele.conf')
  assert.deepEqual(bad.problems.filter((p) => p.severity === 'error').map((p) => p.line), [1, 2])
})

test('config actions: distinct forwards to one target get numbered default queue directories, in config order', () => {
  const config = parseOk('*.*\t@tcp://h:514\nmail.*\t@tcp://h:514 format=json\nauth.*\t@tcp://h:514\n*.*\t@tcp://h:514 queue_dir=/q\n', true)
  const dirs = config.rules.map((rule) => (rule.action as { queue?: { dir: string } }).queue?.dir)
  const base = resolve('spool', 'tcp-h-514')
  assert.deepEqual(dirs, [base, `${base}-2`, base, '/q'])
})
