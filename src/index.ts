// stele's public library API. Explicit named exports only: what is not listed here is internal.

export * from './message/index.js'
export * from './framing/index.js'
export { SteleError, InvalidOptionError, UnknownTimeZoneError } from './errors.js'
export { TransportUnavailableError, ClientConnectionError } from './errors.js'
export { createLogger, Logger } from './client/index.js'
export type {
  ChildOptions, LogMessage, Severity, SeverityLevel, DroppedEvent, FlushResult, LoggerCounters, LoggerEvents,
  BufferOptions, ClientFraming, ClientTlsOptions, ClientTransport, LoggerOptions, OverflowPolicy, ReconnectOptions, StructuredData
} from './client/index.js'
