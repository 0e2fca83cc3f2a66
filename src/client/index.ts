// The client library's public surface (`stele/client`, and re-exported by `stele`).

export { createLogger, Logger } from './logger.js'
export type { ChildOptions, LogMessage, Severity, SeverityLevel } from './logger.js'
export type { DroppedEvent, FlushResult, LoggerCounters, LoggerEvents } from './delivery.js'
export type { BufferOptions, ClientFraming, ClientTlsOptions, ClientTransport, DiskBufferOptions, LoggerOptions, OverflowPolicy, ReconnectOptions, RelpOptions } from './options.js'
export type { StructuredData } from './record-encoder.js'
export { SteleError, InvalidOptionError, TransportUnavailableError, ClientConnectionError } from '../errors.js'
