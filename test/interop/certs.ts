// Test certificates, made by the real `openssl` command line (the other side of every TLS test
// is a real peer, so its files come from a real tool too). One CA per call, EC P-256 keys (fast
// to generate). Expired certificates are signed with `openssl ca -startdate/-enddate`, the
// only way OpenSSL 3.0 writes dates in the past.

import { spawnSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { requireProgram, run } from '../daemon/harness.js'

export const haveOpenssl = spawnSync('openssl', ['version']).status === 0

/** undefined when openssl can be used; else a skip reason (and under CI=true, a failure). */
export function requireOpenssl (): string | undefined {
  return requireProgram(haveOpenssl, 'openssl', 'openssl')
}

export interface CertFiles { cert: string, key: string, fingerprint: { sha1: string, sha256: string } }

export class TestCa {
  readonly dir: string
  readonly cert: string
  readonly key: string
  #serial = 1

  private constructor (dir: string) {
    this.dir = dir
    this.cert = join(dir, 'ca.pem')
    this.key = join(dir, 'ca.key')
  }

  /** A new CA in DIR/NAME/. */
  static async create (dir: string, name = 'ca'): Promise<TestCa> {
    const ca = new TestCa(join(dir, name))
    await mkdir(ca.dir, { recursive: true })
    await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', ca.key, '-out', ca.cert,
      '-days', '30', '-subj', `/CN=stele test ${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
    return ca
  }

  /**
   * A certificate signed by this CA for `cn` with DNS/IP subject alt names. `expired`: valid only
   * in 2020. Files: DIR/NAME.pem, DIR/NAME.key.
   */
  async issue (name: string, options: { cn: string, dns?: string[], ip?: string[], expired?: boolean }): Promise<CertFiles> {
    const cert = join(this.dir, `${name}.pem`)
    const key = join(this.dir, `${name}.key`)
    const csr = join(this.dir, `${name}.csr`)
    const sans = [...(options.dns ?? []).map((d) => `DNS:${d}`), ...(options.ip ?? []).map((i) => `IP:${i}`)]
    await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${options.cn}`])
    const ext = join(this.dir, `${name}.ext`)
    await writeFile(ext, `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyAgreement\nextendedKeyUsage=serverAuth,clientAuth\n${sans.length > 0 ? `subjectAltName=${sans.join(',')}\n` : ''}`)
    if (options.expired !== true) {
      await openssl(['x509', '-req', '-in', csr, '-CA', this.cert, '-CAkey', this.key, '-set_serial', String(this.#serial++), '-out', cert, '-days', '30', '-extfile', ext])
    } else {
      const db = join(this.dir, `${name}.db`)
      await writeFile(db, '')
      await writeFile(join(this.dir, `${name}.cnf`), `[ca]\ndefault_ca=x\n[x]\ndatabase=${db}\nnew_certs_dir=${this.dir}\nserial=${join(this.dir, `${name}.serial`)}\ndefault_md=sha256\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\n`)
      await writeFile(join(this.dir, `${name}.serial`), `${String(1000 + this.#serial++)}\n`)
      await openssl(['ca', '-batch', '-notext', '-config', join(this.dir, `${name}.cnf`), '-cert', this.cert, '-keyfile', this.key, '-in', csr, '-out', cert,
        '-startdate', '20200101000000Z', '-enddate', '20200201000000Z', '-extfile', ext])
    }
    return { cert, key, fingerprint: await fingerprints(cert) }
  }
}

/** A self-signed certificate (no CA), as a receiver pinned by fingerprint has. */
export async function selfSigned (dir: string, name: string, cn: string, dns: string[] = []): Promise<CertFiles> {
  const cert = join(dir, `${name}.pem`)
  const key = join(dir, `${name}.key`)
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-subj', `/CN=${cn}`]
  if (dns.length > 0) args.push('-addext', `subjectAltName=${dns.map((d) => `DNS:${d}`).join(',')}`)
  await openssl(args)
  return { cert, key, fingerprint: await fingerprints(cert) }
}

/** As `openssl x509 -fingerprint` prints them, in RFC 5425 form ("sha256:AB:..."). */
async function fingerprints (cert: string): Promise<{ sha1: string, sha256: string }> {
  const out = async (digest: string): Promise<string> => {
    const result = await openssl(['x509', '-in', cert, '-noout', '-fingerprint', `-${digest}`])
    return `${digest}:${result.split('=')[1]!.trim()}`
  }
  // Cross-check that the file is a certificate at all (a failed openssl run would have thrown).
  new X509Certificate(await readFile(cert)) // eslint-disable-line no-new
  return { sha1: await out('sha1'), sha256: await out('sha256') }
}

export async function openssl (args: string[]): Promise<string> {
  const result = await run('openssl', args)
  if (result.code !== 0) throw new Error(`openssl ${args.join(' ')} failed (${result.code}): ${result.stderr}`)
  return result.stdout
}
