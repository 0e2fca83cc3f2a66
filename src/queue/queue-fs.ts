// The file-system calls the disk queue makes, as a small interface (Vector's `Filesystem` trait),
// so that tests can inject ENOSPC, EIO and short writes without a full disk. nodeQueueFs is the
// real one: node:fs/promises, all asynchronous.

import { mkdir, open, readdir, readFile, rename, unlink, type FileHandle } from 'node:fs/promises'

export interface QueueFile {
  /** pwrite(2) of the whole buffer at `position`; may write fewer bytes (then the caller cuts). */
  write (buffer: Buffer, position: number): Promise<number>
  datasync (): Promise<void>
  truncate (length: number): Promise<void>
  close (): Promise<void>
}

export interface QueueFs {
  mkdirp (path: string): Promise<void>
  readdir (path: string): Promise<string[]>
  /** The whole file; rejects with ENOENT when it is gone. */
  readFile (path: string): Promise<Buffer>
  /** 'r+': an existing file for writing; 'wx': a new file, failing if it exists; 'w': create or empty. */
  open (path: string, flags: 'r+' | 'wx' | 'w'): Promise<QueueFile>
  rename (from: string, to: string): Promise<void>
  unlink (path: string): Promise<void>
  /** fsync(2) of a directory, so that files created or removed in it survive a power loss. */
  syncDir (path: string): Promise<void>
}

function wrap (fh: FileHandle): QueueFile {
  return {
    write: async (buffer, position) => (await fh.write(buffer, 0, buffer.length, position)).bytesWritten,
    datasync: async () => { await fh.datasync() },
    truncate: async (length) => { await fh.truncate(length) },
    close: async () => { await fh.close() }
  }
}

export const nodeQueueFs: QueueFs = {
  mkdirp: async (path) => { await mkdir(path, { recursive: true, mode: 0o750 }) },
  readdir: async (path) => await readdir(path),
  readFile: async (path) => await readFile(path),
  open: async (path, flags) => wrap(await open(path, flags, 0o640)),
  rename: async (from, to) => { await rename(from, to) },
  unlink: async (path) => { await unlink(path) },
  syncDir: async (path) => {
    const fh = await open(path, 'r')
    try { await fh.sync() } finally { await fh.close() }
  }
}
