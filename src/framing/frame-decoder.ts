// Streaming RFC 6587 decoder: stream bytes in, syslog frames out. Pure: the caller
// (tcp.ts, tls.ts, unix.ts) feeds socket chunks to push() and calls end() on close.
//
// This is the daemon's hot path, so:
// - delimiters are found with Buffer#indexOf (memchr) and MSG-LEN is parsed from bytes;
// - a frame that lies inside one chunk is delivered as a zero-copy subarray of that chunk;
// - only a frame that crosses a chunk boundary is copied, into a Buffer that is handed to
//   onFrame and never written again (a delivered frame stays valid after later pushes);
// - state lives in #fields and the loops call bound methods: no per-frame closures or arrays.
//
// Memory held per decoder is bounded by about maxFrameBytes whatever the peer sends:
// an oversize frame is delivered truncated as soon as maxFrameBytes of it are in hand,
// and the rest of it is dropped as it arrives.

import { constants as bufferConstants } from 'node:buffer'
import { InvalidOptionError } from '../errors.js'
import { DIGIT_0, DIGIT_1, DIGIT_9, MAX_OCTET_DIGITS, SP } from './octet-counting.js'
import { CR, LF, NUL, isTrailerByte } from './non-transparent.js'

export type Framing = 'auto' | 'octet' | 'lf' | 'nul'
export type DecoderMode = 'octet' | 'lf' | 'nul' | 'undetected'

/** The frame was longer than maxFrameBytes; only its first maxFrameBytes bytes are delivered. */
export const FRAME_TRUNCATED = 1
/** Octet mode met a garbage length prefix; the bytes up to the next LF were delivered as one frame. */
export const FRAME_UNFRAMED = 2
/** The stream ended (end()) in the middle of a frame; what had arrived is delivered. */
export const FRAME_INCOMPLETE = 4

export const DEFAULT_MAX_FRAME_BYTES = 65536

export interface FrameDecoderOptions {
  /** Default 'auto': chosen from the first byte of the stream (RFC 6587 §3.4). */
  framing?: Framing
  /** Default 65536; an integer >= 1. */
  maxFrameBytes?: number
  /**
   * Called once per frame, synchronously from push() or end(). `frame` is never written by
   * the decoder again, so it may be kept. `flags` is a bit set of FRAME_*, 0 for a normal
   * frame. Must not throw or call push()/end(): an exception propagates out of push() and
   * the rest of that chunk is lost.
   */
  onFrame: (frame: Buffer, flags: number) => void
  /** Human-readable reports of truncated, unframed and incomplete frames. */
  onProblem?: (message: string) => void
}

export interface FrameCounters {
  /** Frames delivered to onFrame, flagged ones included. */
  frames: number
  truncated: number
  unframed: number
  incomplete: number
  /** Bytes received through push(). */
  bytes: number
}

// Decoder states.
const DETECT = 0 // 'auto': waiting for the first byte that is not LF, CR or NUL
const LENGTH = 1 // octet: between frames or inside MSG-LEN (#len, #lenDigits)
const BODY = 2 // octet: filling #body with a frame that crosses chunk boundaries
const SKIP = 3 // octet: dropping the #skipBytes left of an oversize frame
const LINE = 4 // a non-transparent frame, or (#lineFlags = FRAME_UNFRAMED) an unframed line
const DISCARD = 5 // dropping the rest of an oversize line, up to and including its trailer

// Which bytes end a non-transparent frame.
const ENDS_LF = 0
const ENDS_NUL = 1
const ENDS_LF_OR_NUL = 2

/** Marks the cached trailer positions as not yet searched in the current chunk. */
const NOT_SEARCHED = -2

/** Idle decoders keep a line buffer up to this size; bigger ones are released after use. */
const SCRATCH_KEEP_BYTES = 16 * 1024
const SCRATCH_MIN_BYTES = 1024

export class FrameDecoder {
  readonly counters: FrameCounters = { frames: 0, truncated: 0, unframed: 0, incomplete: 0, bytes: 0 }

  readonly #onFrame: (frame: Buffer, flags: number) => void
  readonly #onProblem: ((message: string) => void) | undefined
  readonly #maxFrameBytes: number
  #mode: DecoderMode
  #ends = ENDS_LF
  #state: number

  // LENGTH: the MSG-LEN digits read so far, and where they started in this chunk (-1: in an earlier one).
  #len = 0
  #lenDigits = 0
  #lenStart = -1

