// `listen file:///var/log/app.log`: follows a file as `tail -F` does, and keeps its place across
// restarts, so the file itself is the buffer that survives an outage of stele (issue 5).
//
// Reading: chunks of READ_CHUNK_BYTES at an explicit position (pread), split into lines
// (follow-lines.ts). A line that starts with <PRI> is parsed as syslog; any other line is the
// body of a message with tag=, facility=, severity= (default: the base name, user.notice), the
// daemon's hostname and the time it was read. Wake-ups come from fs.watch on the directory where
// it works, and from a poll every poll_interval= as the safety net (NFS, overlay file systems).
// When the daemon pauses inputs (an output is full), reading stops after the chunk in hand: the
// rest stays in the file.
//
// Rotation, checked whenever a read reaches the end of the file:
// - rename (logrotate's default, `create`): the path names another inode. The file now at the
//   path is opened at once and kept (#next), so that rotations after that moment cannot swap it
//   for a later one before we get to it. The old descriptor is read to its end; once the new
//   file has data or has been rotated away in turn (the writer has moved on), the old one is
//   closed and the new one read from 0. While the new file is empty we keep reading the old
//   one, so a writer that reopens late (postrotate) loses nothing. When the file was rotated
//   more than once before we finished it (stele was stopped, paused, or just slower than the
//   writer), the generations in between are found by name and read first, oldest first
//   (#successor).
// - copytruncate / truncation: the file is smaller than our position. Read again from 0, log it.
//   Lines written between the copy and the truncate are in neither file as we see it: that is
//   copytruncate's own loss window, which no reader can close (use rename rotation).
// - the file is missing: wait for it (logged once), then read it from 0.
//
// Position (inode, offset) is persisted by follow-state.ts, only after the outputs have written
// every message up to that offset (InputDeps.flushOutputs). So a crash or kill -9 reads again at most
// the lines delivered since the last save: duplicates, never a gap. On start:
// - same inode, size >= offset: continue at offset;
// - same inode, smaller: truncated while we were stopped: from 0, logged;
// - another inode: the saved one is looked for among the siblings (app.log.1, app.log-2026...);
//   found: it is finished from the saved offset first, then the new file is read from 0;
//   not found: logged (what it held after the offset is gone), the new file from 0.
// A file followed for the first time is read from its beginning.

import { watch, type FSWatcher } from 'node:fs'
import { open, readdir, stat, type FileHandle } from 'node:fs/promises'
import type { BigIntStats } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { FollowSettings, ListenerConfig } from '../config/schema.js'
import type { DaemonLog, Input, InputCounters, InputDeps, MessageSink } from '../daemon/component.js'
import { createMessage, type MessageSource, type SyslogMessage } from '../message/model.js'
import { createParser } from '../message/parse.js'
import { addProblem, utf8Boundary } from '../message/parse-common.js'
import { FollowState, type FollowPosition } from './follow-state.js'
import { LINE_CONTINUES, LINE_PARTIAL, LINE_TRUNCATED, LineAssembler } from './follow-lines.js'
import { newInputCounters } from './receive.js'

const READ_CHUNK_BYTES = 64 * 1024
/** On stop, how long to wait for the outputs before saving the last position (else: re-read later). */
const STOP_SETTLE_MS = 5000
const MAX_FINISHED = 64
/** A UTF-8 sequence may straddle the cut; keep enough to find its start. */
const UTF8_SLACK_BYTES = 4

interface OpenFile {
  readonly fh: FileHandle
  readonly path: string
  readonly dev: bigint
  readonly ino: bigint
}

