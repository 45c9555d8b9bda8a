import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, signToken, startServer, waitFor } from './helpers.js';

const MiB = 1024 * 1024;

/**
 * Sends `head` and then a body of `size` bytes (a PDF header, then zeros) on a raw connection, as a client that
 * writes its whole body before it reads (Node's fetch, a browser's XMLHttpRequest): resolves whether every byte went
 * out, and the answer once it is whole (or the connection closed).
 */
async function sendWhole(port: number, head: string, size: number) {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  let answer = '';
  let closed = false;
  let writeError: string | null = null;
  socket.on('data', (d: Buffer) => {
    answer += d.toString();
  });
  socket.on('error', (err: NodeJS.ErrnoException) => {
    writeError ??= err.code ?? err.message;
  });
  socket.once('close', () => {
    closed = true;
  });
  socket.write(`${head}Content-Length: ${size}\r\n\r\n`);
  const chunk = Buffer.alloc(256 * 1024);
  chunk.write('%PDF-1.7\n');
  let sent = 0;
  while (sent < size && !closed) {
    const n = Math.min(chunk.length, size - sent);
    sent += n;
    if (!socket.write(chunk.subarray(0, n)))
      await new Promise((r) => socket.once('drain', r).once('close', r));
  }
  const allSent = await new Promise<boolean>((resolve) => {
    if (closed) resolve(false);
    else socket.write('', () => resolve(!closed && writeError === null));
  });
  // The answer is whole once its JSON body is (`{"error":{…}}`, sent chunked), or the connection closed.
  await waitFor(() => closed || /\r\n\r\n[\s\S]*\}\}/.test(answer), 10_000, 'the answer');
  socket.destroy();
  return { allSent, writeError, answer };
}

/**
 * A refused upload is answered, and the answer reaches a client that sends the whole file before reading: the server
 * reads the rest of a refused body (up to twice the limit) instead of closing the connection under it, which such a
 * client reports as a network error, never the documented status.
 */
describe('HTTP: refused uploads are answered to clients that send the whole file first', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('413 for a file over the limit (by Content-Length), every byte of it taken', async () => {
    const { port } = await startServer(cleanup, { jobs: { maxUploadBytes: 8 * MiB } });
    const token = await signToken('olga');
    const r = await sendWhole(
      port,
      `POST /api/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/pdf\r\n`,
      12 * MiB,
    );
    expect(r.answer).toMatch(/^HTTP\/1.1 413/);
    expect(r.answer).toContain('"code":"too_large"');
    expect(r.answer).toContain('the file is larger than the 8 MB limit');
    expect([r.allSent, r.writeError]).toEqual([true, null]);
  });

  it('401 for a file within the limit whose token is not valid (expired while the file was chosen)', async () => {
    const { port } = await startServer(cleanup, { jobs: { maxUploadBytes: 8 * MiB } });
    const r = await sendWhole(
      port,
      'POST /api/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer expired\r\nContent-Type: application/pdf\r\n',
      6 * MiB,
    );
    expect(r.answer).toMatch(/^HTTP\/1.1 401/);
    expect([r.allSent, r.writeError]).toEqual([true, null]);
  });

  it('still closes the connection of a body declared far over the limit, having answered it', async () => {
    const { port } = await startServer(cleanup, { jobs: { maxUploadBytes: 1 * MiB } });
    const token = await signToken('olga');
    const r = await sendWhole(
      port,
      `POST /api/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/pdf\r\n`,
      64 * MiB,
    );
    expect(r.answer).toMatch(/^HTTP\/1.1 413/);
    expect(r.allSent).toBe(false);
  });
});
