// One signature group at run time: the destinations its blocks go to, the window of its message
// hashes, and the formatting of its messages. A message is formatted (RFC 5424, one record,
// control characters escaped), hashed over exactly those bytes, and handed on as a record
// whose `raw` holds them, so every destination writes the very bytes that were hashed (the
// destinations of a signed action write format=raw; see signed-output.ts).

import { ByteWriter } from '../../message/byte-writer.js'
import { createFormatter, type Formatter } from '../../message/format.js'
import { SyslogMessage } from '../../message/model.js'
import type { TimeZone } from '../../message/time-zone.js'
import type { Output } from '../../daemon/component.js'
import { messageHasher, type Ver } from '../index.js'
import { HashWindow } from './hash-window.js'

/** The formatting buffer of a group: records are views into it (see record()). */
const WRITER_BYTES = 64 * 1024

export class SignatureGroup {
  readonly spri: number
  readonly destinations: readonly Output[]
  readonly window: HashWindow
  /** Certificate Block sent at least once in this session; resends left after that. */
  certificateSent = false
  certificateResends: number
  /** Blocks sent (for the flush timer: "no block since the last tick"). */
  blocks = 0
  blocksAtTick = 0
  readonly #hash: (bytes: Uint8Array) => string
  readonly #formatter: Formatter
  readonly #writer = new ByteWriter(WRITER_BYTES)
  #lastMessage: SyslogMessage | null = null
  #lastRecord: SyslogMessage | null = null

  constructor (spri: number, destinations: readonly Output[], window: HashWindow, ver: Ver, options: { hostname: string, timeZone: TimeZone, maxRecordBytes: number, certificateResends: number }) {
    this.spri = spri
    this.destinations = destinations
    this.window = window
    this.#hash = messageHasher(ver)
    this.certificateResends = options.certificateResends
    this.#formatter = createFormatter('rfc5424', { newline: 'escape', terminator: '', timeZone: options.timeZone, hostname: options.hostname, maxBytes: options.maxRecordBytes })
  }

  /** Records cut to the destinations' size limit before hashing. */
  get truncated (): number { return this.#formatter.truncated }

  /**
   * The record to write for `msg`, its hash added to the window. A message routed to several
   * destinations of this group is hashed once (the router hands them the same object).
   */
  record (msg: SyslogMessage): SyslogMessage {
    if (msg === this.#lastMessage) return this.#lastRecord!
    const writer = this.#writer
    const start = writer.length
    this.#formatter.write(msg, writer)
    // A view, not take(): bytes already written are never overwritten (the writer grows into a
    // new buffer, and take() continues in the unused tail or a new one), so each record keeps its
    // bytes; take() only every WRITER_BYTES / 2 starts a fresh stretch.
    const bytes = writer.view(start)
    if (writer.length >= WRITER_BYTES / 2) writer.take()
    this.window.add(this.#hash(bytes))
    const record = new SyslogMessage()
    record.pri = msg.pri
    record.timestamp = msg.timestamp
    record.hostname = msg.hostname
    record.appName = msg.appName
    record.procId = msg.procId
    record.msgId = msg.msgId
    record.receivedAt = msg.receivedAt
    record.source = msg.source
    record.raw = bytes
    this.#lastMessage = msg
    this.#lastRecord = record
    return record
  }
}
