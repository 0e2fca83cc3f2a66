// Facilities and severities, numbered as RFC 5424 §6.2.1 and named as BSD syslog.conf names them.
// PRI = facility * 8 + severity; valid PRI values are 0..191.

export const FACILITY_COUNT = 24
export const SEVERITY_COUNT = 8
export const MAX_PRI = FACILITY_COUNT * 8 - 1

/**
 * Canonical facility names by number. 13 and 14 are FreeBSD's `security` and `console`
 * (RFC 5424: "log audit", "log alert"); 15 ("clock daemon") has no BSD name, so it uses
 * rsyslog's `clock`.
 */
export const FACILITY_NAMES: readonly string[] = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news',
  'uucp', 'cron', 'authpriv', 'ftp', 'ntp', 'security', 'console', 'clock',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'
]

/** Canonical severity names by number (syslog.conf spelling). */
export const SEVERITY_NAMES: readonly string[] = [
  'emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'
]

// Aliases accepted on input. `panic`, `error` and `warn` are the deprecated spellings that
// syslog.conf(5) still accepts; `audit` and `alert` are rsyslog's names for 13 and 14.
const FACILITY_ALIASES: Readonly<Record<string, number>> = { audit: 13 }
const SEVERITY_ALIASES: Readonly<Record<string, number>> = { panic: 0, error: 3, warn: 4 }

const facilityByName = new Map<string, number>()
FACILITY_NAMES.forEach((name, code) => facilityByName.set(name, code))
for (const [name, code] of Object.entries(FACILITY_ALIASES)) facilityByName.set(name, code)

const severityByName = new Map<string, number>()
SEVERITY_NAMES.forEach((name, code) => severityByName.set(name, code))
for (const [name, code] of Object.entries(SEVERITY_ALIASES)) severityByName.set(name, code)

/** Facility number for a name or a decimal code ("local3", "19"); undefined when unknown. */
export function facilityFromName (name: string): number | undefined {
  const lower = name.toLowerCase()
  const byName = facilityByName.get(lower)
  if (byName !== undefined) return byName
  return decimalInRange(lower, FACILITY_COUNT - 1)
}

/** Severity number for a name or a decimal code ("warn", "4"); undefined when unknown. */
export function severityFromName (name: string): number | undefined {
  const lower = name.toLowerCase()
  const byName = severityByName.get(lower)
  if (byName !== undefined) return byName
  return decimalInRange(lower, SEVERITY_COUNT - 1)
}

/** The facility's canonical name, or its decimal code when it has none. */
export function facilityName (facility: number): string {
  return FACILITY_NAMES[facility] ?? String(facility)
}

/** The severity's canonical name, or its decimal code when it has none. */
export function severityName (severity: number): string {
  return SEVERITY_NAMES[severity] ?? String(severity)
}

export function makePri (facility: number, severity: number): number {
  return facility * 8 + severity
}

/**
 * Parses "facility.severity" as logger(1) -p does ("local0.err", "user.warn", "16.3").
 * A bare severity means facility user, as in logger.
 */
export function priFromString (text: string): number | undefined {
  const dot = text.lastIndexOf('.')
  if (dot < 0) {
    const severity = severityFromName(text)
    return severity === undefined ? undefined : makePri(1, severity)
  }
  const facility = facilityFromName(text.slice(0, dot))
  const severity = severityFromName(text.slice(dot + 1))
  if (facility === undefined || severity === undefined) return undefined
  return makePri(facility, severity)
}

function decimalInRange (text: string, max: number): number | undefined {
  if (!/^\d{1,3}$/.test(text)) return undefined
  const value = Number(text)
  return value <= max ? value : undefined
}
