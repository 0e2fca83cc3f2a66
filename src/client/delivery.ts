// The client's delivery loop: one per root logger (children share it). It owns the backlog (a
// bounded buffer in memory, or the disk queue: backlog.ts), the connection (a Link, see
// links.ts), the reconnect back-off, the counters and the events.
//
// A record's life: log() formats it and push()es it here (or drops it, counted, when the backlog
// is full). Once per event-loop turn, pump() moves records from the backlog to the link: on a
// stream framed (by the link: RFC 6587, or RELP's txnr frames) into a batch of up to BATCH_BYTES
// per write(), on a datagram link one per write(). Records handed over stay "in flight" until the
// link reports them complete (`written`: the write callback, or for RELP the collector's
// "rsp 200"); only then are they counted as sent and leave the backlog. When a connection is
// lost, the records in flight wait again at the front and are sent again on the next
// connection: a message may then arrive twice, but none is lost on our side.
//
// Drops are counted and reported as OpenBSD's sendsyslog(2) does: the first record on a
// connection after drops is a message of our own, "dropped N messages (buffer full)".
//
// Nothing here throws into the application: events are emitted from socket callbacks and timers,
// 'error' only when someone listens (it is always counted), and a listener that throws is
// counted and ignored.

import { EventEmitter } from 'node:events'
import { ByteWriter } from '../message/byte-writer.js'
import { Backoff } from '../outputs/backoff.js'
import { ClientConnectionError } from '../errors.js'
import type { TlsMaterial } from '../tls/context.js'
import { describeLinkError, LINKS, loadTlsMaterial, type Link, type LinkEvents } from './links.js'
import type { ResolvedOptions } from './options.js'
import { DiskBacklog, MemoryBacklog, type Backlog } from './backlog.js'
import type { RecordEncoder, RecordHeader } from './record-encoder.js'

/** Plain numbers, read at any time (`logger.counters`). */
export interface LoggerCounters {
  /** Records accepted by logging calls. */
  logged: number
  /** Records whose write to the collector completed (Vector's rule: never counted on enqueue). */
  sent: number
  /** Records dropped: buffer full, logged after close(), or still pending when close() timed out. */
  dropped: number
  /** Records cut to maxMessageBytes. */
  truncated: number
  /** Connection failures and send errors. */
  errors: number
  connects: number
  disconnects: number
  /** "dropped N messages" notices delivered. */
  notices: number
  /** Event listeners that threw (their errors are swallowed: a logger never throws into the app). */
  listenerErrors: number
}

export interface DroppedEvent {
  /** Records dropped since the last 'dropped' event. */
  readonly count: number
  readonly reason: 'buffer-full' | 'closed' | 'close-timeout'
}

export interface LoggerEvents {
  connected: [target: string]
  disconnected: [error: Error | null]
  dropped: [event: DroppedEvent]
  error: [error: Error]
}

/** What flush() and close() resolve to. */
export interface FlushResult {
  /** True when everything buffered was delivered (written to the collector). */
  readonly ok: boolean
  /** Records still not delivered at the timeout (buffered or in flight); 0 when ok. */
  readonly pending: number
  /** close() with buffer.disk: of those pending, how many stay in the disk queue for the next start (not dropped). */
  readonly kept?: number
}

const BATCH_BYTES = 64 * 1024
/** Bytes written per event-loop turn before yielding (a fast collector could otherwise keep us). */
const TURN_BYTES = 256 * 1024
/** Datagrams sent per turn, and at most in flight (dgram has no backpressure of its own). */
const TURN_DATAGRAMS = 1024
const MAX_DATAGRAMS_IN_FLIGHT = 4096

type State = 'idle' | 'connecting' | 'open' | 'waiting' | 'closed'

