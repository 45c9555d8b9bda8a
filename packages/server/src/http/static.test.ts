import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticHandler } from './static.js';

describe('static files', () => {
  let dir: string;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'syncline-static-'));
    await mkdir(join(dir, 'app/assets'), { recursive: true });
    await writeFile(join(dir, 'app/index.html'), '<!doctype html><title>app</title>');
    await writeFile(join(dir, 'app/assets/main-ABCDEF12.js'), 'console.log(1)');
    await writeFile(join(dir, 'app/pdf.worker.min.mjs'), 'export {}');
    await writeFile(join(dir, 'secret.txt'), 'TOP-SECRET');
    await writeFile(join(dir, 'app/.tsbuildinfo'), 'TOP-SECRET');
    const handle = createStaticHandler({ root: join(dir, 'app') });
    server = createServer((req, res) => {
      if (!handle(req, res)) {
        res.writeHead(404);
        res.end('not mine');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('serves files with their content type; hashed names are cached for good, others revalidated', async () => {
    const js = await fetch(`${base}/assets/main-ABCDEF12.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('cache-control')).toContain('immutable');
    const worker = await fetch(`${base}/pdf.worker.min.mjs`);
    expect(worker.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(worker.headers.get('cache-control')).toBe('no-cache');
    const again = await fetch(`${base}/pdf.worker.min.mjs`, {
      headers: { 'if-none-match': worker.headers.get('etag') ?? '' },
    });
    expect(again.status).toBe(304);
  });

  it('answers app routes with index.html, but not API paths or missing files', async () => {
    const page = await fetch(`${base}/documents/42`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>app</title>');
    expect((await fetch(`${base}/`)).status).toBe(200);
    expect(await (await fetch(`${base}/api/documents`)).text()).toBe('not mine');
    expect((await fetch(`${base}/assets/missing.js`)).status).toBe(404);
    // A mistyped address (not valid URL encoding) is the app's to answer (its "not found" page), not raw JSON.
    const mistyped = await fetch(`${base}/documents/50%`);
    expect(mistyped.status).toBe(200);
    expect(await mistyped.text()).toContain('<title>app</title>');
    expect((await fetch(`${base}/assets/x%.js`)).status).toBe(400);
  });

  it('never serves a file outside its root, nor a dotfile', async () => {
    for (const path of [
      '/.tsbuildinfo',
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/a%00b',
    ]) {
      const res = await fetch(`${base}${path}`);
      expect([400, 403, 404]).toContain(res.status);
      expect(await res.text()).not.toContain('TOP-SECRET');
    }
  });

  // Linux only: the open descriptors are listed in /proc/self/fd.
  it.skipIf(!existsSync('/proc/self/fd'))(
    'closes the file when the client goes away mid-download',
    async () => {
      const big = join(dir, 'app/big.bin');
      await writeFile(big, Buffer.alloc(16 * 1024 * 1024));
      const openOnBig = async () => {
        let n = 0;
        for (const fd of await readdir('/proc/self/fd')) {
          if ((await readlink(`/proc/self/fd/${fd}`).catch(() => '')) === big) n++;
        }
        return n;
      };
      const port = (server.address() as AddressInfo).port;
      for (let i = 0; i < 3; i++) {
        // Reads the headers (and the start of the body), then hangs up long before the 16 MiB are sent.
        await new Promise<void>((resolve, reject) => {
          const s = connect(port, '127.0.0.1');
          s.on('error', reject);
          s.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n');
          s.once('data', () => {
            s.destroy();
            resolve();
          });
        });
      }
      const deadline = Date.now() + 2000;
      while ((await openOnBig()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(await openOnBig()).toBe(0);
      await rm(big);
    },
  );

  it('refuses other methods', async () => {
    expect(await (await fetch(`${base}/`, { method: 'POST' })).text()).toBe('not mine');
  });
});
