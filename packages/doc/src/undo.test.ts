import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALPHABET, arbDoc, countChars, FC_PARAMS, genOp } from '../test/arbitraries.js';
import { testZone } from '../test/fixtures.js';
import { ReferenceUndo } from '../test/reference-undo.js';
import { type Stamp, zoneCreate, zoneDelete, zoneEdit, zoneUpdate } from './ops.js';
import { apply, compose, type Op } from './ot.js';
import { MAX_LATER, MAX_RUN_EDITS, UndoManager } from './undo.js';
import { validateDocument, type Zone, type ZoneDocument } from './zone.js';

const zone = (id: string, text = ''): Zone => testZone(id, text);
const ann: Stamp = { by: 'ann', at: 1 };
const bob: Stamp = { by: 'bob', at: 2 };

/** A local document with my undo manager: what the client keeps. */
class Local {
  undo = new UndoManager();
  constructor(public doc: ZoneDocument) {}
  mine(op: Op) {
    this.undo.recordOwn(op, this.doc);
    this.doc = apply(this.doc, op);
  }
  remote(op: Op) {
    this.undo.recordRemote(op);
    this.doc = apply(this.doc, op);
  }
  pressUndo(stamp?: Stamp) {
    const r = this.undo.undo(this.doc, stamp);
    this.doc = apply(this.doc, r.op);
    return r;
  }
  pressRedo(stamp?: Stamp) {
    const r = this.undo.redo(this.doc, stamp);
    this.doc = apply(this.doc, r.op);
    return r;
  }
  text(id: string) {
    return this.doc.zones[id]?.text;
  }
}
const start = (...zones: Zone[]) =>
  new Local({ meta: {}, zones: Object.fromEntries(zones.map((z) => [z.id, z])) });

