// One syslog-sign session (RFC 5848): a reboot session ID, a key, the signature groups of the
// configured destinations, and the blocks they send. The daemon opens a session at start and on
// each reload (a new RSID: message numbers start again at 1), and closes it before the outputs
// stop, so the last hashes are signed.
//
// When blocks go out (as NetBSD's syslogd, sign.c):
//   - a Signature Block once a division of new hashes has arrived (hash-window.ts), carrying
//     the whole window, so each hash is in sign_sb_redundancy consecutive blocks (by default 3
//     for a group with a UDP or plain TCP/TLS destination, 1 for the others: blockShape at the end);
//   - the Certificate Block (fragments) of a group just before its first Signature Block, then
//     again sign_cb_resend times, sign_cb_resend_interval apart;
//   - a Signature Block at least every sign_flush_interval while hashes wait (quiet periods
//     are covered without waiting for more messages, and lost blocks are repeated);
//   - at close: the Certificate Block if it was never sent, once more if resends were left,
//     and Signature Blocks until every hash has been sent sign_sb_redundancy times.
// Blocks go to every destination of their group, directly (not through the rules), with
// PRI 110 (log audit, info), APP-NAME stele and PROCID the pid, as NetBSD does with "syslogd".
// The global block counter (GBC) counts every block of the session, fragments included.
//
// Signing is off the event loop: each block is signed on the libuv thread pool
// (signBlockTextAsync, POOL_SIGNATURES at a time) and written when its signature is ready, in
// the order the blocks were made. A DSA signature costs 0.1-0.5 ms, and a block holds at most
// 99 hashes (CNT has two digits), so under a heavy load signing falls behind: once
// BEHIND_WAITING blocks wait, a due block waits for a full window, and that block then takes
// every hash (hash-window.ts take(late)): fewer, fuller blocks, with the redundancy given up
// counted and logged once. A block that cannot wait when MAX_WAITING are waiting is signed on
// the event loop, which slows intake instead of letting pending work grow without bound.

import { SyslogMessage } from '../../message/model.js'
import type { TimeZone } from '../../message/time-zone.js'
import type { DaemonLog, Output } from '../../daemon/component.js'
import {
  DEFAULT_MAX_FRAGMENT_CHARS, parseVer, prepareCertificateBlocks, prepareSignatureBlock, signBlockText, signBlockTextAsync,
  VER_SHA1, VER_SHA256, type BlockHeader, type PreparedBlock, type Ver
} from '../index.js'
import { HashWindow } from './hash-window.js'
import { nextRsid } from './rsid-store.js'
import { DATAGRAM_SB_REDUNDANCY, MAX_SB_HASHES, type SignSettings } from './settings.js'
import { SignatureGroup } from './signature-group.js'
import { planGroups } from './signature-groups.js'
import { loadSigningKey, type SigningKey } from './signing-key.js'

/** RFC 5848 §4.2.8 / NetBSD: a block message stays within 2048 octets. */
export const MAX_BLOCK_OCTETS = 2048
/** Signatures running on the thread pool at once (the file outputs' writes need its threads too). */
export const POOL_SIGNATURES = 2
/** Blocks waiting for a signature before the signer counts as behind: blocks then wait for full windows. */
export const BEHIND_WAITING = 8
/** ... and before a block that cannot wait is signed on the event loop (slowing intake). */
export const MAX_WAITING = 64
export const BLOCK_PRI = 110

export interface SignDestination {
  /** The output the signed records and blocks are written to. */
  readonly output: Output
  /** A datagram destination (UDP forward): it may lose blocks, so its group sends each hash redundantly. */
  readonly datagram: boolean
  /**
   * A plain TCP/TLS forward: what sits in the kernel's send buffer when the connection resets
   * is gone unnoticed, blocks included, so its group sends each hash redundantly too (but in
   * full blocks: a stream carries them). Optional: false.
   */
  readonly unacknowledged?: boolean
  /** selects[pri] === 1 when the destination's rules select that PRI. */
  readonly selects: ArrayLike<number>
  /** The longest record the output writes whole (UDP: max_datagram_size); 0 = no limit. */
  readonly maxRecordBytes: number
}

export interface SessionOptions {
  readonly settings: SignSettings
  readonly stateDir: string
  readonly hostname: string
  readonly timeZone: TimeZone
  readonly log: DaemonLog
  readonly destinations: readonly SignDestination[]
  /** Tests: a key already loaded, and the clock for the RSID. */
  readonly key?: SigningKey
  readonly now?: () => number
}

export interface PreparedSession { readonly key: SigningKey, readonly rsid: number }

interface Outgoing { readonly group: SignatureGroup, line: string | null }

