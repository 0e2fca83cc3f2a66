// The offline verifier behind `stele verify`: feed it every line of a log (in any order, any
// mix of hosts, reboot sessions and signature groups), then finish() says which messages are
// signed (per group, by message number), which signed numbers have no line (lost), which
// lines no valid signature covers (unsigned: modified, inserted or never signed), and which
// blocks were invalid.
//
// Matching follows NetBSD (sign.c hashes the formatted line; verify.pl hashes each log line
// without its "\n"): a line is the message whose base64 hash appears in a verified Signature
// Block. Lines are kept as octets; nothing is re-encoded.
//
// Differences from verify.pl, all on the side of reporting more:
//   - message numbers are matched per group: a line claimed for one number is not reused for
//     another number of the same group (two identical lines must both be present);
//   - "msg lost" is reported for every number from the group's first to its last signed number
//     that has no line, whether its hash is known (line deleted or modified) or not (the
//     Signature Blocks for that range are missing or invalid);
//   - the lost counter restarts for every group (verify.pl carries it across groups).

import { parseBlockLine } from '../block-line.js'
import { verifyBlockText } from '../dsa-signature.js'
import { hashMessage } from '../hash.js'
import { parseVer, VER_SHA1, VER_SHA256, type HashName } from '../ver.js'
import { digestsFor, groupKey, trustGroups, type CertificateBlock, type GroupId } from './key-groups.js'

export interface VerifyOptions {
  /** hash versions to accept: ['sha1'] by default, as NetBSD's verifier */
  readonly hashes?: readonly HashName[]
  /** status lines (stderr in the CLI); verbose lines only when verbose is set */
  readonly status?: (line: string) => void
  readonly verbose?: (line: string) => void
}

export type LostReason = 'deleted-or-modified' | 'no-signature'

export type GroupEntry =
  | { readonly number: number, readonly line: Buffer }
  | { readonly number: number, readonly lost: LostReason }

export interface GroupReport {
  readonly id: GroupId
  /** "host,rsid,ver,sg,spri" as NetBSD prints it */
  readonly key: string
  readonly start: string
  readonly entries: readonly GroupEntry[]
}

export interface VerifyCounts {
  lines: number
  messages: number
  certificateBlocks: number
  signatureBlocks: number
  groups: number
  signed: number
  lost: number
  unsigned: number
  /** CBs and SBs whose signature, fields or key are wrong */
  invalidBlocks: number
  /** blocks that cannot be checked: no key for their group, incomplete CB, VER not selected */
  unverifiableBlocks: number
}

export interface VerifyResult {
  readonly groups: readonly GroupReport[]
  /** message lines that no valid signature covers, in input order */
  readonly unsigned: readonly Buffer[]
  readonly counts: VerifyCounts
}

interface SignatureBlock {
  readonly group: GroupId
  readonly fmn: number
  readonly cnt: number
  readonly hashes: readonly string[]
  readonly signedText: Buffer
  readonly signature: string
  readonly line: string
}

/** Gaps between signed numbers wider than this are reported as one line, not number by number. */
const MAX_LISTED_GAP = 100_000

