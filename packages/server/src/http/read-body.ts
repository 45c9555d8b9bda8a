import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '@syncline/protocol';
import { SynclineError } from '../core/errors.js';

/**
 * How much of a refused body is read and dropped before the connection is closed instead: enough for the answer to be
 * read by a client that sends its whole body before reading (as most do), not a way to make the server read gigabytes.
 */
export const DISCARD_MAX_BYTES = 1024 * 1024;

/**
 * Reads a request's body of at most `maxBytes`. Over the limit, declared (`Content-Length`) or counted, it rejects with
 * `tooLarge()` at once and drops the rest of the body (so the answer can still be sent), up to `DISCARD_MAX_BYTES`;
 * past that the connection is closed.
 */
export function readBody(req: IncomingMessage, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    discard(req, 0);
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const read = (c: Buffer) => {
      size += c.length;
      if (size <= maxBytes) {
        chunks.push(c);
        return;
      }
      req.off('data', read);
      chunks.length = 0;
      discard(req, size - maxBytes);
      reject(tooLarge());
    };
    req.on('data', read);
    req.on('end', () => {
      if (size <= maxBytes) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
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
export async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const body = await readBody(
    req,
    maxBytes,
    () => new SynclineError(ErrorCode.TooLarge, `the body is larger than ${maxBytes} bytes`),
  );
  try {
    return JSON.parse(body.toString('utf8') || '{}');
  } catch {
    throw new SynclineError(ErrorCode.Invalid, 'the body is not JSON');
  }
}
