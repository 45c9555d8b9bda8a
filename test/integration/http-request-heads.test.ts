import { connect, type Server as NetServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, startServer, waitFor } from './helpers.js';

/** Sends `text` on a raw connection; resolves what the server answered once it closes the connection. */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('error', () => {});
    socket.on('data', (d: Buffer) => {
      answer += d.toString();
    });
    socket.once('close', () => resolve(answer));
    socket.write(text);
  });
}

/** A request head larger than Node reads (16 KiB) is refused as too large, 431, in the documented error shape. */
describe('HTTP: oversized request heads', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it.each([
    ['a very long URL', `GET /api/documents/${'a'.repeat(20_000)}/file HTTP/1.1\r\nHost: x\r\n\r\n`],
    [
      'many headers',
      `GET /healthz HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 1000 }, (_, i) => `X-H${i}: ${'b'.repeat(20)}\r\n`).join('')}\r\n`,
    ],
  ])('%s: 431 too_large, the connection closed, the server serving on', async (_, request) => {
    const { server, port } = await startServer(cleanup);
    const answer = await exchange(port, request);
    expect(answer).toMatch(/^HTTP\/1.1 431 Request Header Fields Too Large\r\n/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
      error: {
        code: 'too_large',
        message: 'the request line and headers are larger than the server reads (16 KB)',
      },
    });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const http = (server as unknown as { httpServer: NetServer }).httpServer;
    const connections = () => new Promise<number>((resolve) => http.getConnections((_, n) => resolve(n)));
    await waitFor(async () => (await connections()) <= 1, 5000, 'the refused connection closed');
  });
});
