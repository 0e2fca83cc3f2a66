// The outputs, registered in one table (no scanning): each action kind of the config schema maps
// to the factory that builds its output. The daemon calls createOutput() for each distinct action.

import type { ActionConfig } from '../config/schema.js'
import type { Output, OutputContext } from '../daemon/component.js'
import { FileOutput } from './file.js'
import { createForwardOutput } from './forward.js'
import { PipeOutput } from './pipe.js'
import { StdoutOutput } from './stdout.js'
import { UsersOutput } from './users.js'

export type OutputFactory<A extends ActionConfig> = (action: A, ctx: OutputContext) => Output

type OutputFactories = { readonly [K in ActionConfig['kind']]: OutputFactory<Extract<ActionConfig, { kind: K }>> }

export const outputs = {
  file: (action, ctx) => new FileOutput(action, ctx),
  pipe: (action, ctx) => new PipeOutput(action, ctx),
  forward: (action, ctx) => createForwardOutput(action, ctx),
  stdout: (action, ctx) => new StdoutOutput(action, ctx),
  // `*` is accepted with a warning by the config loader; its messages are counted dropped ('refused').
  users: (action, ctx) => new UsersOutput(action, ctx)
} satisfies OutputFactories

/** The output for `action`. Never throws: configuration problems surface from start(). */
export function createOutput (action: ActionConfig, ctx: OutputContext): Output {
  switch (action.kind) {
    case 'file': return outputs.file(action, ctx)
    case 'pipe': return outputs.pipe(action, ctx)
    case 'forward': return outputs.forward(action, ctx)
    case 'stdout': return outputs.stdout(action, ctx)
    case 'users': return outputs.users(action, ctx)
  }
}

export { FileOutput, type FileOutputOptions, DEFAULT_MAX_OPEN_FILES, DEFAULT_IDLE_CLOSE_MS } from './file.js'
export { FileWriter, DIR_MODE } from './file-writer.js'
export { FileTemplate, sanitizePathValue, MAX_PATH_VALUE_BYTES, type TemplateField } from './file-template.js'
export { nodeFileSystem, type FileSystem, type FileHandleLike } from './file-system.js'
export { PipeOutput, type PipeOutputOptions } from './pipe.js'
export { createForwardOutput, hostPort, numberOption } from './forward.js'
export { TcpForward, StreamRecordEncoder, type TcpForwardOptions } from './forward-tcp.js'
export { RelpForward, type RelpForwardOptions } from './forward-relp.js'
export { UdpForward, DEFAULT_MAX_DATAGRAM_BYTES, MAX_UDP4_PAYLOAD, type UdpForwardOptions } from './forward-udp.js'
export { StdoutOutput, type StdoutOutputOptions } from './stdout.js'
export { UsersOutput } from './users.js'
export { MemoryRecordQueue, type RecordQueue } from './record-queue.js'
export { RecordBatch, completeMessages, type TakenBatch } from './record-batch.js'
export { Backoff } from './backoff.js'
export { newCounters, countDropped, totalDropped, Progress, DrainSignal } from './accounting.js'
