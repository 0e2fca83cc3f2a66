// The queue in front of a stream forward (TCP, TLS and RELP), as the action's options say:
// queue=disk (the default for TCP, TLS and RELP) is a DiskRecordQueue in queue_dir=, queue=memory
// a MemoryRecordQueue. An action without queue settings (built in code, or with only the legacy
// buffer=) gets the memory queue of buffer= bytes, as before issue 5.
//
// ForwardQueue is that queue with the rules every stream forward applies to it, written once:
// - admit(): a record is queued, or counted as dropped by overflow= (drop-newest: the new one,
//   drop-oldest: the oldest not in flight, block: write() says "full" before the queue is, so
//   the daemon pauses its stream inputs; UDP, which cannot pause, is dropped while blocked). A
//   disk queue on a full disk is a full queue ('disk-full'). Drops are logged with their count
//   once the destination takes messages again or the queue has room:
//   "dropped N messages to HOST:PORT: queue full".
// - accepting(): write()'s answer. A memory queue paces the inputs to the destination (TCP and
//   TLS only while connected: a down loghost must not stall local logging; RELP always: it is
//   chosen where loss is not acceptable). A disk queue paces them while connected and its
//   backlog is all in memory (a faster sender waits, rather than building a backlog on disk that
//   must be read back); otherwise (an outage, a backlog on disk) it absorbs up to queue_max.
// - delivered(n): the n oldest records were taken by the destination (TCP/TLS: handed to the
//   kernel; RELP: answered "rsp 200"). Only now do they leave the queue and count as written.
// - flush(): resolves once every record accepted so far is delivered, dropped, or (disk queue)
//   committed to disk: durable either way, which is what a RELP acknowledgement upstream and a
//   followed file's cursor need; a destination that is down does not hold them up.
// - open() in start(), not awaited (push() works while the backlog is recovered); close() in
//   stop(): a disk queue keeps what is left for the next start, which delivers it first, in
//   order; a memory queue's rest is counted as dropped ('shutdown').

import type { ForwardAction, QueueSettings } from '../config/schema.js'
import type { OutputContext, OutputCounters } from '../daemon/component.js'
import type { SyslogMessage } from '../message/model.js'
import { DiskRecordQueue } from '../queue/disk-queue.js'
import { countDropped, DrainSignal, messages, Progress, settleWithin } from './accounting.js'
import { MemoryRecordQueue, type RecordQueue } from './record-queue.js'

export type Overflow = QueueSettings['overflow']

export function createRecordQueue (action: Pick<ForwardAction, 'bufferBytes' | 'queue'>, ctx: Pick<OutputContext, 'log'>): RecordQueue {
  const settings = action.queue
  if (settings === undefined) return new MemoryRecordQueue(action.bufferBytes)
  if (settings.type === 'memory') return new MemoryRecordQueue(settings.maxBytes)
  return new DiskRecordQueue({ dir: settings.dir, maxBytes: settings.maxBytes, fsync: settings.fsync, log: ctx.log })
}

/** What the queue needs to know about the forward that sends from it. */
export interface QueueSender {
  /** "forward tcp://host:port", for log lines. */
  readonly name: string
  /** "host:port", for the drop reports. */
  readonly target: string
  readonly counters: OutputCounters
  /** Records at the head being sent now (drop-oldest spares them). */
  inFlight (): number
  /** True while the destination takes records. */
  connected (): boolean
  /** Records may be sent (new ones queued, or a disk backlog loaded into memory). */
  kick (): void
  /** overflow=drop-oldest removed `count` records just after those in flight. */
  evicted? (count: number): void
}

export class ForwardQueue {
  readonly queue: RecordQueue
  readonly #sender: QueueSender
  readonly #ctx: Pick<OutputContext, 'log'>
  readonly #progress = new Progress()
  readonly #drain = new DrainSignal()
  readonly #overflow: Overflow
  readonly #fullReason: 'queue-full' | 'buffer-full'
  readonly #pacesAlways: boolean
  readonly #highWaterBytes: number
  /** overflow=block: accepting() says "full" from this many queued bytes, and "drained" below resumeBelow. */
  readonly #blockAtBytes: number
  readonly #resumeBelowBytes: number
  #blocking = false
  #ready = true
  #closing = false
  #enqueued = 0
  /** Drops not yet reported in the log: queue (or buffer) full, disk full. */
  #fullDrops = 0
  #diskDrops = 0

