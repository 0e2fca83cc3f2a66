// The message codec: bytes <-> SyslogMessage. Pure: no I/O.

export { SyslogMessage, createMessage, EMPTY_SD, EMPTY_PROBLEMS } from './model.js'
export type { MessageFormat, MessageFields, MessageSource, ParseProblem, ProblemCode, SdElement, SdParam, SyslogTimestamp } from './model.js'
export { parse, createParser } from './parse.js'
export type { ParseOptions } from './parse.js'
export { utf8Boundary } from './parse-common.js'
export { createFormatter, formatMessage, writeStructuredData, OUTPUT_FORMATS } from './format.js'
export type { Formatter, FormatOptions, NewlinePolicy, OutputFormat } from './format.js'
export { ByteWriter } from './byte-writer.js'
export { TimeZone, timeZone } from './time-zone.js'
export {
  FACILITY_NAMES, SEVERITY_NAMES, FACILITY_COUNT, SEVERITY_COUNT, MAX_PRI,
  facilityFromName, severityFromName, facilityName, severityName, makePri, priFromString
} from './priority.js'
