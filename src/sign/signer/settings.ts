// The sign_* global options (docs/configuration.md, "syslog-sign"): what the config loader
// produces and the signer reads. Kept here, beside the signer, so that config/ only parses.

import type { ConfigLocation } from '../../config/schema.js'

/** RFC 5848 §4.2.3 signature group strategies. */
export type SignatureGroupStrategy = 0 | 1 | 2 | 3
export type SignHash = 'sha1' | 'sha256'

export interface SignSettings {
  /** sign_sg=: the strategy; null = signing off (the default). */
  sg: SignatureGroupStrategy | null
  /** sign_sg2_delim=: the highest PRI of each SG 2 group, ascending; empty = one group per facility. */
  sg2Delims: number[]
  /** sign_key=: DSA private key (PEM), absolute; null = generate one in state_dir at first start. */
  keyFile: string | null
  /** sign_cert=: X.509 certificate (PEM) of that key, absolute; sent as key blob type C. null = type K. */
  certFile: string | null
  /** sign_hash=: sha1 (VER 0111, NetBSD's, the default) or sha256 (VER 0121). */
  hash: SignHash
  /**
   * sign_sb_redundancy=: each message hash is sent in this many consecutive Signature Blocks.
   * null = by destination (signing-session.ts): 3 (NetBSD) for a group with a UDP destination,
   * 1 for a group whose destinations all keep what they are given (files, pipes, TCP, TLS, RELP).
   */
  sbRedundancy: number | null
  /**
   * sign_sb_max_hashes=: hashes per Signature Block, at most. null = by destination: as many as
   * keep the block within 2048 octets for a group with a UDP destination, else 99 (CNT's limit).
   */
  sbMaxHashes: number | null
  /** sign_cb_resend=: Certificate Blocks sent again after the first, this many times. Default 2 (NetBSD). */
  cbResend: number
  /** sign_cb_resend_interval=: seconds between those. Default 30 (NetBSD resends from its 30 s timer). */
  cbResendIntervalS: number
  /** sign_flush_interval=: seconds after which hashes not yet sent redundantly go out in a Signature Block. Default 10. */
  flushIntervalS: number
  /** Where sign_sg, sign_key and sign_cert were written, for problems found after parsing. */
  where: { sg?: ConfigLocation, key?: ConfigLocation, cert?: ConfigLocation }
}

export const SIGN_KEYS: readonly string[] = [
  'sign_sg', 'sign_sg2_delim', 'sign_key', 'sign_cert', 'sign_hash', 'sign_sb_redundancy', 'sign_sb_max_hashes',
  'sign_cb_resend', 'sign_cb_resend_interval', 'sign_flush_interval'
]

export function defaultSignSettings (): SignSettings {
  return {
    sg: null,
    sg2Delims: [],
    keyFile: null,
    certFile: null,
    hash: 'sha1',
    sbRedundancy: null,
    sbMaxHashes: null,
    cbResend: 2,
    cbResendIntervalS: 30,
    flushIntervalS: 10,
    where: {}
  }
}

/** RFC 5848 §4.2.7/4.2.8: CNT is 1..99 hashes; more does not fit the field. */
export const MAX_SB_HASHES = 99
/** NetBSD's redundancy against lost datagrams: the default for groups with a UDP destination. */
export const DATAGRAM_SB_REDUNDANCY = 3
/** PRI values, and so SPRI values, are 0..191 (RFC 5424 §6.2.1). */
export const MAX_SPRI = 191
