import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '@syncline/protocol';
import { SynclineError } from '../core/errors.js';

/**
 * The least of a refused body that is read and dropped before the connection is closed instead (when more was declared
 * than `drainLimit` allows, this much only): enough for the answer to be read by a client that sends its whole body
 * before reading (as most do), not a way to make the server read gigabytes.
 */
export const DISCARD_MAX_BYTES = 1024 * 1024;

/**
 * How much of a refused body (a 413 over the limit, a 401, a 415) is read and dropped so that the answer reaches the
 * client: twice the body the route would have taken, at least `DISCARD_MAX_BYTES`. A client that sends its whole body
 * before it reads (Node's fetch, a browser's XMLHttpRequest) takes a connection closed under its upload for a network
 * error ("no connection to the server"), never seeing the 413 that says the file is too large; read to its end, the
 * body costs no more than two accepted ones would. A longer one (declared, or counted) has its connection closed.
 */
export const drainLimit = (maxBytes: number): number => Math.max(DISCARD_MAX_BYTES, 2 * maxBytes);

/**
 * How long a body may go without a byte before it is given up (`timeout`, HTTP 408): a client that declared more than
 * it sends, or stalled, is answered instead of holding the request until Node's own `requestTimeout` (300 s). A slow
 * link still uploads: only silence counts, not the total time.
 */
export const BODY_IDLE_TIMEOUT_MS = 30_000;

/** The slowest upload the stock server waits for to the end: 32 KiB/s (a 256 kbit/s uplink). */
export const SLOWEST_UPLOAD_BYTES_PER_S = 32 * 1024;

/**
 * The time a whole request may take on the stock server (Node's `requestTimeout`, 300 s by default): enough for the
 * largest upload at `SLOWEST_UPLOAD_BYTES_PER_S`, at least 300 s. Node's default cut a 50 MB upload over a link slower
 * than 175 KB/s at 300 s, though the body never went silent (`BODY_IDLE_TIMEOUT_MS` is what catches a stalled one);
 * a bound stays, so that a body dripping a byte at a time does not hold its connection for ever.
 */
export const requestTimeoutFor = (maxUploadBytes: number): number =>
  Math.max(300_000, Math.ceil(maxUploadBytes / SLOWEST_UPLOAD_BYTES_PER_S) * 1000);

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
    discardBody(req, { maxBytes, idleMs });
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
      discard(req, size, drainLimit(maxBytes), idleMs);
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
 * Drops the body of a request answered without it (refused: 401, 405, 413, 415), up to `drainLimit(maxBytes)` (`maxBytes`:
 * the body the route takes; none by default), then the connection is closed; so it is, at once, when more than that was
 * declared (past `DISCARD_MAX_BYTES`), and when the body goes silent for `idleMs`. A bare `req.resume()` read whatever a
 * client sent, unauthenticated, for as long as it sent it. Only the first call for a request counts; a body already
 * read is left alone.
 */
export function discardBody(req: IncomingMessage, opts: { maxBytes?: number; idleMs?: number } = {}): void {
  discard(req, 0, drainLimit(opts.maxBytes ?? 0), opts.idleMs ?? BODY_IDLE_TIMEOUT_MS);
}

/**
 * For a route that takes no body (a `GET`, a `DELETE`): one sent anyway is dropped as `discardBody` drops it (Node
 * would read all of it, for as long as it came), but its connection is closed only once `res` is out: the answer may
 * still be in the making (a token check, a store) when the cap is reached.
 */
export function discardBodyOnceAnswered(req: IncomingMessage, res: ServerResponse): void {
  discard(req, 0, DISCARD_MAX_BYTES, BODY_IDLE_TIMEOUT_MS, res);
}

/** How long a connection closed after its answer stays open for its peer to read that answer. */
const ANSWER_LINGER_MS = 2000;

/** Requests whose body is being dropped (`discard`): a second refusal of the same body changes nothing. */
const discarding = new WeakSet<IncomingMessage>();

/** Connections of those requests: their answer may be sent while the body still comes (`answeredBeforeBody`). */
const discardingSockets = new WeakSet<object>();

/**
 * Whether `socket`'s current request was refused (its body being dropped, `discardBody`): its answer may be out while
 * the body still comes, and nothing else may be written after it (a request timeout's 408 would read as a second
 * answer).
 */
export const answeredBeforeBody = (socket: object): boolean => discardingSockets.has(socket);

/**
 * Reads and drops the rest of `req`'s body (`received` bytes of it so far), closing the connection past `cap` (once
 * `res` is out, when given: reading stops until then).
 */
function discard(
  req: IncomingMessage,
  received: number,
  cap: number,
  idleMs: number,
  res?: ServerResponse,
): void {
  if (discarding.has(req) || req.complete || req.destroyed) return;
  discarding.add(req);
  const socket = req.socket;
  discardingSockets.add(socket);
  const declared = Number(req.headers['content-length']);
  // A body declared longer than will be read: the client is cut off in any case, so no more is read than it takes for
  // the answer to leave.
  const limit = Number.isFinite(declared) && declared > cap ? DISCARD_MAX_BYTES : cap;
  let total = received;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    discardingSockets.delete(socket);
    clearTimeout(timer);
    req.off('data', drop);
    req.off('end', stop);
    req.off('close', stop);
  };
  const cut = () => {
    stop();
    if (!res || res.writableFinished) {
      socket.destroy();
      return;
    }
    // Read no more, and once the answer is out, close: its side first, so that the answer is not lost to a reset (a
    // connection destroyed with unread input resets, and its peer may drop what it has not read yet).
    req.pause();
    res.once('close', () => {
      socket.end();
      const timer = setTimeout(() => socket.destroy(), ANSWER_LINGER_MS);
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
    });
  };
  function drop(c: Buffer): void {
    total += c.length;
    if (total > limit) cut();
    else timer?.refresh();
  }
  if (total > limit) {
    cut();
    return;
  }
  timer = setTimeout(cut, idleMs);
  req.on('data', drop);
  req.once('end', stop);
  req.once('close', stop);
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
