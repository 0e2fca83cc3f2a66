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

/** A listener could not bind or listen (address in use, permission denied, bad path). */
export class ListenError extends SteleError {
  constructor (listener: string, options?: ErrorOptions) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.message}` : ''
    super('STELE_LISTEN', `cannot listen on ${listener}${cause}`, options)
  }
}

/** A file action's path template names a %FIELD% that stele does not know, or is unusable. */
export class FileTemplateError extends SteleError {
  constructor (template: string, why: string, options?: ErrorOptions) {
    super('STELE_FILE_TEMPLATE', `file path template "${template}": ${why}`, options)
  }
}

/** A file output could not open its file at start; it keeps retrying with each batch. */
export class FileOpenError extends SteleError {
  constructor (path: string, options?: ErrorOptions) {
    super('STELE_FILE_OPEN', `file "${path}": cannot open (${causeText(options)}); retrying with later messages`, options)
  }
}

/** A pipe action names a path that exists but is not a FIFO. */
export class NotAFifoError extends SteleError {
  constructor (path: string, what: string, options?: ErrorOptions) {
    super('STELE_PIPE_NOT_FIFO', `pipe "${path}": is a ${what}, not a FIFO; its messages are dropped until it is one`, options)
  }
}

/** A forward action whose settings cannot work (a bad option value). */
export class ForwardError extends SteleError {
  constructor (target: string, why: string, options?: ErrorOptions) {
    super('STELE_FORWARD', `forward ${target}: ${why}`, options)
  }
}

function causeText (options: ErrorOptions | undefined): string {
  const cause = options?.cause as { code?: unknown, message?: unknown } | undefined
  if (cause === undefined || cause === null) return 'unknown error'
  return typeof cause.code === 'string' ? cause.code : String(cause.message)
}

/** A TLS certificate, key or CA file that cannot be used (unreadable, not PEM, key does not match). */
export class TlsFileError extends SteleError {
  constructor (message: string, options?: ErrorOptions) {
    super('STELE_TLS_FILE', message, options)
  }
}

/**
 * createLogger() was asked for a transport this build of the client cannot use yet (RELP: the
 * RELP session lives on its own branch; see src/client/links.ts for where it plugs in). Thrown
 * by createLogger(), never by a logging call.
 */
export class TransportUnavailableError extends SteleError {
  constructor (transport: string, why: string, options?: ErrorOptions) {
    super('STELE_TRANSPORT_UNAVAILABLE', `client transport "${transport}" is not available yet: ${why}`, options)
  }
}

/** A client connection failed (refused, reset, TLS peer rejected); the logger reconnects with back-off. */
export class ClientConnectionError extends SteleError {
  constructor (target: string, reason: string, options?: ErrorOptions) {
    super('STELE_CLIENT_CONNECTION', `${target}: ${reason}; reconnecting with back-off`, options)
  }
}

/** A disk queue that cannot be opened: its directory is unusable, or another process has it. */
export class QueueOpenError extends SteleError {
  constructor (dir: string, why: string, options?: ErrorOptions) {
    super('STELE_QUEUE_OPEN', `queue "${dir}": ${why}; its forward keeps no queue until a reload (SIGHUP) opens it`, options)
  }
}
