import { describe, expect, it } from 'vitest';
import type { DocumentClient } from './document-client.js';
import { docOf, quiesce, world, zone } from './fake-doc-server.js';
import type { DocNotice } from './types.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function notices(doc: DocumentClient): DocNotice[] {
  const seen: DocNotice[] = [];
  doc.on('notice', (n) => seen.push(n));
  return seen;
}

/** Ann, Bob and Carol on the default world, Ann knowing Bob's and Carol's names. */
async function three() {
  const w = world();
  w.server.users.set('bob', { userId: 'bob', name: 'Bob Builder' });
  w.server.users.set('carol', { userId: 'carol', name: 'Carol' });
  const ann = w.open('ann');
  const bob = w.open('bob');
  const carol = w.open('carol');
  const conns = [ann.conn, bob.conn, carol.conn];
  await Promise.all([ann.doc.ready, bob.doc.ready, carol.doc.ready]);
  const asked = ann.doc.users(['bob', 'carol']);
  await quiesce(conns, tick);
  await asked;
  return { ...w, ann, bob, carol, conns };
}

describe('DocumentClient notices: who and which zone', () => {
  it('names who overwrote what my undo would have restored, and the zone as it is now', async () => {
    const { ann, bob, conns } = await three();
    const seen = notices(ann.doc);
    ann.doc.updateZone('z1', { label: 'Mine' });
    await quiesce(conns, tick);
    bob.doc.updateZone('z1', { label: 'Key figures' });
    await quiesce(conns, tick);
    expect(ann.doc.undo()).toBe(false);
    expect(seen).toEqual([
      {
        reason: 'overwritten',
        zoneIds: ['z1'],
        partial: false,
        action: 'undo',
        byUserId: 'bob',
        byUserName: 'Bob Builder',
        byUserIds: ['bob'],
        zoneLabel: 'Key figures',
        zoneType: 'paragraph',
        zonePage: 0,
        zoneExcerpt: 'hello',
      },
    ]);
  });

  it('names everyone who edited a zone I created, the latest last', async () => {
    const { ann, bob, carol, conns } = await three();
    const seen = notices(ann.doc);
    ann.doc.createZone(zone('n', 'draft', { page: 3 }));
    await quiesce(conns, tick);
    bob.doc.editText('n', { pos: 5, ins: ' by Bob' });
    await quiesce(conns, tick);
    carol.doc.editText('n', { pos: 0, ins: 'A ' });
    await quiesce(conns, tick);
    expect(ann.doc.undo()).toBe(false); // their work is kept: the zone stays
    expect(seen).toEqual([
      expect.objectContaining({
        reason: 'edited_by_others',
        zoneIds: ['n'],
        byUserId: 'carol',
        byUserName: 'Carol',
        byUserIds: ['bob', 'carol'],
        zonePage: 3,
        zoneExcerpt: 'A draft by Bob',
      }),
    ]);
  });

  it('names a deleted zone as this replica last had it, and who deleted it', async () => {
    const { ann, bob, conns } = await three();
    const seen = notices(ann.doc);
    ann.doc.editText('z1', { pos: 0, ins: 'Quarterly ' });
    ann.doc.editText('z2', { pos: 0, ins: 'my ' });
    await quiesce(conns, tick);
    bob.doc.updateZone('z2', { label: 'Summary' });
    bob.doc.deleteZone('z2');
    await quiesce(conns, tick);
    expect(ann.doc.zone('z2')).toBeUndefined();
    expect(ann.doc.undo()).toBe(false);
    expect(seen.at(-1)).toEqual({
      reason: 'zone_deleted',
      zoneIds: ['z2'],
      partial: false,
      action: 'undo',
      byUserId: 'bob',
      byUserName: 'Bob Builder',
      byUserIds: ['bob'],
      zoneLabel: 'Summary',
      zoneType: 'paragraph',
      zonePage: 0,
      zoneExcerpt: 'my world',
    });
  });

  it('remembers the last 64 zones others deleted, the latest deletion last', async () => {
    const many = Array.from({ length: 66 }, (_, i) => zone(`z${i}`, `text ${i}`));
    const { open } = world({ doc: docOf(...many) });
    const ann = open('ann');
    const bob = open('bob');
    const conns = [ann.conn, bob.conn];
    await Promise.all([ann.doc.ready, bob.doc.ready]);
    const seen = notices(ann.doc);
    for (const id of ['z0', 'z1']) ann.doc.editText(id, { pos: 0, ins: 'mine ' });
    await quiesce(conns, tick);
    bob.doc.deleteZone('z1');
    await quiesce(conns, tick);
    bob.doc.undo(); // z1 back...
    await quiesce(conns, tick);
    bob.doc.deleteZone('z0');
    bob.doc.deleteZone('z1'); // ...and deleted again: after z0
    for (let i = 2; i < 65; i++) bob.doc.deleteZone(`z${i}`);
    await quiesce(conns, tick);
    expect(ann.doc.undo()).toBe(false);
    expect(seen.at(-1)).toMatchObject({
      reason: 'zone_deleted',
      zoneIds: ['z1'],
      zoneExcerpt: 'mine text 1',
    });
    expect(ann.doc.undo()).toBe(false);
    expect(seen.at(-1)).toMatchObject({ reason: 'zone_deleted', zoneIds: ['z0'], byUserId: 'bob' });
    expect(seen.at(-1)?.zoneExcerpt).toBeUndefined(); // 64 zones deleted since: forgotten
  });

  it('names who took a lock of mine, and the zone', async () => {
    const { server, ann, bob, conns } = await three();
    const seen = notices(ann.doc);
    await ann.doc.lock('z2');
    await quiesce(conns, tick);
    server.locks.delete('z2'); // its lease ran out on the server, without a word yet
    await bob.doc.lock('z2');
    await quiesce(conns, tick);
    expect(seen).toEqual([
      {
        reason: 'lock_lost',
        zoneIds: ['z2'],
        partial: false,
        action: 'lock',
        detail: 'taken',
        byUserId: 'bob',
        byUserName: 'Bob Builder',
        byUserIds: ['bob'],
        zoneType: 'paragraph',
        zonePage: 0,
        zoneExcerpt: 'world',
      },
    ]);
    ann.doc.close();
    bob.doc.close();
  });
});
