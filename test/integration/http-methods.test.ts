import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, signToken, startServer } from './helpers.js';

const MiB = 1024 * 1024;

/**
 * Sends `head` and then up to `size` bytes of body on a raw connection, stopping once the server closes it; resolves
 * how much went out and what was answered.
 */
async function sendBody(port: number, head: string, size: number) {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.on('error', () => {});
  let answer = '';
  let closed = false;
  socket.on('data', (d: Buffer) => {
    answer += d.toString();
  });
  const done = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true;
      resolve();
    }),
  );
  socket.write(`${head}Content-Length: ${size}\r\n\r\n`);
  const chunk = Buffer.alloc(256 * 1024, 0x61);
  let sent = 0;
  while (!closed && sent < size) {
    sent += chunk.length;
    if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r).once('close', r));
  }
  await Promise.race([done, new Promise((r) => setTimeout(r, 2000))]);
  socket.destroy();
  return { sent, closed, answer };
}

/**
 * Methods: HEAD is answered wherever GET is (without the body); another method on Syncline's own routes is 405 with
 * `Allow`; and the body of a request answered without it (405, 404) is not read for as long as it comes.
 */
describe('HTTP methods', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('HEAD /healthz, /readyz, /metrics, /status: 200 and the headers of GET, no body', async () => {
    const { port } = await startServer(cleanup);
    for (const path of ['/healthz', '/readyz', '/metrics', '/status']) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'HEAD' });
      const get = await fetch(`http://127.0.0.1:${port}${path}`);
      await get.arrayBuffer();
      expect([path, res.status, res.headers.get('content-type')]).toEqual([
        path,
        200,
        get.headers.get('content-type'),
      ]);
      expect(await res.text()).toBe('');
    }
  });

  it('another method on them: 405 method_not_allowed with Allow: GET, HEAD', async () => {
    const { port } = await startServer(cleanup);
    for (const [method, path] of [
      ['POST', '/healthz'],
      ['DELETE', '/readyz'],
      ['PUT', '/metrics'],
      ['POST', '/status'],
    ]) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
      expect([method, path, res.status, res.headers.get('allow')]).toEqual([method, path, 405, 'GET, HEAD']);
      expect(await res.json()).toEqual({ error: { code: 'method_not_allowed', message: 'use GET or HEAD' } });
    }
  });

  it('HEAD of an uploaded PDF, with the header or by link: its type, size and name, no body', async () => {
    const { port } = await startServer(cleanup);
    const base = `http://127.0.0.1:${port}`;
    const authorization = `Bearer ${await signToken('olga')}`;
    const pdf = new TextEncoder().encode('%PDF-1.7\n%%EOF\n');
    const up = await fetch(`${base}/api/documents`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/pdf', 'x-file-name': 'report.pdf' },
      body: pdf,
    });
    expect(up.status).toBe(201);
    const { documentId } = (await up.json()) as { documentId: string };
    const link = await fetch(`${base}/api/documents/${documentId}/file/link`, {
      method: 'POST',
      headers: { authorization },
    });
    const { url } = (await link.json()) as { url: string };
    for (const [how, target, headers] of [
      ['header', `${base}/api/documents/${documentId}/file`, { authorization }],
      ['link', `${base}${url}`, {}],
    ] as const) {
      const res = await fetch(target, { method: 'HEAD', headers });
      expect([how, res.status, res.headers.get('content-type'), res.headers.get('content-length')]).toEqual([
        how,
        200,
        'application/pdf',
        String(pdf.byteLength),
      ]);
      expect(res.headers.get('content-disposition')).toContain('filename="report.pdf"');
      expect(await res.text()).toBe('');
    }
    const put = await fetch(`${base}/api/documents/${documentId}/file`, {
      method: 'PUT',
      headers: { authorization },
    });
    expect([put.status, put.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  it.each([
    ['405 of /api/dev/token', 'PUT /api/dev/token', 405, { auth: { dev: true } }],
    ['405 of /healthz', 'POST /healthz', 405, {}],
    ['404 of an unknown route', 'POST /no/such/route', 404, {}],
    ['GET /healthz, which takes no body', 'GET /healthz', 200, {}],
    ['GET /api/documents, which takes no body', 'GET /api/documents', 200, {}],
    ['DELETE of a document, which takes no body', 'DELETE /api/documents/pdf-1', 404, {}],
  ] as const)('%s: answered, its body read no further than about 1 MiB', async (_, line, status, options) => {
    const { port } = await startServer(cleanup, options);
    const authorization = `Authorization: Bearer ${await signToken('olga')}\r\n`;
    const r = await sendBody(port, `${line} HTTP/1.1\r\nHost: x\r\n${authorization}`, 64 * MiB);
    expect(r.answer).toMatch(new RegExp(`^HTTP/1.1 ${status}`));
    expect(r.closed).toBe(true);
    expect(r.sent).toBeLessThan(16 * MiB);
  });
});
