import { apply, describeOp, zoneCreate, zoneDelete, zoneEdit } from '@syncline/doc';
import { describe, expect, it } from 'vitest';
import { docOf, zone } from './fake-doc-server.js';
import { SyncState } from './sync-state.js';

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
});
