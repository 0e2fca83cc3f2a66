// pino and winston end to end into a real `stele run`: pino through pino.transport() with the
// adapter as a file-path target (it runs in pino's worker thread), winston with SteleTransport.
// Checked at the collector: severities mapped, fields as structured data, and every record
// delivered by the time each host's own shutdown (transport end / logger.end() 'finish') is done.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import pino from 'pino'
import winston from 'winston'
import SteleTransport from '../../src/client/adapters/winston.js'
import { pinoSeverity } from '../../src/client/adapters/pino.js'
import { waitFor } from '../daemon/harness.js'
import { freePort } from '../interop/free-port.js'
import { receivedRecords, startCollector, type Received } from './helpers.js'

const PINO_TARGET = fileURLToPath(new URL('../../src/client/adapters/pino.js', import.meta.url))

test('pino: levels map as pino-syslog maps them', () => {
  assert.deepEqual([10, 20, 30, 40, 50, 60, 35].map((l) => pinoSeverity(l)), [7, 7, 6, 4, 3, 2, 6])
})

test('pino and winston: records arrive at a stele collector with severities and fields, flushed at the hosts\' shutdown', { timeout: 60000 }, async (t) => {
  const port = await freePort()
  const collector = await startCollector(port)
  t.after(async () => { await collector.close() })

  const transport = pino.transport({ target: PINO_TARGET, options: { transport: 'tcp', port, appName: 'pino-app' } })
  const log = pino({ level: 'trace' }, transport)
  for (let i = 0; i < 500; i++) log.info({ seq: i, user: 'bob' }, 'hello pino')
  log.error('broken')
  log.trace('fine detail')
  const closed = once(transport, 'close')
  transport.end()
  await closed

  const stele = new SteleTransport({ transport: 'tcp', port, appName: 'winston-app' })
  const w = winston.createLogger({ levels: winston.config.syslog.levels, level: 'debug', transports: [stele] })
  for (let i = 0; i < 500; i++) w.info('hello winston', { seq: i })
  w.crit('very bad')
  const finished = once(stele, 'finish')
  w.end()
  await finished
  assert.equal(stele.logger.pending, 0)
  assert.equal(stele.logger.counters.sent, 501)

  let records = await receivedRecords(collector.dir)
  await waitFor(async () => (records = await receivedRecords(collector.dir)).filter((r) => r.appName === 'pino-app' || r.appName === 'winston-app').length >= 1003, () => `1003 records, have ${records.length}`)
  const pinoRecords = records.filter((r) => r.appName === 'pino-app')
  assert.equal(pinoRecords.length, 502)
  assert.deepEqual(pinoRecords[0]!.structuredData, { 'pino@32473': { seq: '0', user: 'bob' } })
  assert.equal(pinoRecords[0]!.msg, 'hello pino')
  assert.deepEqual(new Set(pinoRecords.slice(0, 500).map((r) => r.structuredData['pino@32473']!.seq)).size, 500)
  assert.equal(pinoRecords[500]!.pri, 8 + 3)
  assert.equal(pinoRecords[501]!.pri, 8 + 7)
  const winstonRecords = records.filter((r) => r.appName === 'winston-app')
  assert.equal(winstonRecords.length, 501)
  assert.deepEqual(winstonRecords[7]!.structuredData, { 'winston@32473': { seq: '7' } })
  assert.equal(winstonRecords[500]!.pri, 8 + 2)
  assert.equal(winstonRecords[500]!.msg, 'very bad')
})

test('pino: fields=json sends pino\'s whole line as MSG (as pino-syslog does), with no structured data', { timeout: 30000 }, async (t) => {
  const port = await freePort()
  const collector = await startCollector(port)
  t.after(async () => { await collector.close() })
  const transport = pino.transport({ target: PINO_TARGET, options: { transport: 'tcp', port, appName: 'pino-json', fields: 'json' } })
  const log = pino({ level: 'info' }, transport)
  log.warn({ user: 'bob', nested: { a: [1, 2] } }, 'as json')
  log.info('plain')
  const closed = once(transport, 'close')
  transport.end()
  await closed
  let records: Received[] = []
  await waitFor(async () => (records = (await receivedRecords(collector.dir)).filter((r) => r.appName === 'pino-json')).length >= 2, 'two records')
  const body = JSON.parse(records[0]!.msg) as Record<string, unknown>
  assert.equal(body.msg, 'as json')
  assert.equal(body.user, 'bob')
  assert.deepEqual(body.nested, { a: [1, 2] })
  assert.equal(body.level, 40)
  assert.equal(records[0]!.pri, 8 + 4, 'warn -> warning')
  assert.deepEqual(records[0]!.structuredData, {})
  assert.equal((JSON.parse(records[1]!.msg) as { msg: string }).msg, 'plain')
})

test('winston: the eight syslog levels map one to one; npm levels by name', { timeout: 30000 }, async (t) => {
  const port = await freePort()
  const collector = await startCollector(port)
  t.after(async () => { await collector.close() })
  const syslogLevels = ['emerg', 'alert', 'crit', 'error', 'warning', 'notice', 'info', 'debug'] as const
  const syslogTransport = new SteleTransport({ transport: 'tcp', port, appName: 'w-syslog', facility: 'local1' })
  const w = winston.createLogger({ levels: winston.config.syslog.levels, level: 'debug', transports: [syslogTransport] })
  for (const level of syslogLevels) w.log(level, `at ${level}`)
  const npmTransport = new SteleTransport({ transport: 'tcp', port, appName: 'w-npm', facility: 'local1' })
  const n = winston.createLogger({ level: 'silly', transports: [npmTransport] })
  const npmLevels = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const
  for (const level of npmLevels) n.log(level, `at ${level}`)
  for (const [logger, transport] of [[w, syslogTransport], [n, npmTransport]] as const) {
    const finished = once(transport, 'finish')
    logger.end()
    await finished
  }
  let records: Received[] = []
  await waitFor(async () => (records = await receivedRecords(collector.dir)).filter((r) => r.appName.startsWith('w-')).length >= 15, 'fifteen records')
  const severities = (app: string): Record<string, number> => Object.fromEntries(records.filter((r) => r.appName === app).map((r) => [r.msg.slice(3), r.pri - 17 * 8]))
  assert.deepEqual(severities('w-syslog'), { emerg: 0, alert: 1, crit: 2, error: 3, warning: 4, notice: 5, info: 6, debug: 7 })
  assert.deepEqual(severities('w-npm'), { error: 3, warn: 4, info: 6, http: 6, verbose: 7, debug: 7, silly: 7 })
})