export class LogVerifier {
  readonly #hashes: readonly HashName[]
  readonly #status: (line: string) => void
  readonly #verbose: (line: string) => void
  readonly #messages: Buffer[] = []
  /** hash -> indexes into #messages, in input order, one Map per selected hash */
  readonly #byHash = new Map<HashName, Map<string, number[]>>()
  readonly #cbs: CertificateBlock[] = []
  readonly #sbs: SignatureBlock[] = []
  readonly #counts: VerifyCounts = {
    lines: 0, messages: 0, certificateBlocks: 0, signatureBlocks: 0, groups: 0, signed: 0, lost: 0, unsigned: 0, invalidBlocks: 0, unverifiableBlocks: 0
  }

  constructor (options: VerifyOptions = {}) {
    this.#hashes = options.hashes !== undefined && options.hashes.length > 0 ? [...new Set(options.hashes)] : ['sha1']
    this.#status = options.status ?? (() => {})
    this.#verbose = options.verbose ?? (() => {})
    for (const h of this.#hashes) this.#byHash.set(h, new Map())
  }

  /** One line of the log without its "\n". Never throws. */
  addLine (bytes: Buffer): void {
    this.#counts.lines++
    if (bytes.length === 0) return
    const text = bytes.toString('latin1')
    const parsed = parseBlockLine(text)
    if (parsed.ok) {
      const g = parsed.fields
      const group: GroupId = { hostname: parsed.header.hostname, rsid: g.rsid, ver: g.ver, sg: g.sg, spri: g.spri }
      if (parsed.kind === 'certificate') {
        this.#counts.certificateBlocks++
        this.#verbose(`--Found ssign-cert (${groupKey(group)}, ${parsed.fields.tpbl}, ${parsed.fields.index}, ${parsed.fields.flen})`)
        this.#cbs.push({ group, fields: parsed.fields, signedText: parsed.signedText, signature: parsed.signature, line: text })
      } else {
        this.#counts.signatureBlocks++
        this.#verbose(`--Found ssign (${groupKey(group)}, GBC ${parsed.fields.gbc}, FMN ${parsed.fields.fmn}, CNT ${parsed.fields.cnt})`)
        this.#sbs.push({ group, fmn: parsed.fields.fmn, cnt: parsed.fields.cnt, hashes: parsed.fields.hashes, signedText: parsed.signedText, signature: parsed.signature, line: text })
      }
      return
    }
    if (parsed.kind === 'malformed') {
      // verify.pl treats a line it cannot read as a block as an ordinary message; so do we,
      // and it is also counted as an invalid block.
      this.#counts.invalidBlocks++
      this.#status(`Warning: malformed syslog-sign block (${parsed.why}); treated as a message`)
    }
    this.#addMessage(bytes)
  }

  #addMessage (bytes: Buffer): void {
    const index = this.#messages.length
    this.#messages.push(bytes)
    this.#counts.messages++
    const shown: string[] = []
    for (const [name, map] of this.#byHash) {
      const hash = hashMessage(bytes, name === 'sha1' ? VER_SHA1 : VER_SHA256)
      shown.push(hash)
      const list = map.get(hash)
      if (list === undefined) map.set(hash, [index])
      else list.push(index)
    }
    this.#verbose(`--Found msg, hash '${shown.join("'/'")}', line '${bytes.toString('latin1')}'`)
  }

  finish (): VerifyResult {
    const hashOf = (ver: string): HashName | undefined => parseVer(ver)?.hash
    const trusted = trustGroups(this.#cbs, hashOf, {
      status: this.#status,
      verbose: this.#verbose,
      invalid: (why) => { this.#counts.invalidBlocks++; this.#status(why) },
      unverifiable: (why) => { this.#counts.unverifiableBlocks++; this.#status(why) }
    })

    this.#status('now process SBs')
    const signedByGroup = new Map<string, Map<number, string>>()
    const sorted = [...this.#sbs].sort((a, b) => a.fmn - b.fmn)
    for (const sb of sorted) {
      const key = groupKey(sb.group)
      const group = trusted.get(key)
      if (group === undefined) {
        this.#counts.unverifiableBlocks++
        this.#status(`Warning: SB for unknown SG (${key})`)
        continue
      }
      const info = parseVer(sb.group.ver)
      if (info === undefined || !this.#hashes.includes(info.hash)) {
        this.#counts.unverifiableBlocks++
        this.#status(info === undefined
          ? `Error: found SB with invalid version field: ${sb.group.ver}`
          : `Warning: ignoring SB with VER ${sb.group.ver} (${info.hash} not selected; see --sha1/--sha256)`)
        continue
      }
      if (!verifyBlockText(sb.signedText, sb.signature, group.key, digestsFor(info.hash))) {
        this.#counts.invalidBlocks++
        this.#status('Warning: invalid signature. ignoring this SB.')
        this.#verbose(`invalid SB: ${sb.line}`)
        continue
      }
      if (sb.hashes.length !== sb.cnt) this.#status(`Warning: found wrong number of hashes in SB: ${sb.hashes.length} != ${sb.cnt}`)
      let numbers = signedByGroup.get(key)
      if (numbers === undefined) signedByGroup.set(key, numbers = new Map())
      sb.hashes.forEach((hash, i) => {
        const n = sb.fmn + i
        const known = numbers.get(n)
        if (known === undefined) numbers.set(n, hash)
        else if (known !== hash) this.#status(`Warning: two signed hashes for msg ${key}/#${n}; keeping the first`)
      })
    }
    return this.#report(trusted, signedByGroup)
  }

  #report (trusted: ReturnType<typeof trustGroups>, signedByGroup: Map<string, Map<number, string>>): VerifyResult {
    const claimed = new Uint8Array(this.#messages.length)
    const groups: GroupReport[] = []
    const keys = [...signedByGroup.keys()].sort((a, b) => compareGroups(trusted.get(a)!.id, trusted.get(b)!.id))
    for (const key of keys) {
      const group = trusted.get(key)!
      const numbers = signedByGroup.get(key)!
      const map = this.#byHash.get(parseVer(group.id.ver)!.hash)!
      const usedInGroup = new Set<number>()
      const ordered = [...numbers.keys()].sort((a, b) => a - b)
      const entries: GroupEntry[] = []
      ordered.forEach((n, i) => {
        const previous = i === 0 ? n - 1 : ordered[i - 1]
        if (n - previous - 1 > MAX_LISTED_GAP) {
          // A gap this wide is not a few lost datagrams; report it once, not number by number.
          this.#status(`Warning: no valid signature for msgs ${key}/#${previous + 1}..#${n - 1}; not listed one by one`)
          entries.push({ number: previous + 1, lost: 'no-signature' })
        } else {
          for (let m = previous + 1; m < n; m++) {
            entries.push({ number: m, lost: 'no-signature' })
            this.#verbose(`*** missing msg ${key}/#${m}: no valid signature block covers it`)
          }
        }
        const hash = numbers.get(n) as string
        const index = map.get(hash)?.find((j) => !usedInGroup.has(j))
        if (index === undefined) {
          entries.push({ number: n, lost: 'deleted-or-modified' })
          this.#verbose(`*** missing msg ${key}/#${n} with hash ${hash}`)
          return
        }
        usedInGroup.add(index)
        claimed[index] = 1
        entries.push({ number: n, line: this.#messages[index] })
        this.#verbose(`found msg ${key}/#${n} with hash ${hash}`)
      })
      groups.push({ id: group.id, key, start: group.start, entries })
    }
    const unsigned = this.#messages.filter((_, i) => claimed[i] === 0)
    const c = this.#counts
    c.groups = trusted.size
    c.signed = groups.reduce((sum, g) => sum + g.entries.filter((e) => 'line' in e).length, 0)
    c.lost = groups.reduce((sum, g) => sum + g.entries.filter((e) => 'lost' in e).length, 0)
    c.unsigned = unsigned.length
    return { groups, unsigned, counts: { ...c } }
  }
}

function compareGroups (a: GroupId, b: GroupId): number {
  if (a.hostname !== b.hostname) return a.hostname < b.hostname ? -1 : 1
  return a.rsid - b.rsid || (a.ver < b.ver ? -1 : a.ver > b.ver ? 1 : 0) || a.sg - b.sg || a.spri - b.spri
}
