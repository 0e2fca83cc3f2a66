// stele's public library API. Explicit named exports only: what is not listed here is internal.

export * from './message/index.js'
export * from './framing/index.js'
export { SteleError, InvalidOptionError, UnknownTimeZoneError } from './errors.js'