  /** paceAlways: a memory queue says "full" at its high-water mark even while disconnected (RELP). */
  constructor (action: Pick<ForwardAction, 'bufferBytes' | 'queue'>, ctx: Pick<OutputContext, 'log'>, sender: QueueSender, options: { queue?: RecordQueue, paceAlways?: boolean } = {}) {
    this.queue = options.queue ?? createRecordQueue(action, ctx)
    this.#sender = sender
    this.#ctx = ctx
    this.#overflow = action.queue?.overflow ?? 'drop-newest'
    this.#fullReason = action.queue === undefined ? 'buffer-full' : 'queue-full'
    this.#pacesAlways = options.paceAlways ?? false
    const headroom = Math.min(1024 * 1024, Math.floor(this.queue.maxBytes / 2))
    this.#highWaterBytes = headroom
    this.#blockAtBytes = this.queue.maxBytes - headroom
    this.#resumeBelowBytes = Math.floor(this.#blockAtBytes / 2)
    this.queue.onReadable?.(() => { sender.kick() })
    this.queue.onWritable?.(() => { this.reportDrops(); this.maybeDrain() })
    sender.counters.queue = this.queue.stats
  }

  get persistent (): boolean { return this.queue.persistent === true }
  /** While stopping: a disk queue takes messages until it closes (they are kept for the next start). */
  get keepsAtShutdown (): boolean { return this.persistent && !this.#closing && this.#ready }
  /** Records waiting, including those in flight. */
  get length (): number { return this.queue.length }
  get bytes (): number { return this.queue.bytes }
  get maxBytes (): number { return this.queue.maxBytes }
  /** Records settled (delivered or dropped) so far. */
  get settled (): number { return this.#progress.done }

  /**
   * Opens (recovers) a disk queue without holding up the daemon's start: the queue takes
   * records in memory meanwhile, and its backlog is sent once it is open.
   */
  open (): void {
    const queue = this.queue
    if (queue.open === undefined) return
    queue.open().then(() => { this.#sender.kick() }, async (err: unknown) => {
      // Without its queue the forward drops what it is given ('write-error'), counted.
      this.#ready = false
      this.#sender.counters.errors++
      this.#ctx.log.log(3, `${this.#sender.name}: ${(err as Error).message}`)
      const lost = await queue.close?.() ?? 0
      countDropped(this.#sender.counters, 'write-error', lost)
      this.#progress.advance(lost)
      if (lost > 0) this.#ctx.log.log(4, `dropped ${messages(lost)} to ${this.#sender.target}: no queue`)
    })
  }

  /** Queues the record, or counts it (or older ones, with drop-oldest) as dropped. */
  admit (record: Buffer, msg: SyslogMessage): void {
    const queue = this.queue
    const counters = this.#sender.counters
    if (!this.#ready) {
      countDropped(counters, 'write-error')
      return
    }
    // overflow=block pauses stream inputs; a UDP input cannot pause, so its messages are dropped.
    if (this.#blocking && msg.source?.input.startsWith('udp') === true) {
      this.#dropFull(1)
      return
    }
    if (queue.push(record)) {
      this.#enqueued++
      this.#sender.kick()
      return
    }
    if (queue.diskFull === true) {
      countDropped(counters, 'disk-full')
      this.#diskDrops++
      return
    }
    if (this.#overflow === 'drop-oldest') {
      const evicted = queue.evict(this.#sender.inFlight(), record.length)
      if (evicted > 0) {
        this.#sender.evicted?.(evicted)
        this.#dropFull(evicted)
        this.#progress.advance(evicted)
        if (queue.push(record)) {
          this.#enqueued++
          this.#sender.kick()
          return
        }
      }
    }
    this.#dropFull(1)
  }

  /** A message settled without a record (nothing to send): delivered as nothing. */
  skip (): void {
    this.#sender.counters.written++
  }

  /** write()'s answer after admit(): false = full, the daemon waits for onDrain. */
  accepting (): boolean {
    const queue = this.queue
    if (this.#overflow === 'block' && (queue.bytes >= this.#blockAtBytes || queue.diskFull === true)) {
      this.#blocking = true
      this.#drain.setFull()
      return false
    }
    if (this.#paces() && queue.bytes >= this.#highWaterBytes) {
      this.#drain.setFull()
      return false
    }
    return true
  }

  onDrain (fn: () => void): void { this.#drain.add(fn) }

  /** The `count` oldest records were taken by the destination: they leave the queue. */
  delivered (count: number): void {
    this.queue.shift(count)
    this.#sender.counters.written += count
    this.#progress.advance(count)
    this.maybeDrain()
    if (this.queue.length === 0) this.reportDrops()
  }

  /** Resolves when every record accepted so far is delivered, dropped, or committed to disk. */
  flush (): Promise<void> {
    const delivered = this.#progress.until(this.#enqueued)
    const committed = this.queue.whenCommitted?.()
    return committed === undefined || committed === null ? delivered : Promise.race([delivered, committed])
  }

  /** Resolves when the records in flight now are settled, or after graceMs. */
  async settleInFlight (inFlight: number, graceMs: number): Promise<void> {
    if (inFlight > 0) await settleWithin(this.#progress.until(this.#progress.done + inFlight), graceMs)
  }

  /** Fires onDrain once the queue has room again (by the rules accepting() used to say "full"). */
  maybeDrain (): void {
    const queue = this.queue
    if (queue.diskFull === true) return
    if (this.#overflow === 'block' && queue.bytes >= this.#resumeBelowBytes && this.#blocking) return
    if (this.#paces() && queue.bytes >= this.#highWaterBytes / 2) return
    const wasBlocking = this.#blocking
    this.#blocking = false
    this.#drain.drained()
    if (wasBlocking) this.reportDrops()
  }

  /** At shutdown, a memory queue's records are given up: counted, logged. A disk queue keeps them. */
  dropRest (why: string): void {
    const left = this.persistent ? 0 : this.queue.length
    if (left > 0) {
      this.queue.shift(left)
      countDropped(this.#sender.counters, 'shutdown', left)
      this.#progress.advance(left)
      this.#ctx.log.log(4, `${this.#sender.name}: dropped ${messages(left)} at shutdown: ${why}`)
    }
    this.reportDrops()
  }

  /** A disk queue keeps what is left for the next start; what it cannot keep is counted. */
  async close (): Promise<void> {
    const queue = this.queue
    this.#closing = true
    if (queue.close === undefined) return
    const kept = queue.length
    const lost = await queue.close()
    if (lost > 0) {
      countDropped(this.#sender.counters, 'disk-full', lost)
      this.#diskDrops += lost
      this.reportDrops()
    }
    if (kept - lost > 0) this.#ctx.log.log(6, `${this.#sender.name}: ${messages(kept - lost)} kept in the queue for the next start`)
  }

  reportDrops (): void {
    if (this.#fullDrops > 0) {
      this.#ctx.log.log(4, `dropped ${messages(this.#fullDrops)} to ${this.#sender.target}: ${this.#fullReason === 'buffer-full' ? 'buffer' : 'queue'} full`)
      this.#fullDrops = 0
    }
    if (this.#diskDrops > 0) {
      this.#ctx.log.log(4, `dropped ${messages(this.#diskDrops)} to ${this.#sender.target}: disk full under its queue`)
      this.#diskDrops = 0
    }
  }

  #paces (): boolean {
    const connected = this.#sender.connected()
    // A disk queue paces too while the destination takes records and its backlog is all in
    // memory: a sender faster than the destination is held back by TCP flow control (as with a
    // memory queue) instead of piling up a backlog on disk that must be read back, while every
    // record is still appended (and kept across a crash) before it is acknowledged. Once records
    // wait on disk only (an outage, UDP bursts) it absorbs up to queue_max without pacing, so
    // that the inputs are never held while a backlog drains.
    if (this.persistent) return connected && this.queue.spilled !== true
    return this.#pacesAlways || connected
  }

  #dropFull (count: number): void {
    countDropped(this.#sender.counters, this.#fullReason, count)
    this.#fullDrops += count
  }
}
