// RELP, rsyslog's Reliable Event Logging Protocol (librelp): the frame codec. Pure: bytes in,
// frames out, and frames to bytes. No I/O.
//
//   RELP-FRAME = TXNR SP COMMAND SP DATALEN [SP DATA] TRAILER
//   TXNR       = 1*9DIGIT        1..999999999, then wraps to 1; "serverclose" carries 0
//   COMMAND    = 1*32ALPHA       open, syslog, close, rsp, serverclose
//   DATALEN    = 1*9DIGIT        octets of DATA; 0 means no SP and no DATA
//   TRAILER    = LF
//
// A response (COMMAND "rsp") carries RSP-DATA = CODE SP TEXT [LF DATA], e.g. "200 OK" or, for
// "open", "200 OK\nrelp_version=0\nrelp_software=...\ncommands=syslog".
//
// Limits: TXNR and DATALEN are at most 9 digits and COMMAND at most 32 letters, so a header is
// at most MAX_HEADER_BYTES. DATA beyond `maxDataBytes` is read and discarded (the frame is
// delivered cut, flagged `truncated`), so a session never holds more than maxDataBytes plus a
// header whatever DATALEN says. Anything else that breaks the grammar is a protocol error: the
// decoder reports it once and takes no more bytes (a stream cannot be resynchronised reliably;
// librelp closes such sessions too).

export const MAX_TXNR = 999_999_999
const MAX_DIGITS = 9
const MAX_COMMAND_BYTES = 32
/** "999999999 " + 32 letters + " 999999999 " */
export const MAX_HEADER_BYTES = MAX_DIGITS + 1 + MAX_COMMAND_BYTES + 1 + MAX_DIGITS + 1
const SP = 0x20
const LF = 0x0a
const DIGIT_0 = 0x30
const DIGIT_9 = 0x39

export interface RelpFrame {
  txnr: number
  command: string
  /** The DATA (cut to maxDataBytes when `truncated`). */
  data: Buffer
  /** DATALEN as sent. */
  dataBytes: number
  truncated: boolean
}

export type RelpDecodeProblem =
  | 'bad-txnr' | 'bad-command' | 'bad-datalen' | 'bad-trailer'

/** The next transaction number after `txnr` (RELP: 1..999999999, wrapping to 1). */
export function nextTxnr (txnr: number): number {
  return txnr >= MAX_TXNR ? 1 : txnr + 1
}

/** One frame's bytes. `data` may be a string (offers, response text) or bytes. */
export function encodeRelpFrame (txnr: number, command: string, data?: Buffer | string): Buffer {
  // An ASCII string (every answer, "200 OK" above all): one string, one Buffer.
  if (typeof data === 'string' && data.length > 0 && Buffer.byteLength(data, 'utf8') === data.length) {
    return Buffer.from(`${txnr} ${command} ${data.length} ${data}\n`, 'latin1')
  }
  const body = data === undefined ? EMPTY : typeof data === 'string' ? Buffer.from(data, 'utf8') : data
  if (body.length === 0) return Buffer.from(`${txnr} ${command} 0\n`, 'latin1')
  const head = `${txnr} ${command} ${body.length} `
  const out = Buffer.allocUnsafe(head.length + body.length + 1)
  out.write(head, 0, 'latin1')
  body.copy(out, head.length)
  out[out.length - 1] = LF
  return out
}

const EMPTY = Buffer.alloc(0)

/** "rsp" DATA: CODE SP TEXT [LF DATA]. */
export interface RelpResponse { code: number, text: string, data: string }

/** Parses rsp DATA; null when it does not start with a 3-digit code. */
export function parseRelpResponse (data: Buffer): RelpResponse | null {
  const text = data.toString('utf8')
  const m = /^(\d{3})(?: ([^\n]*))?(?:\n([\s\S]*))?$/.exec(text)
  if (m === null) return null
  return { code: Number(m[1]), text: m[2] ?? '', data: m[3] ?? '' }
}

/** "relp_version=0\nrelp_software=...\ncommands=syslog" -> a map of offer -> value. */
export function parseOffers (text: string): Map<string, string> {
  const offers = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    const eq = line.indexOf('=')
    offers.set(eq < 0 ? line : line.slice(0, eq), eq < 0 ? '' : line.slice(eq + 1))
  }
  return offers
}

const enum State { Txnr, Command, DataLen, Data, Trailer, Dead }

export interface RelpDecoderOptions {
  /** DATA beyond this is discarded and the frame flagged truncated. */
  maxDataBytes: number
  onFrame: (frame: RelpFrame) => void
  /** Called once; the decoder then ignores every later byte. */
  onProblem: (problem: RelpDecodeProblem, detail: string) => void
}

/** Incremental RELP frame decoder: push() chunks as they arrive, split anywhere. */
export class RelpDecoder {
  readonly #options: RelpDecoderOptions
  #state = State.Txnr
  #digits = 0
  #txnr = 0
  #command = ''
  #dataLen = 0
  /** DATA bytes still to read (including those to discard). */
  #remaining = 0
  #parts: Buffer[] = []
  #kept = 0

  constructor (options: RelpDecoderOptions) {
    this.#options = options
  }

