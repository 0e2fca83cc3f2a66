// Building the two syslog-sign messages as complete RFC 5424 lines, signed. This is what the
// daemon's signer emits and what the test fixture generator writes, so both produce exactly
// NetBSD syslogd's format (see block-line.ts for the layout).
//
// API:
//   buildSignatureBlock({ header, group, gbc, fmn, hashes, privateKey }) -> line
//   buildCertificateBlocks({ header, group, payloadTimestamp, keyBlobType, keyBlob, privateKey,
//                            maxFragmentChars }) -> lines (one per fragment)
// Lines carry no trailing newline; the signature covers exactly the returned text minus the
// SIGN param, so write them unchanged.

import type { KeyObject } from 'node:crypto'
import { encodeCertificateSd, encodeSignatureSd, type GroupFields } from './block-line.js'
import { signBlockText, type SignatureEncoding } from './dsa-signature.js'
import { formatPayloadBlock, fragmentPayload, type KeyBlobType } from './payload-block.js'

export interface BlockHeader {
  /** RFC 5424 TIMESTAMP of the block message */
  readonly timestamp: string
  readonly hostname: string
  /** default 110 (facility 13 log audit, severity info), as NetBSD; RFC 5848 §4.2.4 SPRI is separate */
  readonly pri?: number
  /** default 'stele'; NetBSD writes 'syslogd' */
  readonly appName?: string
  readonly procId?: string
  readonly msgId?: string
}

export interface BlockSigning {
  readonly privateKey: KeyObject
  /** 'der' (NetBSD, default) or 'openpgp' (RFC 5848 MPI pair) */
  readonly signatureEncoding?: SignatureEncoding
}

/** NetBSD's SIGN_MAX_FRAG_LENGTH is about 1600 with a 2048-octet message limit. */
export const DEFAULT_MAX_FRAGMENT_CHARS = 1600

function headerText (h: BlockHeader): string {
  return `<${h.pri ?? 110}>1 ${h.timestamp} ${h.hostname} ${h.appName ?? 'stele'} ${h.procId ?? '-'} ${h.msgId ?? '-'} `
}

// Signs "...[ssign ... SIGN=""]" by signing the text without ` SIGN=""`, then fills in SIGN.
function signLine (prefix: string, sd: string, signing: BlockSigning): string {
  const empty = ' SIGN=""'
  const at = sd.lastIndexOf(empty)
  const unsigned = prefix + sd.slice(0, at) + sd.slice(at + empty.length)
  const signature = signBlockText(Buffer.from(unsigned, 'latin1'), signing.privateKey, signing.signatureEncoding)
  return `${prefix}${sd.slice(0, at)} SIGN="${signature}"${sd.slice(at + empty.length)}`
}

export interface SignatureBlockInput extends BlockSigning {
  readonly header: BlockHeader
  readonly group: GroupFields
  /** global block counter (RFC 5848 §4.2.5) */
  readonly gbc: number
  /** message number of hashes[0] (§4.2.6) */
  readonly fmn: number
  readonly hashes: readonly string[]
}

export function buildSignatureBlock (input: SignatureBlockInput): string {
  const sd = encodeSignatureSd({ ...input.group, gbc: input.gbc, fmn: input.fmn, cnt: input.hashes.length, hashes: input.hashes })
  return signLine(headerText(input.header), sd, input)
}

export interface CertificateBlocksInput extends BlockSigning {
  readonly header: BlockHeader
  readonly group: GroupFields
  /** timestamp inside the payload block (NetBSD: the time the CB is made, with microseconds) */
  readonly payloadTimestamp: string
  readonly keyBlobType: KeyBlobType
  /** base64 key blob: keyBlobFromCertificate / keyBlobFromPublicKey */
  readonly keyBlob: string
  readonly maxFragmentChars?: number
  /** 'TBPL' (NetBSD, default) or 'TPBL' (RFC 5848 spelling) */
  readonly lengthName?: 'TBPL' | 'TPBL'
}

export function buildCertificateBlocks (input: CertificateBlocksInput): string[] {
  const payload = formatPayloadBlock({ timestamp: input.payloadTimestamp, keyBlobType: input.keyBlobType, keyBlob: input.keyBlob })
  const prefix = headerText(input.header)
  return fragmentPayload(payload, input.maxFragmentChars ?? DEFAULT_MAX_FRAGMENT_CHARS).map(({ index, frag }) => {
    const sd = encodeCertificateSd({ ...input.group, tpbl: payload.length, index, flen: frag.length, frag }, input.lengthName)
    return signLine(prefix, sd, input)
  })
}

/**
 * A block line in two steps, for a signer that signs elsewhere (signBlockTextAsync): `unsigned`
 * is exactly what the signature covers, complete(signature) gives the line to write. The
 * same text buildSignatureBlock / buildCertificateBlocks produce.
 */
export interface PreparedBlock {
  readonly unsigned: Buffer
  complete (signatureBase64: string): string
}

function prepareLine (prefix: string, sd: string): PreparedBlock {
  const empty = ' SIGN=""'
  const at = sd.lastIndexOf(empty)
  const head = prefix + sd.slice(0, at)
  const tail = sd.slice(at + empty.length)
  return { unsigned: Buffer.from(head + tail, 'latin1'), complete: (signature) => `${head} SIGN="${signature}"${tail}` }
}

export function prepareSignatureBlock (input: Omit<SignatureBlockInput, keyof BlockSigning>): PreparedBlock {
  const sd = encodeSignatureSd({ ...input.group, gbc: input.gbc, fmn: input.fmn, cnt: input.hashes.length, hashes: input.hashes })
  return prepareLine(headerText(input.header), sd)
}

/** One PreparedBlock per fragment of the payload block. */
export function prepareCertificateBlocks (input: Omit<CertificateBlocksInput, keyof BlockSigning>): PreparedBlock[] {
  const payload = formatPayloadBlock({ timestamp: input.payloadTimestamp, keyBlobType: input.keyBlobType, keyBlob: input.keyBlob })
  const prefix = headerText(input.header)
  return fragmentPayload(payload, input.maxFragmentChars ?? DEFAULT_MAX_FRAGMENT_CHARS).map(({ index, frag }) => {
    const sd = encodeCertificateSd({ ...input.group, tpbl: payload.length, index, flen: frag.length, frag }, input.lengthName)
    return prepareLine(prefix, sd)
  })
}
