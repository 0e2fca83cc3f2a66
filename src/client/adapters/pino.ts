// `stele/pino`: a pino transport (pino >= 7 runs it in a worker thread through thread-stream),
// built with pino-abstract-transport.
//
//   const logger = pino({ level: 'info' }, pino.transport({
//     target: 'stele/pino',
//     options: { transport: 'tcp', host: 'logs.example', port: 514, appName: 'web', fields: 'structured-data' }
//   }))
//
// pino levels map to syslog severities as pino-syslog maps them: trace and debug -> debug, info
// -> info, warn -> warning, error -> err, fatal -> crit; a custom level takes the severity of
// the nearest standard level at or below it (or `levels` says).
//
// Fields: 'structured-data' (default) sends `msg` as MSG and every other field of the line
// (except level, time, pid, hostname) as a param of one SD element (`sdId`, default
// "pino@32473"; objects as JSON); 'json' sends the whole JSON line as MSG, as pino-syslog does.
//
// On exit, pino ends the transport's stream and waits for it; the `close` hook then closes the
// logger, which resolves once everything buffered was written (or `closeTimeoutMs` passed).

import build from 'pino-abstract-transport'
import { createLogger, type Logger } from '../logger.js'
import type { LoggerOptions } from '../options.js'

export interface PinoTransportOptions extends LoggerOptions {
  /** Where pino's fields go. Default 'structured-data'. */
  fields?: 'structured-data' | 'json'
  /** The SD-ID of the element that carries the fields. Default 'pino@32473'. */
  sdId?: string
  /** pino level number -> syslog severity 0..7, for custom levels. */
  levels?: Record<number, number>
  /** How long close() waits for the buffer to drain when pino ends. Default 10000 ms. */
  closeTimeoutMs?: number
}

const PINO_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'msg'])

/** pino-syslog's table: 10 trace, 20 debug -> debug; 30 -> info; 40 -> warning; 50 -> err; 60 fatal -> crit. */
export function pinoSeverity (level: number, custom?: Record<number, number>): number {
  const mapped = custom?.[level]
  if (mapped !== undefined) return mapped
  if (level >= 60) return 2
  if (level >= 50) return 3
  if (level >= 40) return 4
  if (level >= 30) return 6
  return 7
}

const LEVEL = /"level":(\d+)/
const TIME = /"time":(\d+)/

export default async function steleTransport (options: PinoTransportOptions = {}): Promise<unknown> {
  const logger = createLogger(options)
  const sdId = options.sdId ?? 'pino@32473'
  const json = options.fields === 'json'
  const custom = options.levels
  const closeTimeoutMs = options.closeTimeoutMs ?? 10_000
  return build(async (source) => {
    for await (const line of source as AsyncIterable<string>) {
      if (json) writeJsonLine(logger, line, custom)
      else writeFields(logger, line, sdId, custom)
    }
  }, {
    parse: 'lines',
    async close () {
      await logger.close(closeTimeoutMs)
    }
  })
}

function writeJsonLine (logger: Logger, line: string, custom: Record<number, number> | undefined): void {
  // Only level and time are needed: read them without parsing the whole line.
  const level = LEVEL.exec(line)
  const time = TIME.exec(line)
  logger.logAt(time === null ? Date.now() : Number(time[1]), pinoSeverity(level === null ? 30 : Number(level[1]), custom), line)
}

function writeFields (logger: Logger, line: string, sdId: string, custom: Record<number, number> | undefined): void {
  let record: Record<string, unknown>
  try {
    record = JSON.parse(line) as Record<string, unknown>
  } catch {
    // Not JSON (pino would not write this): keep the line as it is.
    logger.notice(line)
    return
  }
  let params: Record<string, unknown> | undefined
  for (const key in record) {
    if (PINO_FIELDS.has(key)) continue
    params ??= {}
    params[key] = record[key]
  }
  const level = typeof record.level === 'number' ? record.level : 30
  const time = typeof record.time === 'number' ? record.time : Date.now()
  const msg = record.msg === undefined ? '' : record.msg
  logger.logAt(time, pinoSeverity(level, custom), msg, params === undefined ? undefined : { [sdId]: params })
}
