// Node's Buffer has direct slice methods for each encoding (`latin1Slice`, `utf8Slice`). They
// are what `toString(encoding, start, end)` ends up calling, after an encoding lookup and
// argument checks that cost as much as the decode itself for short header fields. They are not
// in @types/node, so they are reached through this one typed cast.

interface SliceMethods {
  latin1Slice (start: number, end: number): string
  utf8Slice (start: number, end: number): string
}

/** Bytes start..end as latin1 (one character per byte). The range must lie within `buf`. */
export function latin1 (buf: Buffer, start: number, end: number): string {
  return (buf as unknown as SliceMethods).latin1Slice(start, end)
}

/** Bytes start..end decoded as UTF-8 (invalid sequences become U+FFFD). The range must lie within `buf`. */
export function utf8 (buf: Buffer, start: number, end: number): string {
  return (buf as unknown as SliceMethods).utf8Slice(start, end)
}
