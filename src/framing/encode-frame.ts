// One entry point for writers that take the framing from config (forward.ts, client/logger.ts).

import { encodeOctetCounted } from './octet-counting.js'
import { encodeNonTransparent } from './non-transparent.js'

export type OutputFraming = 'octet' | 'lf' | 'crlf' | 'nul'

/**
 * `msg` framed for a stream (RFC 6587 §3.4). 'octet' keeps every byte and throws for an empty
 * message; the non-transparent framings replace embedded trailer bytes with spaces (see
 * encodeNonTransparent).
 */
export function encodeFrame (msg: Buffer, framing: OutputFraming): Buffer {
  return framing === 'octet' ? encodeOctetCounted(msg) : encodeNonTransparent(msg, framing)
}