  // BODY and SKIP.
  #body: Buffer | null = null
  #bodyFilled = 0
  #bodyFlags = 0
  #declaredBytes = 0
  #skipBytes = 0

  // LINE and DISCARD: the partial line carried over from earlier chunks, at most maxFrameBytes + 1
  // bytes (the +1 is a CR that may turn out to be half of a CR LF trailer).
  #scratch: Buffer | null = null
  #held = 0
  #lineFlags = 0

  // Auto-detected non-transparent framing ends frames at LF or NUL. Each is searched for once per
  // chunk region, not once per frame, and the next position of each is cached here.
  #nextLf = NOT_SEARCHED
  #nextNul = NOT_SEARCHED

  constructor (options: FrameDecoderOptions) {
    const max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES
    // Leave room for the +1 CR byte of #scratch.
    if (!Number.isSafeInteger(max) || max < 1 || max >= bufferConstants.MAX_LENGTH) {
      throw new InvalidOptionError('maxFrameBytes', max, 'must be an integer >= 1')
    }
    if (typeof options.onFrame !== 'function') {
      throw new InvalidOptionError('onFrame', typeof options.onFrame, 'must be a function')
    }
    this.#maxFrameBytes = max
    this.#onFrame = options.onFrame
    this.#onProblem = options.onProblem
    const framing = options.framing ?? 'auto'
    switch (framing) {
      case 'auto': this.#mode = 'undetected'; this.#state = DETECT; break
      case 'octet': this.#mode = 'octet'; this.#state = LENGTH; break
      case 'lf': this.#mode = 'lf'; this.#state = LINE; this.#ends = ENDS_LF; break
      case 'nul': this.#mode = 'nul'; this.#state = LINE; this.#ends = ENDS_NUL; break
      default: throw new InvalidOptionError('framing', framing, "must be 'auto', 'octet', 'lf' or 'nul'")
    }
  }

  /**
   * The framing in use. With 'auto' this is 'undetected' until the first byte arrives;
   * auto-detected non-transparent framing reports 'lf', although it also ends frames at NUL.
   */
  get mode (): DecoderMode {
    return this.#mode
  }

