// How `stele verify` presents a VerifyResult: NetBSD verify.pl's text layout, JSON, the
// summary line and the exit status.
//
// Text layout (verify.pl):
//   signed messages:
//   host.example.org,1217632162,0111,3,0,1  <15>1 2008-08-02T02:09:27+02:00 host ... msg0
//   host.example.org,1217632162,0111,3,0,13 **** msg lost
//   messages without signature:
//   <15>1 2008-08-02T02:09:27+02:00 host.example.org test 6255 - - modified msg12
// verify.pl separates tuple and message with a TAB ("$sgkey,$key\t$line"); the seed's
// transcript shows it expanded to the next multiple of 8 columns (two spaces after ",1",
// one after ",10"). stele writes that expansion, so the output is the same bytes as the
// published example; --tab writes the literal TAB as verify.pl does.

import type { GroupEntry, VerifyResult } from './log-verifier.js'

export const EXIT_OK = 0
export const EXIT_UNSIGNED = 1
export const EXIT_USAGE = 2
export const EXIT_LOST = 3
export const EXIT_INVALID = 4

/** The most serious finding wins: invalid blocks or keys, then lost messages, then unsigned ones. */
export function exitCodeOf (r: VerifyResult): number {
  if (r.counts.invalidBlocks > 0) return EXIT_INVALID
  if (r.counts.lost > 0) return EXIT_LOST
  if (r.counts.unsigned > 0) return EXIT_UNSIGNED
  return EXIT_OK
}

export function tupleSeparator (prefix: string, tab: boolean): string {
  return tab ? '\t' : ' '.repeat(8 - (prefix.length % 8))
}

export interface TextOptions { readonly headings: boolean, readonly tab: boolean }

/** The signed list: heading, then per group every number in order, lost ones marked. */
export function * signedLines (r: VerifyResult, o: TextOptions): Generator<string | Buffer> {
  if (o.headings) yield 'signed messages:\n'
  for (const g of r.groups) {
    for (const e of g.entries) yield * entryLine(g.key, e, o.tab)
  }
}

function * entryLine (key: string, e: GroupEntry, tab: boolean): Generator<string | Buffer> {
  const prefix = `${key},${e.number}`
  if ('lost' in e) {
    yield `${prefix} **** msg lost\n`
    return
  }
  yield prefix + tupleSeparator(prefix, tab)
  yield e.line
  yield '\n'
}

export function * unsignedLines (r: VerifyResult, o: TextOptions): Generator<string | Buffer> {
  if (o.headings) yield 'messages without signature:\n'
  for (const line of r.unsigned) {
    yield line
    yield '\n'
  }
}

export function toJson (r: VerifyResult): string {
  const text = (b: Buffer): string => b.toString('utf8')
  return JSON.stringify({
    groups: r.groups.map((g) => ({
      ...g.id,
      key: g.key,
      start: g.start,
      messages: g.entries.map((e) => 'lost' in e ? { number: e.number, lost: e.lost } : { number: e.number, line: text(e.line) })
    })),
    unsigned: r.unsigned.map(text),
    counts: r.counts,
    exitCode: exitCodeOf(r)
  }, null, 2) + '\n'
}

export function summaryLine (r: VerifyResult): string {
  const c = r.counts
  return `stele verify: ${c.signed} signed, ${c.lost} lost, ${c.unsigned} unsigned, ${c.invalidBlocks} invalid blocks, ` +
    `${c.unverifiableBlocks} unverifiable blocks (${c.groups} signature groups, ${c.certificateBlocks} CBs, ${c.signatureBlocks} SBs, ${c.lines} lines read)`
}
