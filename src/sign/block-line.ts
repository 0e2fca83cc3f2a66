// The two syslog-sign messages as lines of text: RFC 5424 header + one SD element, either
// Signature Block [ssign ...] (RFC 5848 §4.2) or Certificate Block [ssign-cert ...] (§5.3.2).
//
// Lines are handled as latin1 strings so that one character is one octet: the text that is
// signed (signedText) is then exactly the octets that were written.
//
// NetBSD syslogd's layout, which stele writes and reads:
//   <110>1 TIMESTAMP HOSTNAME syslogd - - [ssign VER="0111" RSID="1217632162" SG="3"
//     SPRI="0" GBC="5" FMN="1" CNT="15" HB="h1 h2 ..." SIGN="base64"]
//   <110>1 TIMESTAMP HOSTNAME syslogd - - [ssign-cert VER="0111" RSID=".." SG="3" SPRI="0"
//     TBPL="1234" INDEX="1" FLEN="1234" FRAG="payload fragment" SIGN="base64"]
// Note "TBPL": NetBSD (and the 2008 drafts) spell the total payload block length TBPL where
// RFC 5848 has TPBL. Both are read; encodeCertificateSd writes TBPL unless told otherwise,
// because NetBSD's verify.pl matches the parameters literally.
//
// API: parseBlockLine(line) -> BlockLine (ok | not a block | malformed);
//      encodeSignatureSd(fields), encodeCertificateSd(fields) -> SD text with SIGN="";
//      signedText(line, signStart, signEnd) -> the octets the signature covers.

export interface GroupFields {
  readonly ver: string
  readonly rsid: number
  readonly sg: number
  readonly spri: number
}

export interface SignatureBlockFields extends GroupFields {
  readonly gbc: number
  readonly fmn: number
  readonly cnt: number
  /** base64 message hashes, in message-number order starting at fmn */
  readonly hashes: readonly string[]
}

export interface CertificateBlockFields extends GroupFields {
  /** total payload block length in characters (TBPL / TPBL) */
  readonly tpbl: number
  /** 1-based character offset of this fragment in the payload block */
  readonly index: number
  readonly flen: number
  readonly frag: string
}

export interface LineHeader {
  readonly pri: number
  readonly timestamp: string
  readonly hostname: string
  readonly appName: string
  readonly procId: string
  readonly msgId: string
}

interface ParsedCommon {
  readonly ok: true
  readonly header: LineHeader
  readonly signature: string
  /** the signed octets: the line without ` SIGN="..."` (RFC 5848 §4.2.9, NetBSD sign_string_sign) */
  readonly signedText: Buffer
}

export type BlockLine =
  | (ParsedCommon & { readonly kind: 'signature', readonly fields: SignatureBlockFields })
  | (ParsedCommon & { readonly kind: 'certificate', readonly fields: CertificateBlockFields })
  | { readonly ok: false, readonly kind: 'none' }
  | { readonly ok: false, readonly kind: 'malformed', readonly why: string }

const NOT_A_BLOCK: BlockLine = { ok: false, kind: 'none' }
const HEADER = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) \[/
const DIGITS = /^\d{1,10}$/
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

interface Param { name: string, value: string, start: number, end: number }

/** Classifies one log line (without its newline). Never throws. */
export function parseBlockLine (line: string): BlockLine {
  // Cheap filter first: the vast majority of lines in an archive are ordinary messages.
  if (!line.includes('[ssign')) return NOT_A_BLOCK
  const head = HEADER.exec(line)
  if (head === null) return NOT_A_BLOCK
  const element = findSignElement(line, head[0].length - 1)
  if (element === undefined) return NOT_A_BLOCK
  if ('why' in element) return { ok: false, kind: 'malformed', why: element.why }
  const header: LineHeader = {
    pri: Number(head[1]), timestamp: head[2], hostname: head[3], appName: head[4], procId: head[5], msgId: head[6]
  }
  const sign = element.params.find((p) => p.name === 'SIGN')
  if (sign === undefined || !BASE64.test(sign.value)) return malformed('missing or non-base64 SIGN')
  const common = { header, signature: sign.value, signedText: signedText(line, sign.start, sign.end) }
  const fields = element.id === 'ssign' ? signatureFields(element.params) : certificateFields(element.params)
  if ('why' in fields) return malformed(fields.why)
  return element.id === 'ssign'
    ? { ok: true, kind: 'signature', ...common, fields: fields as SignatureBlockFields }
    : { ok: true, kind: 'certificate', ...common, fields: fields as CertificateBlockFields }
}

function malformed (why: string): BlockLine {
  return { ok: false, kind: 'malformed', why }
}

/**
 * Walks the SD elements from `at` (a '[') and returns the first ssign or ssign-cert element
 * with its params and their positions; undefined when there is none.
 */
function findSignElement (line: string, at: number): { id: 'ssign' | 'ssign-cert', params: Param[] } | { why: string } | undefined {
  let i = at
  while (i < line.length && line[i] === '[') {
    const idEnd = scanName(line, i + 1)
    const id = line.slice(i + 1, idEnd)
    if (id.length === 0) return undefined
    const params: Param[] = []
    i = idEnd
    while (line[i] === ' ') {
      const start = i
      const nameEnd = scanName(line, i + 1)
      const name = line.slice(i + 1, nameEnd)
      if (name.length === 0 || line[nameEnd] !== '=' || line[nameEnd + 1] !== '"') return id.startsWith('ssign') ? { why: `bad SD-PARAM in ${id}` } : undefined
      const value = scanValue(line, nameEnd + 2)
      if (value === undefined) return id.startsWith('ssign') ? { why: `unterminated value of ${name}` } : undefined
      params.push({ name, value: value.text, start, end: value.end })
      i = value.end
    }
    if (line[i] !== ']') return id.startsWith('ssign') ? { why: `bad SD-ELEMENT ${id}` } : undefined
    i++
    if (id === 'ssign' || id === 'ssign-cert') return { id, params }
  }
  return undefined
}

// RFC 5424 SD-NAME: printable US-ASCII except '=', ' ', ']', '"'.
function scanName (line: string, from: number): number {
  let i = from
  while (i < line.length) {
    const c = line.charCodeAt(i)
    if (c <= 32 || c >= 127 || c === 61 || c === 93 || c === 34) break
    i++
  }
  return i
}

// RFC 5424 §6.3.3 PARAM-VALUE: '"', '\' and ']' are escaped with '\'. Returns the unescaped
// value and the index just past the closing quote.
function scanValue (line: string, from: number): { text: string, end: number } | undefined {
  let text = ''
  for (let i = from; i < line.length; i++) {
    const c = line[i]
    if (c === '"') return { text, end: i + 1 }
    if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\' || line[i + 1] === ']')) {
      text += line[i + 1]
      i++
    } else {
      text += c
    }
  }
  return undefined
}

