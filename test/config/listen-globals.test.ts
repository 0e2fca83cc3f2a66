// listen lines and key=value global options: values, defaults and the problems they report.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseOk, problemsOf } from './helpers.js'
import { parseConfigText } from '../../src/config/load.js'
import { defaultSignSettings } from '../../src/sign/signer/settings.js'

test('config listen: udp, tcp, IPv6 and unix listeners with defaults and options', () => {
  const config = parseOk([
    'listen udp://0.0.0.0:514 rcvbuf=8m',
    'listen tcp://[::1]:5514 max_connections=100 framing=octet idle_timeout=5m max_message_size=8k',
    'listen unix:///run/stele.sock',
    'listen unix://./stele.sock framing=nul',
    'listen tcp://127.0.0.1:0',
    'listen tcp://127.0.0.1:0',
    'max_message_size=16k',
    '*.* /var/log/x'
  ].join('\n'))
  const pick = config.listeners.map((l) => ({ ...l, file: undefined, options: undefined }))
  const defaults = { file: undefined, options: undefined, host: '', port: 0, path: '', maxConnections: 1024, maxMessageSize: 16384, framing: 'auto', rcvbufBytes: 4 * 1024 * 1024, idleTimeoutS: 0 }
  assert.deepEqual(pick, [
    { ...defaults, line: 1, url: 'udp://0.0.0.0:514', transport: 'udp', host: '0.0.0.0', port: 514, rcvbufBytes: 8 * 1024 * 1024 },
    { ...defaults, line: 2, url: 'tcp://[::1]:5514', transport: 'tcp', host: '::1', port: 5514, maxConnections: 100, framing: 'octet', idleTimeoutS: 300, maxMessageSize: 8192 },
    { ...defaults, line: 3, url: 'unix:///run/stele.sock', transport: 'unix', path: '/run/stele.sock' },
    { ...defaults, line: 4, url: 'unix://./stele.sock', transport: 'unix', path: '/etc/stele/stele.sock', framing: 'nul' },
    { ...defaults, line: 5, url: 'tcp://127.0.0.1:0', transport: 'tcp', host: '127.0.0.1' },
    { ...defaults, line: 6, url: 'tcp://127.0.0.1:0', transport: 'tcp', host: '127.0.0.1' }
  ])
  assert.deepEqual(config.listeners[1]!.options, { max_connections: '100', framing: 'octet', idle_timeout: '5m', max_message_size: '8k' })
})

test('config listen: unknown options are kept with a warning; misplaced and bad ones are errors', () => {
  assert.deepEqual(problemsOf([
    'listen tcp://0.0.0.0:6514 tls_cert=/etc/x.pem max_conections=5', // 1
    'listen udp://0.0.0.0:514 framing=lf max_connections=3', // 2
    'listen tcp://0.0.0.0', // 3
    'listen tcp://0.0.0.0:65536', // 4
    'listen sctp://0.0.0.0:2514', // 5
    'listen unix://stele.sock', // 6
    'listen tcp://0.0.0.0:6514', // 7
    'listen', // 8
    'listen tcp://127.0.0.1:1 framing=xml rcvbuf=1m idle_timeout=soon' // 9
  ].join('\n')).filter((p) => !p.startsWith('0:')), [
    '1: warning: unknown listen option "tls_cert"; kept, but nothing uses it',
    '1: warning: unknown listen option "max_conections" (did you mean "max_connections"?); kept, but nothing uses it',
    '2: error: option "framing" does not apply to udp listeners (only tcp, unix, tls)',
    '2: error: option "max_connections" does not apply to udp listeners (only tcp, unix, tls, relp)',
    '3: error: listen "tcp://0.0.0.0": no port in "0.0.0.0" (write HOST:PORT)',
    '4: error: listen "tcp://0.0.0.0:65536": port "65536" in "0.0.0.0:65536" is not 0-65535',
    '5: error: listen "sctp://0.0.0.0:2514": expected udp://ADDR:PORT, tcp://ADDR:PORT, tls://ADDR:PORT, relp://ADDR:PORT, relp+tls://ADDR:PORT, unix:///PATH or file:///PATH',
    '6: error: listen "unix://stele.sock": the socket path must be absolute (unix:///run/stele.sock) or start with ./ (unix://./stele.sock)',
    '7: error: listen "tcp://0.0.0.0:6514" repeats the listener at /etc/stele/stele.conf:1',
    '8: error: listen needs a URL: udp://ADDR:PORT, tcp://ADDR:PORT, tls://ADDR:PORT, relp://ADDR:PORT, unix:///PATH or file:///PATH',
    '9: error: option "rcvbuf" does not apply to tcp listeners (only udp)',
    '9: error: framing "xml" is not one of auto, octet, lf, nul',
    '9: error: idle_timeout "soon" is not a duration (e.g. 600, 20m, 1h)'
  ])
})