describe('UndoManager', () => {
  it('undoes and redoes my text edit', () => {
    const l = start(zone('a', 'hello'));
    l.mine(zoneEdit('a', { pos: 5, ins: ' world' }, { current: l.doc.zones.a, stamp: ann }));
    expect(l.undo.canUndo()).toBe(true);
    expect(l.pressUndo()).toMatchObject({ notice: null });
    expect(l.text('a')).toBe('hello');
    expect(l.undo.canRedo()).toBe(true);
    l.pressRedo();
    expect(l.text('a')).toBe('hello world');
    expect(l.undo.canRedo()).toBe(false);
  });

  it('keeps text another user typed inside mine', () => {
    const l = start(zone('a', ''));
    l.mine(zoneEdit('a', { pos: 0, ins: 'abcd' }, { stamp: ann }));
    l.remote(zoneEdit('a', { pos: 2, ins: 'XY' }, { stamp: bob }));
    l.pressUndo();
    expect(l.text('a')).toBe('XY');
  });

  it('undoes my steps in reverse order, each against what the others left', () => {
    const l = start(zone('a', ''));
    l.mine(zoneEdit('a', { pos: 0, ins: 'abc' }));
    l.remote(zoneEdit('a', { pos: 0, ins: 'X' }));
    l.mine(zoneEdit('a', { pos: 2, del: 1 })); // deletes the b: "Xac"
    l.remote(zoneEdit('a', { pos: 3, ins: 'Y' })); // "XacY"
    l.pressUndo();
    expect(l.text('a')).toBe('XabcY');
    l.pressUndo();
    expect(l.text('a')).toBe('XY');
    l.pressRedo();
    l.pressRedo();
    expect(l.text('a')).toBe('XacY');
  });

  it('does not revert an attribute another user set since: op null with a notice', () => {
    const l = start(zone('a'));
    l.mine(zoneUpdate('a', { label: 'Mine' }, { current: l.doc.zones.a, stamp: ann }));
    l.remote(zoneUpdate('a', { label: 'Theirs' }, { current: l.doc.zones.a, stamp: bob }));
    expect(l.pressUndo()).toEqual({
      op: null,
      notice: { reason: 'overwritten', zoneIds: ['a'], partial: false },
    });
    expect(l.doc.zones.a.label).toBe('Theirs');
  });

  it('undoes what is left of a change partly overwritten, and says so', () => {
    const l = start(zone('a'));
    l.mine(zoneUpdate('a', { label: 'Mine', page: 2 }, { current: l.doc.zones.a }));
    l.remote(zoneUpdate('a', { label: 'Theirs' }, { current: l.doc.zones.a }));
    const r = l.pressUndo();
    expect(r.notice).toEqual({ reason: 'overwritten', zoneIds: ['a'], partial: true });
    expect(l.doc.zones.a).toMatchObject({ label: 'Theirs', page: 0 });
  });

  it("undoes my move of a box past another user's later resize of it: my position back, their size kept", () => {
    const box = { x: 10, y: 20, w: 100, h: 50 };
    const l = start(testZone('a', '', { bbox: box }));
    l.mine(zoneUpdate('a', { bbox: { ...box, x: 300 } }, { current: l.doc.zones.a, stamp: ann })); // moved right
    l.remote(zoneUpdate('a', { bbox: { ...box, x: 300, w: 60 } }, { current: l.doc.zones.a, stamp: bob })); // narrowed
    expect(l.pressUndo(ann)).toMatchObject({ notice: null });
    expect(l.doc.zones.a.bbox).toEqual({ ...box, w: 60 });
    expect(l.doc.zones.a.updatedBy).toBe('ann');
    l.pressRedo(ann);
    expect(l.doc.zones.a.bbox).toEqual({ ...box, x: 300, w: 60 });
  });

  it("undoes my box replaced whole (an older client's move) past another user's later resize: their size kept", () => {
    const box = { x: 10, y: 20, w: 100, h: 50 };
    const l = start(testZone('a', '', { bbox: box }));
    const moved = { ...box, x: 300 };
    // The box replaced as one value, old and new: the inverse would put back the whole old box.
    l.mine(['zones', 'a', 'bbox', { r: box, i: moved }]);
    l.remote(zoneUpdate('a', { bbox: { ...moved, w: 60 } }, { current: l.doc.zones.a, stamp: bob }));
    expect(l.pressUndo(ann)).toMatchObject({ notice: null });
    expect(l.doc.zones.a.bbox).toEqual({ ...box, w: 60 });
    l.remote(
      zoneUpdate('a', { bbox: { ...l.doc.zones.a.bbox, h: 80 } }, { current: l.doc.zones.a, stamp: bob }),
    );
    l.pressRedo(ann);
    expect(l.doc.zones.a.bbox).toEqual({ ...box, x: 300, w: 60, h: 80 });
  });

  it('undoes my set made before a remote set of the same key, but committed after it, to their value', () => {
    const l = start(zone('a'));
    l.mine(zoneUpdate('a', { label: 'X' }, { current: l.doc.zones.a, stamp: ann })); // confirmed
    const was = l.doc.zones.a.label;
    l.mine(zoneUpdate('a', { label: 'M1' }, { current: l.doc.zones.a, stamp: ann })); // unconfirmed
    l.mine(zoneUpdate('a', { label: 'M2' }, { current: l.doc.zones.a, stamp: ann })); // unconfirmed
    // Bob set the label to 'Bob' on 'X'; the server puts my two after it. Here it changes nothing (mine win).
    l.undo.recordShadowed(['zones', 'a', 'label'], 'Bob', was, 'bob');
    l.pressUndo();
    expect(l.doc.zones.a.label).toBe('M1');
    l.pressUndo();
    expect(l.doc.zones.a.label).toBe('Bob');
    // My first set was made before his: he overwrote it, so undoing it leaves his.
    expect(l.pressUndo()).toMatchObject({ op: null, notice: { reason: 'overwritten', byUserIds: ['bob'] } });
    expect(l.doc.zones.a.label).toBe('Bob');
  });

  it('undoes what is left of my move when another user moved the box since along one axis, and says so', () => {
    const l = start(zone('a'));
    l.mine(zoneUpdate('a', { bbox: { x: 30, y: 40, w: 10, h: 10 } }, { current: l.doc.zones.a, stamp: ann }));
    l.remote(
      zoneUpdate('a', { bbox: { x: 35, y: 40, w: 10, h: 10 } }, { current: l.doc.zones.a, stamp: bob }),
    );
    expect(l.pressUndo(ann)).toMatchObject({
      notice: { reason: 'overwritten', zoneIds: ['a'], partial: true },
    });
    expect(l.doc.zones.a.bbox).toEqual({ x: 35, y: 0, w: 10, h: 10 });
  });

  it('returns null and a notice when the zone I edited was deleted by another user', () => {
    const l = start(zone('a', 'hi'), zone('b', ''));
    l.mine(zoneEdit('b', { pos: 0, ins: 'first' }));
    l.mine(zoneEdit('a', { pos: 2, ins: '!' }, { stamp: ann }));
    l.remote(zoneDelete('a'));
    expect(l.pressUndo()).toEqual({
      op: null,
      notice: { reason: 'zone_deleted', zoneIds: ['a'], partial: false },
    });
    // The next undo goes on with my earlier step.
    l.pressUndo();
    expect(l.text('b')).toBe('');
  });

  it('keeps a zone I created if another user edited it since', () => {
    const l = start();
    l.mine(zoneCreate(zone('n', 'draft'), ann));
    l.remote(zoneEdit('n', { pos: 5, ins: ' by Bob' }, { stamp: bob }));
    expect(l.pressUndo()).toEqual({
      op: null,
      notice: { reason: 'edited_by_others', zoneIds: ['n'], partial: false },
    });
    expect(l.text('n')).toBe('draft by Bob');
  });

  it('keeps a zone my creation replaced (theirs came first at the server) if they edited it since', () => {
    // Bob and I created zone n at once; the server put his first, so mine replaced his: undoing my creation would
    // put his back as he first made it, and take away the change he made since to the zone as it is.
    const l = start();
    l.mine(zoneCreate({ ...zone('n', 'mine'), bbox: { x: 13, y: 13, w: 13, h: 13 } }, ann));
    const his = { ...zone('n', 'his'), bbox: { x: 32, y: 32, w: 32, h: 32 } };
    l.undo.recordShadowed(['zones', 'n'], his, undefined, 'bob');
    l.remote(
      zoneUpdate('n', { bbox: { x: 62, y: 13, w: 13, h: 13 } }, { current: l.doc.zones.n, stamp: bob }),
    );
    l.undo.recordRemote(zoneUpdate('n', { label: 'Bob' }, { current: l.doc.zones.n, stamp: bob }), 'bob');
    l.doc = apply(l.doc, zoneUpdate('n', { label: 'Bob' }, { current: l.doc.zones.n, stamp: bob }));
    expect(l.pressUndo()).toEqual({
      op: null,
      notice: { reason: 'edited_by_others', zoneIds: ['n'], partial: false, byUserIds: ['bob'] },
    });
    expect(l.doc.zones.n).toMatchObject({ bbox: { x: 62, y: 13 }, label: 'Bob', text: 'mine' });
    // Redo has nothing of it to take back, and the step below me (none here) is not confused by the zone kept.
    expect(l.undo.canUndo()).toBe(false);
  });

  it('leaves deleted a zone another user deleted, when undoing my creation that replaced theirs would put it back', () => {
    // Bob and I created zone n at once; the server put his first, so mine replaced his, and undoing my creation puts
    // his back (the step replaces the zone whole). Then Cid deleted n: undoing into a zone another user deleted does
    // nothing to it and says so, as for an edit of mine inside it; it does not bring the zone back.
    const l = start(zone('b', ''));
    l.mine(zoneEdit('b', { pos: 0, ins: 'first' }));
    l.mine(zoneCreate(zone('n', 'mine'), ann));
    l.undo.recordShadowed(['zones', 'n'], zone('n', 'his'), undefined, 'bob');
    l.mine(zoneEdit('n', { pos: 4, ins: '!' }, { stamp: ann }));
    l.undo.recordRemote(zoneDelete('n', l.doc.zones.n), 'cid');
    l.doc = apply(l.doc, zoneDelete('n', l.doc.zones.n));
    // My '!' went with the zone; then my creation's undo, which would put his zone back.
    expect(l.pressUndo()).toEqual({
      op: null,
      notice: { reason: 'zone_deleted', zoneIds: ['n'], partial: false, byUserIds: ['cid'] },
    });
    expect(l.pressUndo()).toEqual({
      op: null,
      notice: { reason: 'zone_deleted', zoneIds: ['n'], partial: false, byUserIds: ['cid'] },
    });
    expect(l.doc.zones.n).toBeUndefined();
    // The step below applies to the document without the zone, and nothing is left to redo of it.
    expect(l.pressUndo()).toMatchObject({ notice: null });
    expect(l.text('b')).toBe('');
    expect(l.doc.zones.n).toBeUndefined();
    expect(l.undo.canUndo()).toBe(false);
    l.pressRedo();
    expect(l.text('b')).toBe('first');
    expect(l.undo.canRedo()).toBe(false);
    expect(validateDocument(l.doc)).toEqual([]);
  });

  it('undoes the rest of a step whose zone replacement another user deleted, and says so', () => {
    // The same step also put back a label of another zone: that part is undone, the deleted zone stays deleted.
    const l = start(zone('a'));
    const op = compose(
      zoneCreate(zone('n', 'mine'), ann),
      zoneUpdate('a', { label: 'Mine' }, { current: l.doc.zones.a }),
    );
    l.mine(op);
    l.undo.recordShadowed(['zones', 'n'], zone('n', 'his'), undefined, 'bob');
    l.remote(zoneDelete('n'));
    expect(l.pressUndo()).toMatchObject({
      notice: { reason: 'zone_deleted', zoneIds: ['n'], partial: true },
    });
    expect(l.doc.zones.a.label).toBe('');
    expect(l.doc.zones.n).toBeUndefined();
  });

  it('skips steps that others made pointless, such as text of mine they deleted', () => {
    const l = start(zone('a', ''));
    l.mine(zoneEdit('a', { pos: 0, ins: 'keep ' }));
    l.mine(zoneEdit('a', { pos: 5, ins: 'gone' }));
    l.remote(zoneEdit('a', { pos: 5, del: 4 }));
    expect(l.pressUndo().notice).toBeNull();
    expect(l.text('a')).toBe('');
  });

  it('stamps the zones an undo touches with the undoing user, when given a stamp', () => {
    const l = start(zone('a', 'x'));
    l.mine(zoneEdit('a', { pos: 1, ins: 'y' }, { current: l.doc.zones.a, stamp: ann }));
    l.remote(zoneUpdate('a', { page: 3 }, { current: l.doc.zones.a, stamp: bob }));
    l.pressUndo({ by: 'ann', at: 9 });
    expect(l.doc.zones.a).toMatchObject({ text: 'x', page: 3, updatedBy: 'ann', updatedAt: 9 });
    l.pressRedo({ by: 'ann', at: 10 });
    expect(l.doc.zones.a).toMatchObject({ text: 'xy', updatedAt: 10 });
  });

  it('a new change of mine clears the redo stack', () => {
    const l = start(zone('a', ''));
    l.mine(zoneEdit('a', { pos: 0, ins: 'a' }));
    l.pressUndo();
    l.mine(zoneEdit('a', { pos: 0, ins: 'b' }));
    expect(l.undo.canRedo()).toBe(false);
    expect(l.pressRedo()).toEqual({
      op: null,
      notice: { reason: 'nothing_to_redo', zoneIds: [], partial: false },
    });
  });

  it('says when there is nothing to undo', () => {
    expect(new UndoManager().undo({ meta: {}, zones: {} })).toEqual({
      op: null,
      notice: { reason: 'nothing_to_undo', zoneIds: [], partial: false },
    });
  });

  it('keeps at most `depth` steps, dropping the oldest', () => {
    const l = start(zone('a', ''));
    l.undo = new UndoManager({ depth: 3 });
    for (const ch of 'abcde') l.mine(zoneEdit('a', { pos: l.text('a').length, ins: ch }));
    expect(l.undo.undoSize).toBe(3);
    while (l.undo.canUndo()) l.pressUndo();
    expect(l.text('a')).toBe('ab');
    expect(new UndoManager().depth).toBe(100);
    expect(() => new UndoManager({ depth: 0 })).toThrow(RangeError);
  });

  it('stays exact through thousands of remote edits over a full stack (queued ops go down composed)', () => {
    const l = start(zone('a', '----'));
    // A full stack of single keystrokes in one zone, others typing there in between and after.
    for (let i = 0; i < 100; i++) {
      l.mine(zoneEdit('a', { pos: 2 + i, ins: 'm' }, { current: l.doc.zones.a, stamp: ann }));
      l.remote(zoneEdit('a', { pos: 0, ins: 'o' }, { current: l.doc.zones.a, stamp: bob }));
    }
    for (let i = 0; i < 3000; i++) {
      const at = (i * 37) % (l.doc.zones.a.text.length + 1);
      l.remote(zoneEdit('a', { pos: at, ins: 'x' }, { current: l.doc.zones.a, stamp: bob }));
    }
    const theirs = (t: string) => t.replace(/m/g, '');
    const before = theirs(l.text('a') ?? '');
    let steps = 0;
    while (l.undo.canUndo()) {
      l.pressUndo();
      steps++;
    }
    expect(steps).toBe(100);
    expect(l.text('a')).toBe(before); // every m of mine gone, every character of theirs kept, in place
  });

  it('groups typing into one step: same zone, within captureMs, also while others type there', () => {
    const l = start(zone('a', ''), zone('b', ''));
    l.undo = new UndoManager({ captureMs: 500 });
    const type = (id: string, text: string, at: number) => {
      const z = l.doc.zones[id];
      const op = zoneEdit(id, { pos: z.text.length, ins: text }, { current: z, stamp: ann });
      l.undo.recordOwn(op, l.doc, at);
      l.doc = apply(l.doc, op);
    };
    type('a', 'h', 1000);
    type('a', 'i', 1100);
    type('a', '!', 1500); // 400 ms after the previous keystroke: the same run
    type('a', ' ', 2100); // a pause of 600 ms: a new step
    type('a', 'x', 2200);
    l.remote(zoneEdit('a', { pos: 5, ins: 'R' }, { current: l.doc.zones.a, stamp: bob })); // inside my run
    type('a', 'y', 2300); // still the same run: someone else's keystroke does not split it
    type('b', 'z', 2350); // another zone: a new step
    expect(l.text('a')).toBe('hi! xRy');
    l.pressUndo();
    expect(l.text('b')).toBe('');
    l.pressUndo();
    expect(l.text('a')).toBe('hi!R'); // the run " xy" goes, Bob's R stays
    l.pressUndo();
    expect(l.text('a')).toBe('R');
    expect(l.undo.canUndo()).toBe(false);
    l.pressRedo();
    expect(l.text('a')).toBe('hi!R'); // redo brings the whole run back
    type('a', '?', 2400); // after an undo or redo, typing starts a step of its own
    l.pressUndo();
    expect(l.text('a')).toBe('hi!R');
  });

  it(`ends a typing step after ${MAX_RUN_EDITS} edits without a pause`, () => {
    const l = start(zone('a', ''));
    l.undo = new UndoManager({ captureMs: 500 });
    const n = MAX_RUN_EDITS + 10;
    for (let i = 0; i < n; i++) {
      const op = zoneEdit('a', { pos: i, ins: 'k' }, { current: l.doc.zones.a, stamp: ann });
      l.undo.recordOwn(op, l.doc, 1000 + i * 10);
      l.doc = apply(l.doc, op);
    }
    expect(l.undo.undoSize).toBe(2);
    l.pressUndo();
    expect(l.text('a')).toBe('k'.repeat(MAX_RUN_EDITS));
    l.pressUndo();
    expect(l.text('a')).toBe('');
  });

  it("keeps every queue of others' ops bounded while I type a run among them", () => {
    const l = start(zone('a', '----'));
    l.undo = new UndoManager({ captureMs: 500 });
    let at = 1000;
    for (let i = 0; i < 400; i++) {
      const op = zoneEdit('a', { pos: 2, ins: 'm' }, { current: l.doc.zones.a, stamp: ann });
      l.undo.recordOwn(op, l.doc, (at += 20));
      l.doc = apply(l.doc, op);
      for (let k = 0; k < 19; k++)
        l.remote(zoneEdit('a', { pos: 0, ins: 'o' }, { current: l.doc.zones.a, stamp: bob }));
      for (const n of l.undo.queuedOps()) expect(n).toBeLessThanOrEqual(MAX_LATER);
    }
    // Each keystroke joined the run until a step was full: the steps are runs, not keystrokes.
    expect(l.undo.undoSize).toBe(Math.ceil(400 / MAX_RUN_EDITS));
    while (l.undo.canUndo()) l.pressUndo();
    expect(l.text('a')).toBe(`${'o'.repeat(400 * 19)}----`); // all of mine gone, all of theirs kept
  });

  it("keeps every queue of others' ops bounded when I stop and they go on (queues fill and cascade)", () => {
    const l = start(zone('a', '----'));
    for (let i = 0; i < 3; i++) l.mine(zoneEdit('a', { pos: 2 + i, ins: 'm' }, { current: l.doc.zones.a }));
    let peak = 0;
    for (let i = 0; i < (MAX_LATER + 1) ** 2 + 10; i++) {
      l.remote(zoneEdit('a', { pos: i % 5, ins: 'o' }, { current: l.doc.zones.a, stamp: bob }));
      const queued = l.undo.queuedOps();
      peak = Math.max(peak, ...queued);
      for (const n of queued) expect(n).toBeLessThanOrEqual(MAX_LATER);
    }
    expect(peak).toBe(MAX_LATER);
    // The second step from the top took in a full queue from above at least once.
    expect(l.undo.queuedOps()[0]).toBeGreaterThan(0);
    const theirs = (l.text('a') ?? '').replace(/m/g, '');
    while (l.undo.canUndo()) l.pressUndo();
    expect(l.text('a')).toBe(theirs);
  });

  it("does not queue others' ops on zones none of my steps touched", () => {
    const l = start(zone('a', 'mine'), zone('b', ''));
    l.mine(zoneEdit('a', { pos: 4, ins: '!' }));
    for (let i = 0; i < 100; i++) l.remote(zoneEdit('b', { pos: i, ins: 'x' }, { stamp: bob }));
    expect(l.undo.queuedOps()).toEqual([0]);
    l.remote(zoneEdit('a', { pos: 0, ins: 'Y' }));
    expect(l.undo.queuedOps()).toEqual([1]);
    l.pressUndo();
    expect(l.text('a')).toBe('Ymine');
    expect(l.text('b')).toBe('x'.repeat(100));
  });

  it('follows a step that another op moved to another key (a json1 move)', () => {
    const l = start(zone('a', 'hello'));
    l.mine(zoneEdit('a', { pos: 5, ins: ' world' }));
    // Someone moves zone a to key c (no builder makes this; json1 allows it), then types in c.
    const move: Op = ['zones', ['a', { p: 0 }], ['c', { d: 0 }]];
    l.remote(move);
    l.remote(['zones', 'c', 'text', { es: ['> '] }]);
    expect(l.doc.zones.c.text).toBe('> hello world');
    l.pressUndo();
    expect(l.doc.zones.c.text).toBe('> hello');
  });

  it('keeps every op a step of its own without captureMs', () => {
    const l = start(zone('a', ''));
    for (const [i, ch] of ['a', 'b'].entries()) {
      const op = zoneEdit('a', { pos: i, ins: ch }, { current: l.doc.zones.a, stamp: ann });
      l.undo.recordOwn(op, l.doc, 1000);
      l.doc = apply(l.doc, op);
    }
    l.pressUndo();
    expect(l.text('a')).toBe('a');
  });

  it('clear() forgets both stacks', () => {
    const l = start(zone('a', ''));
    l.mine(zoneEdit('a', { pos: 0, ins: 'a' }));
    l.mine(zoneEdit('a', { pos: 0, ins: 'b' }));
    l.pressUndo();
    l.undo.clear();
    expect([l.undo.canUndo(), l.undo.canRedo()]).toEqual([false, false]);
  });
});

