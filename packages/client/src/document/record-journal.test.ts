import { apply, type Op, type ZoneDocument, zoneUpdate } from '@syncline/doc';
import { describe, expect, it } from 'vitest';
import { DocumentClient, JOURNAL_SAVE_MAX } from './document-client.js';
import { quiesce, world } from './fake-doc-server.js';
import { MemoryDocPersistence, type PersistedDoc, recordDocument } from './persistence.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const settle = async (turns = 3) => {
  for (let i = 0; i < turns; i++) await tick();
};

/** A memory persistence that lists every save. */
class SpyPersistence extends MemoryDocPersistence {
  readonly saves: PersistedDoc[] = [];
  override async save(record: PersistedDoc): Promise<void> {
    this.saves.push(record);
    return super.save(record);
  }
}

/** The server's document at every version, from its log. */
function history(initial: ZoneDocument, log: readonly { op: unknown }[]): ZoneDocument[] {
  const docs = [initial];
  for (const r of log) docs.push(apply(docs[docs.length - 1], r.op as Op));
  return docs;
}

describe('DocumentClient records (snapshot + committed ops)', () => {
  it('saves each edit with the same snapshot and the ops committed since, starting again every JOURNAL_SAVE_MAX ops', async () => {
    const persistence = new SpyPersistence();
    const { server, open } = world();
    const initial = structuredClone(server.doc);
    const ann = open('ann', { persistence });
    await ann.doc.ready;
    // Ann types while Bob edits: every turn with an unconfirmed edit of hers is saved.
    const rounds = 160;
    for (let i = 0; i < rounds; i++) {
      ann.doc.editText('z1', { pos: 0, ins: 'a' });
      server.commit(zoneUpdate('z2', { label: `b${i}` }), 'bob');
      await quiesce([ann.conn], tick);
    }
    expect(server.doc.zones.z1.text).toBe(`${'a'.repeat(rounds)}hello`);
    const saves = persistence.saves;
    expect(saves.length).toBeGreaterThanOrEqual(rounds);
    // Every record holds the server document at its version, with the snapshot + the ops committed after it.
    const docs = history(initial, server.log);
    for (const r of saves) expect(recordDocument(r)).toEqual(docs[r.version]);
    for (const r of saves) expect(r.committed?.length ?? 0).toBeLessThanOrEqual(JOURNAL_SAVE_MAX + 1);
    // The snapshot is the same value save after save: a new one only every JOURNAL_SAVE_MAX committed ops.
    const snapshots = new Set(saves.map((r) => r.snapshot));
    expect(server.version).toBe(2 * rounds);
    expect(snapshots.size).toBeLessThanOrEqual(Math.ceil((2 * rounds) / JOURNAL_SAVE_MAX) + 1);
    expect(saves.filter((r) => r.format === 2).length).toBeGreaterThan(saves.length / 2);
  });

  it('restores a record with committed ops after a reload: the document at its version, and its edits sent', async () => {
    const persistence = new SpyPersistence();
    const { server, open } = world();
    const ann = open('ann', { persistence });
    await ann.doc.ready;
    for (let i = 0; i < 5; i++) {
      server.commit(zoneUpdate('z2', { label: `b${i}` }), 'bob');
      ann.doc.editText('z2', { pos: 5, ins: '.' });
      await quiesce([ann.conn], tick);
    }
    ann.conn.disconnect();
    ann.doc.editText('z1', { pos: 0, ins: 'X' });
    await settle();
    const saved = persistence.saves.at(-1);
    expect(saved).toMatchObject({ format: 2, version: server.version, pending: [{ op: expect.anything() }] });
    expect(saved?.committed?.length).toBeGreaterThan(0);
    await ann.doc.close({ timeoutMs: 0 }); // the edit stays in the persistence
    server.commit(zoneUpdate('z2', { label: 'while away' }), 'bob');

    const conn = server.connect('ann');
    conn.disconnect();
    const again = new DocumentClient(conn, server.documentId, { persistence });
    await settle();
    expect(again.getSnapshot()).toMatchObject({ restored: true, version: saved?.version, pending: 1 });
    expect(again.doc.zones.z1.text).toBe('Xhello');
    expect(again.doc.zones.z2).toMatchObject({ label: 'b4', text: 'world.....' });
    conn.reconnect();
    await again.ready;
    await quiesce([conn], tick);
    expect(server.doc.zones.z1.text).toBe('Xhello');
    expect(server.doc.zones.z2.label).toBe('while away');
    expect(again.doc).toEqual(server.doc);
    expect(await persistence.load(server.documentId)).toBeUndefined(); // all confirmed: deleted
    await again.close();
  });

  it('restores a record whose committed ops do not all apply (saved while its copy had diverged): the open repairs it and its edits are sent', async () => {
    const persistence = new MemoryDocPersistence();
    const { server } = world();
    const diverged: PersistedDoc = {
      format: 2,
      documentId: server.documentId,
      clientKey: 'gone',
      userId: 'ann',
      version: 1,
      snapshot: server.doc,
      committed: [['zones', 'nope', 'text', { es: [3, 'x'] }]], // does not fit this snapshot
      inflight: null,
      pending: [{ opId: 'p:1', op: ['zones', 'z1', 'text', { es: ['kept '] }] }],
      opIds: ['p:1'],
      savedAt: 1,
    };
    server.commit(['zones', 'z2', 'label', { r: '', i: 'v1' }], 'bob');
    await persistence.save(diverged);
    const conn = server.connect('ann');
    const doc = new DocumentClient(conn, server.documentId, { persistence });
    const errors: string[] = [];
    doc.on('error', (e) => errors.push(e.message));
    await doc.ready;
    await quiesce([conn], tick);
    expect(errors).toEqual(['a saved record did not apply in full: it is repaired from the server']);
    expect(server.doc.zones.z1.text).toBe('kept hello');
    expect(doc.doc).toEqual(server.doc); // the snapshot's label, which the record's copy did not have
    expect(persistence.recordCount(server.documentId)).toBe(0);
    await doc.close();
  });
});
