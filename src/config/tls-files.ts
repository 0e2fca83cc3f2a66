// The TLS files a config names (listen tls:// cert/key/ca, @tls:// ca/cert/key) are read and
// checked when the config is loaded, so that a missing, unreadable or wrong file is a config
// error at FILE:LINE from `stele check`, at start and at SIGHUP (where it rejects the reload and
// the running config stays), not a surprise at the first connection. Asynchronous: a reload
// never blocks the event loop on these reads.

import { certificateWarnings, loadTlsMaterial, type TlsFiles } from '../tls/context.js'
import type { Config, ConfigLocation, ConfigProblem } from './schema.js'

export async function checkTlsFiles (config: Config): Promise<ConfigProblem[]> {
  const checks: Array<{ where: ConfigLocation, what: string, files: TlsFiles }> = []
  for (const listener of config.listeners) {
    if (listener.tls !== undefined) checks.push({ where: listener, what: `listen "${listener.url}"`, files: listener.tls })
  }
  const seen = new Set<string>()
  for (const rule of config.rules) {
    const action = rule.action
    if (action.kind !== 'forward' || action.tls === undefined) continue
    // Rules sharing one action are one output: check (and report) it once.
    const key = `${action.file}:${action.line}:${action.text}`
    if (seen.has(key)) continue
    seen.add(key)
    checks.push({ where: action, what: `forward "${action.text}"`, files: action.tls })
  }
  const problems = await Promise.all(checks.map(async ({ where, what, files }): Promise<ConfigProblem[]> => {
    try {
      const material = await loadTlsMaterial(files)
      return certificateWarnings(material, files.cert ?? '').map((message) => ({ file: where.file, line: where.line, severity: 'warning' as const, message: `${what}: ${message}` }))
    } catch (err) {
      return [{ file: where.file, line: where.line, severity: 'error', message: `${what}: ${(err as Error).message}` }]
    }
  }))
  return problems.flat()
}
