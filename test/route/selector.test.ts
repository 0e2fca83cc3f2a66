// Selectors are checked against a full facility x severity matrix. The expected answers come from
// predicates written by hand from syslog.conf(5), not from the parser's own level arithmetic.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseSelector, selectorMatches, type Selector } from '../../src/route/selector.js'

const KERN = 0; const MAIL = 2; const AUTH = 4; const NEWS = 7; const SECURITY = 13; const LOCAL0 = 16
const EMERG = 0; const CRIT = 2; const ERR = 3; const WARNING = 4; const NOTICE = 5; const INFO = 6; const DEBUG = 7

type Expect = (facility: number, severity: number) => boolean

const MATRIX: Array<[string, Expect]> = [
  ['*.*', () => true],
  ['*.info', (_f, s) => s <= INFO],
  ['*.info;mail.none', (f, s) => f !== MAIL && s <= INFO],
  ['mail.none;mail.err', (f, s) => f === MAIL && s <= ERR],
  ['mail,news.info', (f, s) => (f === MAIL || f === NEWS) && s <= INFO],
  ['mail.=info', (f, s) => f === MAIL && s === INFO],
  ['mail.!info', (f, s) => f === MAIL && s === DEBUG],
  ['mail.!=info', (f, s) => f === MAIL && s !== INFO],
  ['*.err;auth.none;kern.debug', (f, s) => f === KERN || (f !== AUTH && s <= ERR)],
  ['local0.*', (f) => f === LOCAL0],
  ['16.3', (f, s) => f === LOCAL0 && s <= ERR],
  ['2,4.=6', (f, s) => (f === MAIL || f === AUTH) && s === INFO],
  // sysklogd's documented examples.
  ['*.=info;*.=notice;mail.none', (f, s) => f !== MAIL && (s === INFO || s === NOTICE)],
  ['kern.info;kern.!err', (f, s) => f === KERN && s >= WARNING && s <= INFO],
  ['mail.*;mail.!=info', (f, s) => f === MAIL && s !== INFO],
  ['*.=crit;kern.none', (f, s) => f !== KERN && s === CRIT],
  // FreeBSD's console line: a later part replaces, so mail is crit and up, not err and up.
  ['*.err;kern.warning;auth.notice;mail.crit', (f, s) =>
    f === KERN ? s <= WARNING : f === AUTH ? s <= NOTICE : f === MAIL ? s <= CRIT : s <= ERR],
  ['*.info;mail.!err', (f, s) => f === MAIL ? s >= WARNING && s <= INFO : s <= INFO],
  ['*.!*', () => false],
  ['*.info;mail.!*', (f, s) => f !== MAIL && s <= INFO],
  ['mail.!none', (f) => f === MAIL],
  ['Mail.WARN;auth,security.panic', (f, s) => (f === MAIL && s <= WARNING) || ((f === AUTH || f === SECURITY) && s === EMERG)],
  ['*.info; mail.none', (f, s) => f !== MAIL && s <= INFO]
]

function expectMask (expect: Expect): string {
  let out = ''
  for (let f = 0; f < 24; f++) {
    for (let s = 0; s < 8; s++) out += expect(f, s) ? '1' : '0'
    out += f < 23 ? ' ' : ''
  }
  return out
}

function actualMask (selector: Selector): string {
  let out = ''
  for (let f = 0; f < 24; f++) {
    for (let s = 0; s < 8; s++) out += selectorMatches(selector, f * 8 + s) ? '1' : '0'
    out += f < 23 ? ' ' : ''
  }
  return out
}

function parse (text: string): Selector {
  const result = parseSelector(text)
  if ('error' in result) throw new Error(result.error)
  return result.selector
}

for (const [text, expect] of MATRIX) {
  test(`selector: "${text}" matches exactly the expected facility x severity cells`, () => {
    const selector = parse(text)
    assert.equal(selector.text, text)
    assert.equal(selector.mask.length, 192)
    assert.equal(actualMask(selector), expectMask(expect))
  })
}

test('selector: PRI values outside 0..191 never match', () => {
  const all = parse('*.*')
  for (const pri of [-1, 192, 1.5, NaN, 1000]) assert.equal(selectorMatches(all, pri), false, String(pri))
})

test('selector: mark is accepted with a warning and matches nothing', () => {
  const result = parseSelector('*.info;mark.*')
  assert.ok(!('error' in result))
  assert.equal(actualMask(result.selector), expectMask((_f, s) => s <= INFO))
  assert.equal(result.warnings.length, 1)
  assert.match(result.warnings[0]!, /facility "mark"/)
  const plain = parseSelector('*.info')
  assert.ok(!('error' in plain))
  assert.deepEqual(plain.warnings, [])
})

test('selector: mistakes are reported with the name and the selector', () => {
  const cases: Array<[string, string]> = [
    ['mial.info', 'unknown facility "mial" in selector "mial.info"'],
    ['mail.inf', 'unknown level "inf" in selector "mail.inf"'],
    ['24.info', 'unknown facility "24" in selector "24.info"'],
    ['mail.8', 'unknown level "8" in selector "mail.8"'],
    ['mail', 'missing "." between facility and level in "mail" (selector "mail")'],
    ['mail.', 'missing level after "." in selector "mail."'],
    ['.info', 'empty facility name in selector ".info"'],
    ['mail,,news.info', 'empty facility name in selector "mail,,news.info"'],
    ['*.info;;mail.none', 'empty part between ";" in selector "*.info;;mail.none"'],
    ['', 'empty selector']
  ]
  for (const [text, message] of cases) assert.deepEqual(parseSelector(text), { error: message }, text)
  for (const text of ['mail.=none', 'mail.=*', 'mail.<info', 'mail.=!info', 'mail.>=err']) {
    const result = parseSelector(text)
    assert.ok('error' in result, text)
    assert.ok(result.error.includes(`selector "${text}"`), result.error)
  }
})
