import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '@syncline/protocol';
import { SynclineError } from '../core/errors.js';

/**
 * Reads a request's JSON body of at most `maxBytes` (an empty body is `{}`). Over the limit it rejects `too_large` at
 * once and discards the rest of the body (the answer can still be sent); a body that is not JSON is `invalid`.
 */
export function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
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
        reject(new SynclineError(ErrorCode.TooLarge, `the body is larger than ${maxBytes} bytes`));
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (over) return;
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      } catch {
        reject(new SynclineError(ErrorCode.Invalid, 'the body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}
