// Routes each message to the outputs of every rule that matches it, in config order, as BSD
// syslogd does. The rules are indexed by PRI once, so a message only looks at rules whose
// selector matches its PRI; program (!prog) and host (+host) blocks are checked after that.
// An output named by several matching rules gets the message once.

import type { HostFilter, ProgramFilter, RuleConfig } from '../config/schema.js'
import type { MessageSink, Output } from '../daemon/component.js'
import type { SyslogMessage } from '../message/model.js'
import { MAX_PRI } from '../message/priority.js'

interface Target {
  readonly output: Output
  /** Number of the last message written to this output, to write each message once. */
  lastMessage: number
}

interface Route {
  readonly program: ProgramFilter | null
  readonly host: HostFilter | null
  readonly target: Target
}

export class Router implements MessageSink {
  readonly #routesByPri: Route[][]
  readonly #localHostname: string
  readonly #onFull: (output: Output) => void
  #messageNumber = 0

  /**
   * `outputFor` gives the output of each rule (rules with the same action share one output);
   * `onFull` is told about each output whose write() returned false.
   */
  constructor (rules: readonly RuleConfig[], outputFor: (rule: RuleConfig) => Output, localHostname: string, onFull: (output: Output) => void) {
    this.#localHostname = localHostname
    this.#onFull = onFull
    const targets = new Map<Output, Target>()
    this.#routesByPri = Array.from({ length: MAX_PRI + 1 }, () => [])
    for (const rule of rules) {
      const output = outputFor(rule)
      let target = targets.get(output)
      if (target === undefined) {
        target = { output, lastMessage: 0 }
        targets.set(output, target)
      }
      const route: Route = { program: rule.program, host: rule.host, target }
      for (let pri = 0; pri <= MAX_PRI; pri++) if (rule.selector.mask[pri] === 1) this.#routesByPri[pri]!.push(route)
    }
  }

  /** Writes the message to every matching output; false when any of them is full. */
  accept (msg: SyslogMessage): boolean {
    const routes = this.#routesByPri[msg.pri]!
    const number = ++this.#messageNumber
    let ok = true
    for (let i = 0; i < routes.length; i++) {
      const route = routes[i]!
      if (route.program !== null && !programMatches(route.program, msg.appName)) continue
      if (route.host !== null && !this.#hostMatches(route.host, msg.hostname)) continue
      const target = route.target
      if (target.lastMessage === number) continue
      target.lastMessage = number
      if (!target.output.write(msg)) {
        ok = false
        this.#onFull(target.output)
      }
    }
    return ok
  }

  #hostMatches (filter: HostFilter, hostname: string | null): boolean {
    const host = hostname ?? ''
    let listed = false
    for (const name of filter.names) {
      if (name === host || (name === '@' && host === this.#localHostname)) { listed = true; break }
    }
    return listed !== filter.negate
  }
}

function programMatches (filter: ProgramFilter, appName: string | null): boolean {
  const program = appName ?? ''
  let listed = false
  for (const name of filter.names) {
    if (name === program) { listed = true; break }
  }
  return listed !== filter.negate
}
