// The `json` line format: one object per message with every field, keys always present (null
// when empty) so consumers see a stable schema.
//
//   {"time":"2026-11-22T10:00:00.123Z","timestamp":"Nov 22 10:00:00","received":"…",
//    "facility":"user","severity":"notice","pri":13,"format":"rfc3164","version":0,
//    "hostname":"h","appName":"a","procId":"1","msgId":null,"sequence":null,
//    "structuredData":{"id@1":{"name":"value"}},"msg":"…","bom":false,"utf8":true,
//    "source":{"input":"tcp://0.0.0.0:514","peer":"192.0.2.7:40211","identity":null},
//    "problems":[{"code":"no-hostname","offset":20,"detail":"…"}]}
//
// `source` says which listener received the message and from which peer (null for messages built
// in code). `time` is the message's instant in UTC (6 fraction digits when the sender gave more than 3),
// `timestamp` the text as sent (null without one). A parameter that appears more than once in an
// SD element becomes an array of its values. A body that is not valid UTF-8 is shown with U+FFFD
// in "msg" and exactly in "msgBase64". JSON escapes every control character, so no record can
// span lines.

import type { ByteWriter } from './byte-writer.js'
import type { SdElement, SyslogMessage } from './model.js'

const str = JSON.stringify as (value: string) => string

function isoMicros (epochMs: number, micros: number, fractionDigits: number): string {
  const iso = new Date(epochMs).toISOString()
  if (fractionDigits <= 3) return iso
  return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}Z`
}

function nullable (value: string | null): string {
  return value === null ? 'null' : str(value)
}

function sdJson (elements: readonly SdElement[]): string {
  const parts: string[] = []
  for (const element of elements) {
    const values = new Map<string, string | string[]>()
    for (const { name, value } of element.params) {
      const seen = values.get(name)
      if (seen === undefined) values.set(name, value)
      else if (Array.isArray(seen)) seen.push(value)
      else values.set(name, [seen, value])
    }
    const params: string[] = []
    for (const [name, value] of values) params.push(`${str(name)}:${JSON.stringify(value)}`)
    parts.push(`${str(element.id)}:{${params.join(',')}}`)
  }
  return `{${parts.join(',')}}`
}

export function writeJson (out: ByteWriter, msg: SyslogMessage): void {
  const ts = msg.timestamp
  const time = ts === null ? new Date(msg.receivedAt).toISOString() : isoMicros(ts.epochMs, ts.micros, ts.fractionDigits)
  let json = `{"time":"${time}","timestamp":${ts === null ? 'null' : str(ts.text)},` +
    `"received":"${new Date(msg.receivedAt).toISOString()}",` +
    `"facility":"${msg.facilityName}","severity":"${msg.severityName}","pri":${msg.pri},` +
    `"format":"${msg.format}","version":${msg.version},` +
    `"hostname":${nullable(msg.hostname)},"appName":${nullable(msg.appName)},` +
    `"procId":${nullable(msg.procId)},"msgId":${nullable(msg.msgId)},"sequence":${nullable(msg.sequence)},` +
    `"structuredData":${sdJson(msg.structuredData)},"msg":${str(msg.text)},"bom":${msg.bom},"utf8":${msg.utf8Valid}`
  if (!msg.utf8Valid) json += `,"msgBase64":"${msg.body.toString('base64')}"`
  const source = msg.source
  json += source === null
    ? ',"source":null'
    : `,"source":{"input":${str(source.input)},"peer":${nullable(source.peer)},"identity":${nullable(source.identity)}}`
  json += `,"problems":${JSON.stringify(msg.problems)}}`
  out.utf8(json)
}
