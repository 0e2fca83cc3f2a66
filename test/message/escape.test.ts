import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { hasControlBytes } from '../../src/message/escape.js'

const byteLoop = (buf: Buffer, start: number, end: number): boolean => {
  for (let p = start; p < end; p++) if (buf[p]! < 0x20 || buf[p] === 0x7f) return true
  return false
}

test('escape: the word-at-a-time control check agrees with a byte loop at every alignment', () => {
  fc.assert(fc.property(
    fc.uint8Array({ maxLength: 80 }), fc.nat({ max: 7 }), fc.nat(), fc.nat(),
    (bytes, shift, a, b) => {
      // Place the bytes at an arbitrary offset inside a larger ArrayBuffer, as socket chunks are.
      const backing = Buffer.alloc(bytes.length + 16)
      const buf = backing.subarray(shift, shift + bytes.length)
      buf.set(bytes)
      const start = bytes.length === 0 ? 0 : a % bytes.length
      const end = start + (bytes.length === 0 ? 0 : b % (bytes.length - start + 1))
      assert.equal(hasControlBytes(buf, start, end), byteLoop(buf, start, end))
    }), { numRuns: 20000 })
  // Every single control byte, and DEL, next to high bytes that must not trigger it.
  for (let c = 0; c < 256; c++) {
    const buf = Buffer.from([0xff, 0x80, 0x7e, 0x20, c, 0xc3, 0xa4, 0x21])
    assert.equal(hasControlBytes(buf, 0, buf.length), c < 0x20 || c === 0x7f, `byte ${c}`)
  }
})
