// The reboot session ID (RFC 5848 §4.2.2): a number that MUST increase with each restart of the
// signer, so that a verifier can tell sessions (and their restarting message numbers) apart
// and refuse replays of an older session.
//
// Scheme: RSID = max(last RSID + 1, current time in whole seconds). The last one is kept in
// STATE_DIR/sign-rsid, written before the session uses it (write a temp file, fsync, rename,
// fsync the directory), so a crash never lets a value be used twice. If the file is lost, the
// clock still moves the RSID forward, as NetBSD's syslogd does (it uses the time at start);
// only a lost file *and* a clock set back could repeat a value, and the file guards the clock.
// RFC 5848 bounds the field to 10 digits (9999999999, year 2286 in seconds).

import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { DIR_MODE } from '../../outputs/file-writer.js'

export const RSID_FILE = 'sign-rsid'
export const MAX_RSID = 9_999_999_999

export interface RsidStoreOptions {
  /** The clock, in ms (tests). Default Date.now. */
  now?: () => number
}

/** Reads the last RSID (0 when there is none or it is unreadable), persists the next one, and returns it. */
export async function nextRsid (stateDir: string, options: RsidStoreOptions = {}): Promise<number> {
  const path = join(stateDir, RSID_FILE)
  const last = await readRsid(path)
  const seconds = Math.floor((options.now ?? Date.now)() / 1000)
  const next = Math.max(last + 1, seconds)
  if (next > MAX_RSID) throw new RangeError(`${path}: the reboot session ID would pass ${MAX_RSID} (RFC 5848 §4.2.2)`)
  await mkdir(stateDir, { recursive: true, mode: DIR_MODE })
  await writeDurably(path, `${next}\n`)
  return next
}

/** The RSID stored at `path`; 0 when the file is missing or holds no number. */
export async function readRsid (path: string): Promise<number> {
  try {
    const text = (await readFile(path, 'utf8')).trim()
    return /^\d{1,10}$/.test(text) ? Number(text) : 0
  } catch {
    return 0
  }
}

async function writeDurably (path: string, text: string): Promise<void> {
  const temp = `${path}.tmp`
  const file = await open(temp, 'w', 0o600)
  try {
    await file.writeFile(text)
    await file.sync()
  } finally {
    await file.close()
  }
  await rename(temp, path)
  const dir = await open(join(path, '..'), 'r')
  try {
    await dir.sync()
  } finally {
    await dir.close()
  }
}
