// Shared by the config tests: parse text as if it were /etc/stele/stele.conf.

import assert from 'node:assert/strict'
import { parseConfigText } from '../../src/config/load.js'
import type { Config, ConfigProblem } from '../../src/config/schema.js'

export const CONF = '/etc/stele/stele.conf'

/** Parses `text`, asserting it has no errors and no warnings other than the missing-listener one. */
export function parseOk (text: string, allowWarnings = false): Config {
  const { config, problems } = parseConfigText(text, CONF)
  const unexpected = problems.filter((p) => p.severity === 'error' || (!allowWarnings && !p.message.startsWith('no listen line')))
  assert.deepEqual(unexpected, [], 'unexpected problems')
  assert.ok(config !== null)
  return config
}

/** "LINE: severity: message" for each problem, for compact assertions. */
export function problemsOf (text: string, file = CONF): string[] {
  return parseConfigText(text, file).problems.map((p: ConfigProblem) => `${p.line}: ${p.severity}: ${p.message}`)
}

/** Every problem test/fixtures/config/bad.conf holds, in file order; problems.test.ts and the CLI test check them. */
export const BAD_CONF_PROBLEMS = [
  '4: error: listen "tcp://127.0.0.1:99999": port "99999" in "127.0.0.1:99999" is not 0-65535',
  '5: error: timezone "Nowhere/Special" is not a zone this runtime knows (use local, UTC, +01:00 or an IANA name such as Europe/Berlin)',
  '6: error: mark_interval "abc" is not a duration (e.g. 600, 20m, 1h)',
  '8: error: unknown facility "mial" in selector "*.info;mial.none"',
  '9: error: unknown level "inf" in selector "mail.inf"',
  '10: error: forward "@loghost:70000": port "70000" in "loghost:70000" is not 1-65535',
  '11: error: unknown placeholder "%HOST%" in path "/var/log/%HOST%/kern" (known: HOSTNAME, FROMHOST, APPNAME, PROGRAMNAME, PROCID, MSGID, FACILITY, SEVERITY, YEAR, MONTH, DAY, HOUR, INPUT, IDENTITY)',
  '12: error: program block "!sshd,,sudo" has an empty program name',
  '13: error: option "bogus" does not apply to file actions (it takes format, newline, mode, sync)',
  '15: warning: writing to logged-in users is not supported; messages matched by this rule go nowhere',
  '16: error: mode "9" is not an octal file mode (e.g. 0640)',
  '17: error: unknown global option "frobnicate" (known: hostname, timezone, mark_interval, repeat_suppression, max_message_size, user, group, control_socket, state_dir, sign_sg, sign_sg2_delim, sign_key, sign_cert, sign_hash, sign_sb_redundancy, sign_sb_max_hashes, sign_cb_resend, sign_cb_resend_interval, sign_flush_interval)'
]
