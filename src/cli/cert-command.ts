// `stele cert`: a small CA and the server and client certificates it signs, for a first
// mutual-TLS setup (RFC 5425), and the fingerprints that `fingerprint=` and `allow=` take.
// The x509 work is in tls/certificates.ts, loaded only when a certificate is made, so the
// other commands and the daemon never load the x509 library.

import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { certFingerprints, readCertificates } from '../tls/cert-fingerprint.js'
import type { CertAndKey, KeyType } from '../tls/certificates.js'

export const CERT_HELP = `Usage: stele cert ca     [--dir DIR] [--name NAME] [options]
       stele cert server --name HOST [--name HOST2 ...] [--ip ADDR ...] [--dir DIR] [options]
       stele cert client --name ID [--dir DIR] [options]
       stele cert fingerprint FILE...

Makes a small certificate authority and the certificates it signs, enough for a first
mutual-TLS setup, and prints certificate fingerprints.

  ca            DIR/ca.crt and DIR/ca.key: a CA certificate (CN=NAME, default "stele CA")
  server        DIR/HOST.crt and DIR/HOST.key signed by the CA in DIR: CN=HOST, every HOST
                as a DNS name (an address given as HOST, or with --ip, as an IP address);
                usable as a TLS server and as a client (a relay forwards with it)
  client        DIR/ID.crt and DIR/ID.key signed by the CA in DIR: CN=ID (and DNS:ID when ID
                is a DNS name), usable as a TLS client only
  fingerprint   each certificate's subject and its sha1: and sha256: fingerprints (RFC 5425
                §4.2.2), the values fingerprint= and allow= take

Options:
      --dir DIR          where the CA is and the files go (default: the current directory);
                         ca creates DIR, not its parents
      --name NAME        see above; characters other than letters, digits, . _ @ - become _
                         in file names
      --ip ADDR          server: an IP address for subjectAltName (repeatable)
      --days N           validity in days (default 3650 for ca, 825 otherwise; never past
                         the CA's own end)
      --key-type T       ec (ECDSA P-256, the default) or rsa (RSA 2048)
      --force            replace existing files
  -h, --help             show this help

Keys are written as PKCS#8 PEM with mode 0600, certificates as PEM with mode 0644.

Exit status: 0 done, 1 failure (files exist, no CA, unreadable file), 2 usage error.
`

const DEFAULT_CA_NAME = 'stele CA'
const DEFAULT_CA_DAYS = 3650
const DEFAULT_LEAF_DAYS = 825
const MAX_DAYS = 36500
const KEY_MODE = 0o600
const CERT_MODE = 0o644

/** A problem with the command line (exit 2); any other CertFailure exits 1. */
class UsageError extends Error {}
class CertFailure extends Error {}

const SUBCOMMANDS = new Set(['ca', 'server', 'client', 'fingerprint'])

interface Common { dir: string, days: number, keyType: KeyType, force: boolean }

export async function runCert (argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  try {
    switch (sub) {
      case undefined: case '-h': case '--help': case 'help':
        process.stdout.write(CERT_HELP)
        return 0
      case 'ca': return await runCa(rest)
      case 'server': case 'client': return await runLeaf(sub, rest)
      case 'fingerprint': return await runFingerprint(rest)
      default: throw new UsageError(`unknown subcommand "${sub}" (ca, server, client or fingerprint)`)
    }
  } catch (err) {
    const prefix = SUBCOMMANDS.has(sub ?? '') ? `stele cert ${sub}` : 'stele cert'
    if (err instanceof UsageError) {
      process.stderr.write(`${prefix}: ${err.message} (see stele cert --help)\n`)
      return 2
    }
    if (err instanceof CertFailure || (err as { code?: unknown }).code === 'STELE_CERT') {
      process.stderr.write(`${prefix}: ${(err as Error).message}\n`)
      return 1
    }
    throw err
  }
}

