import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '@syncline/protocol';
import { SynclineError } from '../core/errors.js';

/**
 * How much of a refused body is read and dropped before the connection is closed instead: enough for the answer to be
 * read by a client that sends its whole body before reading (as most do), not a way to make the server read gigabytes.
 */
export const DISCARD_MAX_BYTES = 1024 * 1024;

/**
 * How long a body may go without a byte before it is given up (`timeout`, HTTP 408): a client that declared more than
 * it sends, or stalled, is answered instead of holding the request until Node's own `requestTimeout` (300 s). A slow
 * link still uploads: only silence counts, not the total time.
 */
export const BODY_IDLE_TIMEOUT_MS = 30_000;

/**
 * Reads a request's body of at most `maxBytes`. Over the limit, declared (`Content-Length`) or counted, it rejects with
 * `tooLarge()` at once and drops the rest of the body (so the answer can still be sent), up to `DISCARD_MAX_BYTES`;
 * past that the connection is closed. A body silent for `idleMs` rejects with `timeout` (answer it, then close the
 * connection: `closesConnection`); one whose client went away, before or while it is read, rejects at once with the
 * socket's error (or `aborted`).
 */
export function readBody(
  req: IncomingMessage,
  maxBytes: number,
  tooLarge: () => Error,
  idleMs = BODY_IDLE_TIMEOUT_MS,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    discard(req, 0);
    return Promise.reject(tooLarge());
  }
  // Read after an asynchronous step (a token check): the client may have gone away meanwhile, and its request's
  // `error` and `close` were emitted with no one listening. Waiting for a body that cannot come would hold the
  // request until the idle timeout.
  if (req.destroyed) {
    req.resume();
    return Promise.reject(new Error('aborted'));
  }
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = () => {
      clearTimeout(timer);
      req.off('data', read);
      req.off('end', end);
    };
    const idle = () => {
      done();
      chunks.length = 0;
      reject(
        new SynclineError(
          ErrorCode.Timeout,
          `no part of the body arrived for ${idleMs >= 1000 ? `${Math.round(idleMs / 1000)} s` : `${idleMs} ms`}; send it again`,
        ),
      );
    };
    const read = (c: Buffer) => {
      size += c.length;
      if (size <= maxBytes) {
        chunks.push(c);
        timer?.refresh();
        return;
      }
      done();
      chunks.length = 0;
      discard(req, size - maxBytes);
      reject(tooLarge());
    };
    const end = () => {
      done();
      resolve(Buffer.concat(chunks));
    };
    timer = setTimeout(idle, idleMs);
    req.on('data', read);
    req.on('end', end);
    // Kept after the body settled: an error of a socket with no listener would be thrown.
    req.on('error', (err) => {
      done();
      reject(err);
    });
    // Closed before its end without an error (the socket destroyed by the server, or torn down quietly): settled too.
    req.once('close', () => {
      if (req.readableEnded) return;
      done();
      chunks.length = 0;
      reject(new Error('aborted'));
    });
  });
}

/**
 * Whether the answer to a request whose body failed with `err` must close the connection: after a `timeout` the rest
 * of the body may still come, and would be read as the next request.
 */
export const closesConnection = (err: unknown): boolean =>
  err instanceof SynclineError && err.code === ErrorCode.Timeout;

/**
 * Drops the body of a request answered without it (refused: 401, 405, 415): up to `DISCARD_MAX_BYTES`, then the
 * connection is closed. A bare `req.resume()` read whatever a client sent, unauthenticated, for as long as it sent it.
 */
export function discardBody(req: IncomingMessage): void {
  discard(req, 0);
}

/** Reads and drops the rest of `req`'s body (`dropped` bytes of it so far), closing the connection past the cap. */
function discard(req: IncomingMessage, dropped: number): void {
  let total = dropped;
  const drop = (c: Buffer) => {
    total += c.length;
    if (total > DISCARD_MAX_BYTES) {
      req.off('data', drop);
      req.socket.destroy();
    }
  };
  if (total > DISCARD_MAX_BYTES) req.socket.destroy();
  else req.on('data', drop);
  req.resume();
}

/**
 * Reads a request's JSON body of at most `maxBytes` (an empty body is `{}`): `too_large` over the limit (`readBody`),
 * `invalid` for a body that is not JSON.
 */
export async function readJson(req: IncomingMessage, maxBytes: number, idleMs?: number): Promise<unknown> {
  const body = await readBody(
    req,
    maxBytes,
    () => new SynclineError(ErrorCode.TooLarge, `the body is larger than ${maxBytes} bytes`),
    idleMs,
  );
  try {
    return JSON.parse(body.toString('utf8') || '{}');
  } catch {
    throw new SynclineError(ErrorCode.Invalid, 'the body is not JSON');
  }
}
