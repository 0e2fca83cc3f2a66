// RFC 3164 as glibc's syslog(3) and logger(1) write it to the local socket: no HOSTNAME.
//
//   <PRI>Mmm dd hh:mm:ss TAG[PID]: MSG
//
// A local receiver (stele's unix input, rsyslog's imuxsock) reads the word after the timestamp
// as the TAG and adds the hostname itself, so the network form's HOSTNAME would be taken for
// the TAG there. The shared formatter always writes a HOSTNAME, hence this small one.

import type { ByteWriter } from '../../message/byte-writer.js'
import { BsdTimeWriter } from '../../message/format-time.js'
import { MAX_APP_NAME, type SyslogMessage } from '../../message/model.js'
import { utf8Boundary } from '../../message/parse-common.js'
import { timeZone } from '../../message/time-zone.js'

export class Local3164Formatter {
  truncated = 0
  readonly #time = new BsdTimeWriter(timeZone('local'))
  readonly #maxBytes: number

  /** `maxBytes`: a longer record is cut on a UTF-8 boundary and counted; 0 = no limit. */
  constructor (maxBytes: number) { this.#maxBytes = maxBytes }

  write (msg: SyslogMessage, out: ByteWriter): void {
    const start = out.length
    out.byte(0x3c)
    out.latin1(String(msg.pri))
    out.byte(0x3e)
    this.#time.write(out, msg.timestamp?.epochMs ?? msg.receivedAt)
    out.byte(0x20)
    if (msg.appName !== null && msg.appName !== '') {
      writeTagToken(out, msg.appName)
      if (msg.procId !== null && msg.procId !== '') {
        out.byte(0x5b)
        writeTagToken(out, msg.procId)
        out.byte(0x5d)
      }
      out.byte(0x3a)
      out.byte(0x20)
    }
    out.bytes(msg.body)
    if (this.#maxBytes > 0 && out.length - start > this.#maxBytes) {
      out.truncate(start + utf8Boundary(out.view(start), this.#maxBytes))
      this.truncated++
    }
  }
}

/** RFC 3164 §4.1.3: the TAG is printable ASCII and ends at ':', '[' or a space. */
function writeTagToken (out: ByteWriter, value: string): void {
  const length = value.length < MAX_APP_NAME ? value.length : MAX_APP_NAME
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i)
    out.byte(c < 0x21 || c > 0x7e || c === 0x3a || c === 0x5b || c === 0x5d ? 0x5f : c)
  }
}
