// What every input does with a frame or datagram it received: parse it (never throws), note
// where it came from, count what was wrong with it, and hand it to the daemon. Kept in one
// place so UDP, TCP and unix inputs count the same way.

import type { InputCounters, MessageSink } from '../daemon/component.js'
import type { MessageSource } from '../message/model.js'
import type { SyslogMessage } from '../message/model.js'
import { createParser, type ParseOptions } from '../message/parse.js'
import { addProblem } from '../message/parse-common.js'

export interface ReceiverOptions {
  /** The listener's name, recorded in each message's source. */
  input: string
  sink: MessageSink
  counters: InputCounters
  /** Longer messages are cut (on a UTF-8 boundary), marked and counted. */
  maxMessageBytes: number
  parse: Pick<ParseOptions, 'timeZone' | 'expectHostname'>
}

export class Receiver {
  readonly #input: string
  readonly #sink: MessageSink
  readonly #counters: InputCounters
  readonly #parse: (bytes: Buffer, receivedAt?: number) => SyslogMessage
  readonly #localSource: MessageSource
  // Senders repeat: reuse the source object of the last peer instead of one per message (and
  // compare address and port as they come, so a repeat builds no string: UDP calls this per datagram).
  #lastAddress = ''
  #lastPort = -1
  #lastSource: MessageSource

  constructor (options: ReceiverOptions) {
    this.#input = options.input
    this.#sink = options.sink
    this.#counters = options.counters
    this.#parse = createParser({ ...options.parse, maxMessageBytes: options.maxMessageBytes })
    this.#localSource = { input: options.input, peer: null, peerAddress: null, identity: null }
    this.#lastSource = this.#localSource
  }

  /** A source for a network peer (address, port); cached for consecutive messages. */
  sourceFor (address: string, port: number): MessageSource {
    if (port !== this.#lastPort || address !== this.#lastAddress) {
      this.#lastAddress = address
      this.#lastPort = port
      const peer = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`
      this.#lastSource = { input: this.#input, peer, peerAddress: address, identity: null }
    }
    return this.#lastSource
  }

  get localSource (): MessageSource { return this.#localSource }

  /**
   * Parses one message and hands it on. `cut` is true when the transport already had to cut it
   * (an oversize frame). `receivedAt` is taken once per socket read by stream inputs. Returns the sink's answer: false means outputs are full.
   */
  receive (bytes: Buffer, source: MessageSource, cut: boolean, receivedAt = Date.now()): boolean {
    const counters = this.#counters
    counters.received++
    const msg = this.#parse(bytes, receivedAt)
    msg.source = source
    if (cut) addProblem(msg, 'truncated', bytes.length, `message cut to ${bytes.length} bytes (max_message_size)`)
    if (msg.problems.length > 0) {
      counters.malformed++
      for (const problem of msg.problems) if (problem.code === 'truncated') { counters.truncated++; break }
    }
    return this.#sink.accept(msg)
  }
}

export function newInputCounters (stream: boolean): InputCounters {
  const counters: InputCounters = { received: 0, malformed: 0, truncated: 0, dropped: {}, errors: 0 }
  if (stream) { counters.connections = 0; counters.accepted = 0; counters.refused = 0 }
  return counters
}
