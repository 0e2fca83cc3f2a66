// Which signature group a message belongs to (RFC 5848 §4.2.3), and which destinations each
// group's blocks go to. Pure: the plan is made once per signing session from the configured
// destinations, then looked up per message by PRI (SG 0, 1, 2) or by destination (SG 3).
//
//   SG 0  one group, SPRI 0, every signed destination.
//   SG 1  a group per PRI value (SPRI = PRI); its destinations are those whose rules select that PRI.
//   SG 2  PRI ranges: sign_sg2_delim lists the highest PRI of each range (the SPRI); a last range
//         up to 191 is added when the list stops short. Without the option, one range per
//         facility (SPRI 7, 15, ..., 191), as the seed describes. NetBSD's code uses 0, 8, ...
//         as upper bounds, which puts PRI 0 alone and each facility's debug in the next group;
//         we follow the description, which is what the option means.
//   SG 3  a group per signed destination (SPRI = its number in config order, from 0): the only
//         strategy where one message can be in several groups, one per destination it goes to.
//
// As in NetBSD, a destination belongs to a group when any PRI of the group is selected by one of
// its rules (program and host filters aside): a group's blocks cover its messages on each of
// them, so a destination that gets only some of a group's messages sees the others as missing.
// SG 3 is the strategy that avoids that.

import { MAX_SPRI, type SignatureGroupStrategy } from './settings.js'

const PRI_VALUES = MAX_SPRI + 1

export interface PlannedGroup {
  readonly spri: number
  /** Indexes into the destinations given to planGroups(). */
  readonly destinations: readonly number[]
}

export interface GroupPlan {
  readonly strategy: SignatureGroupStrategy
  readonly groups: readonly PlannedGroup[]
  /** SG 0-2: the group of each PRI (index into groups); SG 3: unused (-1). */
  readonly groupOfPri: Int16Array
}

/** `selects[d][pri]` is 1 when destination d receives messages of that PRI. */
export function planGroups (strategy: SignatureGroupStrategy, sg2Delims: readonly number[], selects: ReadonlyArray<ArrayLike<number>>): GroupPlan {
  const groupOfPri = new Int16Array(PRI_VALUES).fill(-1)
  if (strategy === 3) {
    return { strategy, groupOfPri, groups: selects.map((_, d) => ({ spri: d, destinations: [d] })) }
  }
  const uppers = strategy === 0 ? [MAX_SPRI] : strategy === 1 ? Array.from({ length: PRI_VALUES }, (_, pri) => pri) : rangeUppers(sg2Delims)
  const groups: PlannedGroup[] = []
  let low = 0
  for (const upper of uppers) {
    const destinations: number[] = []
    for (let d = 0; d < selects.length; d++) {
      const mask = selects[d]!
      for (let pri = low; pri <= upper; pri++) if (mask[pri] === 1) { destinations.push(d); break }
    }
    for (let pri = low; pri <= upper; pri++) groupOfPri[pri] = groups.length
    // RFC 5848 §4.2.3: with SG 0 the SPRI field is 0; with SG 1 and 2 it names the group.
    groups.push({ spri: strategy === 0 ? 0 : upper, destinations })
    low = upper + 1
  }
  return { strategy, groups, groupOfPri }
}

/** SG 2 upper bounds: the delimiters, plus 191 when they stop short; default one per facility. */
export function rangeUppers (sg2Delims: readonly number[]): number[] {
  const uppers = sg2Delims.length === 0 ? Array.from({ length: PRI_VALUES / 8 }, (_, facility) => facility * 8 + 7) : [...sg2Delims]
  if (uppers[uppers.length - 1]! < MAX_SPRI) uppers.push(MAX_SPRI)
  return uppers
}
