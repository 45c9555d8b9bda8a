import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { answerClientError } from './client-error.js';
import { discardBody } from './read-body.js';

let server: Server | undefined;

/** A server with the handler, Node's request timeout at 300 ms (checked every 50 ms), answering by `handler`. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<number> {
  server = createServer(
    { requestTimeout: 300, headersTimeout: 300, connectionsCheckingInterval: 50 },
    handler,
  );
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => answerClientError(err, socket, 200));
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Writes `head`, then a byte every 40 ms for `drip` bytes; resolves what was answered once the server closes. */
async function exchange(port: number, head: string, drip = 0): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  let answer = '';
  socket.on('data', (d: Buffer) => {
    answer += d.toString();
  });
  let closed = false;
  const done = new Promise<string>((resolve) =>
    socket.once('close', () => {
      closed = true;
      resolve(answer);
    }),
  );
  socket.write(head);
  for (let i = 0; i < drip && !closed; i++) {
    await new Promise((r) => setTimeout(r, 40));
    socket.write('x');
  }
  return done;
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

describe('answerClientError', () => {
  it('answers a request whose headers never end 408 timeout, as Node would, with the error body', async () => {
    const port = await serve((_req, res) => res.end('ok'));
    const answer = await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n');
    expect(answer).toMatch(/^HTTP\/1.1 408 Request Timeout\r\n/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
      error: { code: 'timeout' },
    });
  });

  it('answers a request too slow to arrive whole 408, when nothing was answered yet', async () => {
    const port = await serve((req) => req.resume()); // waits for the body, which comes a byte at a time
    const answer = await exchange(port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n', 60);
    expect(answer).toMatch(/^HTTP\/1.1 408 Request Timeout\r\n/);
  });

  it('adds no second status line to an answer already sent (a refusal whose body is still coming)', async () => {
    const port = await serve((req, res) => {
      discardBody(req);
      res.writeHead(413, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"too_large","message":"too large"}}');
    });
    const answer = await exchange(port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n', 60);
    expect(answer).toMatch(/^HTTP\/1.1 413/);
    expect(answer.match(/HTTP\/1.1 /g)).toHaveLength(1);
  });

  it('answers a head over the size limit 431 too_large', async () => {
    const port = await serve((_req, res) => res.end('ok'));
    const answer = await exchange(port, `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1.1 431 Request Header Fields Too Large\r\n/);
    expect(answer).toContain('"code":"too_large"');
  });

  it('answers a malformed request 400 invalid', async () => {
    const port = await serve((_req, res) => res.end('ok'));
    const answer = await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1.1 400 Bad Request\r\n/);
    expect(answer).toContain('"code":"invalid"');
  });
});
