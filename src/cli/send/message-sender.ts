// Formats message bodies with one fixed header (priority, tag, pid, hostname, ...) and a fresh
// timestamp, frames them and hands them to a Transport.
//
// Streams: records are framed into one ByteWriter and written as one batch of about
// BATCH_BYTES, so sending a million messages costs a few thousand socket writes. Datagrams:
// one record per send(), with no trailer (as glibc and logger send them).
//
// The body is given as a byte range, so the caller can pass slices of stdin chunks or of a
// reused scratch buffer: nothing here allocates per message except a datagram's own Buffer
// (a view of the shared ByteWriter).

import { ByteWriter } from '../../message/byte-writer.js'
import { createFormatter, type Formatter } from '../../message/format.js'
import { createMessage, type MessageFields, type SyslogMessage, type SyslogTimestamp } from '../../message/model.js'
import { timeZone } from '../../message/time-zone.js'
import type { Transport } from './transport.js'

/** 'octet': RFC 6587 §3.4.1; 'lf': §3.4.2 with an LF trailer; 'datagram': one message each. */
export type SendFraming = 'octet' | 'lf' | 'datagram'

export interface SenderOptions {
  format: 'rfc5424' | 'rfc3164'
  /** RFC 3164 without HOSTNAME, for a local socket (FormatOptions.localHeader). */
  local: boolean
  framing: SendFraming
  /** Longest record, header included; longer ones are cut on a UTF-8 boundary. */
  maxBytes: number
  /** The header fields every message carries. */
  fields: MessageFields
  /** Called for each message cut to maxBytes, with its 1-based number. */
  onTruncated: (messageNumber: number) => void
}

const BATCH_BYTES = 128 * 1024
const LF = 0x0a
const SP = 0x20


export class MessageSender {
  /** Messages handed to the transport. */
  sent = 0
  /** Bytes handed to the transport (frames included). */
  bytes = 0
  readonly #transport: Transport
  readonly #framing: SendFraming
  readonly #msg: SyslogMessage
  readonly #formatter: Formatter
  readonly #onTruncated: (messageNumber: number) => void
  readonly #zone = timeZone('local')
  readonly #batch = new ByteWriter(BATCH_BYTES * 2)
  /** Octet counting: one record, formatted here first to learn its length. */
  readonly #record = new ByteWriter(4096)
  #truncated = 0
  #timestampMs = NaN
  #timestamp: SyslogTimestamp | null = null

  constructor (transport: Transport, options: SenderOptions) {
    this.#transport = transport
    this.#framing = options.framing
    this.#onTruncated = options.onTruncated
    this.#msg = createMessage({ ...options.fields, format: options.format })
    // Framing is done here, so records get no terminator and keep their bytes; LF framing
    // then turns embedded LFs into spaces (as encodeNonTransparent does).
    // RFC 3164 to a local socket leaves HOSTNAME out, as glibc and logger do.
    this.#formatter = createFormatter(options.format, { newline: 'keep', terminator: '', maxBytes: options.maxBytes, localHeader: options.local, timeZone: 'local' })
  }

  /** Messages cut to maxBytes so far. */
  get truncated (): number { return this.#truncated }

  /**
   * Formats and queues one message whose MSG is body[start, end). False when the caller must
   * `await flush()` before adding more (a full batch, or transport backpressure).
   */
  add (body: Buffer, start: number, end: number): boolean {
    const msg = this.#msg
    msg.timestamp = this.#now()
    msg.setBodyRange(body, start, end)
    this.sent++
    switch (this.#framing) {
      case 'lf': this.#addLine(msg); break
      case 'octet': this.#addOctetCounted(msg); break
      default: return this.#sendDatagram(msg)
    }
    return this.#batch.length < BATCH_BYTES
  }

  /** Writes the pending batch and waits until the transport can take more. */
  async flush (): Promise<void> {
    if (this.#batch.length > 0) {
      const bytes = this.#batch.take()
      this.bytes += bytes.length
      this.#transport.send(bytes)
    }
    await this.#transport.ready()
  }

  #addLine (msg: SyslogMessage): void {
    const out = this.#batch
    const start = out.length
    this.#format(msg, out)
    // RFC 6587 §3.4.2: an LF inside the message would end the frame early.
    const record = out.view(start)
    for (let lf = record.indexOf(LF); lf !== -1; lf = record.indexOf(LF, lf + 1)) record[lf] = SP
    out.byte(LF)
  }

  #addOctetCounted (msg: SyslogMessage): void {
    const record = this.#record
    record.truncate(0)
    this.#format(msg, record)
    const out = this.#batch
    out.latin1(String(record.length))
    out.byte(SP)
    out.bytes(record.view(0))
  }

  #sendDatagram (msg: SyslogMessage): boolean {
    this.#format(msg, this.#batch)
    const bytes = this.#batch.take()
    this.bytes += bytes.length
    return this.#transport.send(bytes)
  }

  #format (msg: SyslogMessage, out: ByteWriter): void {
    const formatter = this.#formatter
    formatter.write(msg, out)
    if (formatter.truncated !== this.#truncated) {
      this.#truncated = formatter.truncated
      this.#onTruncated(this.sent)
    }
  }

  /** The current time in the local zone with milliseconds, as logger writes it (RFC 5424 §6.2.3). */
  #now (): SyslogTimestamp {
    const epochMs = Date.now()
    if (epochMs !== this.#timestampMs) {
      this.#timestampMs = epochMs
      const offsetMinutes = this.#zone.offsetAtUtc(epochMs)
      this.#timestamp = { epochMs, micros: 0, text: new Date(epochMs).toISOString(), fractionDigits: 3, hasZone: true, hasYear: true, offsetMinutes }
    }
    return this.#timestamp!
  }
}