function parseOptions (sub: string, argv: string[]): { common: Common, names: string[], ips: string[], help: boolean } {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        dir: { type: 'string', default: '.' },
        name: { type: 'string', multiple: true, default: [] },
        ip: { type: 'string', multiple: true, default: [] },
        days: { type: 'string' },
        'key-type': { type: 'string', default: 'ec' },
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false }
      }
    })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const { values, positionals } = parsed
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`)
  if (values.ip.length > 0 && sub !== 'server') throw new UsageError(`--ip is for server certificates`)
  if (values.name.length > 1 && sub !== 'server') throw new UsageError(`one --name only`)
  const keyType = values['key-type']
  if (keyType !== 'ec' && keyType !== 'rsa') throw new UsageError(`--key-type "${keyType}": ec or rsa`)
  const days = values.days === undefined ? (sub === 'ca' ? DEFAULT_CA_DAYS : DEFAULT_LEAF_DAYS) : Number(values.days)
  if (!/^\d+$/.test(values.days ?? '1') || days < 1 || days > MAX_DAYS) {
    throw new UsageError(`--days "${values.days ?? ''}": a whole number of days from 1 to ${MAX_DAYS}`)
  }
  return { common: { dir: values.dir, days, keyType, force: values.force }, names: values.name, ips: values.ip, help: values.help }
}

async function runCa (argv: string[]): Promise<number> {
  const { common, names, help } = parseOptions('ca', argv)
  if (help) { process.stdout.write(CERT_HELP); return 0 }
  const name = names[0] ?? DEFAULT_CA_NAME
  const files = outputFiles(common.dir, 'ca')
  await makeDir(common.dir)
  await refuseExisting(files, common.force)
  const { createCa } = await import('../tls/certificates.js')
  const made = await createCa({ name, days: common.days, keyType: common.keyType })
  await writeFiles(files, made, common.force)
  printMade(files, made)
  return 0
}

async function runLeaf (kind: 'server' | 'client', argv: string[]): Promise<number> {
  const { common, names, ips, help } = parseOptions(kind, argv)
  if (help) { process.stdout.write(CERT_HELP); return 0 }
  const first = names[0]
  if (first === undefined) throw new UsageError(`--name ${kind === 'server' ? 'HOST' : 'ID'} is required`)
  const { isDnsName, createLeaf } = await import('../tls/certificates.js')
  const dnsNames: string[] = []
  const ipAddresses: string[] = []
  if (kind === 'server') {
    for (const name of names) {
      if (isIP(name) !== 0) ipAddresses.push(name)
      else if (isDnsName(name)) dnsNames.push(name)
      else throw new UsageError(`--name "${name}" is neither a DNS name (letters, digits, hyphens and dots; "*." first for a wildcard) nor an IP address`)
    }
    for (const ip of ips) {
      if (isIP(ip) === 0) throw new UsageError(`--ip "${ip}" is not an IP address`)
      ipAddresses.push(ip)
    }
  } else if (isDnsName(first) && !first.startsWith('*')) {
    dnsNames.push(first)
  }
  const stem = fileStem(first)
  if (stem === 'ca') throw new UsageError(`--name "${first}" would replace the CA's own files; choose another name`)
  const files = outputFiles(common.dir, stem)
  const ca = await readCa(common.dir)
  await refuseExisting(files, common.force)
  const made = await createLeaf({ kind, commonName: first, dnsNames, ipAddresses, days: common.days, keyType: common.keyType, ca })
  await writeFiles(files, made, common.force)
  printMade(files, made)
  return 0
}

async function runFingerprint (argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h', default: false } }, allowPositionals: true })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  if (parsed.values.help) { process.stdout.write(CERT_HELP); return 0 }
  if (parsed.positionals.length === 0) throw new UsageError('name a certificate FILE')
  const blocks: string[] = []
  for (const file of parsed.positionals) {
    let certs: X509Certificate[]
    try {
      certs = readCertificates(await readFile(file))
    } catch (err) {
      throw new CertFailure(`"${file}": no certificate read (${(err as Error).message})`, { cause: err })
    }
    for (const cert of certs) {
      const f = certFingerprints(cert)
      blocks.push(`subject: ${oneLine(f.subject)}\n${f.sha1}\n${f.sha256}\n`)
    }
  }
  process.stdout.write(blocks.join('\n'))
  return 0
}

