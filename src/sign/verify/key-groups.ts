// Certificate Blocks -> trusted public keys, one per signature group (RFC 5848 §5.3).
//
// As in NetBSD's verify.pl: reassemble the payload of each group from its ssign-cert
// fragments (INDEX is the 1-based offset, FLEN the fragment length, TBPL/TPBL the total),
// take the key from the payload (type C: PKIX certificate, K: DER public key), and only then
// check every CB of the group with that key ("a small leap of faith", verify.pl). One CB
// that does not verify makes the whole group untrusted: it was forged or modified, and we
// cannot tell which fragment is the real one.
//
// A signature group is identified by (hostname, RSID, VER, SG, SPRI); groupKey() is the text
// NetBSD's verifier prints: "host,rsid,ver,sg,spri".

import type { KeyObject } from 'node:crypto'
import type { CertificateBlockFields } from '../block-line.js'
import { verifyBlockText } from '../dsa-signature.js'
import { parsePayloadBlock, publicKeyFromBlob } from '../payload-block.js'
import type { HashName } from '../ver.js'

export interface GroupId {
  readonly hostname: string
  readonly rsid: number
  readonly ver: string
  readonly sg: number
  readonly spri: number
}

export function groupKey (g: GroupId): string {
  return `${g.hostname},${g.rsid},${g.ver},${g.sg},${g.spri}`
}

export interface CertificateBlock {
  readonly group: GroupId
  readonly fields: CertificateBlockFields
  readonly signedText: Buffer
  readonly signature: string
  readonly line: string
}

export interface TrustedGroup {
  readonly id: GroupId
  readonly key: KeyObject
  /** the timestamp of the payload block (NetBSD: when the key was set up for this session) */
  readonly start: string
}

export interface KeyGroupEvents {
  status: (line: string) => void
  verbose: (line: string) => void
  /** a CB or key that is wrong: counted as invalid */
  invalid: (why: string) => void
  /** a CB that cannot be checked (incomplete payload): counted, not invalid */
  unverifiable: (why: string) => void
}

/** Runs the three CB phases (processing, decoding, verifying) and returns the trusted groups. */
export function trustGroups (blocks: readonly CertificateBlock[], hash: (ver: string) => HashName | undefined, ev: KeyGroupEvents): Map<string, TrustedGroup> {
  ev.status('processing CBs...')
  const byGroup = new Map<string, CertificateBlock[]>()
  for (const cb of blocks) {
    if (cb.fields.flen !== cb.fields.frag.length) {
      ev.invalid(`Warning: ignore CB with invalid length field (${cb.fields.flen} != ${cb.fields.frag.length})`)
      continue
    }
    const key = groupKey(cb.group)
    const list = byGroup.get(key)
    if (list === undefined) byGroup.set(key, [cb])
    else list.push(cb)
  }
  const payloads = new Map<string, { id: GroupId, payload: string, blocks: CertificateBlock[] }>()
  for (const [key, list] of byGroup) {
    const payload = assemble(list)
    if (payload === undefined) {
      ev.unverifiable(`do not verify incomplete CB for SG (${key})`)
      continue
    }
    ev.verbose(`got key for SG (${key})`)
    payloads.set(key, { id: list[0].group, payload, blocks: list })
  }

  ev.status('decoding SGs...')
  const keys = new Map<string, { id: GroupId, key: KeyObject, start: string, blocks: CertificateBlock[] }>()
  for (const [key, { id, payload, blocks: list }] of payloads) {
    const block = parsePayloadBlock(payload)
    if (block === undefined) { ev.invalid(`malformed payload: ${payload}`); continue }
    const pub = publicKeyFromBlob(block.keyBlobType, block.keyBlob)
    if (!pub.ok) { ev.invalid(pub.why); continue }
    ev.status(`got ${pub.label} key`)
    keys.set(key, { id, key: pub.key, start: block.timestamp, blocks: list })
  }

  ev.status('verifying CBs...')
  const trusted = new Map<string, TrustedGroup>()
  for (const [key, g] of keys) {
    const digests = digestsFor(hash(g.id.ver))
    const bad = g.blocks.filter((cb) => !verifyBlockText(cb.signedText, cb.signature, g.key, digests))
    ev.verbose(`CB signatures of SG (${key}): ${g.blocks.length - bad.length} valid, ${bad.length} invalid`)
    if (bad.length > 0) {
      ev.invalid(`invalid signature in CB. will not trust SG ${key}`)
      continue
    }
    trusted.set(key, { id: g.id, key: g.key, start: g.start })
  }
  for (const [key, g] of trusted) ev.status(`verified CB and got key for SG: (${key}), start: ${g.start}`)
  return trusted
}

/** SHA-1 first (NetBSD signs with DSA/SHA-1 for every VER), then the VER's own hash. */
export function digestsFor (hash: HashName | undefined): string[] {
  return hash === undefined || hash === 'sha1' ? ['sha1'] : ['sha1', hash]
}

// Walks the fragments from offset 1: resent CBs repeat fragments, so duplicates are skipped.
function assemble (list: readonly CertificateBlock[]): string | undefined {
  const first = list.find((cb) => cb.fields.index === 1)
  if (first === undefined) return undefined
  const total = first.fields.tpbl
  const byIndex = new Map<number, string>()
  for (const cb of list) {
    if (cb.fields.tpbl === total && !byIndex.has(cb.fields.index)) byIndex.set(cb.fields.index, cb.fields.frag)
  }
  let payload = ''
  while (payload.length < total) {
    const frag = byIndex.get(payload.length + 1)
    if (frag === undefined || frag.length === 0) return undefined
    payload += frag
  }
  return payload.length === total ? payload : undefined
}