test('config globals: every key, several per line, with defaults for the rest', () => {
  const defaults = parseOk('*.* /var/log/x\n').globals
  assert.deepEqual(defaults, {
    hostname: null, timezone: 'local', markIntervalS: 1200, repeatSuppression: true, maxMessageSize: 65536, user: null, group: null, controlSocket: './stele.ctl', stateDir: './state', sign: defaultSignSettings()
  })
  const set = parseOk([
    'hostname=gw1.example.org timezone=Europe/Berlin',
    'mark_interval=1h repeat_suppression=off',
    'max_message_size=1m user=syslog group=adm',
    'control_socket=run/stele.ctl state_dir=/var/lib/stele',
    '*.* /var/log/x'
  ].join('\n')).globals
  assert.deepEqual(set, {
    hostname: 'gw1.example.org', timezone: 'Europe/Berlin', markIntervalS: 3600, repeatSuppression: false, maxMessageSize: 1024 * 1024, user: 'syslog', group: 'adm', controlSocket: '/etc/stele/run/stele.ctl', stateDir: '/var/lib/stele', sign: defaultSignSettings()
  })
  assert.equal(parseOk('mark_interval=0\n*.* /x\n').globals.markIntervalS, 0)
  assert.equal(parseOk('timezone=+05:30\n*.* /x\n').globals.timezone, '+05:30')
})

test('config globals: bad values, unknown keys and repeats', () => {
  assert.deepEqual(problemsOf([
    'mark_interval=abc', // 1
    'timezone=Mars/Olympus_Mons', // 2
    'repeat_suppression=sometimes max_message_size=2x', // 3
    'hostnme=gw1', // 4
    'hostname = gw1', // 5
    'user=ro:ot', // 6
    'mark_interval=30d', // 7
    'max_message_size=100', // 8
    'hostname=a hostname=b', // 9
    '*.* /var/log/x' // 10
  ].join('\n')).filter((p) => !p.startsWith('0:')), [
    '1: error: mark_interval "abc" is not a duration (e.g. 600, 20m, 1h)',
    '2: error: timezone "Mars/Olympus_Mons" is not a zone this runtime knows (use local, UTC, +01:00 or an IANA name such as Europe/Berlin)',
    '3: error: repeat_suppression "sometimes" is not on or off',
    '3: error: max_message_size "2x" is not a size (e.g. 65536, 64k, 8m, 1g)',
    '4: error: unknown global option "hostnme" (did you mean "hostname"?) (known: hostname, timezone, mark_interval, repeat_suppression, max_message_size, user, group, control_socket, state_dir, sign_sg, sign_sg2_delim, sign_key, sign_cert, sign_hash, sign_sb_redundancy, sign_sb_max_hashes, sign_cb_resend, sign_cb_resend_interval, sign_flush_interval)',
    '5: error: write global options as key=value, without spaces around "=": "hostname = gw1"',
    '6: error: user "ro:ot" is not a user name or numeric id',
    '7: warning: mark_interval was already given at /etc/stele/stele.conf:1; this value replaces it',
    '7: error: mark_interval "30d" is longer than 2147483 seconds (24.8 days, the longest timer Node allows)',
    '8: warning: max_message_size was already given at /etc/stele/stele.conf:3; this value replaces it',
    '8: warning: max_message_size 100 is below 480 bytes, the least RFC 5424 §6.1 lets a receiver accept',
    '9: warning: hostname was already given at /etc/stele/stele.conf:9; this value replaces it'
  ])
})

test('config listen: type=dgram|stream applies to unix listeners only and is checked', () => {
  const ok = parseConfigText('listen unix:///run/stele.sock type=stream\n*.* /var/log/messages\n', '/etc/stele.conf')
  assert.deepEqual(ok.problems, [])
  assert.equal(ok.config?.listeners[0]?.options.type, 'stream')
  const bad = parseConfigText('listen unix:///run/stele.sock type=seqpacket\nlisten tcp://127.0.0.1:1 type=stream\nlisten unix:///run/x.sock rcvbuf=1m\n', '/etc/stele.conf')
  assert.deepEqual(bad.problems.map((p) => [p.line, p.severity]), [[1, 'error'], [2, 'error'], [3, 'error']])
})
