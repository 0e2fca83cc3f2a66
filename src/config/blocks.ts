// Program and host blocks (OpenBSD/FreeBSD syslog.conf(5)). A block line applies to every rule
// after it in the same file, until the next block line of its kind:
//   !sshd,sudo   only these programs        !-sshd   every program but these     !*  any program
//   +gw1,gw2     only these hosts           -gw1     every host but these        +*  any host
// FreeBSD also reads `#!prog` and `#+host` (see lines.ts). `+@` names the local host: "@" is kept
// as a name, and the router matches it against the daemon's own hostname.

import type { Report } from './problems.js'
import type { HostFilter, ProgramFilter } from './schema.js'

/** `spec` is the text after "!": "sshd,sudo", "-sshd", "*". null = reset; undefined = bad line. */
export function parseProgramBlock (spec: string, report: Report): ProgramFilter | null | undefined {
  return parseBlock(spec.trim(), '!', 'program', report)
}

/** `line` starts with "+" or "-": "+gw1,gw2", "-gw1", "+*", "+@". */
export function parseHostBlock (line: string, report: Report): HostFilter | null | undefined {
  const negate = line.startsWith('-')
  return parseBlock(`${negate ? '-' : ''}${line.slice(1).trim()}`, '+', 'host', report)
}

const HOST_NAME = /^[A-Za-z0-9_.:-]+$/

function parseBlock (spec: string, sign: '!' | '+', what: string, report: Report): { names: string[], negate: boolean } | null | undefined {
  const negate = spec.startsWith('-')
  const list = negate ? spec.slice(1).trim() : spec
  const written = `${sign === '!' ? '!' : negate ? '' : '+'}${spec}`
  if (list === '*') {
    if (!negate) return null
    report('error', `"${written}" would match no ${what}; write ${sign}* to end the ${what} block`)
    return undefined
  }
  const names = list.split(',').map((name) => name.trim())
  for (const name of names) {
    if (name === '') {
      report('error', `${what} block "${written}" has an empty ${what} name`)
      return undefined
    }
    // Program names may hold "/" (postfix/smtpd); host names are names or addresses.
    const bad = sign === '!' ? /[\s*]/.test(name) : name !== '@' && !HOST_NAME.test(name)
    if (bad) {
      report('error', `${what} block "${written}": "${name}" is not a ${what} name`)
      return undefined
    }
  }
  return { names, negate }
}