  /** True after a protocol error: the stream is no longer read. */
  get failed (): boolean { return this.#state === State.Dead }

  /** True between frames (nothing of a partial frame held). */
  get idle (): boolean { return this.#state === State.Txnr && this.#digits === 0 }

  push (chunk: Buffer): void {
    let i = 0
    const n = chunk.length
    while (i < n) {
      switch (this.#state) {
        case State.Txnr: i = this.#readTxnr(chunk, i); break
        case State.Command: i = this.#readCommand(chunk, i); break
        case State.DataLen: i = this.#readDataLen(chunk, i); break
        case State.Data: i = this.#readData(chunk, i); break
        case State.Trailer:
          if (chunk[i] !== LF) return this.#fail('bad-trailer', `expected LF after ${this.#dataLen} bytes of DATA, got byte ${chunk[i]}`)
          i++
          this.#emit()
          break
        case State.Dead: return
      }
    }
  }

  #readTxnr (chunk: Buffer, i: number): number {
    for (; i < chunk.length; i++) {
      const c = chunk[i]!
      if (c >= DIGIT_0 && c <= DIGIT_9 && this.#digits < MAX_DIGITS) {
        this.#txnr = this.#txnr * 10 + c - DIGIT_0
        this.#digits++
      } else if (c === SP && this.#digits > 0) {
        this.#state = State.Command
        this.#command = ''
        return i + 1
      } else {
        this.#fail('bad-txnr', `TXNR must be 1 to ${MAX_DIGITS} digits then SP, got byte ${c} after ${this.#digits} digits`)
        return chunk.length
      }
    }
    return i
  }

  #readCommand (chunk: Buffer, i: number): number {
    // The commands of nearly every frame, matched in place: no string made per frame.
    if (this.#command === '') {
      if (matches(chunk, i, SYSLOG)) return this.#commandDone('syslog', i + SYSLOG.length)
      if (matches(chunk, i, RSP)) return this.#commandDone('rsp', i + RSP.length)
    }
    let end = i
    while (end < chunk.length && isAlpha(chunk[end]!)) end++
    if (end > i) this.#command += chunk.toString('latin1', i, end)
    if (this.#command.length > MAX_COMMAND_BYTES) {
      this.#fail('bad-command', `COMMAND longer than ${MAX_COMMAND_BYTES} letters`)
      return chunk.length
    }
    if (end === chunk.length) return end
    if (chunk[end] !== SP || this.#command === '') {
      this.#fail('bad-command', `COMMAND must be 1 to ${MAX_COMMAND_BYTES} letters then SP, got byte ${chunk[end]}`)
      return chunk.length
    }
    return this.#commandDone(this.#command, end + 1)
  }

  #commandDone (command: string, next: number): number {
    this.#command = command
    this.#state = State.DataLen
    this.#digits = 0
    this.#dataLen = 0
    return next
  }

  #readDataLen (chunk: Buffer, i: number): number {
    for (; i < chunk.length; i++) {
      const c = chunk[i]!
      if (c >= DIGIT_0 && c <= DIGIT_9 && this.#digits < MAX_DIGITS) {
        this.#dataLen = this.#dataLen * 10 + c - DIGIT_0
        this.#digits++
        continue
      }
      if (this.#digits === 0) break
      // DATALEN 0: the trailer follows at once. Some senders put SP before it anyway.
      if (c === LF && this.#dataLen === 0) {
        this.#emit()
        return i + 1
      }
      if (c === SP) {
        this.#state = this.#dataLen === 0 ? State.Trailer : State.Data
        this.#remaining = this.#dataLen
        return i + 1
      }
      break
    }
    if (i === chunk.length) return i
    this.#fail('bad-datalen', `DATALEN must be 1 to ${MAX_DIGITS} digits then SP (or LF when 0), got byte ${chunk[i]}`)
    return chunk.length
  }

  #readData (chunk: Buffer, i: number): number {
    const take = Math.min(this.#remaining, chunk.length - i)
    const room = this.#options.maxDataBytes - this.#kept
    if (room > 0) {
      const keep = Math.min(take, room)
      this.#parts.push(chunk.subarray(i, i + keep))
      this.#kept += keep
    }
    this.#remaining -= take
    if (this.#remaining === 0) this.#state = State.Trailer
    return i + take
  }

  #emit (): void {
    const parts = this.#parts
    const data = parts.length === 0 ? EMPTY : parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.#kept)
    const frame: RelpFrame = { txnr: this.#txnr, command: this.#command, data, dataBytes: this.#dataLen, truncated: this.#kept < this.#dataLen }
    parts.length = 0
    this.#kept = 0
    this.#state = State.Txnr
    this.#digits = 0
    this.#txnr = 0
    this.#options.onFrame(frame)
  }

  #fail (problem: RelpDecodeProblem, detail: string): void {
    this.#state = State.Dead
    this.#parts = []
    this.#options.onProblem(problem, detail)
  }
}

const SYSLOG = Buffer.from('syslog ')
const RSP = Buffer.from('rsp ')

/** `word` (a command and its SP) is at chunk[i..], whole. */
function matches (chunk: Buffer, i: number, word: Buffer): boolean {
  if (i + word.length > chunk.length) return false
  for (let k = 0; k < word.length; k++) if (chunk[i + k] !== word[k]) return false
  return true
}

function isAlpha (c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)
}
