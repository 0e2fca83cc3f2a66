// The examples of docs/client.md are run as written: every ```js block is saved as a module
// inside the package (so 'stele/client', 'stele/pino' and 'stele/winston' resolve through the
// package's own exports, as in an application that installed it) and run in a child process
// against a real `stele run` with udp, tcp and relp listeners (PORT, RELP_PORT).
// Checked: each example exits 0 and prints what its comments say it prints; the collector has
// records from every example's appName.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { readLines, startDaemon, waitFor } from '../daemon/harness.js'
import { freePort } from '../interop/free-port.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

async function runExample (file: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, [file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c })
  child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c })
  const [code] = await once(child, 'exit') as [number | null]
  return { code, stdout, stderr }
}

test('docs/client.md: every js example runs against a stele collector and prints what it says', { timeout: 90000 }, async (t) => {
  const markdown = await readFile(join(ROOT, 'docs', 'client.md'), 'utf8')
  const blocks = [...markdown.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!)
  assert.ok(blocks.length >= 6, `${blocks.length} js examples`)
  const port = await freePort()
  const relpPort = await freePort()
  const d = await startDaemon(`mark_interval=0\nrepeat_suppression=off\nlisten udp://127.0.0.1:${port}\nlisten tcp://127.0.0.1:${port}\nlisten relp://127.0.0.1:${relpPort}\n*.* -DIR/received.json format=json\n`)
  t.after(async () => { await d.close() })
  // Outside dist/test/: `node --test dist/test/` runs every .js file there.
  const dir = join(ROOT, 'dist', 'docs-examples')
  await mkdir(dir, { recursive: true })
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  const outputs: string[] = []
  for (const [i, code] of blocks.entries()) {
    const file = join(dir, `example-${i}.mjs`)
    await writeFile(file, code)
    const result = await runExample(file, { PORT: String(port), RELP_PORT: String(relpPort), QUEUE_DIR: join(d.dir, `queue-${i}`) })
    assert.equal(result.code, 0, `example ${i}:\n${code}\n${result.stderr}`)
    outputs.push(result.stdout)
  }
  const printed = outputs.join('')
  assert.match(printed, /\{ ok: true, pending: 0 \}/)
  assert.match(printed, /true 0 100/)
  assert.match(printed, /\{ ok: true, pending: 0 \} 1000/)
  assert.match(printed, /delivered: 2/)
  const apps = ['web', 'worker', 'billing', 'orders', 'api', 'shop']
  let seen = new Map<string, number>()
  await waitFor(async () => {
    seen = new Map()
    for (const line of await readLines(join(d.dir, 'received.json'))) {
      const app = (JSON.parse(line) as { appName: string }).appName
      seen.set(app, (seen.get(app) ?? 0) + 1)
    }
    return apps.every((a) => seen.has(a)) && (seen.get('billing') ?? 0) >= 1000 && (seen.get('worker') ?? 0) >= 100
  }, () => `records from every example: ${JSON.stringify([...seen])}`)
  assert.equal(seen.get('web'), 4)
  assert.equal(seen.get('api'), 2)
})
