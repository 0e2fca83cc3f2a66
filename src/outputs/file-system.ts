// The few file-system calls the file output makes, as an interface, so that tests can inject
// ENOSPC, EIO and short writes without root or a full disk (as Vector's `Filesystem` trait).
// nodeFileSystem is the real one: node:fs/promises, all asynchronous.

import { open, mkdir } from 'node:fs/promises'

export interface FileHandleLike {
  /** write(2) at the end (files are opened O_APPEND); may write fewer bytes than asked. */
  write (buffer: Buffer, offset: number, length: number, position: null): Promise<{ bytesWritten: number }>
  datasync (): Promise<void>
  close (): Promise<void>
}

export interface FileSystem {
  /** Opens for appending, creating with `mode` (before umask). */
  openAppend (path: string, mode: number): Promise<FileHandleLike>
  /** mkdir -p */
  mkdirp (path: string, mode: number): Promise<void>
}

export const nodeFileSystem: FileSystem = {
  openAppend: async (path, mode) => await open(path, 'a', mode),
  mkdirp: async (path, mode) => { await mkdir(path, { recursive: true, mode }) }
}
