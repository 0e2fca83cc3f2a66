// The queue in front of a stream forward (TCP, TLS; RELP takes it the same way), as the action's
// options say: queue=disk (the default for TCP and TLS) is a DiskRecordQueue in queue_dir=,
// queue=memory a MemoryRecordQueue. An action without queue settings (built in code, or with
// only the legacy buffer=) gets the memory queue of buffer= bytes, as before issue 5.
//
// A RELP forward uses it like this (see record-queue.ts for the contract, forward-tcp.ts for a
// complete user: #admit for overflow=, #openQueue, #closeQueue, #maybeDrain):
//   const queue = createRecordQueue(action, ctx)     // in the constructor; action.queue from
//                                                    // config/action.ts queueSettings()
//   queue.onReadable?.(kick); queue.onWritable?.(drain)
//   queue.open?.().then(kick, countAndLog)           // in start(), not awaited: push() works
//                                                    // while the backlog is recovered
//   queue.push(record)                               // write(); false = full: apply overflow=
//                                                    // (queue.diskFull: count 'disk-full')
//   queue.peek(batch, maxBytes, maxRecords)          // records to send, oldest first; 0 while the
//                                                    // next ones are still on disk (onReadable)
//   queue.shift(n)                                   // the n oldest were acknowledged (RELP "rsp
//                                                    // 200", in txnr order): only now removed
//   queue.evict(inFlight, bytes)                     // overflow=drop-oldest: spares the in flight
//   await queue.close?.()                            // in stop(): the rest stays on disk for the
//                                                    // next start; resolves to a count of records
//                                                    // that could not be kept (count 'disk-full')
// Records sent but not acknowledged when a connection fails stay at the head: send them again.

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
