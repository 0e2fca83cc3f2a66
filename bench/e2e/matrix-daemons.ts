// The three daemons of the benchmark matrix and their equivalent configs: one input (TCP with LF
// framing, TCP with octet counting, TLS, or UDP) on 127.0.0.1, everything it receives written to
// one file as `TIMESTAMP HOST TAG[PID]: MSG` (stele's iso line; rsyslog and syslog-ng write
// `+00:00` where stele writes `.000Z`, one byte more, which the verifier learns from the first
// line), no fsync, each daemon's defaults otherwise. Each runs in the foreground with TZ=UTC
// (syslog-ng needs TZ set to be fast), its own config, port, pid file and work directory; none
// reads the system's config or touches /dev/log.
//
//   stele      node dist/src/cli/stele.js run -f CONF
//              listen tcp|tls|udp://127.0.0.1:PORT, *.* -FILE (iso, buffered), repeat_suppression=off, mark_interval=0
//   rsyslog    rsyslogd -n -f CONF: imtcp (TLS: ossl driver, anon) or imudp -> omfile (buffered), own ruleset
//   (UDP: all three get stele's default 4 MiB receive buffer; see UDP_RCVBUF_BYTES)
//   syslog-ng  syslog-ng --foreground: network() (LF over TCP, UDP) or syslog() (octet counting, TLS)
//              -> file() with a template; flags(flow-control), so a full file queue pauses the input
//              as stele's and rsyslog's do instead of dropping (a stream input then loses nothing)

import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Framing } from './load.js'
import type { BenchCert } from './tls.js'
import { track } from './matrix-proc.js'

export type DaemonName = 'stele' | 'rsyslog' | 'syslog-ng'
export const DAEMONS: readonly DaemonName[] = ['stele', 'rsyslog', 'syslog-ng']
export type InputTransport = 'tcp' | 'tls' | 'udp'

/**
 * The UDP receive buffer all three get: stele's default (rcvbuf=4m). rsyslog and syslog-ng would
 * otherwise keep the kernel's default (net.core.rmem_default, 208 KiB here), which measures the
 * buffer rather than the daemon.
 */
export const UDP_RCVBUF_BYTES = 4 * 1024 * 1024

export interface Input {
  transport: InputTransport
  framing: Framing
  cert: BenchCert | null
}

export interface DaemonSetup {
  steleJs: string
  steleNodeArgs: readonly string[]
  /** Global options added to stele's config (--stele-option KEY=VALUE). */
  steleOptions: readonly string[]
  rsyslogd: string
  /** Where syslog-ng's Debian package is unpacked (usr/sbin/syslog-ng, usr/lib/syslog-ng). */
  syslogNgRoot: string
}

export interface Started { child: ChildProcess, outFile: string, command: string }

// --- syslog-ng's files ---------------------------------------------------------------------

