// The daemon's configuration, as load.ts produces it from a syslog.conf file. Classic BSD/Linux
// syslog.conf rule lines keep their meaning; stele's extensions (listen lines, key=value global
// options, per-action options) are documented in docs/configuration.md.

import type { Framing } from '../framing/frame-decoder.js'
import type { NewlinePolicy, OutputFormat } from '../message/format.js'
import type { Selector } from '../route/selector.js'
import type { SignSettings } from '../sign/signer/settings.js'

/** Where a setting was written: every config problem is reported as FILE:LINE: message. */
export interface ConfigLocation {
  readonly file: string
  readonly line: number
}

export interface ConfigProblem extends ConfigLocation {
  readonly severity: 'error' | 'warning'
  readonly message: string
}

export interface GlobalOptions {
  /** hostname=: written for local messages; default (null) the system's hostname. */
  hostname: string | null
  /** timezone=: zone for timestamps sent without one and for `traditional` output. Default "local". */
  timezone: string
  /** mark_interval=: seconds between "-- MARK --" messages; 0 turns them off. Default 1200 (20 min, as syslogd). */
  markIntervalS: number
  /** repeat_suppression=on|off: collapse identical messages from one source. Default on. */
  repeatSuppression: boolean
  /** max_message_size=: bytes; longer messages are truncated and counted. Default 65536. */
  maxMessageSize: number
  /** user= / group=: drop privileges to these after binding. Default null (keep). */
  user: string | null
  group: string | null
  /**
   * control_socket=: unix socket `stele stats` talks to. Default "./stele.ctl" (relative to the working directory).
   * A relative value written in a config file is resolved against that file's directory.
   */
  controlSocket: string
  /**
   * state_dir=: where followed files (listen file://) keep their read positions. Default "./state"
   * (relative to the working directory); a relative value in a config file is resolved against its directory.
   */
  stateDir: string
  /** sign_*: RFC 5848 syslog-sign; sign.sg null (the default) = off. Generated keys and the RSID live in stateDir. */
  sign: SignSettings
}

export type ListenTransport = 'udp' | 'tcp' | 'unix' | 'tls' | 'relp' | 'file'

export interface ListenerConfig extends ConfigLocation {
  /** The URL as written: "udp://127.0.0.1:5514", "unix:///run/stele.sock". */
  readonly url: string
  readonly transport: ListenTransport
  /** udp/tcp: address to bind ("0.0.0.0", "::", "127.0.0.1"); unix: "". */
  readonly host: string
  /** udp/tcp: port (0 = any); unix: 0. */
  readonly port: number
  /** unix: the socket path; file: the followed file (absolute); udp/tcp: "". */
  readonly path: string
  /** max_connections= (tcp, unix stream). Default 1024. */
  readonly maxConnections: number
  /** max_message_size= for this listener; default the global one. */
  readonly maxMessageSize: number
  /** framing=auto|octet|lf|nul (stream transports). Default auto. */
  readonly framing: Framing
  /** rcvbuf= (udp): socket receive buffer in bytes; default 4 MiB. */
  readonly rcvbufBytes: number
  /** idle_timeout= (tcp): seconds without data before a connection is closed; 0 = never. Default 0. */
  readonly idleTimeoutS: number
  /** Every key=value written after the URL, for options later issues add (relp). */
  readonly options: Readonly<Record<string, string>>
  /** tls listeners, and relp listeners over TLS (relp+tls://, tls=on): certificates and client policy. */
  readonly tls?: TlsListenSettings
  /** file listeners: how lines become messages and how the file is watched. */
  readonly follow?: FollowSettings
}

/** `listen file:///path` options: a followed file (inputs/file-follow.ts). */
export interface FollowSettings {
  /** tag=: APP-NAME of lines that are not syslog messages. Default the file's base name. */
  readonly tag: string
  /** facility= / severity=: of lines that are not syslog messages. Default user.notice. */
  readonly facility: number
  readonly severity: number
  /** partial_timeout=: seconds a last line without newline waits before it is delivered (marked); 0 = wait for the newline. Default 5. */
  readonly partialTimeoutS: number
  /** poll_interval=: seconds between checks of the file besides fs.watch events. Default 1. */
  readonly pollIntervalS: number
}

/** `listen tls://...` options (RFC 5425). Paths are absolute. */
export interface TlsListenSettings {
  /** cert= / key=: our certificate (chain) and private key, PEM. Required. */
  readonly cert: string
  readonly key: string
  /** ca=: clients must present a certificate that chains to it (mutual authentication). */
  readonly ca: string | null
  /** verify=peer (default) | none: none accepts client certificates without checking the chain. */
  readonly verify: boolean
  /** allow=: comma-separated names (with * wildcards) and fingerprints; null = anyone verified. */
  readonly allow: string | null
  /** handshake_timeout=: seconds a client has to complete the handshake. Default 10. */
  readonly handshakeTimeoutS: number
}

