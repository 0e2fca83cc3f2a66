import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DescriptorBudget, descriptorLimit, reserveFor } from '../../src/daemon/descriptor-budget.js'

test('descriptor-budget: connections get the limit less a reserve; refusals are reported once per episode', () => {
  const budget = new DescriptorBudget(64)
  assert.equal(budget.connections, 64 - reserveFor(64))
  for (let i = 0; i < budget.connections; i++) assert.equal(budget.acquire(), null)
  assert.match(budget.acquire()!, /out of file descriptors: 32 connections open, descriptor limit 64/)
  assert.equal(budget.acquire(), '', 'reported once per episode')
  assert.equal(budget.release(), 'file descriptors available again; accepting connections')
  assert.equal(budget.acquire(), null)
  assert.equal(new DescriptorBudget(null).acquire(), null, 'no limit known: no budget')
})

test('descriptor-budget: reads the soft RLIMIT_NOFILE of this process', () => {
  const limit = descriptorLimit()
  assert.ok(limit === null || (Number.isInteger(limit) && limit > 0))
})
