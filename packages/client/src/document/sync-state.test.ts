import {
  apply,
  applyOps,
  describeOp,
  metaSet,
  type Op,
  opComponents,
  opFromComponents,
  type ZoneDocument,
  zoneCreate,
  zoneDelete,
  zoneEdit,
  zoneUpdate,
} from '@syncline/doc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { docOf, zone } from './fake-doc-server.js';
import { JOURNAL_CAP, MAX_COMPOSED_OP_CHARS, SyncState } from './sync-state.js';

const base = () => docOf(zone('z1', 'hello'), zone('z2', 'world'));
const ids = (() => {
  let n = 0;
  return () => `op:${++n}`;
})();

describe('SyncState', () => {
  it('keeps the local document equal to server + in flight + pending', () => {
    const s = new SyncState(base(), 4);
    s.applyLocal(zoneEdit('z1', { pos: 0, ins: 'A' }), ids());
    s.promote();
    s.applyLocal(zoneEdit('z2', { pos: 5, ins: 'B' }), ids());
    const { applied } = s.applyRemote(zoneDelete('z1'));
    expect(describeOp(applied)).toMatchObject({ kind: 'zone_delete', zoneIds: ['z1'] });
    expect(s.inflight?.op).toBeNull(); // my edit in the deleted zone is gone
    expect(s.version).toBe(5);
    let doc = apply(s.serverDoc, s.inflight?.op ?? null);
    for (const p of s.pending) doc = apply(doc, p.op);
    expect(s.doc).toEqual(doc);
    expect(s.doc.zones.z2.text).toBe('worldB');
  });

  it('composes my edits of one zone into one pending op, but never past what one frame may carry', () => {
    const s = new SyncState(base(), 0);
    for (let i = 0; i < 5; i++) s.applyLocal(zoneEdit('z1', { pos: 0, ins: 'x' }), ids());
    expect(s.pending).toHaveLength(1); // typing: one op
    // Two pastes that fit a frame each (offline, say): two ops, not one too large to send.
    const big = 'a'.repeat(MAX_COMPOSED_OP_CHARS * 0.7);
    s.applyLocal(zoneEdit('z1', { pos: 0, ins: big }), ids());
    s.applyLocal(zoneEdit('z1', { pos: 0, ins: big }), ids());
    expect(s.pending.length).toBeGreaterThanOrEqual(2);
    for (const p of s.pending) expect(JSON.stringify(p.op).length).toBeLessThanOrEqual(MAX_COMPOSED_OP_CHARS);
    expect(s.doc.zones.z1.text).toBe(`${big}${big}xxxxxhello`);
  });

  it('reports conflicts of my pending ops only', () => {
    const s = new SyncState(base(), 0);
    s.applyLocal(zoneEdit('z1', { pos: 0, ins: 'A' }), 'a');
    s.promote();
    s.applyLocal(zoneEdit('z2', { pos: 0, ins: 'B' }), 'b');
    const { conflicts } = s.applyRemote(['zones', 'z2', { r: true }]);
    expect(conflicts).toEqual([
      { opId: 'b', conflict: { kind: 'edit_on_deleted', zoneId: 'z2', path: ['zones', 'z2'] } },
    ]);
    expect(s.applyRemote(['zones', 'z1', { r: true }]).conflicts).toEqual([]); // in flight: the server's job
  });

  it('tells which values a remote op set that my unconfirmed ops overwrite, with the server value before it', () => {
    const s = new SyncState(docOf(zone('z1', 'hello', { label: 'orig' })), 0);
    s.applyLocal(zoneUpdate('z1', { label: 'Mine' }), 'a');
    s.promote(); // in flight
    s.applyLocal(zoneUpdate('z1', { type: 'table' }), 'b');
    const theirs = zoneUpdate(
      'z1',
      { label: 'Theirs', type: 'heading', confidence: 0.5 },
      { stamp: { by: 'bob', at: 9 } },
    );
    const { applied, shadowed } = s.applyRemote(theirs);
    expect(shadowed).toEqual([
      { path: ['zones', 'z1', 'label'], value: 'Theirs', was: 'orig' },
      { path: ['zones', 'z1', 'type'], value: 'heading', was: 'paragraph' },
    ]);
    expect(s.doc.zones.z1).toMatchObject({ label: 'Mine', type: 'table', confidence: 0.5 });
    expect(describeOp(applied).kind).toBe('zone_update');
    // Nothing of mine unconfirmed on those keys: nothing overwritten.
    expect(s.applyRemote(zoneEdit('z1', { pos: 0, ins: 'x' })).shadowed).toEqual([]);
  });

  it('drops the in-flight op (rejected) and transforms the pending ops past its inverse', () => {
    const s = new SyncState(base(), 0);
    s.applyLocal(zoneCreate(zone('z3', 'new')), 'create');
    s.promote();
    s.applyLocal(zoneEdit('z3', { pos: 3, ins: '!' }), 'edit-new'); // depends on the rejected op
    s.applyLocal(zoneEdit('z1', { pos: 5, ins: '?' }), 'edit-z1');
    const { dropped, applied } = s.dropInflight();
    expect(dropped.opId).toBe('create');
    expect(s.doc).toEqual(docOf(zone('z1', 'hello?'), zone('z2', 'world')));
    expect(s.pending.map((p) => p.opId)).toEqual(['edit-z1']);
    expect(describeOp(applied)).toMatchObject({ kind: 'zone_delete', zoneIds: ['z3'] });
  });

  it('rebases onto a snapshot whose ops are unknown', () => {
    const s = new SyncState(base(), 0);
    s.applyLocal(zoneEdit('z1', { pos: 5, ins: ' there' }), ids());
    s.promote();
    s.inflight!.sent = true;
    const snapshot = docOf(zone('z1', '>> hello'), zone('z2', 'world', { label: 'L' }));
    const change = s.rebase(snapshot, 3);
    expect(s.version).toBe(3);
    expect(s.serverDoc).toBe(snapshot);
    expect(s.doc.zones.z1.text).toBe('>> hello there');
    expect(s.inflight?.mayBeIncluded).toBe(true);
    expect(change).not.toBeNull();
  });

  it('composes edits of the same zones into the last pending op, and drops what cancels out', () => {
    const s = new SyncState(base(), 0);
    s.applyLocal(zoneEdit('z1', { pos: 0, ins: 'a' }), 'x');
    s.applyLocal(zoneEdit('z1', { pos: 1, ins: 'b' }), 'y');
    expect(s.pending.map((p) => p.opId)).toEqual(['x']);
    s.applyLocal(zoneEdit('z2', { pos: 0, ins: 'c' }), 'z');
    expect(s.pending.map((p) => p.opId)).toEqual(['x', 'z']);
    s.applyLocal(zoneEdit('z2', { pos: 0, del: 1 }), 'w');
    expect(s.pending.map((p) => p.opId)).toEqual(['x']);
    expect(s.doc.zones.z2.text).toBe('world');
  });

  it('tells the change to my copy exactly when a remote op did not fit it and it was rebuilt', () => {
    const s = new SyncState(base(), 0);
    s.applyLocal(zoneEdit('z2', { pos: 0, ins: 'B' }), ids());
    s.doc = { ...s.doc, zones: { z2: s.doc.zones.z2 } }; // my copy lost z1 (the replicas diverged)
    const before = s.doc;
    const { applied } = s.applyRemote(zoneEdit('z1', { pos: 5, ins: '!' }));
    expect(s.doc.zones.z1.text).toBe('hello!'); // rebuilt: the server document plus my ops
    expect(s.doc.zones.z2.text).toBe('Bworld');
    expect(apply(before, applied)).toEqual(s.doc);
  });

  it('edits, and adds zones to, a document with more zones than the default limit (the server decides that)', () => {
    const many = Array.from({ length: 10_001 }, (_, i) => zone(`z${i}`, `text ${i}`));
    const s = new SyncState(docOf(...many), 0);
    s.applyLocal(zoneEdit('z1', { pos: 0, ins: 'A' }), ids());
    s.applyLocal(zoneCreate(zone('new', 'more')), ids());
    expect(s.doc.zones.z1.text).toBe('Atext 1');
    expect(Object.keys(s.doc.zones)).toHaveLength(10_002);
    // A zone an edit leaves invalid is still refused here.
    expect(() => s.applyLocal(zoneCreate(zone('', 'no id')), ids())).toThrow(RangeError);
  });

  it('journals the committed ops after a document that stays the same value, until it starts again', () => {
    const first = base();
    const s = new SyncState(first, 4);
    const replay = () => s.journal.ops.reduce((doc, op) => apply(doc, op), s.journal.doc);
    s.applyLocal(zoneEdit('z1', { pos: 5, ins: '!' }), 'mine');
    s.promote();
    s.applyRemote(zoneEdit('z2', { pos: 0, ins: 'R' })); // while mine is in flight
    s.ack(); // mine, committed after it
    s.applyRemote(zoneEdit('z2', { pos: 0, ins: 'S' })); // nothing of mine unconfirmed
    expect(s.journal).toMatchObject({ version: 4 });
    expect(s.journal.doc).toBe(first); // the same value: stored once, not again per op
    expect(s.journal.ops).toHaveLength(3);
    expect(replay()).toEqual(s.serverDoc);
    expect(s.serverDoc.zones.z1.text).toBe('hello!');

    s.restartJournal();
    expect(s.journal).toMatchObject({ version: 7, ops: [] });
    expect(s.journal.doc).toBe(s.serverDoc);

    // A snapshot whose ops are not known starts it again from that snapshot.
    s.applyRemote(zoneEdit('z1', { pos: 0, ins: 'T' }));
    const snapshot = docOf(zone('z1', 'new'), zone('z2', 'world'));
    s.rebase(snapshot, 20);
    expect(s.journal).toMatchObject({ version: 20, ops: [] });
    expect(s.journal.doc).toBe(snapshot);

    // A restored state continues the journal it was saved with.
    const restored = new SyncState(s.serverDoc, 20);
    restored.continueJournal(first, [zoneEdit('z1', { pos: 0, ins: 'x' })]);
    expect(restored.journal).toMatchObject({ version: 19 });
    expect(restored.journal.doc).toBe(first);
    expect(() => restored.continueJournal(first, new Array(21).fill(null))).toThrow(RangeError);
  });

  it('starts the journal again when a committed op turns out not to fit the server document (the copy diverged)', () => {
    const s = new SyncState(base(), 0);
    s.applyLocal(zoneDelete('z2'), 'del');
    s.promote();
    // Past the end of the server's 'world' (its copy differs from mine): nothing here once past my delete, so it
    // is only queued for the server document, and journalled.
    s.applyRemote(zoneEdit('z2', { pos: 9, ins: '!' }));
    expect(s.journal.ops).toHaveLength(1);
    expect(s.serverDoc.zones.z2.text).toBe('world'); // the op did not fit: left out
    expect(s.takeDiverged()).toBe(true);
    const { doc, ops } = s.journal;
    expect(ops).toEqual([]);
    expect(doc).toBe(s.serverDoc);
  });

  it('lets go of a journal past JOURNAL_CAP ops (a watched document) and starts again from the current document', () => {
    const s = new SyncState(base(), 0);
    for (let i = 0; i < JOURNAL_CAP + 5; i++) s.applyRemote(zoneEdit('z1', { pos: 0, ins: 'a' }));
    const { doc, version, ops } = s.journal;
    expect(ops.length).toBeLessThan(JOURNAL_CAP);
    expect(ops.reduce((d, op) => apply(d, op), doc)).toEqual(s.serverDoc);
    expect(version + ops.length).toBe(s.version);
  });
});