  /**
   * Bytes of memory the decoder holds for a frame in progress (its line buffer or the
   * octet-counted frame being filled): never more than maxFrameBytes + 1.
   */
  get bufferedBytes (): number {
    return (this.#scratch?.length ?? 0) + (this.#body?.length ?? 0)
  }

  /** Decodes one chunk of the stream. Never throws on any bytes. */
  push (chunk: Buffer): void {
    const n = chunk.length
    this.counters.bytes += n
    this.#nextLf = NOT_SEARCHED
    this.#nextNul = NOT_SEARCHED
    this.#lenStart = -1
    let i = 0
    while (i < n) {
      switch (this.#state) {
        case LENGTH: i = this.#octet(chunk, i); break
        case LINE: i = this.#line(chunk, i); break
        case BODY: i = this.#fillBody(chunk, i); break
        case SKIP: i = this.#skip(chunk, i); break
        case DISCARD: i = this.#discard(chunk, i); break
        default: i = this.#detect(chunk, i)
      }
    }
  }

  /**
   * The stream has ended: delivers a frame still in progress. A last non-transparent line
   * without trailer is a normal frame (`nc` sends one when its input lacks a final newline); an
   * octet-counted frame cut short is flagged FRAME_INCOMPLETE. Afterwards the decoder is
   * between frames again, keeping the detected mode.
   */
  end (): void {
    switch (this.#state) {
      case LENGTH: if (this.#lenDigits > 0) this.#endInPrefix(); break
      case BODY: this.#endInBody(); break
      case LINE: if (this.#held > 0) this.#endInLine(); break
    }
    this.#len = 0
    this.#lenDigits = 0
    this.#held = 0
    this.#skipBytes = 0
    this.#lineFlags = 0
    this.#body = null
    this.#state = this.#mode === 'undetected' ? DETECT : this.#mode === 'octet' ? LENGTH : LINE
  }

  #emit (frame: Buffer, flags: number): void {
    const c = this.counters
    c.frames++
    if (flags !== 0) {
      if ((flags & FRAME_TRUNCATED) !== 0) c.truncated++
      if ((flags & FRAME_UNFRAMED) !== 0) c.unframed++
      if ((flags & FRAME_INCOMPLETE) !== 0) c.incomplete++
    }
    this.#onFrame(frame, flags)
  }

  // RFC 6587 §3.4: a receiver that accepts both framings tells them apart by the first
  // character: octet counting starts with MSG-LEN (NONZERO-DIGIT), non-transparent framing
  // with the message's '<' of PRI. Decided once per connection. Leading LF/CR/NUL are
  // skipped: they carry no framing information and cannot start a MSG-LEN.
  #detect (chunk: Buffer, from: number): number {
    const n = chunk.length
    let i = from
    while (i < n && isTrailerByte(chunk[i]!)) i++
    if (i === n) return n
    const b = chunk[i]!
    if (b >= DIGIT_1 && b <= DIGIT_9) {
      this.#mode = 'octet'
      this.#state = LENGTH
    } else {
      // Some senders end frames with NUL rather than LF; OpenBSD syslogd accepts either.
      this.#mode = 'lf'
      this.#ends = ENDS_LF_OR_NUL
      this.#state = LINE
    }
    return i
  }

  // RFC 6587 §3.4.1: MSG-LEN SP SYSLOG-MSG. Loops over every frame in the chunk without
  // returning to push(), so back-to-back small frames cost one byte loop and one subarray each.
  #octet (chunk: Buffer, from: number): number {
    const n = chunk.length
    const max = this.#maxFrameBytes
    let len = this.#len
    let digits = this.#lenDigits
    let i = from
    while (i < n) {
      const b = chunk[i]!
      if (b >= DIGIT_0 && b <= DIGIT_9 && (digits === 0 ? b !== DIGIT_0 : digits < MAX_OCTET_DIGITS)) {
        if (digits === 0) this.#lenStart = i
        len = len * 10 + (b - DIGIT_0)
        digits++
        i++
        continue
      }
      if (digits === 0 && isTrailerByte(b)) {
        // Not allowed by RFC 6587 §3.4.1, but some senders append a newline to each
        // octet-counted frame. MSG-LEN cannot start with these bytes, so skipping is safe.
        i++
        continue
      }
      if (digits === 0 || b !== SP) {
        this.#len = len
        this.#lenDigits = digits
        return this.#startUnframed(chunk, i)
      }
      const frameBytes = len
      // Reset before delivering, so the state is right even if onFrame throws.
      this.#len = len = 0
      this.#lenDigits = digits = 0
      i++
      if (frameBytes <= max) {
        if (n - i >= frameBytes) {
          this.#emit(chunk.subarray(i, i + frameBytes), 0)
          i += frameBytes
          continue
        }
        this.#startBody(chunk, i, frameBytes, frameBytes, 0)
        return n
      }
      this.#onProblem?.(`frame length ${frameBytes} exceeds maxFrameBytes ${max}; truncated`)
      if (n - i >= max) {
        this.#skipBytes = frameBytes - max
        this.#state = SKIP
        this.#emit(chunk.subarray(i, i + max), FRAME_TRUNCATED)
        return i + max
      }
      this.#startBody(chunk, i, frameBytes, max, FRAME_TRUNCATED)
      return n
    }
    this.#len = len
    this.#lenDigits = digits
    return n
  }

