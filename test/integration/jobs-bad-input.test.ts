import { connect } from 'node:net';
import type { JobInfo } from '@syncline/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  brokenPagePdf,
  encryptedPdf,
  randomBytes,
  truncatedPdf,
  zeroPagePdf,
} from '../../packages/pipeline/src/testing/bad-pdfs.js';
import { Cleanup, uniqueRoom } from './helpers.js';
import { makeTextPdf, startJobServer } from './jobs-fixtures.js';

/**
 * Bad input never crashes anything: each case ends in a clear error (HTTP status, or a `processing_error`
 * with a code saying whether a retry can help) while another client keeps being served.
 */
describe('processing jobs, bad input', () => {
  const cleanup = new Cleanup();
  let s: Awaited<ReturnType<typeof startJobServer>>;
  let bystander: ReturnType<typeof s.watcher>;
  let bystanderRoom: string;

  beforeEach(async () => {
    s = await startJobServer(cleanup, { jobs: { maxUploadBytes: 256 * 1024 } });
    bystander = s.watcher('bea');
    bystanderRoom = uniqueRoom('chat');
    await bystander.client.join(bystanderRoom);
  });
  afterEach(() => cleanup.run());

  /** The other client still gets answers and events. */
  const bystanderIsServed = async (n: number) => {
    await bystander.client.publish(bystanderRoom, 'app_event', { name: 'ping', n });
    await bystander.waitEvent('app_event', bystanderRoom, (d) => d.n === n);
    const r = await bystander.client.request<{ members: unknown[] }>('room.members', { room: bystanderRoom });
    expect(r.members).toHaveLength(1);
  };

  /** Uploads `bytes` (which pass the HTTP checks) and waits for the job's error. */
  const failedJob = async (bytes: Uint8Array) => {
    const owner = s.watcher('olga');
    const { documentId, jobId } = await s.uploadOk('olga', bytes);
    const e = await owner.waitEvent<{ jobId: string; code: string; error: string; recoverable: boolean }>(
      'processing_error',
      'user:olga',
      (d) => d.jobId === jobId,
    );
    const { job } = await owner.client.request<{ job: JobInfo }>('job.get', { documentId });
    return { e, job, owner, documentId, jobId };
  };

  it('refuses a file that is not a PDF with 415', async () => {
    const r = await s.upload('olga', randomBytes(4096));
    expect(r.status).toBe(415);
    expect(r.body.error).toMatchObject({ code: 'unsupported_media_type' });
    const html = await s.upload('olga', new TextEncoder().encode('<html>hello</html>'));
    expect(html.status).toBe(415);
    const typed = await s.upload('olga', await makeTextPdf(1), { contentType: 'image/png' });
    expect(typed.status).toBe(415);
    await bystanderIsServed(1);
  });

  it('says an empty file is empty, not that it is not a PDF', async () => {
    const r = await s.upload('olga', new Uint8Array(0));
    expect(r.status).toBe(415);
    expect(r.body.error).toMatchObject({ code: 'unsupported_media_type', message: 'the file is empty' });
  });

  it('refuses a file over the limit with 413', async () => {
    const big = new Uint8Array(300 * 1024);
    big.set(new TextEncoder().encode('%PDF-1.7\n'));
    const r = await s.upload('olga', big);
    expect(r.status).toBe(413);
    // The limit in units people read (the server's is 256 KiB here; 50 MB by default).
    expect(r.body.error).toMatchObject({
      code: 'too_large',
      message: 'the file is larger than the 256 KB limit',
    });
    expect(
      ((await (await s.get('olga', '/api/documents')).json()) as { documents: unknown[] }).documents,
    ).toEqual([]);
    await bystanderIsServed(2);
  });

  it('answers a request it cannot read with 400 and an error body, not a bare status line', async () => {
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(s.port, '127.0.0.1');
      let text = '';
      socket.on('error', () => {});
      socket.on('data', (d: Buffer) => {
        text += d.toString();
      });
      socket.on('close', () => resolve(text));
      socket.write('POST /api/documents HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n');
    });
    expect(answer).toMatch(/^HTTP\/1.1 400/);
    expect(answer).toMatch(/content-type: application\/json/i);
    expect(answer).toContain('"code":"invalid"');
    expect(await bystander.client.request('room.members', { room: bystanderRoom })).toBeTruthy();
  });

  it('refuses an upload without valid credentials with 401', async () => {
    const res = await fetch(`${s.base}/api/documents`, {
      method: 'POST',
      headers: { authorization: 'Bearer not-a-token', 'content-type': 'application/pdf' },
      body: await makeTextPdf(1),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    await bystanderIsServed(3);
  });

  it('fails a corrupt PDF (a PDF header, then garbage) without retrying', async () => {
    const bytes = new TextEncoder().encode(`%PDF-1.7\n${'garbage '.repeat(200)}\n%%EOF\n`);
    const { e, job } = await failedJob(bytes);
    expect(e).toMatchObject({ recoverable: false });
    expect(['corrupt_pdf', 'not_pdf']).toContain(e.code);
    expect(job).toMatchObject({ state: 'failed', attempts: 1, error: { code: e.code, recoverable: false } });
    await bystanderIsServed(4);
  });

  it('fails a truncated PDF', async () => {
    const { e, job } = await failedJob(await truncatedPdf(0.3));
    expect(e).toMatchObject({ code: 'corrupt_pdf', recoverable: false });
    expect(job.state).toBe('failed');
    await bystanderIsServed(5);
  });

  it('fails a PDF with zero pages', async () => {
    const { e, job, owner } = await failedJob(await zeroPagePdf());
    expect(e).toMatchObject({ code: 'empty_pdf', recoverable: false });
    expect(job.state).toBe('failed');
    // A retry cannot help, and the server says so.
    await expect(owner.client.request('job.retry', { jobId: job.jobId })).rejects.toMatchObject({
      code: 'invalid',
    });
    await bystanderIsServed(6);
  });

  it('fails an encrypted PDF, saying a retry cannot help', async () => {
    const { e, job } = await failedJob(encryptedPdf());
    expect(e).toMatchObject({ code: 'encrypted_pdf', recoverable: false });
    expect(job).toMatchObject({ state: 'failed', error: { code: 'encrypted_pdf' } });
    await bystanderIsServed(7);
  });

  it('fails a large damaged PDF without stalling the server while it is opened', async () => {
    // Own server: a larger upload limit. A PDF header, then 16 MiB without any PDF structure: pdfjs scans all of it
    // for objects (seconds of synchronous parsing) before it gives up.
    const big = await startJobServer(cleanup, { jobs: { maxUploadBytes: 32 * 1024 * 1024 } });
    const owner = big.watcher('olga');
    const junk = new Uint8Array(16 * 1024 * 1024).fill(0x41);
    junk.set(new TextEncoder().encode('%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n'));
    const { jobId } = await big.uploadOk('olga', junk);
    // The server runs in this thread: the longest the event loop went without a turn while the job ran.
    let last = performance.now();
    let longestGapMs = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      longestGapMs = Math.max(longestGapMs, now - last);
      last = now;
    }, 10);
    try {
      const e = await owner.waitEvent<{ jobId: string; code: string; recoverable: boolean }>(
        'processing_error',
        'user:olga',
        (d) => d.jobId === jobId,
        60_000,
      );
      expect(e).toMatchObject({ code: 'corrupt_pdf', recoverable: false });
    } finally {
      clearInterval(ticker);
    }
    // Parsing it in this thread stalled every connection for seconds at a time.
    expect(longestGapMs).toBeLessThan(1000);
    await bystanderIsServed(9);
  });

  it('skips a page that fails to parse, reports it, and processes the others', async () => {
    const owner = s.watcher('olga');
    const { documentId, jobId } = await s.uploadOk('olga', await brokenPagePdf(3, 2));
    const room = `doc:${documentId}`;
    await owner.client.join(room, { since: 0 });
    const done = await owner.waitEvent<{
      skippedPages: number[];
      warnings: string[];
      zones: number;
      pages: number;
    }>('processing_completed', room);
    expect(done).toMatchObject({ jobId, pages: 3, skippedPages: [2] });
    expect(done.warnings.some((w) => w.startsWith('page 2:'))).toBe(true);
    expect(done.zones).toBeGreaterThan(0);
    // The warning also travelled with the progress of the pages committed with that page.
    const warned = owner
      .of<{ page: number; warnings?: string[] }>('processing_progress', room)
      .find((p) => p.warnings);
    if (warned) {
      expect(warned.page).toBeGreaterThanOrEqual(2);
      expect(warned.warnings?.some((w) => w.startsWith('page 2:'))).toBe(true);
    }
    const snap = await owner.client.request<{ snapshot: { zones: Record<string, { page: number }> } }>(
      'doc.open',
      { documentId },
    );
    const pages = new Set(Object.values(snap.snapshot.zones).map((z) => z.page));
    expect(pages).toEqual(new Set([1, 3]));
    await bystanderIsServed(8);
  });
});