export class SigningSession {
  readonly rsid: number
  readonly key: SigningKey
  readonly ver: Ver
  readonly strategy: 0 | 1 | 2 | 3
  readonly groups: readonly SignatureGroup[]
  readonly #groupOfPri: Int16Array
  readonly #settings: SignSettings
  readonly #hostname: string
  readonly #log: DaemonLog
  readonly #procId = String(process.pid)
  #gbc = 0
  #inFlight = 0
  readonly #waiting: Array<{ outgoing: Outgoing, prepared: PreparedBlock }> = []
  #warnedBehind = false
  readonly #outbox: Outgoing[] = []
  #idleWaiters: Array<() => void> = []
  #flushTimer: NodeJS.Timeout | undefined
  #resendTimer: NodeJS.Timeout | undefined
  #closed = false
  /** Counters for `stele stats`. */
  signatureBlocks = 0
  certificateBlocks = 0
  signedOnLoop = 0
  signErrors = 0

  /**
   * What can fail (reading or generating the key, persisting the next RSID), done before the
   * daemon commits to a config: a reload that cannot sign is rejected.
   */
  static async prepare (settings: SignSettings, stateDir: string, now?: () => number): Promise<PreparedSession> {
    const key = await loadSigningKey(settings, stateDir)
    const rsid = await nextRsid(stateDir, { now })
    return { key, rsid }
  }

  static async open (options: SessionOptions): Promise<SigningSession> {
    const prepared = options.key === undefined ? await SigningSession.prepare(options.settings, options.stateDir, options.now) : { key: options.key, rsid: await nextRsid(options.stateDir, { now: options.now }) }
    return new SigningSession(options, prepared)
  }

  constructor (options: SessionOptions, { key, rsid }: PreparedSession) {
    const settings = options.settings
    if (settings.sg === null) throw new Error('signing session opened without sign_sg')
    this.rsid = rsid
    this.key = key
    this.strategy = settings.sg
    this.ver = settings.hash === 'sha256' ? VER_SHA256 : VER_SHA1
    this.#settings = settings
    this.#hostname = options.hostname
    this.#log = options.log
    const plan = planGroups(settings.sg, settings.sg2Delims, options.destinations.map((d) => d.selects))
    this.#groupOfPri = plan.groupOfPri
    let fitting = 0
    this.groups = plan.groups.map((planned) => {
      const members = planned.destinations.map((d) => options.destinations[d]!)
      const limits = members.map((d) => d.maxRecordBytes).filter((n) => n > 0)
      const { redundancy, maxHashes } = blockShape(settings, members.some((d) => d.datagram), () => (fitting ||= this.fittingHashes()), members.some((d) => d.unacknowledged === true))
      return new SignatureGroup(planned.spri, members.map((d) => d.output), new HashWindow(maxHashes, redundancy), this.ver, {
        hostname: options.hostname, timeZone: options.timeZone, maxRecordBytes: limits.length === 0 ? 0 : Math.min(...limits), certificateResends: settings.cbResend
      })
    })
  }

  /** The distinct Signature Block shapes of the groups that have destinations, with how many groups have each. */
  blockShapes (): Array<{ maxHashes: number, redundancy: number, groups: number }> {
    const shapes = new Map<string, { maxHashes: number, redundancy: number, groups: number }>()
    for (const { window, destinations } of this.groups) {
      if (destinations.length === 0) continue
      const key = `${window.maxHashes}/${window.redundancy}`
      const shape = shapes.get(key)
      if (shape === undefined) shapes.set(key, { maxHashes: window.maxHashes, redundancy: window.redundancy, groups: 1 })
      else shape.groups++
    }
    return [...shapes.values()]
  }

  /** "99 hashes per Signature Block, redundancy 1 (2 groups); ...": for the start log line. */
  describeBlocks (): string {
    return this.blockShapes().map((s) => `${s.maxHashes} hashes per Signature Block, redundancy ${s.redundancy}${this.groups.length === 1 ? '' : ` (${s.groups} groups)`}`).join('; ')
  }

  /** Timers for the flush interval and Certificate Block resends (unref'd). */
  start (): void {
    const flushMs = this.#settings.flushIntervalS * 1000
    this.#flushTimer = setInterval(this.#onFlushTick, flushMs)
    this.#flushTimer.unref()
    this.#resendTimer = setInterval(this.#onResendTick, this.#settings.cbResendIntervalS * 1000)
    this.#resendTimer.unref()
  }

