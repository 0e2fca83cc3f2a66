// The read position of a followed file, kept across restarts: one small JSON file per followed
// path in state_dir=, named after the path's base name and a hash of the whole path:
//
//   state/app.log-3f2a9c01d4e7.json   {"path":"/var/log/app.log","dev":"2049","ino":"131","offset":81920,"savedAt":"..."}
//
// dev and ino are decimal strings: inode numbers can exceed 2^53 (XFS, btrfs), so they are read
// with bigint stats and never pass through a JS number. `offset` is the byte after the last line
// whose message the outputs had written when the position was saved.
//
// Crash safety: the new content goes to a temp file in the same directory, is fdatasync'ed and
// renamed over the old one, so a reader sees the old or the new position, never a torn one.
// A missing state file means "never followed"; an unreadable or corrupt one is reported by the
// caller and treated the same way (the file is then read from its start: duplicates, not loss).

import { createHash } from 'node:crypto'
import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { basename, join } from 'node:path'

export interface FollowPosition {
  /** Device and inode of the file the offset belongs to (decimal). */
  readonly dev: string
  readonly ino: string
  /** Bytes of that file already delivered and written. */
  readonly offset: number
}

export class FollowState {
  /** The state file's path. */
  readonly file: string
  readonly #dir: string
  readonly #path: string
  #dirMade = false

  constructor (stateDir: string, followedPath: string) {
    this.#dir = stateDir
    this.#path = followedPath
    const hash = createHash('sha256').update(followedPath).digest('hex').slice(0, 12)
    this.file = join(stateDir, `${basename(followedPath).replace(/[^A-Za-z0-9._-]/g, '_')}-${hash}.json`)
  }

  /** The saved position; null when there is none. Rejects (with the reason) when the file is corrupt or unreadable. */
  async load (): Promise<FollowPosition | null> {
    let text: string
    try {
      text = await readFile(this.file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
    const value: unknown = JSON.parse(text)
    if (!isPosition(value)) throw new Error(`state file ${this.file} does not hold a position (dev, ino, offset)`)
    return { dev: value.dev, ino: value.ino, offset: value.offset }
  }

  /** Writes the position atomically (temp file, fdatasync, rename). Rejects on I/O errors. */
  async save (position: FollowPosition): Promise<void> {
    if (!this.#dirMade) {
      await mkdir(this.#dir, { recursive: true, mode: 0o750 })
      this.#dirMade = true
    }
    const temp = `${this.file}.tmp`
    const text = `${JSON.stringify({ path: this.#path, ...position, savedAt: new Date().toISOString() })}\n`
    const fh = await open(temp, 'w', 0o640)
    try {
      await fh.writeFile(text)
      await fh.datasync()
    } finally {
      await fh.close()
    }
    await rename(temp, this.file)
  }
}

function isPosition (value: unknown): value is FollowPosition {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return typeof v['dev'] === 'string' && /^\d+$/.test(v['dev']) && typeof v['ino'] === 'string' && /^\d+$/.test(v['ino']) &&
    typeof v['offset'] === 'number' && Number.isSafeInteger(v['offset']) && v['offset'] >= 0
}
