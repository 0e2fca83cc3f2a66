// The IPC side of the bench's child senders (sender.ts, udp-sender.ts): reports to the parent,
// and a failure reported before exiting (the parent reads the message, not a bare exit code).

export function send (message: object): void {
  process.send?.(message)
}

export function fail (err: Error): void {
  send({ type: 'error', message: err.message })
  process.exitCode = 1
  setTimeout(() => process.exit(1), 100).unref()
}
