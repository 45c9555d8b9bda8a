import type { ErrorCode } from '@syncline/protocol';

/**
 * Every error the client surfaces: a protocol error code (`nack.code`, `error.code`) or one of the
 * client-side codes (`timeout`, `expired`, `outbox_full`, `closed`).
 */
export class SynclineError extends Error {
  override readonly name = 'SynclineError';
  readonly code: ErrorCode | (string & {});
  /** For `rate_limited`: when the server will take the message again. */
  readonly retryAfterMs?: number;

  constructor(
    code: ErrorCode | (string & {}),
    message: string,
    options: { retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }

  /** From a `nack` or an `error` message. */
  static from(reply: { code: string; message: string; retryAfterMs?: number }): SynclineError {
    return new SynclineError(reply.code, reply.message, { retryAfterMs: reply.retryAfterMs });
  }
}
