import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ActionConfig, HostFilter, ProgramFilter, RuleConfig } from '../../src/config/schema.js'
import type { Output, OutputCounters } from '../../src/daemon/component.js'
import { parse, type SyslogMessage } from '../../src/message/index.js'
import { Router } from '../../src/route/router.js'

class RecordingOutput implements Output {
  readonly counters: OutputCounters = { received: 0, written: 0, dropped: {}, truncated: 0, errors: 0 }
  readonly got: string[] = []
  full = false
  constructor (readonly name: string) {}
  async start (): Promise<void> {}
  write (msg: SyslogMessage): boolean { this.got.push(msg.text); return !this.full }
  onDrain (): void {}
  async flush (): Promise<void> {}
  async reopen (): Promise<void> {}
  async stop (): Promise<void> {}
  destroy (): void {}
}

const mask = (match: (facility: number, severity: number) => boolean): Uint8Array =>
  Uint8Array.from({ length: 192 }, (_, pri) => match(pri >> 3, pri & 7) ? 1 : 0)
const rule = (name: string, match: (f: number, s: number) => boolean, program: ProgramFilter | null = null, host: HostFilter | null = null): RuleConfig =>
  ({ file: 'test.conf', line: 1, selector: { text: name, mask: mask(match) }, program, host, action: { kind: 'file', path: name } as unknown as ActionConfig })
const msg = (text: string): SyslogMessage => parse(Buffer.from(text), { timeZone: 'UTC' })

test('router: each matching rule\'s output gets the message once, in config order', () => {
  const outputs = new Map<string, RecordingOutput>()
  const outputFor = (r: RuleConfig): Output => {
    const key = (r.action as { path: string }).path.replace(/#.*/, '')
    if (!outputs.has(key)) outputs.set(key, new RecordingOutput(key))
    return outputs.get(key)!
  }
  const rules = [
    rule('all', () => true),
    rule('mail', (f) => f === 2),
    rule('all#again', (_f, s) => s <= 3), // the same output as "all": written once
    rule('sshd', () => true, { names: ['sshd'], negate: false }),
    rule('not-sshd', () => true, { names: ['sshd'], negate: true }),
    rule('web', () => true, null, { names: ['web1', 'web2'], negate: false }),
    rule('local', () => true, null, { names: ['@'], negate: false })
  ]
  const router = new Router(rules, outputFor, 'myhost', () => {})
  router.accept(msg('<19>Nov 22 10:00:00 web1 sshd[1]: one')) // mail.err from sshd on web1
  router.accept(msg('<13>Nov 22 10:00:00 myhost cron: two'))
  const got = Object.fromEntries([...outputs].map(([k, o]) => [k, o.got]))
  assert.deepEqual(got, {
    all: ['one', 'two'],
    mail: ['one'],
    sshd: ['one'],
    'not-sshd': ['two'],
    web: ['one'],
    local: ['two']
  })
})

test('router: a full output makes accept() return false and is reported', () => {
  const full = new RecordingOutput('full')
  full.full = true
  const reported: Output[] = []
  const router = new Router([rule('x', () => true)], () => full, 'h', (o) => reported.push(o))
  assert.equal(router.accept(msg('<13>Nov 22 10:00:00 h a: m')), false)
  assert.deepEqual(reported, [full])
  assert.deepEqual(full.got, ['m'], 'the message was still handed over (the output counts it)')
})
