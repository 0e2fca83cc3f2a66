// RFC 5848 §4.2.1: the VER field of ssign and ssign-cert. Four digits: protocol version "01",
// hash algorithm (1 = SHA-1, 2 = SHA-256), signature scheme (1 = OpenPGP DSA). NetBSD's
// syslogd emits "0111" (SHA-1) by default and "0121" when built with SIGN_USE_SHA256.
//
// API: VER_SHA1, VER_SHA256, parseVer(text) -> VerInfo | undefined.

export const VER_SHA1 = '0111'
export const VER_SHA256 = '0121'

export type Ver = typeof VER_SHA1 | typeof VER_SHA256
export type HashName = 'sha1' | 'sha256'

export interface VerInfo {
  readonly ver: Ver
  /** node:crypto name of the hash used for message hashes in HB */
  readonly hash: HashName
  /** length of one base64 hash in HB (with padding): 28 for SHA-1, 44 for SHA-256 */
  readonly hashBase64Chars: number
}

const VERS: Record<Ver, VerInfo> = {
  [VER_SHA1]: { ver: VER_SHA1, hash: 'sha1', hashBase64Chars: 28 },
  [VER_SHA256]: { ver: VER_SHA256, hash: 'sha256', hashBase64Chars: 44 }
}

/** The known VER values; anything else (another protocol version or scheme) is undefined. */
export function parseVer (text: string): VerInfo | undefined {
  return Object.hasOwn(VERS, text) ? VERS[text as Ver] : undefined
}