const withoutStampFields = (d: ZoneDocument) =>
  Object.fromEntries(Object.entries(d.zones).map(([id, { updatedBy: _, updatedAt: __, ...z }]) => [id, z]));

describe('properties', () => {
  it('undoing all my steps restores the start, and redoing all of them the end (stamps aside)', () => {
    fc.assert(
      fc.property(arbDoc, fc.gen(), fc.integer({ min: 1, max: 6 }), (doc, g, n) => {
        const l = new Local(doc);
        for (let i = 0; i < n; i++) l.mine(genOp(g, l.doc, 'ann', 10 + i));
        const end = l.doc;
        while (l.undo.canUndo()) l.pressUndo();
        expect(withoutStampFields(l.doc)).toEqual(withoutStampFields(doc));
        expect(l.doc.meta).toEqual(doc.meta);
        while (l.undo.canRedo()) l.pressRedo();
        expect(withoutStampFields(l.doc)).toEqual(withoutStampFields(end));
      }),
      FC_PARAMS,
    );
  });

  it('undo of my ops after interleaved remote ops never removes text inserted by others', () => {
    const theirChars = [...ALPHABET.bob, ...ALPHABET.cid];
    fc.assert(
      fc.property(
        arbDoc,
        fc.gen(),
        fc.array(fc.constantFrom('ann', 'bob', 'cid', 'undo', 'redo'), { minLength: 1, maxLength: 14 }),
        (doc, g, script) => {
          const l = new Local(doc);
          let at = 100;
          const act = (step: string) => {
            at++;
            if (step === 'ann') l.mine(genOp(g, l.doc, 'ann', at));
            else if (step === 'bob' || step === 'cid') l.remote(genOp(g, l.doc, step, at));
            else if (step === 'redo') l.pressRedo({ by: 'ann', at });
            else {
              const before = l.doc;
              l.pressUndo({ by: 'ann', at });
              for (const [id, z] of Object.entries(before.zones)) {
                const had = countChars(z.text, theirChars);
                if (had.size === 0) continue;
                const now = countChars(l.doc.zones[id]?.text ?? '', theirChars);
                for (const [ch, n] of had) expect(now.get(ch) ?? 0).toBeGreaterThanOrEqual(n);
              }
            }
            expect(validateDocument(l.doc)).toEqual([]);
          };
          script.forEach(act);
          // Then undo everything I can.
          while (l.undo.canUndo()) act('undo');
        },
      ),
      FC_PARAMS,
    );
  });
});