/** `@tls://host:port` options (RFC 5425). Paths are absolute. */
export interface TlsForwardSettings {
  /** ca=: trust these CAs for the receiver's chain; default the system's roots. */
  readonly ca: string | null
  /** cert= / key=: our client certificate, for receivers that require one. */
  readonly cert: string | null
  readonly key: string | null
  /** name=: the name the receiver's certificate must carry; default the host connected to. */
  readonly name: string | null
  /** fingerprint=: canonical pins (sha1:/sha256:); when given they replace chain and name checks. */
  readonly fingerprints: readonly string[]
  /** verify=none turns every check off (false); default true. */
  readonly verify: boolean
}

interface ActionCommon extends ConfigLocation {
  /** The action as written, e.g. "-/var/log/messages" or "@tcp://loghost:514". */
  readonly text: string
  /** format=: default iso for files, pipes and stdout; rfc5424 for TCP forwards; rfc3164 for UDP forwards (as BSD syslogd sends). */
  readonly format: OutputFormat
  /**
   * newline=escape|split|keep: default escape for line outputs (files, pipes, stdout, LF-framed TCP),
   * keep for octet-counted TCP forwards and for UDP forwards (a datagram frames itself).
   */
  readonly newline: NewlinePolicy
  /** Every key=value written after the action. */
  readonly options: Readonly<Record<string, string>>
}

export interface FileAction extends ActionCommon {
  readonly kind: 'file'
  /**
   * The path, which may hold %FIELD% placeholders (see outputs/file-template.ts). Absolute: a relative
   * path ("./log/x") was resolved against the config file's directory (the cwd for the built-in config).
   */
  readonly path: string
  /** false for the "-/path" form: no fsync after each write batch. */
  readonly sync: boolean
  /** mode=: permission bits for new files. Default 0o640. */
  readonly mode: number
}

export interface PipeAction extends ActionCommon {
  readonly kind: 'pipe'
  readonly path: string
  /** buffer=: bytes held for a slow or absent reader before messages are dropped. Default 1 MiB. */
  readonly bufferBytes: number
}

export interface ForwardAction extends ActionCommon {
  readonly kind: 'forward'
  readonly transport: 'udp' | 'tcp' | 'tls' | 'relp'
  /** Host name or address (IPv6 without brackets). */
  readonly host: string
  readonly port: number
  /** framing=octet|lf (tcp). Default octet; always octet for tls (RFC 5425 §4.3). UDP forwards carry 'octet', which nothing reads. */
  readonly framing: 'octet' | 'lf'
  /** buffer=: bytes held in memory while the destination is down. Default 8 MiB. */
  readonly bufferBytes: number
  /** window=: relp forwards: transactions sent and not yet acknowledged, at most. Default 128. */
  readonly window?: number
  /** tls forwards, and relp forwards over TLS (@relp+tls://, tls=on): how the receiver is checked and who we are. */
  readonly tls?: TlsForwardSettings
  /** tcp and tls forwards: queue=, queue_max=, queue_dir=, fsync=, overflow= (issue 5). Absent:
   *  the memory buffer of bufferBytes that drops the newest ('buffer-full'), as before. */
  readonly queue?: QueueSettings
}

export interface QueueSettings {
  readonly type: 'memory' | 'disk'
  /** queue_max=: bytes of waiting records. Default 256 MiB (disk), or buffer= / 8 MiB (memory). */
  readonly maxBytes: number
  /** queue_dir=: absolute. Default ./spool/SCHEME-HOST-PORT in the working directory. */
  readonly dir: string
  /** true when dir is the default: a second distinct forward to the same target takes DIR-2, ... (parse.ts) */
  readonly defaultDir: boolean
  /** fsync=always|batch|interval:MS. Default batch. */
  readonly fsync: { mode: 'always' | 'batch' } | { mode: 'interval', intervalMs: number }
  /** overflow=: what a full queue does. Default drop-newest. */
  readonly overflow: 'block' | 'drop-newest' | 'drop-oldest'
}

export interface StdoutAction extends ActionCommon {
  readonly kind: 'stdout'
}

/** `*`: all logged-in users. Accepted and ignored, with a warning. */
export interface UsersAction extends ActionCommon {
  readonly kind: 'users'
}

export type ActionConfig = FileAction | PipeAction | ForwardAction | StdoutAction | UsersAction

/** `!prog`, `!-prog` (OpenBSD/FreeBSD program blocks). null on a rule = any program. */
export interface ProgramFilter {
  readonly names: readonly string[]
  /** true for `!-prog`: every program except these. */
  readonly negate: boolean
}

/** `+host`, `-host` (OpenBSD/FreeBSD host blocks). null on a rule = any host. */
export interface HostFilter {
  readonly names: readonly string[]
  /** true for `-host`: every host except these. */
  readonly negate: boolean
}

export interface RuleConfig extends ConfigLocation {
  readonly selector: Selector
  readonly program: ProgramFilter | null
  readonly host: HostFilter | null
  readonly action: ActionConfig
}

export interface Config {
  readonly globals: GlobalOptions
  readonly listeners: readonly ListenerConfig[]
  readonly rules: readonly RuleConfig[]
  /** Every file that was read (the main file and its includes), for reload. */
  readonly files: readonly string[]
}