export class FileFollowInput implements Input {
  readonly name: string
  readonly counters: InputCounters = { ...newInputCounters(false), rotations: 0, truncations: 0, partialLines: 0 }
  readonly #path: string
  readonly #settings: FollowSettings
  readonly #maxMessageBytes: number
  readonly #sink: MessageSink
  readonly #log: DaemonLog
  readonly #settled: () => Promise<void>
  readonly #state: FollowState
  readonly #source: MessageSource
  readonly #parse: (bytes: Buffer, receivedAt?: number) => SyslogMessage
  readonly #lines: LineAssembler
  readonly #scratch = Buffer.allocUnsafe(READ_CHUNK_BYTES)
  #file: OpenFile | null = null
  /** The file at the path once #file was rotated away, held open until #file is finished. */
  #next: OpenFile | null = null
  /** File offset of the next read. */
  #pos = 0
  /** Offset after the last line handed to the sink (what a save would record). */
  #delivered = 0
  #saved: FollowPosition | null = null
  #readAt = 0
  #paused = false
  #stopping = false
  #pumping: Promise<void> | null = null
  #again = false
  #saving: Promise<void> | null = null
  #saveAgain = false
  #watcher: FSWatcher | null = null
  #pollTimer: NodeJS.Timeout | undefined
  #partialTimer: NodeJS.Timeout | undefined
  #partialAt = -1
  #partialDue = false
  /** What was last logged about the path (missing, unreadable...), so a poll does not repeat it. */
  #reported = ''
  #saveFailing = false
  /** dev:ino of the rotated files read to their end in this run (the last MAX_FINISHED). */
  readonly #finished = new Set<string>()

  constructor (config: ListenerConfig, deps: InputDeps) {
    this.name = config.url
    this.#path = config.path
    this.#settings = config.follow!
    this.#maxMessageBytes = config.maxMessageSize
    this.#sink = deps.sink
    this.#log = deps.log
    this.#settled = deps.flushOutputs
    this.#state = new FollowState(deps.stateDir, config.path)
    this.#source = { input: config.url, peer: null, peerAddress: null, identity: null }
    this.#parse = createParser({ timeZone: deps.timeZone, expectHostname: true })
    this.#lines = new LineAssembler(config.maxMessageSize + UTF8_SLACK_BYTES, this.#onLine)
  }

  async start (): Promise<void> {
    try {
      await this.#resume()
    } catch (err) {
      // A file we cannot look at yet is not a reason to stop the daemon: the poll tries again.
      this.counters.errors++
      this.#log.log(3, `${this.name}: ${(err as Error).message}; trying again every ${this.#settings.pollIntervalS} s`)
    }
    this.#startWatch()
    this.#pollTimer = setInterval(this.#onPoll, this.#settings.pollIntervalS * 1000)
    this.#kick()
  }

