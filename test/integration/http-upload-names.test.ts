import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, signToken, startServer } from './helpers.js';

/** A header value carrying `text`'s UTF-8 bytes as they are (what a client that skips the URL encoding sends). */
const rawUtf8 = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

/** The name an upload is listed and downloaded under, from its `X-File-Name`, however the client wrote it. */
describe('HTTP uploads: the file name', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it.each([
    ['URL-encoded, as documented', encodeURIComponent('Répört Q3 (final).pdf'), 'Répört Q3 (final).pdf'],
    ['UTF-8 sent as it is', rawUtf8('Répört Q3.pdf'), 'Répört Q3.pdf'],
    ['UTF-8 sent as it is, beyond Latin-1', rawUtf8('Отчёт 李雷.pdf'), 'Отчёт 李雷.pdf'],
    ['Latin-1 bytes, which are not UTF-8', 'Zo\u00eb.pdf', 'Zoë.pdf'],
    ['a per cent sign, not encoded', '100% done.pdf', '100% done.pdf'],
  ])('%s', async (_, header, expected) => {
    const { port } = await startServer(cleanup);
    const base = `http://127.0.0.1:${port}`;
    const authorization = `Bearer ${await signToken('olga')}`;
    const up = await fetch(`${base}/api/documents`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/pdf', 'x-file-name': header },
      body: new TextEncoder().encode('%PDF-1.7\n%%EOF\n'),
    });
    expect(up.status).toBe(201);
    const { documentId } = (await up.json()) as { documentId: string };
    const list = (await (await fetch(`${base}/api/documents`, { headers: { authorization } })).json()) as {
      documents: { documentId: string; name: string }[];
    };
    expect(list.documents.find((d) => d.documentId === documentId)?.name).toBe(expected);
    const file = await fetch(`${base}/api/documents/${documentId}/file`, { headers: { authorization } });
    expect(file.headers.get('content-disposition')).toContain(
      `filename*=UTF-8''${encodeURIComponent(expected)}`,
    );
  });
});
