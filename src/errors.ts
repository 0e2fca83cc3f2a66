// Every error class stele throws lives here, each with a stable `code` (as undici and fastify do),
// so callers can branch on the code rather than on message text. Bad input is never an error:
// parsers return what they recovered plus a list of problems (see message/model.ts).

export class SteleError extends Error {
  constructor (readonly code: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}

/** An option passed to a library function is out of range or of the wrong kind. */
export class InvalidOptionError extends SteleError {
  constructor (option: string, value: unknown, why: string, options?: ErrorOptions) {
    super('STELE_INVALID_OPTION', `option ${option} = ${JSON.stringify(value)}: ${why}`, options)
  }
}

/** A time zone name that the runtime's time zone database does not know. */
export class UnknownTimeZoneError extends SteleError {
  constructor (zone: string, options?: ErrorOptions) {
    super('STELE_UNKNOWN_TIMEZONE', `time zone "${zone}" is not known to this runtime's time zone database`, options)
  }
}
