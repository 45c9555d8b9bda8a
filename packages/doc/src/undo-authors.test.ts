import { describe, expect, it } from 'vitest';
import { docOf, testZone } from '../test/fixtures.js';
import { zoneCreate, zoneDelete, zoneEdit, zoneUpdate } from './ops.js';
import { apply, type Op } from './ot.js';
import { UndoManager } from './undo.js';
import type { ZoneDocument } from './zone.js';

/** My undo manager and the local document, remote ops recorded with their author. */
class Local {
  undo = new UndoManager();
  constructor(public doc: ZoneDocument) {}
  mine(op: Op) {
    this.undo.recordOwn(op, this.doc);
    this.doc = apply(this.doc, op);
  }
  remote(op: Op, by?: string) {
    this.undo.recordRemote(op, by);
    this.doc = apply(this.doc, op);
  }
  pressUndo() {
    const r = this.undo.undo(this.doc);
    this.doc = apply(this.doc, r.op);
    return r;
  }
}

describe('UndoManager: who made the changes a notice is about', () => {
  it('names the author of the change that overwrote mine', () => {
    const l = new Local(docOf(testZone('a')));
    l.mine(zoneUpdate('a', { label: 'Mine' }, { current: l.doc.zones.a }));
    l.remote(zoneUpdate('a', { label: 'Theirs' }, { current: l.doc.zones.a }), 'bob');
    expect(l.pressUndo()).toEqual({
      op: null,
      notice: { reason: 'overwritten', zoneIds: ['a'], partial: false, byUserIds: ['bob'] },
    });
    // Recorded without an author: nobody is named.
    l.mine(zoneUpdate('a', { label: 'Mine again' }, { current: l.doc.zones.a }));
    l.remote(zoneUpdate('a', { label: 'Theirs again' }, { current: l.doc.zones.a }));
    expect(l.pressUndo().notice).toEqual({ reason: 'overwritten', zoneIds: ['a'], partial: false });
  });

  it('names who caused the reason told, not whoever else touched the zone', () => {
    const l = new Local(docOf(testZone('a', 'hi')));
    l.mine(zoneUpdate('a', { label: 'Mine', page: 2 }, { current: l.doc.zones.a }));
    l.remote(zoneUpdate('a', { label: 'Theirs' }, { current: l.doc.zones.a }), 'bob');
    l.remote(zoneDelete('a'), 'carol');
    expect(l.pressUndo().notice).toEqual({
      reason: 'zone_deleted',
      zoneIds: ['a'],
      partial: false,
      byUserIds: ['carol'],
    });
  });

  it('keeps the authors of ops composed on their way down the stack, the latest last', () => {
    const l = new Local(docOf(testZone('b')));
    l.mine(zoneCreate(testZone('n', 'draft')));
    l.mine(zoneEdit('b', { pos: 0, ins: 'x' })); // the top step: the ops below queue on it
    l.remote(zoneEdit('n', { pos: 0, ins: 'B' }), 'bob');
    l.remote(zoneEdit('n', { pos: 0, ins: 'C' }), 'carol');
    l.remote(zoneEdit('n', { pos: 0, ins: 'b' }), 'bob');
    l.remote(zoneEdit('n', { pos: 0, ins: '?' })); // an author not known: nobody named for it
    expect(l.pressUndo().notice).toBeNull();
    expect(l.pressUndo()).toEqual({
      op: null,
      notice: { reason: 'edited_by_others', zoneIds: ['n'], partial: false, byUserIds: ['carol', 'bob'] },
    });
    expect(l.doc.zones.n.text).toBe('?bCBdraft');
  });

  it('orders the people by their latest change', () => {
    const l = new Local(docOf());
    l.mine(zoneCreate(testZone('n')));
    l.remote(zoneUpdate('n', { label: 'B' }, { current: l.doc.zones.n }), 'bob');
    l.remote(zoneUpdate('n', { label: 'C' }, { current: l.doc.zones.n }), 'carol');
    l.remote(zoneUpdate('n', { label: 'B again' }, { current: l.doc.zones.n }), 'bob');
    expect(l.pressUndo().notice?.byUserIds).toEqual(['carol', 'bob']);
  });

  it('keeps the author of an op transformed past a step above on its way down', () => {
    const l = new Local(docOf());
    l.mine(zoneCreate(testZone('n', 'draft')));
    l.mine(zoneEdit('n', { pos: 5, ins: '!' })); // the top step edits the zone too: the op is transformed past it
    l.remote(zoneEdit('n', { pos: 0, ins: 'B' }), 'bob');
    expect(l.pressUndo().notice).toBeNull();
    expect(l.doc.zones.n.text).toBe('Bdraft');
    expect(l.pressUndo().notice).toEqual({
      reason: 'edited_by_others',
      zoneIds: ['n'],
      partial: false,
      byUserIds: ['bob'],
    });
  });
});