  /** The record to write to destination `destination` for `msg` (see SignatureGroup.record). */
  sign (msg: SyslogMessage, destination: number): SyslogMessage {
    const group = this.groups[this.strategy === 3 ? destination : this.#groupOfPri[msg.pri]!]!
    const window = group.window
    if (window.full) this.#sendSignatureBlock(group)
    const record = group.record(msg)
    if (this.#closed) this.#sendSignatureBlock(group)
    else if (window.due && (!this.#behind || window.full)) this.#sendSignatureBlock(group)
    return record
  }

  /** Sends what is left (see the header), waits for every pending signature, stops the timers. */
  async close (): Promise<void> {
    if (this.#closed) return await this.#idle()
    clearInterval(this.#flushTimer)
    clearInterval(this.#resendTimer)
    for (const group of this.groups) {
      if (!group.window.pending) continue
      if (group.certificateSent && group.certificateResends > 0) this.#sendCertificateBlock(group)
      while (group.window.pending) this.#sendSignatureBlock(group)
    }
    this.#closed = true
    await this.#idle()
  }

  stats (): object {
    let degraded = 0
    let truncated = 0
    for (const group of this.groups) { degraded += group.window.degraded; truncated += group.truncated }
    return {
      rsid: this.rsid,
      ver: this.ver,
      sg: this.strategy,
      keyType: this.key.blobType,
      groups: this.groups.length,
      signatureBlocks: this.signatureBlocks,
      certificateBlocks: this.certificateBlocks,
      signedOnLoop: this.signedOnLoop,
      signErrors: this.signErrors,
      blockShapes: this.blockShapes(),
      redundancyDegraded: degraded,
      truncatedBeforeHashing: truncated
    }
  }

  /**
   * Hashes per Signature Block that keep the block message within MAX_BLOCK_OCTETS with every
   * counter at its widest (10 digits) and the longest DER signature of this key.
   */
  fittingHashes (): number {
    const hashChars = parseVer(this.ver)!.hashBase64Chars
    const qOctets = Math.ceil((this.key.privateKey.asymmetricKeyDetails?.divisorLength ?? 256) / 8)
    const signatureChars = 4 * Math.ceil((2 * (qOctets + 3) + 2) / 3)
    for (let n = MAX_SB_HASHES; n > 1; n--) {
      const block = prepareSignatureBlock({
        header: this.#header(), group: { ver: this.ver, rsid: 9_999_999_999, sg: this.strategy, spri: 191 }, gbc: 9_999_999_999, fmn: 9_999_999_999, hashes: Array(n).fill('x'.repeat(hashChars))
      })
      if (block.complete('s'.repeat(signatureChars)).length <= MAX_BLOCK_OCTETS) return n
    }
    return 1
  }

  #header (): BlockHeader {
    return { timestamp: new Date().toISOString(), hostname: this.#hostname, pri: BLOCK_PRI, appName: 'stele', procId: this.#procId }
  }

  #groupFields (group: SignatureGroup): { ver: string, rsid: number, sg: number, spri: number } {
    return { ver: this.ver, rsid: this.rsid, sg: this.strategy, spri: group.spri }
  }

  #sendSignatureBlock (group: SignatureGroup): void {
    if (!group.certificateSent) this.#sendCertificateBlock(group)
    const urgent = this.#closed || group.window.full
    // Behind (a signature still pending and the window full): this block takes every hash, and
    // the next one waits for a full window of new hashes; under load, fewer and fuller blocks.
    const late = group.window.full && this.#behind
    // With redundancy 1 a late block gives nothing up (each hash goes out once anyway): no warning.
    if (late && group.window.redundancy > 1 && !this.#warnedBehind) {
      this.#warnedBehind = true
      this.#log.log(4, `syslog-sign: signing cannot keep up (RSID ${this.rsid}); Signature Blocks now carry full windows, and some hashes go out in fewer than ${group.window.redundancy} blocks (counted as redundancyDegraded in stele stats)`)
    }
    const block = group.window.take(late)
    if (block === null) return
    const prepared = prepareSignatureBlock({ header: this.#header(), group: this.#groupFields(group), gbc: this.#gbc++, fmn: block.firstNumber, hashes: block.hashes })
    group.blocks++
    this.signatureBlocks++
    this.#queue(group, prepared, urgent)
  }

  /** The Certificate Block, in fragments; the first send and each resend. */
  #sendCertificateBlock (group: SignatureGroup): void {
    if (group.certificateSent) group.certificateResends--
    group.certificateSent = true
    const header = this.#header()
    const fragments = prepareCertificateBlocks({
      header, group: this.#groupFields(group), payloadTimestamp: header.timestamp, keyBlobType: this.key.blobType, keyBlob: this.key.blob.toString('base64'), maxFragmentChars: DEFAULT_MAX_FRAGMENT_CHARS
    })
    for (const fragment of fragments) {
      this.#gbc++
      group.blocks++
      this.certificateBlocks++
      this.#queue(group, fragment, false)
    }
  }

  /** Signs a block (thread pool, or here when too much is pending) and writes it in order. */
  #queue (group: SignatureGroup, prepared: PreparedBlock, urgent: boolean): void {
    const outgoing: Outgoing = { group, line: null }
    this.#outbox.push(outgoing)
    if (urgent && (this.#closed || this.#waiting.length >= MAX_WAITING)) {
      this.signedOnLoop++
      outgoing.line = this.#complete(prepared, () => signBlockText(prepared.unsigned, this.key.privateKey))
      this.#deliver()
      return
    }
    this.#waiting.push({ outgoing, prepared })
    this.#pump()
  }

  /** Starts signatures on the thread pool, POOL_SIGNATURES at a time (file writes need threads too). */
  #pump (): void {
    while (this.#inFlight < POOL_SIGNATURES && this.#waiting.length > 0) {
      const { outgoing, prepared } = this.#waiting.shift()!
      this.#inFlight++
      signBlockTextAsync(prepared.unsigned, this.key.privateKey).then((signature) => {
        outgoing.line = prepared.complete(signature)
      }, (err: Error) => {
        outgoing.line = ''
        this.#signError(err)
      }).finally(() => {
        this.#inFlight--
        this.#pump()
        this.#deliver()
      })
    }
  }

  /** Signatures are falling behind: blocks wait for full windows (see #sendSignatureBlock). */
  get #behind (): boolean {
    return this.#waiting.length >= BEHIND_WAITING
  }

  #complete (prepared: PreparedBlock, sign: () => string): string {
    try {
      return prepared.complete(sign())
    } catch (err) {
      this.#signError(err as Error)
      return ''
    }
  }

  #signError (err: Error): void {
    this.signErrors++
    this.#log.log(3, `syslog-sign: cannot sign a block (RSID ${this.rsid}): ${err.message}; its messages stay unverifiable`)
  }

  /** Writes the blocks whose signatures are ready, in the order they were made. */
  #deliver (): void {
    const outbox = this.#outbox
    while (outbox.length > 0 && outbox[0]!.line !== null) {
      const { group, line } = outbox.shift()!
      if (line === '') continue
      const bytes = Buffer.from(line!, 'latin1')
      for (const output of group.destinations) output.write(this.#blockRecord(bytes))
    }
    if (outbox.length === 0 && this.#inFlight === 0 && this.#waiting.length === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters
      this.#idleWaiters = []
      for (const resolve of waiters) resolve()
    }
  }

  #blockRecord (bytes: Buffer): SyslogMessage {
    const record = new SyslogMessage()
    record.pri = BLOCK_PRI
    record.hostname = this.#hostname
    record.appName = 'stele'
    record.procId = this.#procId
    record.receivedAt = Date.now()
    record.raw = bytes
    return record
  }

  #idle (): Promise<void> {
    if (this.#outbox.length === 0 && this.#inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => { this.#idleWaiters.push(resolve) })
  }

  readonly #onFlushTick = (): void => {
    for (const group of this.groups) {
      if (group.window.pending && group.blocks === group.blocksAtTick) this.#sendSignatureBlock(group)
      group.blocksAtTick = group.blocks
    }
  }

