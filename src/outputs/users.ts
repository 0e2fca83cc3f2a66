// The `*` action (write to every logged-in user's terminal). stele does not write to terminals:
// the config loader warns about the line, and this output accounts for what the rule matches,
// counting each message dropped as 'refused' (stele refuses the delivery by policy) so that
// `stele stats` shows where those messages went. Nothing is logged per message.

import type { UsersAction } from '../config/schema.js'
import type { Output, OutputContext, OutputCounters } from '../daemon/component.js'
import type { SyslogMessage } from '../message/model.js'
import { countDropped, newCounters } from './accounting.js'

export class UsersOutput implements Output {
  readonly name = 'users *'
  readonly counters: OutputCounters = newCounters()

  constructor (_action: UsersAction, _ctx: OutputContext) {}

  async start (): Promise<void> {}

  write (_msg: SyslogMessage): boolean {
    this.counters.received++
    countDropped(this.counters, 'refused')
    return true
  }

  onDrain (_fn: () => void): void {}
  async flush (): Promise<void> {}
  async reopen (): Promise<void> {}
  async stop (): Promise<void> {}
  destroy (_err?: Error): void {}
}
