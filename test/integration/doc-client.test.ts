import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DocConflict, MemoryDocPersistence, type SynclineClient } from '@syncline/client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Cleanup,
  createClient,
  freePort,
  startServer,
  tokenProvider,
  uniqueRoom,
  waitFor,
  wsUrl,
} from './helpers.js';

/**
 * `client.doc(id)` against a real server: several people typing into one zone converge, a locked zone
 * rolls back with the reason, edits made while the socket is down reach everyone after it comes back.
 */
describe('collaborative documents end to end', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  const newZone = (id: string, text = '') => ({
    id,
    page: 0,
    bbox: { x: 0, y: 0, w: 100, h: 20 },
    type: 'paragraph' as const,
    label: '',
    confidence: 1,
    text,
  });

  async function setup() {
    const { url, server } = await startServer(cleanup);
    const documentId = uniqueRoom().slice(4);
    const open = async (userId: string, client?: SynclineClient) => {
      const c = client ?? createClient(cleanup, { url, token: tokenProvider(userId) });
      const doc = c.doc(documentId);
      await doc.ready;
      return { client: c, doc };
    };
    return { server, documentId, open, url };
  }

  it('three clients typing into one zone at once converge on text containing everyone’s input', async () => {
    const { open } = await setup();
    const a = await open('ann');
    const b = await open('ben');
    const c = await open('cy');
    a.doc.createZone(newZone('z1', '|'));
    await waitFor(() => b.doc.zone('z1') && c.doc.zone('z1'));
    const words = { ann: 'apple ', ben: 'banana ', cy: 'cherry ' };
    // Each types its word one character at a time, interleaved, without waiting for acks.
    for (let i = 0; i < 7; i++) {
      for (const [who, d] of [
        ['ann', a.doc],
        ['ben', b.doc],
        ['cy', c.doc],
      ] as const) {
        const ch = words[who][i];
        if (ch !== undefined) d.editText('z1', { pos: 0, ins: ch });
      }
    }
    await Promise.all([a.doc.whenSynced(), b.doc.whenSynced(), c.doc.whenSynced()]);
    await waitFor(
      () => a.doc.version === b.doc.version && b.doc.version === c.doc.version && a.doc.version > 1,
      10_000,
      'replicas reach the same version',
    );
    const text = a.doc.zone('z1')?.text ?? '';
    expect(b.doc.zone('z1')?.text).toBe(text);
    expect(c.doc.zone('z1')?.text).toBe(text);
    expect(text.length).toBe(1 + words.ann.length + words.ben.length + words.cy.length);
    for (const letter of 'aplebnchry') expect(text).toContain(letter);
  });

  it('undoes a paste of more than a frame can hold: the deletion goes without the text it deletes', async () => {
    const { open } = await setup();
    const a = await open('ann');
    const b = await open('ben');
    a.doc.createZone(newZone('z1', 'start'));
    // 40,000 'é' (80 KB of UTF-8), pasted in pieces as Studio does; its undo is one deletion of all of them.
    for (let i = 0; i < 10; i++) a.doc.editText('z1', { pos: 5 + i * 4000, ins: 'é'.repeat(4000) });
    await a.doc.whenSynced();
    await waitFor(() => b.doc.zone('z1')?.text.length === 40_005, 10_000, 'the paste reaches ben');
    const rejected: string[] = [];
    a.doc.on('rejected', (r) => rejected.push(r.code));
    while (a.doc.canUndo && (a.doc.zone('z1')?.text.length ?? 0) > 5) a.doc.undo();
    await a.doc.whenSynced();
    expect(rejected).toEqual([]);
    expect(a.doc.zone('z1')?.text).toBe('start');
    await waitFor(() => b.doc.zone('z1')?.text === 'start', 10_000, 'the undo reaches ben');
  });

  it('rolls back an edit to a zone someone else locked, and says why', async () => {
    const { open } = await setup();
    const a = await open('ann');
    const b = await open('ben');
    a.doc.createZone(newZone('z1', 'original'));
    await waitFor(() => b.doc.zone('z1')?.text === 'original');
    await a.doc.lock('z1');
    await waitFor(() => b.doc.locks.z1?.userId === 'ann');
    const rejections: { code: string }[] = [];
    b.doc.on('rejected', (r) => rejections.push(r));
    b.doc.editText('z1', { pos: 0, ins: 'NOPE ' });
    expect(b.doc.zone('z1')?.text).toBe('NOPE original'); // optimistic
    await waitFor(() => rejections.length > 0);
    expect(rejections[0].code).toBe('zone_locked');
    await waitFor(() => b.doc.zone('z1')?.text === 'original');
    // The holder can still edit; everyone sees it.
    a.doc.editText('z1', { pos: 8, ins: '!' });
    await waitFor(() => b.doc.zone('z1')?.text === 'original!');
  });

  it("undoes a move of a box past another user's later resize of it, and tells only two moves at once apart", async () => {
    const { open } = await setup();
    const a = await open('ann');
    const b = await open('ben');
    const notices: { reason: string }[] = [];
    a.doc.on('notice', (n) => notices.push(n));
    const conflicts: DocConflict[] = [];
    a.doc.on('conflict', (c) => conflicts.push(c));
    b.doc.on('conflict', (c) => conflicts.push(c));
    a.doc.createZone({ ...newZone('z1'), bbox: { x: 10, y: 20, w: 100, h: 50 } });
    await waitFor(() => b.doc.zone('z1'));
    // Ann moves the box across; Ben, seeing it, narrows it; Ann undoes her move.
    a.doc.updateZone('z1', { bbox: { x: 300, y: 20, w: 100, h: 50 } });
    await waitFor(() => b.doc.zone('z1')?.bbox.x === 300);
    b.doc.updateZone('z1', { bbox: { x: 300, y: 20, w: 60, h: 50 } });
    await waitFor(() => a.doc.zone('z1')?.bbox.w === 60);
    expect(a.doc.undo()).toBe(true);
    await a.doc.whenSynced();
    const back = { x: 10, y: 20, w: 60, h: 50 };
    await waitFor(() => b.doc.zone('z1')?.bbox.x === 10);
    expect(a.doc.zone('z1')?.bbox).toEqual(back);
    expect(b.doc.zone('z1')?.bbox).toEqual(back);
    expect(notices).toEqual([]);
    const history = await a.doc.history();
    expect(history.map((e) => [e.userId, e.box])).toEqual([
      ['ann', undefined],
      ['ann', 'moved'],
      ['ben', 'resized'],
      ['ann', 'moved'],
    ]);

    // Moved across by one and narrowed by the other at once: both kept, no notice.
    const base = a.doc.version;
    await waitFor(() => b.doc.version === base);
    a.doc.updateZone('z1', { bbox: { x: 200, y: 20, w: 60, h: 50 } });
    b.doc.updateZone('z1', { bbox: { x: 10, y: 20, w: 40, h: 50 } });
    await Promise.all([a.doc.whenSynced(), b.doc.whenSynced()]);
    await waitFor(() => a.doc.version === base + 2 && b.doc.version === base + 2);
    expect(a.doc.zone('z1')?.bbox).toEqual({ x: 200, y: 20, w: 40, h: 50 });
    expect(b.doc.zone('z1')?.bbox).toEqual({ x: 200, y: 20, w: 40, h: 50 });
    // Both move it at once: one wins, and the one whose move lost gets one notice, about the box.
    a.doc.updateZone('z1', { bbox: { x: 100, y: 30, w: 40, h: 50 } });
    b.doc.updateZone('z1', { bbox: { x: 150, y: 70, w: 40, h: 50 } });
    await Promise.all([a.doc.whenSynced(), b.doc.whenSynced()]);
    await waitFor(() => a.doc.version === base + 4 && b.doc.version === base + 4);
    await waitFor(() => conflicts.length > 0);
    expect(a.doc.zone('z1')?.bbox).toEqual(b.doc.zone('z1')?.bbox);
    expect(conflicts).toEqual([expect.objectContaining({ kind: 'same_attribute', attribute: 'bbox' })]);
  });

  it('lists the history of the document from the server: every committed op, who made it and when', async () => {
    const { open } = await setup();
    const a = await open('ann');
    const b = await open('ben');
    const before = Date.now();
    a.doc.createZone(newZone('z1', 'draft'));
    await waitFor(() => b.doc.zone('z1'));
    b.doc.editText('z1', { pos: 5, ins: '!' });
    await b.doc.whenSynced();
    b.doc.updateZone('z1', { label: 'Intro' });
    await b.doc.whenSynced();
    await waitFor(() => a.doc.version === 3);
    const entries = await a.doc.history();
    expect(entries.map((e) => [e.version, e.userId, e.kind, e.zoneIds])).toEqual([
      [1, 'ann', 'zone_create', ['z1']],
      [2, 'ben', 'zone_edit', ['z1']],
      [3, 'ben', 'zone_update', ['z1']],
    ]);
    for (const e of entries) {
      expect(e.ts).toBeGreaterThanOrEqual(before);
      expect(e.ts).toBeLessThanOrEqual(Date.now());
    }
    expect((await b.doc.history({ limit: 1 })).map((e) => e.version)).toEqual([3]);
  });

  it('names the authors in the history by the name they last opened the document with, also once they are gone and after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'syncline-names-'));
    cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
    const storage = { sqlite: join(dir, 'syncline.db') };
    const first = await startServer(cleanup, { storage });
    const documentId = uniqueRoom().slice(4);
    const open = async (url: string, userId: string, name: string) => {
      const client = createClient(cleanup, { url, token: tokenProvider(userId, { name }) });
      const doc = client.doc(documentId);
      await doc.ready;
      return { client, doc };
    };
    const ann = await open(first.url, 'u-41', 'Ann Smith');
    ann.doc.createZone(newZone('z1', 'draft'));
    await ann.doc.whenSynced();
    const ben = await open(first.url, 'u-42', 'Ben');
    ben.doc.editText('z1', { pos: 5, ins: '!' });
    await ben.doc.whenSynced();
    // Ben leaves; Ann's history still names him.
    ben.doc.close();
    ben.client.close();
    const names = (entries: { userId: string; userName?: string }[]) =>
      entries.map((e) => [e.userId, e.userName]);
    expect(names(await ann.doc.history())).toEqual([
      ['u-41', 'Ann Smith'],
      ['u-42', 'Ben'],
    ]);
    ann.client.close();
    await first.server.close({ timeoutMs: 500 });

    // After a restart, from the database; Ann comes back under a new name, which her entries now show.
    const second = await startServer(cleanup, { storage });
    const cy = await open(second.url, 'u-43', 'Cy');
    expect(names(await cy.doc.history())).toEqual([
      ['u-41', 'Ann Smith'],
      ['u-42', 'Ben'],
    ]);
    await open(second.url, 'u-41', 'Ann Jones');
    expect(names(await cy.doc.history())).toEqual([
      ['u-41', 'Ann Jones'],
      ['u-42', 'Ben'],
    ]);
  });

  it('keeps edits made offline through a restart of the client (persisted) and merges them after', async () => {
    const { open, server, documentId, url } = await setup();
    const a = await open('ann');
    a.doc.createZone(newZone('z1', 'shared'));
    const persistence = new MemoryDocPersistence(); // what IndexedDB is in a browser: it outlives the page
    const live = url;
    const dead = wsUrl(await freePort());
    let current = live;
    const first = createClient(cleanup, { url: () => current, token: tokenProvider('ben') });
    const before = first.doc(documentId, { persistence });
    await before.ready;
    await waitFor(() => before.zone('z1')?.text === 'shared');
    // Ben goes offline (every reconnect now fails), edits, and closes the page.
    current = dead;
    for (const conn of server.hub.connections) if (conn.session?.userId === 'ben') conn.socket.terminate();
    await waitFor(() => first.state !== 'open');
    before.editText('z1', { pos: 6, ins: ' + ben offline' });
    a.doc.editText('z1', { pos: 0, ins: 'ann: ' });
    before.close();
    first.close();
    // A new page on the same storage, online again: the edit is restored, sent, and merged.
    current = live;
    const second = createClient(cleanup, { url: () => current, token: tokenProvider('ben') });
    const after = second.doc(documentId, { persistence });
    await after.ready;
    await waitFor(
      () => a.doc.zone('z1')?.text === 'ann: shared + ben offline',
      10_000,
      'ann gets ben’s offline edit',
    );
    await waitFor(() => after.zone('z1')?.text === 'ann: shared + ben offline');
  });

  it("tells a user whose change an offline user's later change overwrote, though his client transformed it", async () => {
    const { open, server, documentId, url } = await setup();
    const a = await open('ann');
    a.doc.createZone({ ...newZone('z1', 'text'), label: 'Intro' });
    const conflicts: DocConflict[] = [];
    a.doc.on('conflict', (c) => conflicts.push(c));
    const persistence = new MemoryDocPersistence();
    let current = url;
    const first = createClient(cleanup, { url: () => current, token: tokenProvider('ben') });
    const before = first.doc(documentId, { persistence });
    await before.ready;
    await waitFor(() => before.zone('z1')?.label === 'Intro');
    current = wsUrl(await freePort()); // Ben offline: every reconnect fails
    for (const conn of server.hub.connections) if (conn.session?.userId === 'ben') conn.socket.terminate();
    await waitFor(() => first.state !== 'open');
    before.updateZone('z1', { label: 'Summary' });
    a.doc.updateZone('z1', { label: 'Overview' });
    await a.doc.whenSynced();
    before.close();
    first.close();
    // Ben's next page rebases his change onto Ann's before sending it: the server never transforms the two, yet Ann,
    // whose label his replaced, is told (`made`), and Ben was told by his client.
    current = url;
    const second = createClient(cleanup, { url: () => current, token: tokenProvider('ben') });
    const benConflicts: DocConflict[] = [];
    const after = second.doc(documentId, { persistence });
    after.on('conflict', (c) => benConflicts.push(c));
    await after.ready;
    await waitFor(() => a.doc.zone('z1')?.label === 'Summary', 10_000, 'ann gets ben’s label');
    await waitFor(() => conflicts.length > 0, 5_000, 'ann is told');
    expect(conflicts).toEqual([
      expect.objectContaining({ kind: 'same_attribute', attribute: 'label', zoneId: 'z1', byUserId: 'ben' }),
    ]);
    expect(benConflicts).toEqual([
      expect.objectContaining({
        kind: 'same_attribute',
        attribute: 'label',
        origin: 'client',
        byUserId: 'ann',
      }),
    ]);
    // Nothing more: no notice for ops the client saw before it made its change.
    after.updateZone('z1', { label: 'Summary 2' });
    await after.whenSynced();
    await waitFor(() => a.doc.zone('z1')?.label === 'Summary 2');
    expect(conflicts).toHaveLength(1);
  });

  it('keeps edits made while disconnected and delivers them after the reconnect', async () => {
    const { open, server } = await setup();
    const a = await open('ann');
    const b = await open('ben');
    a.doc.createZone(newZone('z1', 'base'));
    await waitFor(() => b.doc.zone('z1')?.text === 'base');
    const states: string[] = [];
    b.client.on('state', (status) => states.push(status.state));
    // Drop every server-side socket of ben: his client reconnects by itself.
    for (const conn of server.hub.connections) if (conn.session?.userId === 'ben') conn.socket.terminate();
    b.doc.editText('z1', { pos: 4, ins: ' offline' });
    a.doc.editText('z1', { pos: 0, ins: 'online ' });
    await waitFor(
      () => a.doc.zone('z1')?.text === 'online base offline',
      10_000,
      'ann sees ben’s offline edit',
    );
    await waitFor(() => b.doc.zone('z1')?.text === 'online base offline');
    expect(states).toContain('reconnecting');
    expect(b.client.state).toBe('open');
  });
});
