import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DISCARD_MAX_BYTES, readBody } from './read-body.js';

const LIMIT = 1024;
let server: Server | undefined;

/** A server answering 200 with the body's length, or 413 when `readBody` refuses it. */
async function serve(): Promise<number> {
  server = createServer((req, res) => {
    readBody(req, LIMIT, () => new Error('too large')).then(
      (body) => res.end(String(body.length)),
      () => {
        res.statusCode = 413;
        res.end('too large');
      },
    );
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

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
});
