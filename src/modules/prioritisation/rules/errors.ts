/** Closed set of reasons a count cannot be run on the given input. */
export type CountingErrorCode =
  | 'PRIORITISATION_UNKNOWN_PROJECT'
  | 'PRIORITISATION_DUPLICATE_PROJECT'
  | 'PRIORITISATION_INVALID_INPUT'
  | 'PRIORITISATION_UNSUPPORTED_BALLOT'
  | 'PRIORITISATION_THRESHOLD_REQUIRED'
  | 'PRIORITISATION_UNKNOWN_RULE'
  | 'PRIORITISATION_TOO_MANY_ROUNDS'

/**
 * An input the counting rules refuse (a client error, not a bug): rules stay pure and throw this; the
 * service or CLI turns it into a 422 or exit code 2.
 */
export class CountingError extends Error {
  readonly statusCode = 422

  constructor(
    readonly code: CountingErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'CountingError'
  }
}
