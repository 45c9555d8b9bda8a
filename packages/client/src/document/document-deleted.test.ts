import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SynclineError } from '../errors.js';
import { DocumentClient } from './document-client.js';
import { type FakeConnection, failRequests, quiesce, world } from './fake-doc-server.js';
import { MemoryDocPersistence } from './persistence.js';

const T0 = 1_000_000;
// The fake network uses setImmediate, which stays real here.
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The server's `document_deleted` in the document's room, as it reaches `conn`. */
function deleted(conn: FakeConnection, data: Record<string, unknown>): void {
  const room = `doc:${conn.server.documentId}`;
  conn.push({
    kind: 'event',
    room,
    event: { seq: conn.server.roomSeq(room) + 1, type: 'document_deleted', data },
  });
}

describe('DocumentClient, its document deleted', () => {
  beforeEach(() => vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
  afterEach(() => vi.useRealTimers());

  it('fails with not_found and says who deleted it, rejects whenSynced, and sends nothing more (no retry, no lock renewal)', async () => {
    const { open, server } = world({ lockTtlMs: 30_000, now: () => Date.now() });
    const ann = open('ann');
    await ann.doc.ready;
    await ann.doc.lock('z1');
    ann.doc.editText('z2', { pos: 0, ins: 'x' });
    const synced = ann.doc.whenSynced();
    synced.catch(() => {}); // awaited below
    const errors: SynclineError[] = [];
    ann.doc.on('error', (e) => errors.push(e));
    let notified = 0;
    ann.doc.subscribe(() => notified++);

    deleted(ann.conn, { documentId: server.documentId, deletedBy: 'olga', deletedByName: 'Olga' });
    await quiesce([ann.conn], tick);

    expect(ann.doc.getSnapshot().status).toBe('failed');
    expect(notified).toBeGreaterThan(0);
    expect(errors.map((e) => [e.code, e.message])).toEqual([
      ['not_found', 'the document was deleted by Olga'],
    ]);
    await expect(synced).rejects.toMatchObject({ code: 'not_found' });
    await expect(ann.doc.whenSynced()).rejects.toMatchObject({ code: 'not_found' });
    const sent = ann.conn.requests.length;
    // A reconnect, a checksum, the lock's renewal time: nothing re-opens, renews or re-sends.
    ann.conn.disconnect();
    ann.conn.reconnect();
    server.sendChecksum('00000000000000');
    await vi.advanceTimersByTimeAsync(60_000);
    await quiesce([ann.conn], tick);
    expect(ann.conn.requests.slice(sent).filter((r) => r.method !== 'doc.unlock')).toEqual([]);
    expect(ann.doc.getSnapshot().status).toBe('failed');
  });

  it('forgets the edits it saved for the deleted document, and saves none made after', async () => {
    const persistence = new MemoryDocPersistence();
    const { open, server } = world();
    const ann = open('ann', { persistence, auto: false });
    await tick();
    ann.conn.drain();
    await ann.doc.ready;
    ann.doc.editText('z1', { pos: 0, ins: 'unsaved ' }); // sent, not answered yet
    await tick();
    expect(persistence.documentIds).toEqual([server.documentId]);

    deleted(ann.conn, { documentId: server.documentId, deletedBy: 'olga' });
    ann.conn.deliverDown();
    await tick();
    expect(ann.doc.getSnapshot().status).toBe('failed');
    expect(persistence.documentIds).toEqual([]);
    ann.doc.editText('z2', { pos: 0, ins: 'too late ' }); // still shown, never kept
    await tick();
    await ann.doc.close();
    expect(persistence.documentIds).toEqual([]);
    expect(await persistence.load(server.documentId)).toBeUndefined(); // nothing for a later client to submit
  });

  it('forgets the saved edits of a document found deleted when opened', async () => {
    const persistence = new MemoryDocPersistence();
    const { open, server } = world();
    const first = open('ann', { persistence });
    await first.doc.ready;
    first.conn.disconnect();
    first.doc.editText('z1', { pos: 0, ins: 'offline ' });
    await first.doc.close();
    expect(persistence.documentIds).toEqual([server.documentId]);

    const conn = server.connect('ann');
    failRequests(conn, 'doc.open', ['not_found']);
    const doc = new DocumentClient(conn, server.documentId, { persistence });
    await expect(doc.ready).rejects.toMatchObject({ code: 'not_found' });
    await quiesce([conn], tick);
    expect(persistence.documentIds).toEqual([]);
    expect(conn.requests.filter((r) => r.method === 'doc.submit')).toEqual([]);
  });

  it('ignores the deletion of another document', async () => {
    const { open } = world();
    const ann = open('ann');
    await ann.doc.ready;
    deleted(ann.conn, { documentId: 'another', deletedBy: 'olga' });
    await quiesce([ann.conn], tick);
    expect(ann.doc.getSnapshot().status).toBe('open');
  });

  it('says who deleted it by id when the server knew no name', async () => {
    const { open, server } = world();
    const ann = open('ann');
    await ann.doc.ready;
    const errors: string[] = [];
    ann.doc.on('error', (e) => errors.push(e.message));
    deleted(ann.conn, { documentId: server.documentId, deletedBy: 'olga' });
    await quiesce([ann.conn], tick);
    expect(errors).toEqual(['the document was deleted by olga']);
    expect(ann.doc.deletion).toEqual({ byUserId: 'olga', byMe: false });
  });

  it('says I deleted it (in another tab or on another device), not by my own name, and tells an app it was me', async () => {
    const { open, server } = world();
    const ann = open('ann');
    await ann.doc.ready;
    expect(ann.doc.deletion).toBeNull();
    const errors: string[] = [];
    ann.doc.on('error', (e) => errors.push(e.message));
    deleted(ann.conn, { documentId: server.documentId, deletedBy: 'ann', deletedByName: 'Ann' });
    await quiesce([ann.conn], tick);
    expect(errors).toEqual(['the document was deleted by you']);
    expect(ann.doc.deletion).toEqual({ byUserId: 'ann', byUserName: 'Ann', byMe: true });
    await expect(ann.doc.whenSynced()).rejects.toMatchObject({
      code: 'not_found',
      message: 'the document was deleted by you',
    });
  });

  it('a document deleted before it was opened fails at once on not_found, without retrying', async () => {
    const { server } = world();
    const conn = server.connect('ann');
    const opens = failRequests(conn, 'doc.open', ['not_found', 'not_found']);
    const doc = new DocumentClient(conn, server.documentId);
    await expect(doc.ready).rejects.toMatchObject({ code: 'not_found' });
    expect(doc.getSnapshot().status).toBe('failed');
    await vi.advanceTimersByTimeAsync(60_000);
    await quiesce([conn], tick);
    expect(opens).toHaveLength(1);
  });
});