/**
 * A file name from a --name: no path separators, no "..", no leading dot or dash, so
 * "--name ../../etc/x" stays a file in DIR. "*.example.org" becomes "_.example.org".
 */
export function fileStem (name: string): string {
  return name.replace(/[^A-Za-z0-9._@-]/g, '_').replace(/\.{2,}/g, '_').replace(/^[.-]/, '_')
}

interface OutputFiles { dir: string, cert: string, key: string }

function outputFiles (dir: string, stem: string): OutputFiles {
  return { dir, cert: join(dir, `${stem}.crt`), key: join(dir, `${stem}.key`) }
}

/**
 * The directory itself, not its parents: Node 20's recursive mkdir spins forever on some
 * paths (under /proc), and a mistyped parent is better reported than created.
 */
async function makeDir (dir: string): Promise<void> {
  try {
    await mkdir(dir)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return
    const why = code === 'ENOENT' ? 'its parent directory does not exist' : (err as Error).message
    throw new CertFailure(`cannot create directory "${dir}": ${why}`, { cause: err })
  }
}

async function readCa (dir: string): Promise<CertAndKey> {
  const { cert, key } = outputFiles(dir, 'ca')
  const read = async (path: string): Promise<string | null> => {
    try {
      return await readFile(path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw new CertFailure(`cannot read "${path}": ${(err as Error).message}`, { cause: err })
    }
  }
  const [certPem, keyPem] = await Promise.all([read(cert), read(key)])
  if (certPem === null || keyPem === null) {
    const missing = certPem === null && keyPem === null ? '' : ` (${certPem === null ? cert : key} is missing)`
    throw new CertFailure(`no CA in ${dir}${missing}: run \`stele cert ca --dir ${dir}\` first`)
  }
  return { certPem, keyPem }
}

async function refuseExisting (files: OutputFiles, force: boolean): Promise<void> {
  if (force) return
  const existing: string[] = []
  for (const path of [files.cert, files.key]) {
    if (await stat(path).then(() => true, () => false)) existing.push(path)
  }
  if (existing.length > 0) {
    throw new CertFailure(`${existing.join(' and ')} ${existing.length === 1 ? 'exists' : 'exist'}; nothing written (--force replaces)`)
  }
}

async function writeFiles (files: OutputFiles, made: CertAndKey, force: boolean): Promise<void> {
  await writeOne(files.key, made.keyPem, KEY_MODE, force)
  await writeOne(files.cert, made.certPem, CERT_MODE, force)
}

/**
 * Without --force, 'wx' creates the file or fails: a file made since the check is not replaced.
 * With --force, the new content goes to a temporary file with the final mode first and is renamed
 * over the old one, so a key never sits, even briefly, in a file with a looser old mode.
 */
async function writeOne (path: string, text: string, mode: number, force: boolean): Promise<void> {
  try {
    if (!force) {
      await writeFile(path, text, { mode, flag: 'wx' })
      return
    }
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`
    try {
      await writeFile(tmp, text, { mode, flag: 'wx' })
      await rename(tmp, path)
    } finally {
      await rm(tmp, { force: true })
    }
  } catch (err) {
    throw new CertFailure(`cannot write "${path}": ${(err as Error).message}`, { cause: err })
  }
}

function printMade (files: OutputFiles, made: CertAndKey): void {
  const cert = new X509Certificate(made.certPem)
  const key = createPrivateKey(made.keyPem)
  const keyText = key.asymmetricKeyType === 'ec'
    ? `EC ${key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? 'P-256' : key.asymmetricKeyDetails?.namedCurve ?? ''}`
    : `RSA ${key.asymmetricKeyDetails?.modulusLength ?? ''}`
  const lines = [
    `${files.cert}: ${oneLine(cert.subject)}${cert.subjectAltName === undefined ? '' : `, ${cert.subjectAltName}`}, ` +
      `valid until ${new Date(cert.validTo).toISOString().slice(0, 10)}`,
    `${files.key}: ${keyText} private key, mode 0600`,
    certFingerprints(cert).sha256
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
}

/** Node prints a multi-attribute subject one attribute per line. */
function oneLine (subject: string): string {
  return subject.split('\n').join(', ')
}
