// rules: a classic syslog.conf with selectors using *, none, lists, =, !, several selectors
// joined by ';', and OpenBSD/FreeBSD program (!prog) and host (+host) blocks. Every facility x
// severity combination is sent over TCP from two programs and two hosts; each file must hold
// exactly the messages the rule says, computed here by plain conditions (not by stele's code).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { once } from 'node:events'
import { join } from 'node:path'
import { readLines, startDaemon, waitFor } from './harness.js'

const CONFIG = `
repeat_suppression=off
mark_interval=0
listen tcp://127.0.0.1:0
*.info;mail.none                 DIR/info.log
mail.*                           DIR/mail.log
mail,news.=info                  DIR/mail-news-info.log
mail.!info                       DIR/mail-below-info.log
*.err;auth,authpriv.none         DIR/err.log
local0.*;local0.!=debug          DIR/local0.log
kern.emerg                       DIR/emerg.log
!special
*.*                              DIR/special.log
!-special
*.crit                           DIR/others-crit.log
!*
+host7
*.*                              DIR/host7.log
+*
`

interface Sent { facility: number, severity: number, app: string, host: string, text: string }

const expectations: Record<string, (m: Sent) => boolean> = {
  'info.log': (m) => m.severity <= 6 && m.facility !== 2,
  'mail.log': (m) => m.facility === 2,
  'mail-news-info.log': (m) => (m.facility === 2 || m.facility === 7) && m.severity === 6,
  'mail-below-info.log': (m) => m.facility === 2 && m.severity > 6,
  'err.log': (m) => m.severity <= 3 && m.facility !== 4 && m.facility !== 10,
  'local0.log': (m) => m.facility === 16 && m.severity !== 7,
  'emerg.log': (m) => m.facility === 0 && m.severity === 0,
  'special.log': (m) => m.app === 'special',
  'others-crit.log': (m) => m.app !== 'special' && m.severity <= 2,
  'host7.log': (m) => m.host === 'host7'
}

test('rules: a facility x severity matrix from two programs and two hosts lands in exactly the right files', { timeout: 60000 }, async (t) => {
  const daemon = await startDaemon(CONFIG)
  t.after(async () => { await daemon.close() })
  const sent: Sent[] = []
  for (let facility = 0; facility < 24; facility++) {
    for (let severity = 0; severity < 8; severity++) {
      for (const app of ['special', 'plain']) {
        for (const host of ['host7', 'host8']) sent.push({ facility, severity, app, host, text: `m-${facility}-${severity}-${app}-${host}` })
      }
    }
  }
  const socket = net.connect(daemon.port('tcp://127.0.0.1:0'), '127.0.0.1')
  await once(socket, 'connect')
  for (const m of sent) socket.write(`<${m.facility * 8 + m.severity}>Nov 22 10:00:00 ${m.host} ${m.app}[1]: ${m.text}\n`)
  socket.end()
  await once(socket, 'close')
  await waitFor(async () => (await daemon.stats()).routed >= sent.length, 'every message routed')
  assert.equal(await daemon.stop(), 0)
  for (const [file, matches] of Object.entries(expectations)) {
    const lines = await readLines(join(daemon.dir, file))
    const got = lines.map((line) => line.slice(line.lastIndexOf(' ') + 1)).filter((text) => text.startsWith('m-')).sort()
    const want = sent.filter(matches).map((m) => m.text).sort()
    assert.deepEqual(got, want, file)
  }
})