function pick (params: Param[], names: readonly string[]): Map<string, string> | { why: string } {
  const map = new Map<string, string>()
  for (const p of params) {
    if (map.has(p.name)) return { why: `duplicate ${p.name}` }
    map.set(p.name, p.value)
  }
  for (const name of names) if (!map.has(name)) return { why: `missing ${name}` }
  return map
}

function groupFields (map: Map<string, string>): GroupFields | { why: string } {
  const ver = map.get('VER') as string
  if (!/^\d{4}$/.test(ver)) return { why: `bad VER "${ver}"` }
  for (const name of ['RSID', 'SG', 'SPRI']) {
    if (!DIGITS.test(map.get(name) as string)) return { why: `bad ${name}` }
  }
  return { ver, rsid: Number(map.get('RSID')), sg: Number(map.get('SG')), spri: Number(map.get('SPRI')) }
}

function signatureFields (params: Param[]): SignatureBlockFields | { why: string } {
  const map = pick(params, ['VER', 'RSID', 'SG', 'SPRI', 'GBC', 'FMN', 'CNT', 'HB', 'SIGN'])
  if (!(map instanceof Map)) return map
  const group = groupFields(map)
  if ('why' in group) return group
  for (const name of ['GBC', 'FMN', 'CNT']) {
    if (!DIGITS.test(map.get(name) as string)) return { why: `bad ${name}` }
  }
  const hb = map.get('HB') as string
  const hashes = hb.length === 0 ? [] : hb.split(' ')
  if (hashes.some((h) => !BASE64.test(h))) return { why: 'HB holds a value that is not base64' }
  return { ...group, gbc: Number(map.get('GBC')), fmn: Number(map.get('FMN')), cnt: Number(map.get('CNT')), hashes }
}

function certificateFields (params: Param[]): CertificateBlockFields | { why: string } {
  const lengthName = params.some((p) => p.name === 'TBPL') ? 'TBPL' : 'TPBL'
  const map = pick(params, ['VER', 'RSID', 'SG', 'SPRI', lengthName, 'INDEX', 'FLEN', 'FRAG', 'SIGN'])
  if (!(map instanceof Map)) return map
  const group = groupFields(map)
  if ('why' in group) return group
  for (const name of [lengthName, 'INDEX', 'FLEN']) {
    if (!DIGITS.test(map.get(name) as string)) return { why: `bad ${name}` }
  }
  return {
    ...group,
    tpbl: Number(map.get(lengthName)),
    index: Number(map.get('INDEX')),
    flen: Number(map.get('FLEN')),
    frag: map.get('FRAG') as string
  }
}

/** The line without the SIGN param and the space before it, as octets (latin1 round trip). */
export function signedText (line: string, signStart: number, signEnd: number): Buffer {
  return Buffer.from(line.slice(0, signStart) + line.slice(signEnd), 'latin1')
}

export function escapeParamValue (value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`)
}

/** [ssign ...] with an empty SIGN, in NetBSD's parameter order. */
export function encodeSignatureSd (f: SignatureBlockFields): string {
  return `[ssign VER="${f.ver}" RSID="${f.rsid}" SG="${f.sg}" SPRI="${f.spri}" GBC="${f.gbc}" ` +
    `FMN="${f.fmn}" CNT="${f.cnt}" HB="${f.hashes.join(' ')}" SIGN=""]`
}

/** [ssign-cert ...] with an empty SIGN; lengthName 'TBPL' (NetBSD, default) or 'TPBL' (RFC 5848). */
export function encodeCertificateSd (f: CertificateBlockFields, lengthName: 'TBPL' | 'TPBL' = 'TBPL'): string {
  return `[ssign-cert VER="${f.ver}" RSID="${f.rsid}" SG="${f.sg}" SPRI="${f.spri}" ${lengthName}="${f.tpbl}" ` +
    `INDEX="${f.index}" FLEN="${f.flen}" FRAG="${escapeParamValue(f.frag)}" SIGN=""]`
}