  readonly #onResendTick = (): void => {
    for (const group of this.groups) {
      if (group.certificateSent && group.certificateResends > 0) this.#sendCertificateBlock(group)
    }
  }
}

/**
 * How many hashes a group's Signature Blocks carry and in how many blocks each hash is sent,
 * unless sign_sb_max_hashes / sign_sb_redundancy say otherwise. The redundancy and the
 * 2048-octet limit are defences against datagram loss (NetBSD sends over UDP): a group with a
 * UDP destination keeps both. A plain TCP/TLS forward can lose what is in flight when its
 * connection resets, so its group keeps the redundancy, in full blocks. A group whose
 * destinations all keep what they are given (files, pipes, RELP, which acknowledges) sends each
 * hash once, in full blocks of 99: about 7 times fewer signatures per message, for the same
 * coverage; a block then takes about 3 KB (SHA-1) or 4.7 KB (SHA-256), which files and stream
 * transports carry. `fitting` computes the 2048-octet fit (once per session) only when a group
 * needs it.
 */
export function blockShape (settings: SignSettings, datagram: boolean, fitting: () => number, unacknowledged = false): { redundancy: number, maxHashes: number } {
  return {
    redundancy: settings.sbRedundancy ?? (datagram || unacknowledged ? DATAGRAM_SB_REDUNDANCY : 1),
    maxHashes: settings.sbMaxHashes ?? (datagram ? fitting() : MAX_SB_HASHES)
  }
}
