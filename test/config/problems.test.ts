// A config with a dozen different mistakes reports every one, each at its own FILE:LINE, and
// yields no config. Uses test/fixtures/config/bad.conf.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { loadConfig } from '../../src/config/load.js'
import { formatProblem } from '../../src/config/problems.js'
import { BAD_CONF_PROBLEMS } from './helpers.js'

const BAD = fileURLToPath(new URL('../../../test/fixtures/config/bad.conf', import.meta.url))

test('config problems: every mistake in a bad config is reported at its FILE:LINE', async () => {
  const { config, problems } = await loadConfig(BAD)
  assert.equal(config, null)
  assert.ok(problems.every((p) => p.file === BAD))
  assert.deepEqual(problems.map((p) => `${p.line}: ${p.severity}: ${p.message}`), BAD_CONF_PROBLEMS)
  assert.equal(formatProblem(problems[0]!), `${BAD}:4: error: ${problems[0]!.message}`)
  assert.equal(formatProblem({ file: BAD, line: 0, severity: 'warning', message: 'm' }), `${BAD}: warning: m`)
})
