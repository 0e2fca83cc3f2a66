// Datagrams the kernel dropped because a UDP socket's receive buffer was full: the one loss on a
// UDP listener that never reaches stele's code, so it must be read from the kernel's own count.
// Linux keeps it per socket, in the `drops` column of /proc/net/udp and /proc/net/udp6; the
// socket is found there by its local port (a UDP port is bound by one socket unless reuse is
// asked for, and stele does not ask). The count is read every POLL_MS; what it grew by is
// counted as dropped 'rcvbuf-overflow' on the listener and reported in the log, as OpenBSD's
// syslogd reports its own drops. Elsewhere (no /proc/net/udp) nothing is read, and the README
// says so.

import { readFile } from 'node:fs/promises'

const POLL_MS = 1000

export interface KernelDropsOptions {
  /** 'udp4' or 'udp6'. */
  family: 'udp4' | 'udp6'
  port: number
  /** Called with how many more datagrams the kernel dropped since the last call. */
  onDrops: (count: number) => void
}

export class KernelDropWatch {
  readonly #file: string
  readonly #portHex: string
  readonly #onDrops: (count: number) => void
  #timer: NodeJS.Timeout | undefined
  #seen = -1
  #reading: Promise<void> | undefined

  constructor (options: KernelDropsOptions) {
    this.#file = options.family === 'udp6' ? '/proc/net/udp6' : '/proc/net/udp'
    this.#portHex = options.port.toString(16).toUpperCase().padStart(4, '0')
    this.#onDrops = options.onDrops
  }

  start (): void {
    if (this.#timer !== undefined) return
    this.#reading = this.poll()
    this.#timer = setInterval(() => { this.#reading = this.poll() }, POLL_MS)
    this.#timer.unref()
  }

  /** Stops polling after a last read, so drops up to now are counted. */
  async stop (): Promise<void> {
    if (this.#timer === undefined) return
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#reading
    await this.poll()
  }

  /** Reads the kernel's count once; exported for stats and tests. Never rejects. */
  async poll (): Promise<void> {
    let text: string
    try {
      text = await readFile(this.#file, 'latin1')
    } catch {
      return // not Linux, or /proc not mounted: nothing to read
    }
    const drops = dropsForPort(text, this.#portHex)
    if (drops === null) return
    if (this.#seen < 0) {
      // The first reading is the baseline: a new socket starts at 0, so anything here was ours.
      this.#seen = 0
    }
    if (drops > this.#seen) {
      const grown = drops - this.#seen
      this.#seen = drops
      this.#onDrops(grown)
    }
  }
}

/** The `drops` column of the line whose local address has port `portHex`; null when none. */
export function dropsForPort (table: string, portHex: string): number | null {
  const suffix = `:${portHex}`
  for (const line of table.split('\n')) {
    const fields = line.trim().split(/\s+/)
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
    if (fields.length < 13 || !fields[1]!.endsWith(suffix)) continue
    const drops = Number(fields[12])
    return Number.isFinite(drops) ? drops : null
  }
  return null
}