export class Delivery implements LinkEvents {
  readonly counters: LoggerCounters = { logged: 0, sent: 0, dropped: 0, truncated: 0, errors: 0, connects: 0, disconnects: 0, notices: 0, listenerErrors: 0 }
  readonly emitter = new EventEmitter()
  readonly options: ResolvedOptions
  readonly encoder: RecordEncoder
  readonly #noticeHeader: RecordHeader
  readonly #backlog: Backlog
  readonly #backoff: Backoff
  readonly #batch = new ByteWriter(BATCH_BYTES * 2)
  #state: State = 'idle'
  #link: Link | null = null
  #blocked = false
  #scheduled = false
  #timer: NodeJS.Timeout | null = null
  #tlsMaterial: TlsMaterial | null = null
  #closing = false
  /** Entries handed to the link and not confirmed: the backlog's records in flight, plus the notice if one is. */
  #inflight = 0
  /** Drops not yet reported in a notice, and the notice record in flight with its count. */
  #unreported = 0
  #notice: Buffer | null = null
  #noticeCount = 0
  /** Entries in flight before the notice (it is confirmed when that many and one more are). */
  #noticeAt = 0
  /** Drops not yet announced by a 'dropped' event. */
  #dropsToEmit = 0
  #waiters: Array<() => void> = []
  #closedWaiters: Array<() => void> = []

