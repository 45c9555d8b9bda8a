import type { DocNotice, SynclineClient } from '@syncline/client';
import type { EventData } from '@syncline/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { noticeMessage } from '../../packages/react/src/document-issues.js';
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
 * Zone locks ending against a real server, as their holder is told: forced open by the document's owner (who, by
 * name), and taken by someone else while the holder was away (the room replays the end of the lock before the new
 * one).
 */
describe('zone locks, as their holder is told', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  const paragraph = {
    id: 'z1',
    page: 1,
    bbox: { x: 0, y: 0, w: 100, h: 20 },
    type: 'paragraph' as const,
    label: '',
    confidence: 1,
    text: 'Quarterly report',
  };

  async function setup(options: Parameters<typeof startServer>[1] = {}) {
    const { url, server } = await startServer(cleanup, options);
    const documentId = uniqueRoom().slice(4);
    const open = async (userId: string, name: string, client?: SynclineClient) => {
      const c = client ?? createClient(cleanup, { url, token: tokenProvider(userId, { name }) });
      const doc = c.doc(documentId);
      await doc.ready;
      const notices: DocNotice[] = [];
      doc.on('notice', (n) => notices.push(n));
      return { client: c, doc, notices };
    };
    return { server, url, documentId, open };
  }

  it("names the document's owner who forced my lock open, on the wire and in the notice", async () => {
    const { open } = await setup();
    const olga = await open('u-olga', 'Olga'); // opened first: the owner
    olga.doc.createZone(paragraph);
    await olga.doc.whenSynced();
    const ben = await open('u-ben', 'Ben');
    const unlocks: EventData<'zone_unlock'>[] = [];
    ben.client.subscribe('zone_unlock', (d) => unlocks.push(d));
    await ben.doc.lock('z1');
    await waitFor(() => olga.doc.locks.z1?.userId === 'u-ben');

    await olga.doc.unlock('z1', { force: true });
    await waitFor(() => ben.notices.length > 0);
    expect(unlocks).toEqual([
      expect.objectContaining({
        zoneId: 'z1',
        userId: 'u-ben',
        reason: 'forced',
        byUserId: 'u-olga',
        byUserName: 'Olga',
      }),
    ]);
    expect(ben.notices).toEqual([
      expect.objectContaining({
        reason: 'lock_lost',
        detail: 'forced',
        byUserId: 'u-olga',
        byUserName: 'Olga',
      }),
    ]);
    expect(noticeMessage(ben.doc, ben.notices[0])).toBe(
      "Olga (the document's owner) released your lock on the paragraph on page 1 (“Quarterly report”)",
    );
    expect(ben.doc.holdsLock('z1')).toBe(false);
    // Releasing my own lock says nothing of who.
    await olga.doc.lock('z1');
    await olga.doc.unlock('z1');
    await waitFor(() => unlocks.length === 2);
    expect(unlocks[1]).toEqual({
      documentId: expect.any(String),
      zoneId: 'z1',
      userId: 'u-olga',
      reason: 'released',
    });
  });

  it('keeps a lock taken after leaving the room and joining it again (the user_leave still being stored)', async () => {
    const { documentId, url, open } = await setup();
    const olga = await open('u-olga', 'Olga');
    olga.doc.createZone(paragraph);
    await olga.doc.whenSynced();
    const unlocks: EventData<'zone_unlock'>[] = [];
    olga.client.subscribe('zone_unlock', (d) => unlocks.push(d));
    const ann = createClient(cleanup, { url, token: tokenProvider('u-ann', { name: 'Ann' }) });
    const room = `doc:${documentId}`;
    await ann.join(room);
    await ann.request('doc.open', { documentId });
    // Sent together: the leave's user_leave is stored while Ann is back and locking (a tab that remounts the document).
    await Promise.all([
      ann.leave(room),
      ann.join(room),
      ann.request('doc.lock', { documentId, zoneId: 'z1' }),
    ]);
    await waitFor(() => olga.doc.locks.z1?.userId === 'u-ann');
    await new Promise((r) => setTimeout(r, 300));
    expect(unlocks).toEqual([]);
    expect(olga.doc.locks.z1?.userId).toBe('u-ann');
    const reopened = (await ann.request('doc.open', { documentId })) as { locks: { userId: string }[] };
    expect(reopened.locks).toEqual([expect.objectContaining({ zoneId: 'z1', userId: 'u-ann' })]);
  });

  it('ends a lapsed lock with zone_unlock (expired) before the zone is taken, even before the sweep saw it', async () => {
    const { documentId, url, open } = await setup({ documents: { lockTtlMs: 300 } });
    const olga = await open('u-olga', 'Olga');
    olga.doc.createZone(paragraph);
    await olga.doc.whenSynced();
    const seen: string[] = [];
    olga.client.subscribe('zone_lock', (d) => seen.push(`lock ${d.userId}`));
    olga.client.subscribe('zone_unlock', (d) => seen.push(`unlock ${d.userId} ${d.reason}`));
    const [ann, ben] = ['u-ann', 'u-ben'].map((id) =>
      createClient(cleanup, { url, token: tokenProvider(id) }),
    );
    for (const c of [ann, ben]) await c.join(`doc:${documentId}`);
    // Ann's lock, never renewed: Ben takes the zone the moment its lease is over (the sweep runs once a second).
    const lock = await ann.request<{ expiresAt: number }>('doc.lock', { documentId, zoneId: 'z1' });
    await new Promise((r) => setTimeout(r, Math.max(0, lock.expiresAt - Date.now() + 5)));
    await ben.request('doc.lock', { documentId, zoneId: 'z1' });
    await waitFor(() => seen.includes('lock u-ben'));
    expect(seen).toEqual(['lock u-ann', 'unlock u-ann expired', 'lock u-ben']);
  });

  it('tells me, back online, that the owner released my lock while I was away, and does not lock it again', async () => {
    const { server, url, documentId, open } = await setup();
    let current = url;
    const dead = wsUrl(await freePort());
    const olga = await open('u-olga', 'Olga'); // opened first: the owner
    olga.doc.createZone(paragraph);
    await olga.doc.whenSynced();
    const annClient = createClient(cleanup, {
      url: () => current,
      token: tokenProvider('u-ann', { name: 'Ann' }),
    });
    const ann = await open('u-ann', 'Ann', annClient);
    await ann.doc.lock('z1');
    await waitFor(() => olga.doc.locks.z1?.userId === 'u-ann');
    // A renewal never makes a lock: of a zone nobody holds, it is refused.
    await expect(
      olga.client.request('doc.lock', { documentId, zoneId: 'z2', renew: true }),
    ).rejects.toMatchObject({ code: 'not_found' });

    current = dead;
    for (const conn of server.hub.connections) if (conn.session?.userId === 'u-ann') conn.socket.terminate();
    await waitFor(() => annClient.state !== 'open');
    await olga.doc.unlock('z1', { force: true });
    current = url;
    await waitFor(() => ann.notices.length > 0, 10_000, 'ann is told');
    expect(ann.notices).toEqual([
      expect.objectContaining({
        reason: 'lock_lost',
        detail: 'forced',
        byUserId: 'u-olga',
        byUserName: 'Olga',
      }),
    ]);
    // Her renewal on reconnecting did not take the zone back.
    await ann.doc.whenSynced();
    await new Promise((r) => setTimeout(r, 300));
    expect(olga.doc.locks.z1).toBeUndefined();
    expect(ann.doc.holdsLock('z1')).toBe(false);
    await olga.doc.lock('z1'); // free for anyone
  });

  it('tells me, back online, that my lock was taken while I was away, and by whom', async () => {
    // A short lease (renewed every second), so that it runs out while Ann is away, long before her presence ends.
    const { server, url, open } = await setup({ documents: { lockTtlMs: 2_000 } });
    let current = url;
    const dead = wsUrl(await freePort());
    const annClient = createClient(cleanup, {
      url: () => current,
      token: tokenProvider('u-ann', { name: 'Ann' }),
    });
    const ann = await open('u-ann', 'Ann', annClient);
    ann.doc.createZone(paragraph);
    await ann.doc.whenSynced();
    const ben = await open('u-ben', 'Ben');
    await ann.doc.lock('z1');
    await waitFor(() => ben.doc.locks.z1?.userId === 'u-ann');

    // Ann's network goes: every reconnect fails meanwhile. Her lease runs out, and Ben locks the zone.
    current = dead;
    for (const conn of server.hub.connections) if (conn.session?.userId === 'u-ann') conn.socket.terminate();
    await waitFor(() => annClient.state !== 'open');
    await waitFor(() => ben.doc.locks.z1 === undefined, 10_000, 'the lease of the lock ran out');
    await ben.doc.lock('z1');

    current = url;
    await waitFor(() => ann.notices.length > 0, 10_000, 'ann is told');
    await waitFor(() => ann.doc.locks.z1?.userId === 'u-ben');
    expect(ann.notices).toEqual([
      expect.objectContaining({
        reason: 'lock_lost',
        detail: 'taken',
        zoneIds: ['z1'],
        byUserId: 'u-ben',
        byUserName: 'Ben',
      }),
    ]);
    expect(noticeMessage(ann.doc, ann.notices[0])).toBe(
      'Your lock on the paragraph on page 1 (“Quarterly report”) ended and Ben locked it',
    );
    expect(ann.doc.holdsLock('z1')).toBe(false);
  });
});
