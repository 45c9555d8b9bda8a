import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '@syncline/protocol';
import { SynclineError } from '../core/errors.js';

/**
 * Reads a request's body of at most `maxBytes`. Over the limit, declared (`Content-Length`) or counted, it rejects with
 * `tooLarge()` at once and discards the rest of the body (so the answer can still be sent).
 */
export function readBody(req: IncomingMessage, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    let size = 0;
    let over = false;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > maxBytes) {
        over = true;
        chunks.length = 0;
        reject(tooLarge());
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
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
