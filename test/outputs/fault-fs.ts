// A FileSystem for tests: the real node:fs/promises underneath, with counters and injectable
// faults (an errno on the next writes, after an optional short write).

import type { FileHandleLike, FileSystem } from '../../src/outputs/file-system.js'
import { nodeFileSystem } from '../../src/outputs/file-system.js'

export interface Fault {
  /** errno code thrown by write(), e.g. 'ENOSPC', 'EIO'. */
  code: string
  /** Before failing, one write takes only this many bytes (a short write). */
  partialBytes?: number
  /** Fail datasync() instead of write(). */
  onDatasync?: boolean
  /** Fail only this many times, then clear (default: until cleared). */
  times?: number
}

export class FaultyFs implements FileSystem {
  opens = 0
  openNow = 0
  maxOpen = 0
  closes = 0
  writes = 0
  datasyncs = 0
  failures = 0
  fault: Fault | null = null
  /** Fail openAppend with this code while set. */
  openFault: string | null = null

  async openAppend (path: string, mode: number): Promise<FileHandleLike> {
    if (this.openFault !== null) throw errno(this.openFault, `open ${path}`)
    const fh = await nodeFileSystem.openAppend(path, mode)
    this.opens++
    this.openNow++
    this.maxOpen = Math.max(this.maxOpen, this.openNow)
    return {
      write: async (buffer, offset, length, position) => {
        this.writes++
        const fault = this.#take(false)
        if (fault !== null) {
          if (fault.partialBytes !== undefined && fault.partialBytes > 0) {
            const take = Math.min(length, fault.partialBytes)
            fault.partialBytes = 0
            return await fh.write(buffer, offset, take, position)
          }
          this.#used(fault)
          throw errno(fault.code, 'write')
        }
        return await fh.write(buffer, offset, length, position)
      },
      datasync: async () => {
        this.datasyncs++
        const fault = this.#take(true)
        if (fault !== null) {
          this.#used(fault)
          throw errno(fault.code, 'fdatasync')
        }
        await fh.datasync()
      },
      close: async () => {
        this.closes++
        this.openNow--
        await fh.close()
      }
    }
  }

  async mkdirp (path: string, mode: number): Promise<void> {
    await nodeFileSystem.mkdirp(path, mode)
  }

  #take (datasync: boolean): Fault | null {
    const fault = this.fault
    if (fault === null || (fault.onDatasync === true) !== datasync) return null
    return fault
  }

  #used (fault: Fault): void {
    this.failures++
    if (fault.times !== undefined && --fault.times <= 0) this.fault = null
  }
}

export function errno (code: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected, ${syscall}`), { code, syscall })
}
