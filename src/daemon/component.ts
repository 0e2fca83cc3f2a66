// The contract every input and output of the daemon follows (see ../../../shared/STYLE.md,
// "Components"). A component has a small lifecycle (start, stop, destroy), plain-number
// counters the daemon reads for `stele stats`, and reports its own events (errors, drops)
// through the DaemonLog it is given, as syslog messages of facility `syslog`.

import type { SyslogMessage } from '../message/model.js'
import type { TimeZone } from '../message/time-zone.js'
import type { DescriptorBudget } from './descriptor-budget.js'

/** Why a message could not be delivered; every drop is counted under one of these. */
export type DropReason =
  | 'pipe-full' // a named pipe's reader was slow or absent and the bounded buffer overflowed
  | 'buffer-full' // a forward's memory buffer overflowed while the destination was down
  | 'queue-full' // a forward's queue (queue=memory|disk) was full: overflow=drop-newest|drop-oldest, or UDP while overflow=block holds the inputs
  | 'disk-full' // ENOSPC, EDQUOT or EFBIG writing a file
  | 'write-error' // any other error writing (EIO, EACCES after reopen, ...)
  | 'oversize' // truncated (counted in `truncated`, the message is still delivered)
  | 'rate-limit'
  | 'refused' // a peer refused by policy
  | 'shutdown' // still buffered when the daemon had to stop
  | 'rcvbuf-overflow' // a UDP listener's receive buffer was full; the kernel dropped the datagram (read from /proc/net/udp)

export interface OutputCounters {
  /** Messages handed to write(). */
  received: number
  /** Messages written to the file / pipe / socket (counted after the write, never on enqueue). */
  written: number
  /** Messages given up, by reason. */
  dropped: Partial<Record<DropReason, number>>
  /** Records cut to the output's size limit (still written). */
  truncated: number
  /** RELP forwards: records sent again after a reconnect (the receiver may have them twice). */
  resent?: number
  /** Errors seen (each also logged). */
  errors: number
  /** Forwards with a queue: its own counters (depth, bytes, segments, ...; DiskQueueStats). */
  queue?: object
}

export interface InputCounters {
  received: number
  /** Messages that could not be parsed cleanly (kept, and marked). */
  malformed: number
  /** Messages cut to max_message_size. */
  truncated: number
  dropped: Partial<Record<DropReason, number>>
  errors: number
  /** Stream inputs: connections open now / accepted in all / refused (limit). */
  connections?: number
  accepted?: number
  refused?: number
  /** TLS inputs: handshakes that failed (protocol version, timeout, certificate not verified). */
  handshakeErrors?: number
  /** Stream inputs: connections closed by idle_timeout (absent until the first). */
  idleTimeouts?: number
  /** RELP: frames that broke the protocol (bad frame, wrong txnr, command out of order); each logged. */
  protocolErrors?: number
  /** RELP: transactions acknowledged with "200 OK" (after every output had taken them). */
  acked?: number
  /** Followed files: renames seen (the file at the path was replaced). */
  rotations?: number
  /** Followed files: times the file shrank below the read position (truncation, copytruncate). */
  truncations?: number
  /** Followed files: last lines without newline delivered after partial_timeout. */
  partialLines?: number
}

/** The daemon's own log: messages of facility syslog, routed by the same rules as any other. */
export interface DaemonLog {
  /** severity 0..7 (3 = err, 4 = warning, 6 = info). Never throws. */
  log (severity: number, text: string): void
}

export interface OutputContext {
  readonly log: DaemonLog
  /** The daemon's hostname, written for messages that have none. */
  readonly hostname: string
  readonly timeZone: TimeZone
}

export interface Output {
  /** Protocol noun and target, e.g. "file /var/log/messages", "forward tcp://loghost:514". */
  readonly name: string
  readonly counters: OutputCounters
  /** Opens / connects. Rejects only for a configuration error (the daemon reports it); a
   *  destination that is down is not an error: the output retries on its own. */
  start (): Promise<void>
  /** Takes a message. Returns false when the output is full: the caller should stop reading
   *  from stream inputs until onDrain fires. The message has been accepted (or counted as
   *  dropped) either way. Never throws. */
  write (msg: SyslogMessage): boolean
  onDrain (fn: () => void): void
  /** Resolves when everything accepted so far has been written (or counted as dropped). */
  flush (): Promise<void>
  /** SIGHUP: reopen files (logrotate), reconnect pipes. Never rejects. */
  reopen (): Promise<void>
  /** Graceful: flush, then close. Idempotent. */
  stop (): Promise<void>
  /** Abort now; never throws; idempotent. */
  destroy (err?: Error): void
}

export interface Input {
  /** e.g. "udp://127.0.0.1:5514" */
  readonly name: string
  readonly counters: InputCounters
  /** Binds / listens. Rejects with a typed error when it cannot (address in use, ...). */
  start (): Promise<void>
  /** The bound address after start() (for port 0), or the socket path. */
  address (): string
  /** Stop reading from stream sockets (outputs are full) / resume. UDP cannot pause. */
  pause (): void
  resume (): void
  /**
   * SIGHUP, for a listener kept across the reload: re-read what it loaded from files (TLS
   * certificates), keeping its socket and connections. Never rejects.
   */
  reload? (): Promise<void>
  /** Stops accepting, then finishes the frames already in hand. Idempotent. */
  stop (): Promise<void>
}

/** What the daemon gives every listener. */
export interface InputDeps {
  sink: MessageSink
  log: DaemonLog
  /** Zone for timestamps sent without one. */
  timeZone: TimeZone
  /** Descriptors shared by the connections of every stream listener. */
  budget: DescriptorBudget
  /**
   * Resolves when every message the sink has accepted so far has been taken by every output
   * (written to its file, handed to the kernel / acknowledged by a forward's receiver, committed
   * to a disk queue) or counted as dropped: what makes a RELP acknowledgement mean durability.
   * Callers batch: one call covers everything accepted before it. Never rejects.
   */
  flushOutputs: () => Promise<void>
  /** state_dir=, absolute: where inputs keep state across restarts (followed files' positions). */
  stateDir: string
}

/** What inputs hand their messages to. Returns false when outputs are full (pause). */
export interface MessageSink {
  accept (msg: SyslogMessage): boolean
}