const syslogNgBinary = (setup: DaemonSetup): string => join(setup.syslogNgRoot, 'usr/sbin/syslog-ng')
const syslogNgLibs = (setup: DaemonSetup): string => join(setup.syslogNgRoot, 'usr/lib/syslog-ng')
function syslogNgEnv (setup: DaemonSetup): NodeJS.ProcessEnv {
  return { ...process.env, LD_LIBRARY_PATH: [syslogNgLibs(setup), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'), TZ: 'UTC' }
}

/** `3.38` from `syslog-ng 3 (3.38.1)`, or null when the unpacked binary does not run. */
export function syslogNgVersion (setup: DaemonSetup): { short: string, full: string } | null {
  if (!existsSync(syslogNgBinary(setup))) return null
  const out = spawnSync(syslogNgBinary(setup), ['--version'], { env: syslogNgEnv(setup), encoding: 'utf8' }).stdout ?? ''
  const m = /syslog-ng \d+ \(((\d+\.\d+)[^)]*)\)/.exec(out)
  return m === null ? null : { short: m[2]!, full: `syslog-ng ${m[1]!}` }
}

export function rsyslogVersion (setup: DaemonSetup): string | null {
  const out = spawnSync(setup.rsyslogd, ['-v'], { encoding: 'utf8' })
  if (out.status !== 0) return null
  return out.stdout.split('\n')[0]!.replace(/\s+/g, ' ').replace(/ compiled with:$/, '').replace(/,$/, '').trim()
}

/** Why `daemon` cannot run here, or null when it can. */
export function unavailable (daemon: DaemonName, setup: DaemonSetup): string | null {
  if (daemon === 'stele') return existsSync(setup.steleJs) ? null : `${setup.steleJs} missing: build first (npx tsc -p .)`
  if (daemon === 'rsyslog') return rsyslogVersion(setup) === null ? `${setup.rsyslogd} not runnable (apt-get install rsyslog rsyslog-openssl)` : null
  return syslogNgVersion(setup) === null ? `syslog-ng not found under ${setup.syslogNgRoot} (apt-get download syslog-ng-core && dpkg -x)` : null
}

// --- configs -------------------------------------------------------------------------------

function steleConf (dir: string, port: number, input: Input, outFile: string, setup: DaemonSetup): string {
  const listen = input.transport === 'tls'
    ? `listen tls://127.0.0.1:${port} cert=${input.cert!.cert} key=${input.cert!.key}`
    : `listen ${input.transport}://127.0.0.1:${port}`
  return [
    `# stele benchmark matrix (bench/e2e/matrix-daemons.ts): ${input.transport.toUpperCase()} (${input.framing}) -> file, iso format (the default)`,
    listen,
    'repeat_suppression=off',
    'mark_interval=0',
    `control_socket=${join(dir, 'stele.ctl')}`,
    ...setup.steleOptions,
    `*.* -${outFile}`,
    ''
  ].join('\n')
}

function rsyslogConf (dir: string, port: number, input: Input, outFile: string): string {
  const cert = input.cert
  const global = cert === null
    ? `global(workDirectory="${dir}" maxMessageSize="64k")`
    : `global(workDirectory="${dir}" maxMessageSize="64k" DefaultNetstreamDriverCertFile="${cert.cert}" DefaultNetstreamDriverKeyFile="${cert.key}")`
  const module = input.transport === 'udp' ? 'imudp' : 'imtcp'
  // imtcp tells LF framing from octet counting by itself (SupportOctetCountedFraming is on by default).
  let tlsParams = input.transport === 'tls' ? ' StreamDriver.Name="ossl" StreamDriver.Mode="1" StreamDriver.AuthMode="anon"' : ''
  if (input.transport === 'udp') tlsParams = ` rcvbufSize="${UDP_RCVBUF_BYTES}"`
  return [
    `# stele benchmark matrix (bench/e2e/matrix-daemons.ts): ${module}${tlsParams === '' ? '' : ' over TLS (ossl, anon)'} -> omfile and nothing else.`,
    '# omfile defaults: buffered, flushed at the end of each batch, no fsync (as stele\'s "-/path").',
    global,
    `module(load="${module}")`,
    'template(name="iso" type="string" string="%timereported:::date-rfc3339% %hostname% %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\\n")',
    'ruleset(name="bench") {',
    `  action(type="omfile" file="${outFile}" template="iso")`,
    '}',
    `input(type="${module}" port="${port}" address="127.0.0.1" ruleset="bench"${tlsParams})`,
    `*.* action(type="omfile" file="${join(dir, 'rsyslogd.log')}")`,
    ''
  ].join('\n')
}

function syslogNgConf (port: number, input: Input, outFile: string, version: string): string {
  const where = `ip("127.0.0.1") port(${port})`
  let source: string
  if (input.transport === 'udp') source = `network(${where} transport("udp") so-rcvbuf(${UDP_RCVBUF_BYTES}))`
  else if (input.transport === 'tls') source = `syslog(${where} transport("tls") tls(key-file("${input.cert!.key}") cert-file("${input.cert!.cert}") peer-verify(optional-untrusted)))`
  else if (input.framing === 'octet-counting') source = `syslog(${where} transport("tcp"))`
  else source = `network(${where} transport("tcp"))`
  return [
    `@version: ${version}`,
    '# stele benchmark matrix (bench/e2e/matrix-daemons.ts): one source -> file(), flow-controlled.',
    'options { keep-hostname(yes); chain-hostnames(no); use-dns(no); log-msg-size(65536); stats-freq(0); };',
    `source s_bench { ${source}; };`,
    `destination d_file { file("${outFile}" template("\${ISODATE} \${HOST} \${MSGHDR}\${MESSAGE}\\n")); };`,
    'log { source(s_bench); destination(d_file); flags(flow-control); };',
    ''
  ].join('\n')
}

// --- start ---------------------------------------------------------------------------------

/** Starts `daemon` listening on 127.0.0.1:`port` for `input`, writing to a file in `dir`. */
export function startDaemon (daemon: DaemonName, dir: string, port: number, input: Input, setup: DaemonSetup): Started {
  const conf = join(dir, `${daemon}.conf`)
  const outFile = join(dir, `${daemon}.log`)
  let child: ChildProcess
  let command: string
  if (daemon === 'stele') {
    writeFileSync(conf, steleConf(dir, port, input, outFile, setup))
    const argv = [...setup.steleNodeArgs, setup.steleJs, 'run', '-f', conf]
    child = spawn(process.execPath, argv, { cwd: dir, env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'ignore', 'pipe'] })
    command = `node ${argv.join(' ')}`
  } else if (daemon === 'rsyslog') {
    writeFileSync(conf, rsyslogConf(dir, port, input, outFile))
    const argv = ['-n', '-f', conf, '-i', join(dir, 'rsyslog.pid')]
    child = spawn(setup.rsyslogd, argv, { cwd: dir, env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'pipe'] })
    command = `${setup.rsyslogd} ${argv.join(' ')}`
  } else {
    const version = syslogNgVersion(setup)!.short
    writeFileSync(conf, syslogNgConf(port, input, outFile, version))
    const argv = ['--foreground', '--no-caps', '-f', conf, '--persist-file', join(dir, 'syslog-ng.persist'), '--pidfile', join(dir, 'syslog-ng.pid'),
      '--control', join(dir, 'syslog-ng.ctl'), '--module-path', join(syslogNgLibs(setup), version), '--stderr']
    child = spawn(syslogNgBinary(setup), argv, { cwd: dir, env: syslogNgEnv(setup), stdio: ['ignore', 'pipe', 'pipe'] })
    command = `syslog-ng ${argv.join(' ')}`
  }
  return { child: track(child), outFile, command }
}

/** The line each daemon's config is summed up by, for the report's method section. */
export const DAEMON_CONFIGS: Record<DaemonName, string> = {
  stele: '`stele run -f CONF`: `listen tcp|tls|udp://127.0.0.1:PORT` (TLS: `cert= key=`, no client authentication), `*.* -FILE` (iso, buffered, no fsync), `repeat_suppression=off`, `mark_interval=0`',
  rsyslog: '`rsyslogd -n -f CONF`: `imtcp` (TLS: `StreamDriver.Name="ossl" Mode="1" AuthMode="anon"`) or `imudp` (`rcvbufSize="4194304"`, stele\'s default), bound to a ruleset holding one `omfile` action (defaults: buffered, no fsync) with stele\'s iso line as template',
  'syslog-ng': '`syslog-ng --foreground` (TZ=UTC): `network()` (LF over TCP; UDP with `so-rcvbuf(4194304)`) or `syslog()` (octet counting over TCP, TLS with `peer-verify(optional-untrusted)`) -> `file()` with template `${ISODATE} ${HOST} ${MSGHDR}${MESSAGE}`, `flags(flow-control)`'
}
