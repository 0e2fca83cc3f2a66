// Helpers the forward transports share: how a target is named, and reading per-action options.

import { InvalidOptionError } from '../errors.js'

/** "loghost:514", "[2001:db8::1]:514": the target as log lines name it. */
export function hostPort (host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

/**
 * A non-negative number option (`key=value` after the action), or `fallback` when absent.
 * Throws InvalidOptionError for anything else or a value above `max`.
 */
export function numberOption (options: Readonly<Record<string, string>>, key: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const text = options[key]
  if (text === undefined) return fallback
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > max) {
    throw new InvalidOptionError(key, text, `must be a number from 0 to ${max}`)
  }
  return value
}
