// What signing asks of the rest of the config, checked when it is loaded, each problem at its
// FILE:LINE (`stele check` lists them; a reload with errors is rejected):
//
// - With sign_sg set, every action except `*` (users) is signed unless it says sign=off.
// - Signed messages are RFC 5424 (RFC 5848 §4.1): a signed action without format= gets
//   format=rfc5424; one that asks for another format is an error (write sign=off to keep it
//   unsigned). Each signed message is written as one record with control characters escaped
//   (#ooo), whatever newline= says, because the hash covers exactly the bytes written and a
//   verifier reads a file line by line; newline=split or keep is a warning.
// - sign_sg=3 numbers its groups (SPRI) by destination: at most 192 signed destinations.
// - sign_key, sign_cert: readable, DSA, and the certificate holds that key (async, below).

import type { ActionConfig, Config, ConfigProblem, RuleConfig } from '../../config/schema.js'
import type { Report } from '../../config/problems.js'
import { MAX_SPRI, type SignSettings } from './settings.js'
import { readCertificate, readDsaKey } from './signing-key.js'

/** True when messages written by this action are signed under these settings. */
export function isSigned (action: ActionConfig, sign: SignSettings): boolean {
  return sign.sg !== null && action.kind !== 'users' && action.options['sign'] !== 'off'
}

/**
 * Checks the sign= option of each rule and, with signing on, gives signed actions their format.
 * `reportAt(file, line)` reports at a place. Returns the rules to use.
 */
export function applySigning (rules: readonly RuleConfig[], sign: SignSettings, reportAt: (file: string, line: number) => Report): RuleConfig[] {
  const checked = new Set<ActionConfig>()
  const destinations = new Set<string>()
  const result = rules.map((rule) => {
    const action = rule.action
    const report = reportAt(action.file, action.line)
    const value = action.options['sign']
    if (!checked.has(action)) {
      checked.add(action)
      if (value !== undefined && value !== 'on' && value !== 'off') report('error', `sign "${value}" is not on or off`)
      else if (value === 'on' && sign.sg === null) report('warning', 'sign=on has no effect without the global option sign_sg=')
    }
    if (!isSigned(action, sign)) return rule
    destinations.add(JSON.stringify({ ...action, file: undefined, line: undefined }))
    const format = action.options['format']
    if (format !== undefined && format !== 'rfc5424') {
      report('error', `signing (sign_sg=${sign.sg}) needs format=rfc5424 on "${action.text}", not ${format}; write sign=off to leave this action unsigned`)
      return rule
    }
    const newline = action.options['newline']
    if (newline !== undefined && newline !== 'escape') report('warning', `newline=${newline} on signed "${action.text}": signed messages are written as one record with control characters escaped`)
    return action.format === 'rfc5424' && action.newline === 'escape' ? rule : { ...rule, action: { ...action, format: 'rfc5424', newline: 'escape' } as ActionConfig }
  })
  if (sign.sg === 3 && destinations.size > MAX_SPRI + 1 && sign.where.sg !== undefined) {
    reportAt(sign.where.sg.file, sign.where.sg.line)('error', `sign_sg=3 makes a signature group per destination, numbered 0..${MAX_SPRI}: ${destinations.size} signed destinations are too many (write sign=off on some)`)
  }
  if (sign.sg !== null && sign.sg !== 2 && sign.sg2Delims.length > 0 && sign.where.sg !== undefined) {
    reportAt(sign.where.sg.file, sign.where.sg.line)('warning', `sign_sg2_delim has no effect with sign_sg=${sign.sg} (only with sign_sg=2)`)
  }
  return result
}

/** sign_key and sign_cert: readable, DSA, matching. Asynchronous, like the TLS files. */
export async function checkSignFiles (config: Config): Promise<ConfigProblem[]> {
  const sign = config.globals.sign
  if (sign.sg === null) return []
  const problems: ConfigProblem[] = []
  const at = (where: { file: string, line: number } | undefined, message: string): void => {
    problems.push({ file: where?.file ?? config.files[0] ?? '', line: where?.line ?? 0, severity: 'error', message })
  }
  if (sign.certFile !== null && sign.keyFile === null) {
    at(sign.where.cert, 'sign_cert needs sign_key (the private key of that certificate)')
    return problems
  }
  if (sign.keyFile === null) return problems
  try {
    const key = await readDsaKey(sign.keyFile)
    if (sign.certFile !== null) {
      try {
        await readCertificate(sign.certFile, key)
      } catch (err) {
        at(sign.where.cert, (err as Error).message)
      }
    }
  } catch (err) {
    at(sign.where.key, (err as Error).message)
  }
  return problems
}
