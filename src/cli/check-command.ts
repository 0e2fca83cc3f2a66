// `stele check [-f CONFIG]`: reads a config as the daemon would and reports every problem as
// FILE:LINE: severity: message, so an administrator can fix them all before a (re)start.

import { parseArgs } from 'node:util'
import { isIPv6 } from 'node:net'
import { DEFAULT_CONFIG_NAME, loadConfig, parseDefaultConfig } from '../config/load.js'
import { formatProblem } from '../config/problems.js'
import type { ActionConfig, Config } from '../config/schema.js'

export const CHECK_HELP = `Usage: stele check [-f CONFIG]

Reads a stele config (and every file it includes) as the daemon would, and prints each problem
on standard error as FILE:LINE: error: MESSAGE or FILE:LINE: warning: MESSAGE, then a count.
When there are no errors, prints what the config sets up (listeners, rules, outputs).
Without -f, checks the built-in default config. Syntax: docs/configuration.md.

Options:
  -f, --config FILE   the config file to check
  -h, --help          show this help

Exit status: 0 no errors (warnings allowed), 1 errors found, 2 usage error.
`

export async function runCheck (argv: string[]): Promise<number> {
  let values: { config?: string, help?: boolean }
  let positionals: string[]
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { config: { type: 'string', short: 'f' }, help: { type: 'boolean', short: 'h', default: false } }
    }))
  } catch (err) {
    return usageError((err as Error).message)
  }
  if (values.help === true) { process.stdout.write(CHECK_HELP); return 0 }
  if (positionals.length > 0) return usageError(`unexpected argument "${positionals[0]}" (the config is given with -f FILE)`)
  const name = values.config ?? DEFAULT_CONFIG_NAME
  const { config, problems } = values.config === undefined ? parseDefaultConfig(process.cwd()) : await loadConfig(values.config)
  for (const problem of problems) process.stderr.write(`${formatProblem(problem)}\n`)
  const errors = problems.filter((p) => p.severity === 'error').length
  if (problems.length > 0) process.stderr.write(`${count(errors, 'error')}, ${count(problems.length - errors, 'warning')}\n`)
  if (config === null) return 1
  process.stdout.write(describeConfig(name, config))
  return 0
}

function describeConfig (name: string, config: Config): string {
  const lines = [`${name}: OK${config.files.length > 1 ? ` (${count(config.files.length, 'file')})` : ''}`]
  lines.push(`listeners: ${config.listeners.length}`)
  for (const l of config.listeners) lines.push(`  ${l.url}${l.transport === 'unix' && !l.url.endsWith(l.path) ? ` (${l.path})` : ''}`)
  lines.push(`rules: ${config.rules.length}`)
  const outputs = new Map<string, number>()
  for (const rule of config.rules) {
    const key = describeAction(rule.action)
    outputs.set(key, (outputs.get(key) ?? 0) + 1)
  }
  lines.push(`outputs: ${outputs.size}`)
  for (const [output, rules] of outputs) lines.push(`  ${output}${rules > 1 ? ` (${count(rules, 'rule')})` : ''}`)
  return `${lines.join('\n')}\n`
}

function describeAction (action: ActionConfig): string {
  switch (action.kind) {
    case 'file': return `file ${action.path} (${action.format}${action.sync ? ', sync' : ''})`
    case 'pipe': return `pipe ${action.path} (${action.format})`
    case 'stdout': return `stdout (${action.format})`
    case 'users': return `users ${action.text} (not supported: discarded)`
    case 'forward': {
      const host = isIPv6(action.host) ? `[${action.host}]` : action.host
      return `forward ${action.transport}://${host}:${action.port} (${action.format}${action.transport === 'tcp' ? `, ${action.framing} framing` : ''})`
    }
  }
}

function count (n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}

function usageError (message: string): number {
  process.stderr.write(`stele check: ${message}\n`)
  return 2
}
