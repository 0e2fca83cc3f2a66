// Global options, written as key=value lines (several per line allowed):
//   hostname=gw1 timezone=Europe/Berlin mark_interval=20m repeat_suppression=off
// A key set twice keeps the last value, with a warning pointing at the first.

import { resolve } from 'node:path'
import { timeZone } from '../message/time-zone.js'
import { suggestKey, type Report } from './problems.js'
import type { GlobalOptions } from './schema.js'
import { parseDuration, parseMessageSize, parseSwitch } from './values.js'

export const GLOBAL_KEYS: readonly string[] = [
  'hostname', 'timezone', 'mark_interval', 'repeat_suppression', 'max_message_size', 'user', 'group', 'control_socket', 'state_dir'
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
    stateDir: './state'
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
    }
  }
}

function assign<T> (value: T | undefined, set: (value: T) => void): void {
  if (value !== undefined) set(value)
}
