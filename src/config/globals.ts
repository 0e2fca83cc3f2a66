// Global options, written as key=value lines (several per line allowed):
//   hostname=gw1 timezone=Europe/Berlin mark_interval=20m repeat_suppression=off
// A key set twice keeps the last value, with a warning pointing at the first.

import { resolve } from 'node:path'
import { timeZone } from '../message/time-zone.js'
import { suggestKey, type Report } from './problems.js'
import type { GlobalOptions } from './schema.js'
import { parseCount, parseDuration, parseMessageSize, parseSwitch } from './values.js'
import { defaultSignSettings, MAX_SB_HASHES, MAX_SPRI, SIGN_KEYS } from '../sign/signer/settings.js'

export const GLOBAL_KEYS: readonly string[] = [
  'hostname', 'timezone', 'mark_interval', 'repeat_suppression', 'max_message_size', 'user', 'group', 'control_socket', 'state_dir',
  ...SIGN_KEYS
]

export function defaultGlobals (): GlobalOptions {
  return {
    hostname: null,
    timezone: 'local',
    markIntervalS: 1200,
    repeatSuppression: true,
    maxMessageSize: 65536,
    user: null,
    group: null,
    controlSocket: './stele.ctl',
    stateDir: './state',
    sign: defaultSignSettings()
  }
}

// RFC 5424 §6.2.4: HOSTNAME is 1*255 PRINTUSASCII.
const HOSTNAME = /^[\x21-\x7e]{1,255}$/
// POSIX portable user names, plus the trailing "$" Samba machine accounts use; or a numeric id.
const ACCOUNT = /^(\d{1,10}|[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?)$/

export class GlobalsBuilder {
  readonly values: GlobalOptions = defaultGlobals()
  readonly #setAt = new Map<string, string>()

  /** Applies one key=value; `where` is "FILE:LINE" for the repeated-key warning. */
  apply (key: string, text: string, where: string, baseDir: string, report: Report): void {
    if (!GLOBAL_KEYS.includes(key)) {
      report('error', `unknown global option "${key}"${suggestKey(key, GLOBAL_KEYS)} (known: ${GLOBAL_KEYS.join(', ')})`)
      return
    }
    const previous = this.#setAt.get(key)
    if (previous !== undefined) report('warning', `${key} was already given at ${previous}; this value replaces it`)
    this.#setAt.set(key, where)
    const v = this.values
    switch (key) {
      case 'hostname':
        if (HOSTNAME.test(text)) v.hostname = text
        else report('error', `hostname "${text}" must be 1-255 printable ASCII characters (RFC 5424 §6.2.4)`)
        break
      case 'timezone':
        try {
          timeZone(text)
          v.timezone = text
        } catch {
          report('error', `timezone "${text}" is not a zone this runtime knows (use local, UTC, +01:00 or an IANA name such as Europe/Berlin)`)
        }
        break
      case 'mark_interval': assign(parseDuration(key, text, report), (s) => { v.markIntervalS = s }); break
      case 'repeat_suppression': assign(parseSwitch(key, text, report), (on) => { v.repeatSuppression = on }); break
      case 'max_message_size': assign(parseMessageSize(key, text, report), (n) => { v.maxMessageSize = n }); break
      case 'user':
      case 'group':
        if (ACCOUNT.test(text)) v[key] = text
        else report('error', `${key} "${text}" is not a ${key} name or numeric id`)
        break
      case 'control_socket':
        v.controlSocket = resolve(baseDir, text)
        break
      case 'state_dir':
        v.stateDir = resolve(baseDir, text)
        break
      default:
        applySign(key, text, where, baseDir, this.values, report)
    }
  }
}

/** The sign_* options (RFC 5848 syslog-sign; src/sign/signer/settings.ts). */
function applySign (key: string, text: string, where: string, baseDir: string, v: GlobalOptions, report: Report): void {
  const sign = v.sign
  const location = { file: where.slice(0, where.lastIndexOf(':')), line: Number(where.slice(where.lastIndexOf(':') + 1)) }
  switch (key) {
    case 'sign_sg':
      if (/^[0-3]$/.test(text)) { sign.sg = Number(text) as 0 | 1 | 2 | 3; sign.where.sg = location } else report('error', 'sign_sg "' + text + '" is not a signature group strategy: 0 (one group), 1 (one per PRI), 2 (PRI ranges, see sign_sg2_delim) or 3 (one per destination) (RFC 5848 §4.2.3)')
      break
    case 'sign_sg2_delim': assign(parseDelims(text, report), (delims) => { sign.sg2Delims = delims }); break
    case 'sign_key': sign.keyFile = resolve(baseDir, text); sign.where.key = location; break
    case 'sign_cert': sign.certFile = resolve(baseDir, text); sign.where.cert = location; break
    case 'sign_hash':
      if (text === 'sha1' || text === 'sha256') sign.hash = text
      else report('error', `sign_hash "${text}" is not sha1 (VER 0111) or sha256 (VER 0121)`)
      break
    case 'sign_sb_redundancy': assign(parseCount(key, text, report, { min: 1, max: 10 }), (n) => { sign.sbRedundancy = n }); break
    case 'sign_sb_max_hashes': assign(parseCount(key, text, report, { min: 1, max: MAX_SB_HASHES }), (n) => { sign.sbMaxHashes = n }); break
    case 'sign_cb_resend': assign(parseCount(key, text, report, { min: 0, max: 100 }), (n) => { sign.cbResend = n }); break
    case 'sign_cb_resend_interval': assign(positive(key, parseDuration(key, text, report), report), (s) => { sign.cbResendIntervalS = s }); break
    case 'sign_flush_interval': assign(positive(key, parseDuration(key, text, report), report), (s) => { sign.flushIntervalS = s }); break
  }
}

/** "15,31" or "15 31" (NetBSD's syntax; parse.ts joins the words): ascending PRI values. */
function parseDelims (text: string, report: Report): number[] | undefined {
  const words = text.split(/[\s,]+/).filter((w) => w !== '')
  const delims: number[] = []
  for (const word of words) {
    const n = /^\d{1,3}$/.test(word) ? Number(word) : NaN
    if (!(n >= 0 && n <= MAX_SPRI)) { report('error', `sign_sg2_delim "${text}": "${word}" is not a PRI value 0..${MAX_SPRI}`); return undefined }
    if (delims.length > 0 && n <= delims[delims.length - 1]!) { report('error', `sign_sg2_delim "${text}": values must be in ascending order`); return undefined }
    delims.push(n)
  }
  if (delims.length === 0) { report('error', 'sign_sg2_delim needs at least one PRI value'); return undefined }
  return delims
}

function positive (key: string, seconds: number | undefined, report: Report): number | undefined {
  if (seconds === 0) { report('error', `${key} must be at least 1 second`); return undefined }
  return seconds
}

function assign<T> (value: T | undefined, set: (value: T) => void): void {
  if (value !== undefined) set(value)
}
