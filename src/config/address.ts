// HOST:PORT as written in listen URLs and forward actions: "127.0.0.1:5514", "[::1]:514",
// "loghost" (default port), "loghost.example.org:6514".

import { isIP, isIPv6 } from 'node:net'

export interface HostPort { host: string, port: number }

// RFC 1123 host names: letters, digits, hyphens and dots. Underscores are accepted because
// they occur in real internal names and resolvers pass them through.
const HOST_NAME = /^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,252})$/

/**
 * Splits `text` into host and port. An IPv6 address must be in brackets, since its colons would
 * otherwise be read as the port separator. `defaultPort` null means the port is required.
 */
export function parseHostPort (text: string, defaultPort: number | null, minPort: 0 | 1): HostPort | { error: string } {
  let host: string
  let portText: string | undefined
  if (text.startsWith('[')) {
    const close = text.indexOf(']')
    if (close < 0) return { error: `"${text}" has "[" without "]"` }
    host = text.slice(1, close)
    if (!isIPv6(host)) return { error: `"${host}" in "${text}" is not an IPv6 address` }
    const rest = text.slice(close + 1)
    if (rest !== '' && !rest.startsWith(':')) return { error: `unexpected "${rest}" after "]" in "${text}"` }
    if (rest !== '') portText = rest.slice(1)
  } else {
    const colon = text.indexOf(':')
    if (colon >= 0 && text.indexOf(':', colon + 1) >= 0) return { error: `IPv6 address in "${text}" needs brackets, e.g. [::1]:514` }
    host = colon < 0 ? text : text.slice(0, colon)
    if (colon >= 0) portText = text.slice(colon + 1)
    if (host === '') return { error: `no host in "${text}"` }
    if (isIP(host) === 0 && !HOST_NAME.test(host)) return { error: `"${host}" is not a host name or IP address` }
  }
  if (portText === undefined) {
    if (defaultPort === null) return { error: `no port in "${text}" (write HOST:PORT)` }
    return { host, port: defaultPort }
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < minPort || Number(portText) > 65535) {
    return { error: `port "${portText}" in "${text}" is not ${minPort}-65535` }
  }
  return { host, port: Number(portText) }
}