  #startBody (chunk: Buffer, from: number, declaredBytes: number, keepBytes: number, flags: number): void {
    // Hold one buffer at a time: the line buffer is only needed again after an unframed line.
    this.#scratch = null
    const body = Buffer.allocUnsafe(keepBytes)
    this.#bodyFilled = chunk.copy(body, 0, from, chunk.length)
    this.#body = body
    this.#bodyFlags = flags
    this.#declaredBytes = declaredBytes
    this.#skipBytes = declaredBytes - keepBytes
    this.#state = BODY
  }

  #fillBody (chunk: Buffer, from: number): number {
    const body = this.#body!
    const want = body.length - this.#bodyFilled
    const got = Math.min(want, chunk.length - from)
    this.#bodyFilled += chunk.copy(body, this.#bodyFilled, from, from + got)
    if (got < want) return from + got
    this.#body = null
    this.#state = this.#skipBytes > 0 ? SKIP : LENGTH
    this.#emit(body, this.#bodyFlags)
    return from + got
  }

  // The rest of an oversize octet-counted frame: exactly its declared bytes, so we stay in sync.
  #skip (chunk: Buffer, from: number): number {
    const got = Math.min(this.#skipBytes, chunk.length - from)
    this.#skipBytes -= got
    if (this.#skipBytes === 0) this.#state = LENGTH
    return from + got
  }

  // A syslog daemon keeps what it cannot parse: after a bad MSG-LEN we cannot know where the
  // frame ends, so we deliver the bytes up to the next LF, flagged, and resynchronise after it.
  // That handles the usual cause, a non-transparent sender on an octet-counting port.
  #startUnframed (chunk: Buffer, at: number): number {
    if (this.#onProblem !== undefined) {
      const prefix = (this.#lenDigits > 0 ? String(this.#len) : '') + describeByte(chunk[at]!)
      this.#onProblem(`invalid octet-counting length prefix "${prefix}" (expected MSG-LEN: 1-${MAX_OCTET_DIGITS} digits without a leading zero, then SP); delivering bytes up to the next LF unframed`)
    }
    const digits = this.#lenDigits
    const len = this.#len
    this.#len = 0
    this.#lenDigits = 0
    this.#lineFlags = FRAME_UNFRAMED
    this.#state = LINE
    if (digits === 0) return at
    // The digits belong to the unframed line. In this chunk they can go out zero-copy with the
    // rest; from an earlier chunk they are rebuilt from their value (no leading zero, so exact).
    if (this.#lenStart >= 0) return this.#lenStart
    const rebuilt = Buffer.from(String(len), 'latin1')
    this.#hold(rebuilt, 0, rebuilt.length)
    return at
  }

  // RFC 6587 §3.4.2: SYSLOG-MSG TRAILER. In the common case (frame inside the chunk) this is
  // one indexOf and one subarray per frame.
  #line (chunk: Buffer, from: number): number {
    let start = from
    for (;;) {
      const end = this.#findTrailer(chunk, start)
      if (end === -1) {
        this.#hold(chunk, start, chunk.length)
        return chunk.length
      }
      if (this.#held === 0) this.#emitLine(chunk, start, end)
      else this.#emitHeld(chunk, start, end)
      start = end + 1
      if (this.#lineFlags !== 0) {
        // An unframed line was a detour from octet counting: go back to reading MSG-LEN.
        this.#lineFlags = 0
        this.#state = LENGTH
        return start
      }
    }
  }

  // Unframed lines (octet mode) end only at LF; non-transparent frames at the configured trailers.
  #findTrailer (chunk: Buffer, from: number): number {
    if (this.#lineFlags !== 0 || this.#ends === ENDS_LF) return chunk.indexOf(LF, from)
    if (this.#ends === ENDS_NUL) return chunk.indexOf(NUL, from)
    let lf = this.#nextLf
    if (lf !== -1 && lf < from) lf = this.#nextLf = chunk.indexOf(LF, from)
    let nul = this.#nextNul
    if (nul !== -1 && nul < from) nul = this.#nextNul = chunk.indexOf(NUL, from)
    if (lf === -1) return nul
    return nul !== -1 && nul < lf ? nul : lf
  }

  // A frame wholly inside the chunk: chunk[start, end) with the trailer at `end`.
  #emitLine (chunk: Buffer, start: number, end: number): void {
    let stop = end
    // A CR LF trailer (RFC 6587 §3.4.2 allows it): the CR is not part of the message.
    if (stop > start && chunk[end] === LF && chunk[stop - 1] === CR) stop--
    const length = stop - start
    if (length === 0) return // two trailers in a row: nothing to deliver
    const max = this.#maxFrameBytes
    if (length <= max) {
      this.#emit(chunk.subarray(start, stop), this.#lineFlags)
      return
    }
    this.#onProblem?.(`frame length ${length} exceeds maxFrameBytes ${max}; truncated`)
    this.#emit(chunk.subarray(start, start + max), this.#lineFlags | FRAME_TRUNCATED)
  }

  // A frame that began in an earlier chunk: #scratch[0, #held) + chunk[start, end), trailer at `end`.
  #emitHeld (chunk: Buffer, start: number, end: number): void {
    const held = this.#held
    const scratch = this.#scratch!
    let length = held + (end - start)
    if (chunk[end] === LF && (end > start ? chunk[end - 1] : scratch[held - 1]) === CR) length--
    this.#held = 0
    if (length === 0) return
    const max = this.#maxFrameBytes
    const keep = Math.min(length, max)
    const out = Buffer.allocUnsafe(keep)
    const fromScratch = Math.min(held, keep)
    scratch.copy(out, 0, 0, fromScratch)
    if (fromScratch < keep) chunk.copy(out, fromScratch, start, start + keep - fromScratch)
    this.#releaseScratch()
    if (length <= max) {
      this.#emit(out, this.#lineFlags)
      return
    }
    this.#onProblem?.(`frame length ${length} exceeds maxFrameBytes ${max}; truncated`)
    this.#emit(out, this.#lineFlags | FRAME_TRUNCATED)
  }

  // No trailer in src[start, end): carry those bytes over to the next chunk, unless that would
  // take the line past maxFrameBytes; then deliver its first maxFrameBytes bytes now, flagged,
  // and drop the rest of it up to its trailer. This is what bounds memory in line modes.
  #hold (src: Buffer, start: number, end: number): void {
    if (start === end) return
    const held = this.#held
    const total = held + end - start
    const max = this.#maxFrameBytes
    // One byte over is allowed if it is a CR: the LF that completes a CR LF trailer may be next.
    if (total <= max || (total === max + 1 && src[end - 1] === CR)) {
      this.#reserveScratch(total)
      src.copy(this.#scratch!, held, start, end)
      this.#held = total
      return
    }
    const out = Buffer.allocUnsafe(max)
    const fromScratch = Math.min(held, max)
    if (fromScratch > 0) this.#scratch!.copy(out, 0, 0, fromScratch)
    if (fromScratch < max) src.copy(out, fromScratch, start, start + max - fromScratch)
    this.#held = 0
    this.#releaseScratch()
    this.#state = DISCARD
    this.#onProblem?.(`frame exceeds maxFrameBytes ${max} before its trailer; truncated, rest of frame discarded`)
    this.#emit(out, this.#lineFlags | FRAME_TRUNCATED)
  }

  #discard (chunk: Buffer, from: number): number {
    const end = this.#findTrailer(chunk, from)
    if (end === -1) return chunk.length
    this.#state = this.#lineFlags !== 0 ? LENGTH : LINE
    this.#lineFlags = 0
    return end + 1
  }

  #reserveScratch (bytes: number): void {
    const old = this.#scratch
    if (old !== null && old.length >= bytes) return
    const cap = Math.min(Math.max(bytes, old === null ? SCRATCH_MIN_BYTES : old.length * 2), this.#maxFrameBytes + 1)
    const grown = Buffer.allocUnsafe(cap)
    if (old !== null && this.#held > 0) old.copy(grown, 0, 0, this.#held)
    this.#scratch = grown
  }

  #releaseScratch (): void {
    if (this.#scratch !== null && this.#scratch.length > SCRATCH_KEEP_BYTES) this.#scratch = null
  }

  #endInPrefix (): void {
    const digits = Buffer.from(String(this.#len), 'latin1')
    this.#onProblem?.(`stream ended inside octet-counting length prefix "${digits.toString('latin1')}"; delivered unframed and incomplete`)
    this.#len = 0
    this.#lenDigits = 0
    // Like every frame, the leftover digits are held to maxFrameBytes (found by the property test).
    if (digits.length > this.#maxFrameBytes) this.#emit(digits.subarray(0, this.#maxFrameBytes), FRAME_UNFRAMED | FRAME_INCOMPLETE | FRAME_TRUNCATED)
    else this.#emit(digits, FRAME_UNFRAMED | FRAME_INCOMPLETE)
  }

  #endInBody (): void {
    const body = this.#body!.subarray(0, this.#bodyFilled)
    this.#onProblem?.(`stream ended ${body.length} bytes into a frame of length ${this.#declaredBytes}; delivered incomplete`)
    this.#body = null
    this.#emit(body, this.#bodyFlags | FRAME_INCOMPLETE)
  }

  // End of stream ends a line as a trailer would (nc sends a last line without one). #hold
  // guarantees #held <= maxFrameBytes, or maxFrameBytes + 1 with a final CR that we strip here.
  #endInLine (): void {
    const scratch = this.#scratch!
    let length = this.#held
    if (scratch[length - 1] === CR) length--
    this.#held = 0
    if (length === 0) return
    const out = Buffer.allocUnsafe(length)
    scratch.copy(out, 0, 0, length)
    this.#releaseScratch()
    this.#emit(out, this.#lineFlags)
  }
}

/** A byte for a problem report: printable ASCII as itself, anything else as \xNN. */
function describeByte (b: number): string {
  if (b > 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c) return String.fromCharCode(b)
  return '\\x' + b.toString(16).padStart(2, '0')
}
