import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { ErrorCode } from '@syncline/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { SynclineError } from '../core/errors.js';
import { closesConnection, DISCARD_MAX_BYTES, readBody } from './read-body.js';

const LIMIT = 1024;
let server: Server | undefined;
/** How each request's body ended: its length, or the error's code or message. */
let outcomes: string[] = [];

/**
 * A server answering 200 with the body's length, 413 when `readBody` refuses it, 408 (closing the connection) when
 * it stopped coming for `idleMs`.
 */
async function serve(idleMs?: number, delayMs = 0): Promise<number> {
  outcomes = [];
  server = createServer(async (req, res) => {
    if (delayMs > 0) await sleep(delayMs); // as an asynchronous token check before the body is read
    readBody(req, LIMIT, () => new Error('too large'), idleMs).then(
      (body) => {
        outcomes.push(String(body.length));
        res.end(String(body.length));
      },
      (err: Error) => {
        outcomes.push(err instanceof SynclineError ? err.code : err.message);
        if (closesConnection(err)) res.setHeader('connection', 'close');
        res.statusCode = err instanceof SynclineError && err.code === ErrorCode.Timeout ? 408 : 413;
        res.end(err.message);
      },
    );
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A raw connection to `port`, collecting what the server answers until it closes. */
async function rawConnection(port: number) {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.on('error', () => {});
  let answer = '';
  socket.on('data', (d: Buffer) => {
    answer += d.toString();
  });
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(answer)));
  return { socket, closed };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

describe('readBody', () => {
  it('reads a body up to the limit, and refuses a longer one, declared or chunked, with the answer still sent', async () => {
    const port = await serve();
    const post = (body: string, chunked = false) =>
      fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        body: chunked ? new Blob([body]).stream() : body,
        ...(chunked ? { duplex: 'half' } : {}),
      } as RequestInit).then(async (r) => [r.status, await r.text()]);
    expect(await post('x'.repeat(LIMIT))).toEqual([200, String(LIMIT)]);
    expect(await post('x'.repeat(LIMIT + 1))).toEqual([413, 'too large']);
    expect(await post('x'.repeat(LIMIT * 3), true)).toEqual([413, 'too large']);
    expect(await post('x'.repeat(10))).toEqual([200, '10']); // the server goes on
  });

  it('closes the connection of a client that keeps sending a refused body, rather than reading it all', async () => {
    const port = await serve();
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {}); // EPIPE / ECONNRESET as the server closes
    let answer = '';
    socket.on('data', (d: Buffer) => {
      answer += d.toString();
    });
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = `${(64 * 1024).toString(16)}\r\n${'x'.repeat(64 * 1024)}\r\n`;
    const ceiling = 64 * DISCARD_MAX_BYTES;
    let sent = 0;
    let open = true;
    void closed.then(() => {
      open = false;
    });
    while (open && sent < ceiling) {
      if (!socket.write(chunk)) await new Promise((resolve) => setTimeout(resolve, 1));
      sent += 64 * 1024;
      if (sent % (1024 * 1024) === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await closed;
    expect(sent).toBeLessThan(ceiling);
    expect(answer).toMatch(/^HTTP\/1.1 413/);
  });

  it('closes the connection of a refused body that goes silent, rather than holding it until the request timeout', async () => {
    const port = await serve(150);
    const { socket, closed } = await rawConnection(port);
    socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${LIMIT * 4}\r\n\r\n`);
    socket.write('x'.repeat(100)); // and then nothing
    const outcome = await Promise.race([closed, sleep(3000).then(() => 'still open')]);
    expect(outcome).toMatch(/^HTTP\/1.1 413/);
    expect(outcomes).toEqual(['too large']);
  });

  it('answers 408 and closes the connection when a body stops short of its Content-Length', async () => {
    const port = await serve(150);
    const { socket, closed } = await rawConnection(port);
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n');
    socket.write('x'.repeat(40)); // and then nothing
    const answer = await closed;
    expect(answer).toMatch(/^HTTP\/1.1 408/);
    expect(answer).toMatch(/connection: close/i);
    expect(answer).toContain('no part of the body arrived for 150 ms');
    expect(outcomes).toEqual([ErrorCode.Timeout]);
  });

  it('keeps reading a slow body: only silence counts, not the total time', async () => {
    // A byte every 25 ms for 1.2 s in all, against a silence limit of 600 ms: a 24-fold margin, so a busy machine
    // (the whole suite in parallel on two cores) that sleeps late does not make a gap of 600 ms.
    const port = await serve(600);
    const { socket, closed } = await rawConnection(port);
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 48\r\nConnection: close\r\n\r\n');
    for (let i = 0; i < 48; i++) {
      socket.write('x');
      await sleep(25);
    }
    expect(await closed).toMatch(/^HTTP\/1.1 200[\s\S]*\r\n\r\n48$/);
  });

  it('settles when the client goes away in the middle of its body', async () => {
    const port = await serve(60_000);
    const { socket, closed } = await rawConnection(port);
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n');
    socket.write('x'.repeat(40));
    await sleep(50);
    socket.destroy();
    await closed;
    const deadline = Date.now() + 2000;
    while (outcomes.length === 0 && Date.now() < deadline) await sleep(10);
    expect(outcomes).toEqual(['aborted']);
  });

  it('settles at once for a client that went away before its body was read (during a token check)', async () => {
    const port = await serve(60_000, 200);
    const { socket, closed } = await rawConnection(port);
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n');
    socket.write('x'.repeat(40));
    await sleep(50);
    socket.destroy();
    await closed;
    const deadline = Date.now() + 2000;
    while (outcomes.length === 0 && Date.now() < deadline) await sleep(10);
    expect(outcomes).toEqual(['aborted']);
  });
});
