// The queue in front of a stream forward (TCP, TLS; RELP takes it the same way), as the action's
// options say: queue=disk (the default for TCP and TLS) is a DiskRecordQueue in queue_dir=,
// queue=memory a MemoryRecordQueue. An action without queue settings (built in code, or with
// only the legacy buffer=) gets the memory queue of buffer= bytes, as before issue 5.
//
// A RELP forward uses it like this (see record-queue.ts for the contract):
//   const queue = createRecordQueue(action, ctx)     // in the constructor
//   await queue.open?.()                             // in start(), before the first send
//   queue.push(frame)                                // write(); false = full (overflow=)
//   queue.peek(batch, maxBytes, maxRecords)          // the records to send (0: wait for onReadable)
//   queue.shift(n)                                   // once the server has acknowledged n (RFC 5426 rsp 200)
//   await queue.close?.()                            // in stop(): the rest stays for the next start

import type { ForwardAction, QueueSettings } from '../config/schema.js'
import type { OutputContext } from '../daemon/component.js'
import { DiskRecordQueue } from '../queue/disk-queue.js'
import { MemoryRecordQueue, type RecordQueue } from './record-queue.js'

export type Overflow = QueueSettings['overflow']

export function createRecordQueue (action: Pick<ForwardAction, 'bufferBytes' | 'queue'>, ctx: Pick<OutputContext, 'log'>): RecordQueue {
  const settings = action.queue
  if (settings === undefined) return new MemoryRecordQueue(action.bufferBytes)
  if (settings.type === 'memory') return new MemoryRecordQueue(settings.maxBytes)
  return new DiskRecordQueue({ dir: settings.dir, maxBytes: settings.maxBytes, fsync: settings.fsync, log: ctx.log })
}
