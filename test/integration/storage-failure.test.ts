import { join } from 'node:path';
import { type Zone, zoneCreate, zoneEdit } from '@syncline/doc';
import type { EventMessage } from '@syncline/protocol';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Cleanup,
  createClient,
  startServer,
  tempDir,
  tokenProvider,
  uniqueRoom,
  waitFor,
} from './helpers.js';

const zone: Zone = {
  id: 'z1',
  page: 0,
  bbox: { x: 0, y: 0, w: 10, h: 10 },
  type: 'paragraph',
  label: '',
  confidence: 0.9,
  text: 'hello',
  updatedBy: 'alice',
  updatedAt: 1,
};

/**
 * The SQLite stores commit once per event-loop turn (group commit), before anything of the turn is sent. When
 * that commit fails, the server must stop without telling anyone about the lost writes.
 */
describe('a failed group commit', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('sends nothing of the failed turn, drops every connection, and stops the server', async () => {
    const dir = await tempDir(cleanup);
    const path = join(dir, 'syncline.db');
    const fatal: unknown[] = [];
    const { server, url, port } = await startServer(cleanup, {
      storage: { sqlite: path },
      jobs: false,
      onFatal: (err) => fatal.push(err),
    });
    const room = uniqueRoom();
    const documentId = room.slice(4);
    const join_ = async (userId: string) => {
      // The client reconnects as usual (the server is gone): the test only waits for it to leave 'open'.
      const client = createClient(cleanup, { url, token: tokenProvider(userId) });
      const events: EventMessage[] = [];
      client.subscribe('*', (_d, e) => events.push(e as EventMessage));
      await client.join(room);
      await client.request('doc.open', { documentId });
      return { client, events };
    };
    const alice = await join_('alice');
    const bob = await join_('bob');
    const submit = (op: unknown, v: number, opId: string) =>
      alice.client.request<{ version: number }>('doc.submit', { documentId, op, v, opId });
    expect(await submit(zoneCreate(zone), 0, 'a1')).toEqual({ version: 1 });
    await waitFor(() => bob.events.some((e) => e.type === 'zone_create'), 2000, 'bob sees the zone');
    // One commit per turn that wrote, counted.
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(Number(/syncline_sqlite_commits_total (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(Number(/syncline_sqlite_writes_total (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);

    // From now on the turn's COMMIT fails (a deferred constraint, as a full disk or an I/O error would).
    const db = (server as unknown as { sqlite: { db: Database.Database } }).sqlite.db;
    db.pragma('foreign_keys = ON');
    db.exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY);
             CREATE TABLE child (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
             CREATE TEMP TRIGGER fail_at_commit AFTER INSERT ON doc_ops BEGIN INSERT INTO child VALUES (1); END;`);

    let answered = false;
    const answer = submit(zoneEdit('z1', [5, ' world']), 1, 'a2').then(
      () => {
        answered = true;
      },
      () => {},
    );
    await waitFor(() => fatal.length === 1, 5000, 'onFatal');
    expect(String(fatal[0])).toMatch(/FOREIGN KEY/);
    await waitFor(() => alice.client.state !== 'open' && bob.client.state !== 'open', 2000, 'dropped');
    // Alice's op was never acknowledged (her client keeps it to re-send), Bob never heard of it, and it is not
    // stored.
    alice.client.close();
    await answer;
    expect(answered).toBe(false);
    expect(bob.events.filter((e) => e.type === 'zone_edit')).toEqual([]);
    const reader = new Database(path, { readonly: true });
    try {
      const versions = reader
        .prepare('SELECT version FROM doc_ops WHERE document_id = ?')
        .pluck()
        .all(documentId);
      expect(versions).toEqual([1]);
    } finally {
      reader.close();
    }
  });
});
