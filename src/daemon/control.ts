// The control socket: a unix stream socket (mode 0600) on which the running daemon answers
// `stats` with its counters as one JSON document. `stele stats` is its client.

import { chmod, lstat, unlink } from 'node:fs/promises'
import net from 'node:net'
import { ListenError } from '../errors.js'

const MAX_REQUEST_BYTES = 256

export class ControlServer {
  readonly path: string
  readonly #handle: (command: string) => unknown
  #server: net.Server | undefined

  constructor (path: string, handle: (command: string) => unknown) {
    this.path = path
    this.#handle = handle
  }

  async start (): Promise<void> {
    try {
      if ((await lstat(this.path)).isSocket()) await unlink(this.path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    const server = net.createServer((socket) => {
      let request = ''
      socket.setEncoding('utf8')
      socket.on('error', () => {})
      socket.setTimeout(5000, () => socket.destroy())
      socket.on('data', (chunk: string) => {
        request += chunk
        if (request.length > MAX_REQUEST_BYTES) { socket.destroy(); return }
        const newline = request.indexOf('\n')
        if (newline < 0) return
        let reply: string
        try {
          reply = JSON.stringify(this.#handle(request.slice(0, newline).trim()))
        } catch (err) {
          reply = JSON.stringify({ error: (err as Error).message })
        }
        socket.end(`${reply}\n`)
      })
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new ListenError(`control socket ${this.path}`, { cause: err })))
      server.listen(this.path, () => resolve())
    })
    server.on('error', () => {})
    await chmod(this.path, 0o600)
    this.#server = server
  }

  async stop (): Promise<void> {
    const server = this.#server
    if (server === undefined) return
    this.#server = undefined
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await unlink(this.path).catch(() => {})
  }
}

/** Sends one command to a control socket and returns the parsed reply. */
export async function requestControl (path: string, command: string, timeoutMs = 5000): Promise<unknown> {
  return await new Promise((resolve, reject) => {
    const socket = net.connect(path)
    let reply = ''
    socket.setEncoding('utf8')
    socket.setTimeout(timeoutMs, () => { socket.destroy(new Error(`no answer from ${path} within ${timeoutMs} ms`)) })
    socket.on('connect', () => socket.write(`${command}\n`))
    socket.on('data', (chunk: string) => { reply += chunk })
    socket.on('error', reject)
    socket.on('end', () => {
      try { resolve(JSON.parse(reply)) } catch (err) { reject(err) }
    })
  })
}
