// `listen file:///var/log/app.log [tag=NAME] [facility=F] [severity=S] [partial_timeout=5s] [poll_interval=1s]`:
// a followed file (inputs/file-follow.ts). `file://./app.log` and `file://../x/app.log` are
// relative to the config file's directory (the working directory for the built-in config).
// Unlike the network listeners, an unknown option here is an error: a mistyped `tga=` would
// otherwise tag every line of the file wrongly, silently.

import { basename, resolve } from 'node:path'
import { facilityFromName, severityFromName } from '../message/priority.js'
import { MAX_APP_NAME } from '../message/model.js'
import { suggestKey, type Report } from './problems.js'
import type { FollowSettings } from './schema.js'
import { parseDuration } from './values.js'

export const FOLLOW_KEYS: readonly string[] = ['tag', 'facility', 'severity', 'partial_timeout', 'poll_interval']
const DEFAULT_FACILITY_USER = 1
const DEFAULT_SEVERITY_NOTICE = 5
const DEFAULT_PARTIAL_TIMEOUT_S = 5
const DEFAULT_POLL_INTERVAL_S = 1
// RFC 5424 §6.2.5: APP-NAME is 1*48 PRINTUSASCII.
const APP_NAME = /^[\x21-\x7e]+$/

/** The path of a file:// URL (after "file://"), or a problem. */
export function parseFilePath (rest: string, url: string, baseDir: string, report: Report): string | undefined {
  if (!/^(\/|\.\.?\/)/.test(rest) || rest.endsWith('/')) {
    report('error', `listen "${url}": the file path must be absolute (file:///var/log/app.log) or start with ./ or ../ (file://./app.log, relative to the config file's directory)`)
    return undefined
  }
  return resolve(baseDir, rest)
}

/** An option no listener knows, on a file listener: an error (see the top of this file). */
export function reportUnknownFollowKey (url: string, key: string, report: Report): void {
  const known = [...FOLLOW_KEYS, 'max_message_size']
  report('error', `listen "${url}": unknown option "${key}"${suggestKey(key, known)} (file listeners take ${known.join(', ')})`)
}

/** The file listener's own options (tag=, facility=, ...), checked. */
export function parseFollow (url: string, path: string, options: Readonly<Record<string, string>>, report: Report): FollowSettings | undefined {
  let ok = true
  const tag = options['tag'] ?? defaultTag(path)
  if (!APP_NAME.test(tag) || tag.length > MAX_APP_NAME) {
    report('error', `listen "${url}": tag "${tag}" must be 1-${MAX_APP_NAME} printable ASCII characters without spaces (RFC 5424 APP-NAME)${options['tag'] === undefined ? '; the file name is the default, give tag=' : ''}`)
    ok = false
  }
  const facility = options['facility'] === undefined ? DEFAULT_FACILITY_USER : facilityFromName(options['facility'])
  if (facility === undefined) report('error', `listen "${url}": facility "${options['facility']!}" is not a facility name (user, local0, ...) or 0-23`)
  const severity = options['severity'] === undefined ? DEFAULT_SEVERITY_NOTICE : severityFromName(options['severity'])
  if (severity === undefined) report('error', `listen "${url}": severity "${options['severity']!}" is not a level name (notice, info, ...) or 0-7`)
  const partialTimeoutS = options['partial_timeout'] === undefined ? DEFAULT_PARTIAL_TIMEOUT_S : parseDuration('partial_timeout', options['partial_timeout'], report)
  const pollIntervalS = options['poll_interval'] === undefined ? DEFAULT_POLL_INTERVAL_S : parseDuration('poll_interval', options['poll_interval'], report)
  if (pollIntervalS === 0) {
    report('error', `listen "${url}": poll_interval=0: the poll is the safety net where fs.watch misses events; give 1s or more`)
    ok = false
  }
  if (!ok || facility === undefined || severity === undefined || partialTimeoutS === undefined || pollIntervalS === undefined) return undefined
  return { tag, facility, severity, partialTimeoutS, pollIntervalS }
}

/** "app.log" -> "app.log" cut to the APP-NAME limit; spaces become "_". */
function defaultTag (path: string): string {
  return basename(path).replace(/[^\x21-\x7e]/g, '_').slice(0, MAX_APP_NAME) || 'file'
}