  constructor (options: ResolvedOptions, encoder: RecordEncoder, noticeHeader: RecordHeader) {
    this.options = options
    this.encoder = encoder
    this.#noticeHeader = noticeHeader
    this.#backlog = options.disk === null
      ? new MemoryBacklog(options.maxRecords, options.maxBufferBytes, options.overflow)
      : new DiskBacklog({ ...options.disk, overflow: options.overflow })
    this.#backlog.onReady(this.#onReady)
    if (options.disk !== null) {
      // Recovery of the directory: records left by an earlier run are sent first.
      this.#backlog.open().then(this.#onReady, (err: Error) => {
        this.counters.errors++
        this.#emit('error', err)
      })
    }
    this.#backoff = new Backoff(options.reconnectMinMs, options.reconnectMaxMs)
    if (options.connectEagerly) this.#connect()
  }

  get connected (): boolean { return this.#state === 'open' }
  get closing (): boolean { return this.#closing }
  /** Records buffered or in flight. */
  get pending (): number { return this.#backlog.waiting + this.#backlog.inflight }

  // --- the hot path -----------------------------------------------------------------------

  /** Takes a formatted record; drops (counted) when the buffer is full. Never throws. */
  push (record: Buffer): void {
    this.counters.logged++
    this.counters.truncated = this.encoder.truncated
    const dropped = this.#backlog.add(record)
    if (dropped > 0) this.#drop(dropped)
    if (!this.#scheduled) {
      if (this.#state === 'open') this.#schedule()
      else if (this.#state === 'idle') this.#connect()
    }
  }

  /** Counts a record refused after close(). */
  refuse (): void {
    this.counters.logged++
    this.counters.dropped++
    this.#unreported++
    this.#emit('dropped', { count: 1, reason: 'closed' })
  }

  #drop (count: number): void {
    this.counters.dropped += count
    this.#unreported += count
    this.#dropsToEmit += count
    if (!this.#scheduled) this.#schedule()
  }

  #onReady = (): void => {
    if (!this.#scheduled && this.#state === 'open') this.#schedule()
  }

  #schedule (): void {
    this.#scheduled = true
    setImmediate(this.#pump)
  }

  // Bound once; runs at most once per event-loop turn.
  #pump = (): void => {
    this.#scheduled = false
    if (this.#dropsToEmit > 0) {
      const count = this.#dropsToEmit
      this.#dropsToEmit = 0
      this.#emit('dropped', { count, reason: 'buffer-full' })
    }
    const link = this.#link
    if (link === null || this.#state !== 'open' || this.#blocked) return
    const more = link.datagram ? this.#pumpDatagrams(link) : this.#pumpStream(link)
    if (more && this.#link === link && !this.#blocked) this.#schedule()
  }

  /** True when records are left for the next turn. */
  #pumpStream (link: Link): boolean {
    const backlog = this.#backlog
    const batch = this.#batch
    let written = 0
    while (written < TURN_BYTES) {
      let records = 0
      if (this.#notice === null && this.#unreported > 0 && link.room > 0) { this.#takeNotice(); link.frame(batch, this.#notice!); records++ }
      while (batch.length < BATCH_BYTES && link.room > 0) {
        const record = backlog.take()
        if (record === undefined) break
        this.#inflight++
        link.frame(batch, record)
        records++
      }
      if (records === 0) return false
      const bytes = batch.take()
      written += bytes.length
      if (!link.write(bytes, records)) { if (this.#link === link) this.#blocked = true; return false }
      if (this.#link !== link) return false
    }
    return backlog.waiting > 0
  }

  #pumpDatagrams (link: Link): boolean {
    const backlog = this.#backlog
    if (this.#notice === null && this.#unreported > 0) {
      this.#takeNotice()
      if (!link.write(this.#notice!, 1)) { if (this.#link === link) this.#blocked = true; return false }
    }
    for (let sent = 0; sent < TURN_DATAGRAMS; sent++) {
      if (this.#inflight >= MAX_DATAGRAMS_IN_FLIGHT) return false // written() schedules
      const record = backlog.take()
      if (record === undefined) return false
      this.#inflight++
      if (!link.write(record, 1)) { if (this.#link === link) this.#blocked = true; return false }
      if (this.#link !== link) return false
    }
    return backlog.waiting > 0
  }

  /** The notice for the drops so far goes in flight first (sendsyslog(2)'s "dropped N messages"). */
  #takeNotice (): void {
    const count = this.#unreported
    this.#unreported = 0
    this.#noticeCount = count
    this.#notice = this.encoder.encode(this.#noticeHeader, 4, `dropped ${count} message${count === 1 ? '' : 's'} (buffer full)`, undefined)
    this.#noticeAt = this.#inflight
    this.#inflight++
  }

  // --- LinkEvents -----------------------------------------------------------------------

  opened (link: Link): void {
    if (link !== this.#link) return
    this.#state = 'open'
    this.#blocked = false
    this.#backoff.reset()
    this.counters.connects++
    this.#emit('connected', this.options.target)
    if (this.#closing && this.#idle()) { this.#settle(); return }
    this.#schedule()
  }

  written (link: Link, records: number): void {
    if (link !== this.#link) return
    let sent = records
    if (this.#notice !== null) {
      if (this.#noticeAt < records) {
        this.#notice = null
        this.#noticeCount = 0
        this.counters.notices++
        sent--
      } else {
        this.#noticeAt -= records
      }
    }
    this.#inflight -= records
    this.#backlog.confirm(sent)
    this.counters.sent += sent
    if (link.datagram && !this.#scheduled && !this.#blocked && this.#backlog.waiting > 0) this.#schedule()
    if (this.#waiters.length > 0 && this.#idle()) this.#settle()
  }

  writable (link: Link): void {
    if (link !== this.#link) return
    this.#blocked = false
    if (!this.#scheduled) this.#schedule()
  }

  closed (link: Link, err: Error | null): void {
    if (link !== this.#link) return
    this.#link = null
    this.#blocked = false
    const wasOpen = this.#state === 'open'
    this.#requeueInflight()
    if (err !== null) {
      this.counters.errors++
      this.#emit('error', new ClientConnectionError(this.options.target, describeLinkError(err), { cause: err }))
    }
    if (wasOpen) {
      this.counters.disconnects++
      this.#emit('disconnected', err)
    }
    if (this.#closing && this.#closedWaiters.length > 0) {
      this.#state = 'closed'
      const waiters = this.#closedWaiters
      this.#closedWaiters = []
      for (const wake of waiters) wake()
      return
    }
    this.#state = 'waiting'
    this.#timer = setTimeout(this.#reconnect, this.#backoff.next())
    this.#timer.unref()
  }

  /** Records written but not confirmed wait again, in front, so the order holds. */
  #requeueInflight (): void {
    if (this.#notice !== null) {
      // Not confirmed: its drops go into the next notice, which is written first again.
      this.#unreported += this.#noticeCount
      this.#notice = null
      this.#noticeCount = 0
    }
    this.#inflight = 0
    const dropped = this.#backlog.rewind()
    if (dropped > 0) this.#drop(dropped)
  }

  // --- connecting -----------------------------------------------------------------------

  #reconnect = (): void => {
    this.#timer = null
    if (!this.#closing || this.pending > 0) this.#connect()
  }

  #connect (): void {
    this.#state = 'connecting'
    if (this.options.useTls && this.#tlsMaterial === null) {
      // The files are read once, asynchronously; a bad file is reported and tried again.
      loadTlsMaterial(this.options.tls).then((material) => {
        this.#tlsMaterial = material
        if (this.#state === 'connecting' && this.#link === null) this.#open()
      }, (err: Error) => {
        this.counters.errors++
        this.#emit('error', err)
        this.#state = 'waiting'
        this.#timer = setTimeout(this.#reconnect, this.#backoff.next())
        this.#timer.unref()
      })
      return
    }
    this.#open()
  }

  #open (): void {
    try {
      this.#link = LINKS[this.options.transport](this.options, this, this.#tlsMaterial)
    } catch (err) {
      // net.connect() throws for some bad arguments (a malformed host); treat it as a failed connect.
      this.counters.errors++
      this.#emit('error', err as Error)
      this.#state = 'waiting'
      this.#timer = setTimeout(this.#reconnect, this.#backoff.next())
      this.#timer.unref()
    }
  }

  // --- flush and close ------------------------------------------------------------------

  #idle (): boolean {
    return this.#backlog.waiting === 0 && this.#inflight === 0 && this.#unreported === 0 && this.#notice === null
  }

  #settle (): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const wake of waiters) wake()
  }

  /** Resolves when everything buffered was delivered, or at the timeout with how much was not. */
  async flush (timeoutMs: number): Promise<FlushResult> {
    if (this.#idle()) return { ok: true, pending: 0 }
    if (this.#state === 'waiting' && this.#timer !== null) {
      // A flush is a reason to try now rather than at the end of a long back-off.
      clearTimeout(this.#timer)
      this.#timer = null
      this.#connect()
    }
    let timer: NodeJS.Timeout | undefined
    let wake: (() => void) | undefined
    const done = new Promise<void>((resolve) => {
      wake = resolve
      this.#waiters.push(resolve)
      timer = setTimeout(resolve, timeoutMs)
    })
    await done
    clearTimeout(timer)
    this.#waiters = this.#waiters.filter((w) => w !== wake)
    const pending = this.pending
    return { ok: this.#idle(), pending }
  }

  async close (timeoutMs: number): Promise<FlushResult> {
    if (this.#closing) return { ok: this.#idle(), pending: this.pending }
    this.#closing = true
    const started = Date.now()
    const result = await this.flush(timeoutMs)
    if (this.#timer !== null) { clearTimeout(this.#timer); this.#timer = null }
    const link = this.#link
    if (link !== null) {
      const left = Math.max(1, timeoutMs - (Date.now() - started))
      let timer: NodeJS.Timeout | undefined
      await new Promise<void>((resolve) => {
        this.#closedWaiters.push(resolve)
        timer = setTimeout(() => { link.destroy(); resolve() }, left)
        link.end()
      })
      clearTimeout(timer)
    }
    this.#state = 'closed'
    this.#link = null
    const pending = this.pending
    // A disk backlog keeps what is left for the next start; a memory one loses it.
    const kept = await this.#backlog.close()
    const lost = pending - kept
    if (lost > 0) {
      // What never went out is lost now: count it, and say so.
      this.counters.dropped += lost
      this.#emit('dropped', { count: lost, reason: 'close-timeout' })
      this.#backlog.discard()
    }
    this.#inflight = 0
    return { ok: result.ok && pending === 0, pending, ...(kept > 0 ? { kept } : {}) }
  }

  // --- events ---------------------------------------------------------------------------

  #emit<K extends keyof LoggerEvents> (name: K, ...args: LoggerEvents[K]): void {
    if (this.emitter.listenerCount(name) === 0) return
    try {
      this.emitter.emit(name, ...args)
    } catch {
      this.counters.listenerErrors++
    }
  }
}