describe('SyncState: remote ops while nothing of mine is unconfirmed', () => {
  const IDS = ['a', 'b', 'c', 'd', '__proto__x'];
  type Intent = {
    kind: 'create' | 'delete' | 'edit' | 'update' | 'meta' | 'two';
    pick: number;
    text: string;
  };
  const intent = fc.record({
    kind: fc.constantFrom<Intent['kind']>(
      'create',
      'create',
      'delete',
      'edit',
      'edit',
      'update',
      'meta',
      'two',
    ),
    pick: fc.nat(100),
    text: fc.string({ maxLength: 3 }),
  });
  /** An op `intent` makes of `doc` (null when it cannot: deleting with no zone). */
  function opOf(doc: ZoneDocument, { kind, pick, text }: Intent): Op {
    const present = Object.keys(doc.zones);
    const absent = IDS.filter((id) => !Object.hasOwn(doc.zones, id));
    const some = present[pick % Math.max(1, present.length)];
    if (kind === 'create' || present.length === 0)
      return absent.length === 0 ? null : zoneCreate(zone(absent[pick % absent.length], text));
    if (kind === 'delete') return zoneDelete(some, doc.zones[some]);
    if (kind === 'edit') return zoneEdit(some, { pos: 0, ins: text || 'x' });
    if (kind === 'update') return zoneUpdate(some, { label: text, confidence: (pick % 10) / 10 });
    if (kind === 'meta') return metaSet('title', text, doc.meta);
    // Two zones in one op: applied at once, after what was deferred.
    return opFromComponents([
      ...opComponents(zoneEdit(some, { pos: 0, ins: 'y' })),
      ...(absent.length > 0 ? opComponents(zoneCreate(zone(absent[0], text))) : []),
    ]);
  }

  it('gives the document, keys in order, that applying each op in turn gives', () => {
    fc.assert(
      fc.property(
        fc.array(intent, { maxLength: 30 }),
        fc.array(fc.nat(30), { maxLength: 4 }),
        (intents, reads) => {
          const s = new SyncState(docOf(zone('a', 'one'), zone('b', 'two')), 0);
          let expected: ZoneDocument = s.doc;
          intents.forEach((it, i) => {
            const op = opOf(expected, it);
            const before = expected;
            expected = apply(expected, op);
            const { applied } = s.applyRemote(op);
            expect(applied).toEqual(op);
            // One zone read through the deferred ops; now and then the whole document (applies them).
            for (const id of IDS)
              expect(s.zone(id)).toEqual(Object.hasOwn(expected.zones, id) ? expected.zones[id] : undefined);
            if (reads.includes(i)) expect(s.doc).toEqual(expected);
            expect(before).toEqual(before); // untouched
          });
          expect(s.version).toBe(intents.length);
          expect(Object.keys(s.doc.zones)).toEqual(Object.keys(expected.zones));
          expect(s.doc).toEqual(expected);
          expect(s.serverDoc).toBe(s.doc);
          const journal = s.journal;
          expect(applyOps(journal.doc, journal.ops).doc).toEqual(expected);
        },
      ),
      { seed: 7, numRuns: 300 },
    );
  });

  it('keeps earlier documents as they were, and says which zones a deferred op deleted', () => {
    const s = new SyncState(docOf(zone('a', 'one'), zone('b', 'two')), 0);
    const first = s.doc;
    const gone = s.applyRemote(zoneDelete('a'));
    expect(gone.deleted).toEqual([['a', zone('a', 'one')]]);
    s.applyRemote(zoneEdit('b', { pos: 3, ins: '!' }));
    expect(s.deferring).toBe(true);
    expect(s.doc.zones).toEqual({ b: { ...zone('b', 'two!') } });
    expect(s.deferring).toBe(false);
    expect(first.zones.a.text).toBe('one');
    expect(first.zones.b.text).toBe('two');
  });

  it('applies the deferred ops before an op of mine, which is made on the document they make', () => {
    const s = new SyncState(docOf(zone('a', 'one')), 0);
    s.applyRemote(zoneEdit('a', { pos: 3, ins: '!' }));
    s.applyLocal(zoneEdit('a', { pos: 4, ins: '?' }), ids());
    expect(s.doc.zones.a.text).toBe('one!?');
    expect(s.serverDoc.zones.a.text).toBe('one!');
    // With something of mine unconfirmed, remote ops are applied at once (transformed past mine).
    s.applyRemote(zoneEdit('a', { pos: 0, ins: '>' }));
    expect(s.deferring).toBe(false);
    expect(s.doc.zones.a.text).toBe('>one!?');
  });

  it('applies at once an op that does not fit (the replicas diverged), and throws as before', () => {
    const s = new SyncState(docOf(zone('a', 'one')), 0);
    s.applyRemote(zoneEdit('a', { pos: 3, ins: '!' }));
    expect(() => s.applyRemote(zoneEdit('a', { pos: 10, del: 2 }))).toThrow();
    expect(() => s.applyRemote(zoneEdit('nope', { pos: 0, ins: 'x' }))).toThrow();
    expect(() => s.applyRemote(zoneCreate(zone('a', 'again')))).toThrow();
    expect(s.version).toBe(1);
    expect(s.doc.zones.a.text).toBe('one!');
  });
});
