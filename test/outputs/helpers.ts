// Shared by the output tests: a DaemonLog that records lines and can be awaited, action configs
// with defaults, messages, a deadline-bounded waitFor, and the accounting check every test ends with.

import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import type { FileAction, ForwardAction, PipeAction, StdoutAction } from '../../src/config/schema.js'
import type { DaemonLog, Output, OutputContext, OutputCounters } from '../../src/daemon/component.js'
import { createMessage, type MessageFields, type SyslogMessage } from '../../src/message/model.js'
import { timeZone } from '../../src/message/time-zone.js'
import { totalDropped } from '../../src/outputs/accounting.js'

export interface LogLine { severity: number, text: string }

export class TestLog implements DaemonLog {
  readonly lines: LogLine[] = []
  #watchers: Array<{ pattern: RegExp, resolve: (line: string) => void }> = []

  log (severity: number, text: string): void {
    this.lines.push({ severity, text })
    this.#watchers = this.#watchers.filter((watcher) => {
      if (!watcher.pattern.test(text)) return true
      watcher.resolve(text)
      return false
    })
  }

  /** Lines matching `pattern`. */
  matching (pattern: RegExp): string[] {
    return this.lines.filter((line) => pattern.test(line.text)).map((line) => line.text)
  }

  /** The first line (already logged or still to come) matching `pattern`. */
  async next (pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    const found = this.lines.find((line) => pattern.test(line.text))
    if (found !== undefined) return found.text
    let timer: NodeJS.Timeout | undefined
    const line = new Promise<string>((resolve) => { this.#watchers.push({ pattern, resolve }) })
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(new Error(`no log line matching ${String(pattern)} within ${timeoutMs} ms; got:\n${this.dump()}`)) }, timeoutMs)
    })
    try {
      return await Promise.race([line, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  dump (): string {
    return this.lines.map((line) => `  <${line.severity}> ${line.text}`).join('\n')
  }
}

export function testContext (log = new TestLog()): OutputContext & { log: TestLog } {
  return { log, hostname: 'testhost', timeZone: timeZone('UTC') }
}

/** Polls `condition` until it holds; fails after `timeoutMs`. For state no event announces. */
export async function waitFor (condition: () => boolean, { timeoutMs = 10_000, what = 'condition' }: { timeoutMs?: number, what?: string } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`waitFor: ${what} not reached within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

export async function tempDir (t: TestContext, prefix = 'stele-out-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

const COMMON = { file: 'test.conf', line: 1, newline: 'escape' as const, options: {} }

export function fileAction (path: string, fields: Partial<FileAction> = {}): FileAction {
  return { ...COMMON, kind: 'file', text: path, format: 'iso', path, sync: false, mode: 0o640, ...fields }
}

export function pipeAction (path: string, fields: Partial<PipeAction> = {}): PipeAction {
  return { ...COMMON, kind: 'pipe', text: `|${path}`, format: 'iso', path, bufferBytes: 1024 * 1024, ...fields }
}

export function forwardAction (transport: 'tcp' | 'udp', port: number, fields: Partial<ForwardAction> = {}): ForwardAction {
  return {
    ...COMMON,
    kind: 'forward',
    text: `@${transport}://127.0.0.1:${port}`,
    format: transport === 'tcp' ? 'rfc5424' : 'rfc3164',
    newline: transport === 'tcp' ? 'keep' : 'escape',
    transport,
    host: '127.0.0.1',
    port,
    framing: 'octet',
    bufferBytes: 8 * 1024 * 1024,
    ...fields
  }
}

export function stdoutAction (fields: Partial<StdoutAction> = {}): StdoutAction {
  return { ...COMMON, kind: 'stdout', text: 'stdout', format: 'iso', ...fields }
}

export const TIMESTAMP = Date.UTC(2026, 2, 7, 9, 30, 0)

/** Message number `n`: body "message n", so that order and completeness can be checked. */
export function message (n: number, fields: MessageFields = {}): SyslogMessage {
  const msg = createMessage({ hostname: 'host1', appName: 'app', procId: 42, timestamp: TIMESTAMP, body: `message ${n}`, ...fields })
  msg.receivedAt = TIMESTAMP
  return msg
}

/** Every message received was written or dropped, exactly once. */
export function assertBalanced (counters: OutputCounters): void {
  assert.equal(counters.received, counters.written + totalDropped(counters),
    `received ${counters.received} != written ${counters.written} + dropped ${JSON.stringify(counters.dropped)}`)
}

/** The numbers N of "message N" lines, in order. */
export function messageNumbers (text: string): number[] {
  const numbers: number[] = []
  for (const match of text.matchAll(/message (\d+)/g)) numbers.push(Number(match[1]))
  return numbers
}

export function range (from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_v, i) => from + i)
}

/** Writes messages from..to-1 honouring backpressure: waits for onDrain whenever write() says full. */
export async function feed (output: Output, from: number, to: number, make: (n: number) => SyslogMessage = message): Promise<void> {
  let resolveDrain: (() => void) | null = null
  let listening = drainListening.get(output)
  if (listening === undefined) {
    listening = { resolve: null }
    const state = listening
    output.onDrain(() => { const r = state.resolve; state.resolve = null; r?.() })
    drainListening.set(output, listening)
  }
  for (let n = from; n < to; n++) {
    if (!output.write(make(n))) {
      const drained = new Promise<void>((resolve) => { resolveDrain = resolve })
      listening.resolve = resolveDrain
      await drained
    }
  }
}

const drainListening = new WeakMap<Output, { resolve: (() => void) | null }>()
