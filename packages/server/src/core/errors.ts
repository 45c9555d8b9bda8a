import type { ErrorCode } from '@syncline/protocol';

/** An error with a protocol error code: thrown by hooks and handlers, answered as a `nack`. */
export class SynclineError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'SynclineError';
  }
}