describe('short-cuts', () => {
  it('does not put back what others inserted then removed, when my step inserts the same (queued ops are not composed across inserts)', () => {
    const l = new Local({ meta: { lang: 'en' }, zones: {} });
    l.mine(['meta', 'lang', { r: 'en' }]); // my step: put 'en' back
    l.remote(['meta', 'lang', { i: 'en' }]); // they put it back: my step has nothing left to do
    l.remote(['meta', 'lang', { r: 'en' }]); // and remove it again
    const r = l.pressUndo();
    expect(r.op).toBeNull();
    expect(l.doc.meta).toEqual({});
  });

  it('still tells that others edited a zone my step deletes, when they then deleted it too', () => {
    const l = start();
    l.mine(zoneCreate(zone('n', 'new'))); // my step: delete n
    l.mine(zoneEdit('n', { pos: 3, ins: '!' })); // a step on top, so that their ops wait below it
    l.remote(zoneEdit('n', { pos: 0, ins: 'B' }, { stamp: bob }));
    l.remote(zoneDelete('n'));
    expect(l.pressUndo().op).toBeNull(); // my '!' went with the zone
    expect(l.pressUndo()).toEqual({
      op: null,
      notice: { reason: 'edited_by_others', zoneIds: ['n'], partial: false },
    });
  });

  it('undo and redo give what transforming every step past every op at once gives (no footprints, queues or composing)', () => {
    type Act = 'ann' | 'bob' | 'cid' | 'undo' | 'redo' | 'burst';
    fc.assert(
      fc.property(
        arbDoc,
        fc.gen(),
        fc.constantFrom(0, 50),
        fc.array(fc.constantFrom<Act>('ann', 'ann', 'bob', 'cid', 'undo', 'redo', 'burst'), {
          maxLength: 24,
        }),
        (doc, g, captureMs, script) => {
          const fast = new UndoManager({ depth: 5, captureMs });
          const ref = new ReferenceUndo(5, captureMs, MAX_RUN_EDITS);
          let d = doc;
          let at = 100;
          const remote = (user: 'bob' | 'cid') => {
            const op = genOp(g, d, user, at);
            fast.recordRemote(op);
            ref.recordRemote(op);
            d = apply(d, op);
          };
          const press = (which: 'undo' | 'redo') => {
            const stamp = { by: 'ann', at };
            const got = fast[which](d, stamp);
            const want = ref[which](d, stamp);
            expect(got.notice).toEqual(want.notice);
            const next = apply(d, got.op);
            expect(next).toEqual(apply(d, want.op));
            d = next;
          };
          for (const act of script) {
            at += 1 + g(fc.nat, 39);
            if (act === 'ann') {
              const op = genOp(g, d, 'ann', at);
              fast.recordOwn(op, d, at);
              ref.recordOwn(op, d, at);
              d = apply(d, op);
            } else if (act === 'bob' || act === 'cid') remote(act);
            else if (act === 'burst') {
              // Enough of others' ops to fill a queue and make it go down composed.
              for (let i = 0; i < MAX_LATER + 3; i++) remote(i % 2 === 0 ? 'bob' : 'cid');
            } else press(act);
          }
          while (fast.canUndo()) press('undo');
        },
      ),
      { ...FC_PARAMS, numRuns: Number(process.env.FC_RUNS ?? 150) },
    );
  });
});