  address (): string { return this.#path }

  pause (): void { this.#paused = true }

  resume (): void {
    this.#paused = false
    this.#kick()
  }

  async stop (): Promise<void> {
    if (this.#stopping) return
    this.#stopping = true
    clearInterval(this.#pollTimer)
    clearTimeout(this.#partialTimer)
    this.#watcher?.close()
    this.#watcher = null
    await this.#pumping
    // The last position is saved once the outputs have written it; an output that cannot (a
    // forward whose peer is down) must not hold up the shutdown: the lines are read again.
    this.#save()
    const saved = await Promise.race([this.#saving?.then(() => true), delay(STOP_SETTLE_MS)])
    if (saved === false) this.#log.log(5, `${this.name}: position not saved at stop (outputs still busy); lines after offset ${this.#saved?.offset ?? 0} will be read again at start`)
    const file = this.#file
    const next = this.#next
    this.#file = null
    this.#next = null
    await file?.fh.close().catch(() => {})
    await next?.fh.close().catch(() => {})
  }

  // ---- start-up: where to continue ----

  async #resume (): Promise<void> {
    let saved: FollowPosition | null = null
    try {
      saved = await this.#state.load()
    } catch (err) {
      this.counters.errors++
      this.#log.log(3, `${this.name}: cannot read position from ${this.#state.file} (${(err as Error).message}); reading ${this.#path} from its start`)
    }
    this.#saved = saved
    if (saved === null) return await this.#openLive(0)
    const now = await statOrNull(this.#path)
    if (now !== null && sameFile(now, saved)) {
      if (now.size >= BigInt(saved.offset)) return await this.#openLive(saved.offset, saved)
      this.counters.truncations!++
      this.#log.log(4, `${this.name}: ${this.#path} is smaller (${now.size} bytes) than the saved position ${saved.offset}: truncated while stele was stopped; reading it from the start`)
      return await this.#openLive(0)
    }
    const sibling = await this.#findRotated(saved)
    if (sibling !== null) {
      const file = await openFile(sibling)
      if (file !== null && sameFile(file.stats, saved)) {
        // Read like the live file: once at its end, the new file at the path takes over (#atEnd).
        const from = file.stats.size >= BigInt(saved.offset) ? saved.offset : 0
        this.#log.log(5, `${this.name}: ${this.#path} was rotated while stele was stopped; finishing ${sibling} from offset ${from}, then the new file from the start`)
        this.#use(file.file, from)
        return
      }
      await file?.file.fh.close()
    }
    this.counters.errors++
    this.#log.log(4, `${this.name}: ${this.#path} was replaced while stele was stopped and the old file (inode ${saved.ino}) is not next to it; what it held after offset ${saved.offset} was not read. Reading the current file from the start`)
    await this.#openLive(0)
  }

  /** A file in the same directory whose name starts with the base name and whose inode is the saved one. */
  async #findRotated (saved: FollowPosition): Promise<string | null> {
    const dir = dirname(this.#path)
    const base = basename(this.#path)
    let names: string[]
    try {
      names = await readdir(dir)
    } catch {
      return null
    }
    for (const name of names.sort()) {
      if (name === base || !name.startsWith(base)) continue
      const stats = await statOrNull(join(dir, name))
      if (stats !== null && stats.isFile() && sameFile(stats, saved)) return join(dir, name)
    }
    return null
  }

  /**
   * The generation written after `file`, which is no longer at the path, when it is not the one
   * at the path: `file` was rotated more than once before we finished it (stele was stopped,
   * paused by a full output, or slower than the writer). Null when the path's file comes next,
   * or when `file` is gone from the directory. Numbered names: logrotate shifts the generations
   * (app.log.1 -> app.log.2), so the newer one has the lower number; rotators that count up
   * (app.log.1, then app.log.2) give it the higher one. With dateext, the next name of the same
   * shape in byte order (app.log-20260101 -> app.log-20260102).
   */
  async #successor (file: OpenFile): Promise<{ path: string, dev: bigint, ino: bigint } | null> {
    const dir = dirname(this.#path)
    const base = basename(this.#path)
    const names = (await readdir(dir).catch(() => [] as string[])).filter((name) => name !== base && name.startsWith(base)).sort()
    const stats = new Map<string, BigIntStats>()
    let current: string | undefined
    for (const name of names) {
      const found = await statOrNull(join(dir, name))
      if (found === null) continue
      stats.set(name, found)
      if (found.dev === file.dev && found.ino === file.ino) current = name
    }
    if (current === undefined) return null
    const numbered = /^\.(\d+)$/.exec(current.slice(base.length))
    let candidates: Array<string | undefined>
    if (numbered !== null) {
      candidates = [`${base}.${Number(numbered[1]) - 1}`, `${base}.${Number(numbered[1]) + 1}`]
    } else {
      const shape = suffixShape(current.slice(base.length))
      candidates = [names.find((name) => name > current && suffixShape(name.slice(base.length)) === shape)]
    }
    // Only a file written after ours and not read already: a neighbour of the wrong scheme
    // (the older generation) must not make us read a generation twice or out of order.
    const mine = stats.get(current)!
    for (const name of candidates) {
      const found = name === undefined ? undefined : stats.get(name)
      if (found === undefined || !newerGeneration(found, mine) || this.#finished.has(`${found.dev}:${found.ino}`)) continue
      return { path: join(dir, name!), dev: found.dev, ino: found.ino }
    }
    return null
  }

  /** Opens the path itself at `offset`. A missing or unreadable file is reported once and retried by the poll. */
  async #openLive (offset: number, expect?: FollowPosition): Promise<void> {
    let opened: { file: OpenFile, stats: BigIntStats } | null
    try {
      opened = await openFile(this.#path)
    } catch (err) {
      this.#reportOnce(`error ${(err as NodeJS.ErrnoException).code ?? ''}`, 3, `cannot read ${this.#path} (${(err as Error).message}); trying again every ${this.#settings.pollIntervalS} s`, true)
      return
    }
    if (opened === null) {
      this.#reportOnce('missing', 5, `${this.#path} does not exist (yet); waiting for it`)
      return
    }
    if (this.#reported !== '') this.#log.log(5, `${this.name}: following ${this.#path} now`)
    this.#reported = ''
    // The path may have been replaced between stat and open: then this is a new file, from 0.
    this.#use(opened.file, expect === undefined || sameFile(opened.stats, expect) ? offset : 0)
  }

  #use (file: OpenFile, offset: number): void {
    this.#file = file
    this.#pos = offset
    this.#delivered = offset
    this.#lines.reset(offset)
    this.#clearPartial()
  }

  // ---- reading ----

  #kick = (): void => {
    if (this.#stopping) return
    if (this.#pumping !== null) { this.#again = true; return }
    this.#pumping = this.#pump().finally(() => { this.#pumping = null })
  }

  #onPoll = (): void => {
    if (this.#watcher === null) this.#startWatch()
    this.#kick()
  }

  async #pump (): Promise<void> {
    try {
      do {
        this.#again = false
        if (this.#file === null) await this.#openLive(0)
        if (this.#file !== null) await this.#readToEnd()
        this.#save()
      } while (this.#again && !this.#stopping && !this.#paused)
    } catch (err) {
      // Never let an I/O error escape a timer or watch callback: count, log, retry on the next poll.
      this.counters.errors++
      this.#log.log(3, `${this.name}: ${(err as Error).message}; trying again in ${this.#settings.pollIntervalS} s`)
    }
  }

  async #readToEnd (): Promise<void> {
    const file = this.#file!
    for (;;) {
      if (this.#paused || this.#stopping) return
      const { bytesRead } = await file.fh.read(this.#scratch, 0, READ_CHUNK_BYTES, this.#pos)
      if (bytesRead === 0) break
      this.#take(this.#scratch.subarray(0, bytesRead))
    }
    await this.#atEnd(file)
  }

  /**
   * Hands the lines of one chunk to the sink. When the daemon pauses the inputs (an output is
   * full), the rest of the chunk is left in the file and read again on resume: unlike a socket,
   * a file can wait, so nothing is pushed into an output that is already full.
   */
  #take (chunk: Buffer): void {
    // Messages keep views into their bytes, and the scratch buffer is reused: copy once per chunk.
    const bytes = Buffer.from(chunk)
    this.#readAt = Date.now()
    const at = this.#pos
    this.#pos += bytes.length
    if (!this.#lines.push(bytes, at)) {
      this.#pos = this.#delivered
      this.#lines.rewind(this.#delivered)
    }
  }

  /** At the end of the file: rotation, truncation, or the last line's partial timeout. */
  async #atEnd (file: OpenFile): Promise<void> {
    const now = await statOrNull(this.#path)
    const moved = now === null ? this.#next !== null : !isOpenFile(now, file)
    if (moved) {
      await this.#rotated(file, now)
      return
    }
    if (this.#next !== null) {
      // Our file is back at the path (renamed back): what we held open is not its successor.
      await this.#next.fh.close()
      this.#next = null
    }
    const size = (await file.fh.stat({ bigint: true })).size
    if (size < BigInt(this.#pos)) {
      this.#flushPartial()
      this.counters.truncations!++
      this.#log.log(4, `${this.name}: ${this.#path} shrank from ${this.#pos} to ${size} bytes (truncated, or rotated with copytruncate); reading it again from the start`)
      this.#use(file, 0)
      this.#again = true
      return
    }
    this.#checkPartial()
  }

  /**
   * `file` (read to its end) is no longer at the path; `now` is what the path holds (null: nothing).
   * The file at the path is opened here, the first time the rotation is seen, and not by name
   * later: by then the writer may have rotated again, and opening the path would skip the
   * generation in between.
   */
  async #rotated (file: OpenFile, now: BigIntStats | null): Promise<void> {
    if (this.#next === null && now !== null) this.#next = await this.#pin(file)
    const next = this.#next
    const between = await this.#successor(file)
    const target = between !== null && !(next !== null && between.dev === next.dev && between.ino === next.ino) ? between : next
    if (target === null) return // nothing at the path yet (renamed, not yet created): the old file is all there is
    // The new file at the path: switch once the writer has moved on to it (it has data) or past
    // it (rotated in turn). Until then a writer that reopens late still writes to the old one.
    if (target === next && now !== null && isOpenFile(now, next) && (await next.fh.stat({ bigint: true })).size === 0n) return
    const { bytesRead } = await file.fh.read(this.#scratch, 0, READ_CHUNK_BYTES, this.#pos)
    if (bytesRead > 0) { this.#take(this.#scratch.subarray(0, bytesRead)); this.#again = true; return }
    let opened: OpenFile
    if (target === next) {
      opened = next
      this.#next = null
    } else {
      const found = await openFile(target.path).catch(() => null)
      if (found === null || found.file.dev !== target.dev || found.file.ino !== target.ino) {
        // Renamed again between the listing and the open (logrotate shifting names): look again.
        await found?.file.fh.close()
        this.#again = true
        return
      }
      opened = found.file
    }
    this.#flushPartial()
    this.#finished.add(`${file.dev}:${file.ino}`)
    if (this.#finished.size > MAX_FINISHED) this.#finished.delete(this.#finished.values().next().value!)
    this.counters.rotations!++
    this.#log.log(5, `${this.name}: ${this.#path} was rotated (renamed or replaced); read the old file to its end (${this.#pos} bytes), now reading ${opened.path} from the start`)
    await file.fh.close()
    this.#use(opened, 0)
    this.#again = true
  }

  /** Opens the file at the path as the successor of `file`; null when there is none (yet). */
  async #pin (file: OpenFile): Promise<OpenFile | null> {
    const opened = await openFile(this.#path)
    if (opened === null) return null
    if (opened.file.dev === file.dev && opened.file.ino === file.ino) {
      await opened.file.fh.close() // renamed back: not a rotation after all
      return null
    }
    return opened.file
  }

  // ---- a last line without newline ----

  #checkPartial (): void {
    if (!this.#lines.hasPartial || this.#settings.partialTimeoutS === 0) return
    if (this.#partialDue && this.#partialAt === this.#pos) {
      this.#flushPartial()
      return
    }
    if (this.#partialTimer !== undefined && this.#partialAt === this.#pos) return
    clearTimeout(this.#partialTimer)
    this.#partialDue = false
    this.#partialAt = this.#pos
    this.#partialTimer = setTimeout(() => {
      this.#partialTimer = undefined
      this.#partialDue = true
      this.#kick()
    }, this.#settings.partialTimeoutS * 1000)
  }

  #flushPartial (): void {
    this.#clearPartial()
    this.#lines.flushPartial()
  }

  #clearPartial (): void {
    clearTimeout(this.#partialTimer)
    this.#partialTimer = undefined
    this.#partialDue = false
    this.#partialAt = -1
  }

  // ---- lines -> messages ----

  /** One line -> one message. Returns false once the daemon has paused the inputs. */
  #onLine = (bytes: Buffer, endOffset: number, flags: number): boolean => {
    this.#delivered = endOffset
    if (bytes.length === 0 && flags === 0) return !this.#paused // blank lines carry nothing
    const counters = this.counters
    counters.received++
    let line = bytes
    const truncated = (flags & LINE_TRUNCATED) !== 0 || line.length > this.#maxMessageBytes
    if (line.length > this.#maxMessageBytes) line = line.subarray(0, utf8Boundary(line, this.#maxMessageBytes))
    const msg = startsWithPri(line) ? this.#parse(line, this.#readAt) : this.#plain(line)
    msg.source = this.#source
    if (truncated) addProblem(msg, 'truncated', line.length, `line cut to ${line.length} bytes (max_message_size)`)
    if ((flags & LINE_PARTIAL) !== 0) {
      counters.partialLines!++
      addProblem(msg, 'partial-line', line.length, `no newline after ${this.#settings.partialTimeoutS} s (partial_timeout); delivered as it was`)
    }
    if ((flags & LINE_CONTINUES) !== 0) addProblem(msg, 'partial-line', 0, 'the rest of a line delivered earlier without its newline')
    if (msg.problems.length > 0) {
      counters.malformed++
      if (truncated) counters.truncated++
    }
    // false: an output is full, and the daemon pauses every input (pause()) until it drains.
    this.#sink.accept(msg)
    return !this.#paused
  }

  #plain (line: Buffer): SyslogMessage {
    const { facility, severity, tag } = this.#settings
    const msg = createMessage({ facility, severity, appName: tag, body: line, timestamp: this.#readAt })
    msg.format = 'rfc3164'
    msg.version = 0
    msg.raw = line
    msg.receivedAt = this.#readAt
    return msg
  }

  // ---- position ----

  /** Saves the delivered position once the outputs have written it. Coalesced: one save at a time. */
  #save (): void {
    if (this.#saving !== null) { this.#saveAgain = true; return }
    this.#saving = this.#saveLoop().finally(() => { this.#saving = null })
  }

  async #saveLoop (): Promise<void> {
    do {
      this.#saveAgain = false
      const file = this.#file
      if (file === null) return
      const position: FollowPosition = { dev: String(file.dev), ino: String(file.ino), offset: this.#delivered }
      const last = this.#saved
      if (last !== null && last.offset === position.offset && last.ino === position.ino && last.dev === position.dev) continue
      try {
        await this.#settled()
        await this.#state.save(position)
        this.#saved = position
        if (this.#saveFailing) this.#log.log(5, `${this.name}: position saved to ${this.#state.file} again`)
        this.#saveFailing = false
      } catch (err) {
        if (!this.#saveFailing) {
          this.counters.errors++
          this.#log.log(3, `${this.name}: cannot save the position to ${this.#state.file} (${(err as Error).message}); after a restart, lines since offset ${this.#saved?.offset ?? 0} will be read again`)
        }
        this.#saveFailing = true
        return
      }
    } while (this.#saveAgain)
  }

  // ---- watching ----

  #startWatch (): void {
    const base = basename(this.#path)
    try {
      // The directory, not the file: it also reports the file being created, renamed or removed.
      const watcher = watch(dirname(this.#path), { persistent: false }, (_event, name) => {
        if (name === null || name === base) this.#kick()
      })
      watcher.on('error', () => {
        // The directory went away, or the watch broke: the poll carries on and tries again.
        watcher.close()
        if (this.#watcher === watcher) this.#watcher = null
      })
      this.#watcher = watcher
    } catch {
      this.#watcher = null // no such directory yet, or fs.watch unsupported here: the poll covers it
    }
  }

  #reportOnce (what: string, severity: number, text: string, error = false): void {
    if (this.#reported === what) return
    this.#reported = what
    if (error) this.counters.errors++
    this.#log.log(severity, `${this.name}: ${text}`)
  }
}

// RFC 5424 §6.2.1 / RFC 3164 §4.1.1: "<" 1-3 digits ">".
function startsWithPri (line: Buffer): boolean {
  if (line.length < 3 || line[0] !== 0x3c) return false
  let i = 1
  while (i < line.length && i <= 4 && line[i]! >= 0x30 && line[i]! <= 0x39) i++
  return i > 1 && i <= 4 && line[i] === 0x3e
}

/** "-20260101" -> "-DDDDDDDD": rotated names of one scheme have one shape. */
function suffixShape (suffix: string): string {
  return suffix.replace(/\d/g, 'D')
}

function isOpenFile (stats: BigIntStats, file: OpenFile): boolean {
  return stats.dev === file.dev && stats.ino === file.ino
}

/**
 * Whether `candidate` is a later generation than `mine`: created after it where the file system
 * records birth times (statx), else last written no earlier (late writes to the old file can
 * make the mtimes of an empty new file and the old one equal at the clock's granularity).
 */
function newerGeneration (candidate: BigIntStats, mine: BigIntStats): boolean {
  if (candidate.birthtimeNs > 0n && mine.birthtimeNs > 0n && candidate.birthtimeNs !== mine.birthtimeNs) return candidate.birthtimeNs > mine.birthtimeNs
  return candidate.mtimeNs >= mine.mtimeNs
}

function sameFile (stats: BigIntStats, position: FollowPosition): boolean {
  return String(stats.dev) === position.dev && String(stats.ino) === position.ino
}

async function statOrNull (path: string): Promise<BigIntStats | null> {
  try {
    return await stat(path, { bigint: true })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null
    throw err
  }
}

/** Opens a regular file for reading; null when it does not exist. */
async function openFile (path: string): Promise<{ file: OpenFile, stats: BigIntStats } | null> {
  let fh: FileHandle
  try {
    fh = await open(path, 'r')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  const stats = await fh.stat({ bigint: true })
  if (!stats.isFile()) {
    await fh.close()
    throw new Error(`${path} is not a regular file`)
  }
  return { file: { fh, path, dev: stats.dev, ino: stats.ino }, stats }
}

async function delay (ms: number): Promise<false> {
  return await new Promise((resolve) => { setTimeout(() => resolve(false), ms).unref() })
}
