import { describe, expect, it } from 'vitest';
import { conflictAttribute, conflictZoneWords, describeConflict, removedZone } from './conflict-message.js';
import { findConflicts } from './conflicts.js';
import { metaSet, zoneCreate, zoneDelete, zoneEdit, zoneUpdate } from './ops.js';
import type { Zone } from './zone.js';

const server = { origin: 'server' as const, by: 'Ada', zoneId: 'z1' };
const revenue: Zone = {
  id: 'z1',
  page: 3,
  bbox: { x: 0, y: 0, w: 10, h: 10 },
  type: 'paragraph',
  label: 'Paragraph',
  confidence: 0.9,
  text: 'Revenue grew by 12% in the third quarter.',
  updatedBy: 'ann',
  updatedAt: 1,
};
const client = { ...server, origin: 'client' as const };

describe('describeConflict', () => {
  it('names the zone by its label, else says "a zone", and never shows its id', () => {
    expect(describeConflict({ ...server, kind: 'edit_on_deleted', zoneLabel: 'Intro' })).toBe(
      'Ada deleted the zone “Intro” while you were editing it; your edit in it was dropped.',
    );
    expect(describeConflict({ ...server, kind: 'edit_on_deleted', zoneLabel: '' })).toBe(
      'Ada deleted a zone you were editing; your edit in it was dropped.',
    );
    for (const kind of ['edit_on_deleted', 'delete_of_edited', 'same_attribute', 'locked', 'other']) {
      for (const origin of ['server', 'client'] as const) {
        expect(describeConflict({ ...server, origin, kind })).not.toContain('z1');
        expect(describeConflict({ ...server, origin, kind, zoneLabel: 'Intro' })).toContain('“Intro”');
      }
    }
  });

  it('speaks from the reader’s side: the server tells the one who lost, the client the one who wrote later', () => {
    expect(describeConflict({ ...server, kind: 'delete_of_edited' })).toBe(
      'Ada deleted a zone you had just edited.',
    );
    expect(describeConflict({ ...client, kind: 'delete_of_edited', zoneLabel: 'Intro' })).toBe(
      'You deleted the zone “Intro” just after Ada changed it; their change went with it.',
    );
    expect(describeConflict({ ...client, kind: 'same_attribute', attribute: 'label' })).toBe(
      'You and Ada changed the label of a zone at once; yours, made later, was kept.',
    );
    expect(describeConflict({ ...server, kind: 'same_attribute', zoneId: null, attribute: 'title' })).toBe(
      "Ada changed the document's title after you; their value was kept.",
    );
    expect(describeConflict({ ...server, kind: 'same_attribute' })).toBe(
      'Ada changed the same setting of a zone after you; their value was kept.',
    );
    expect(describeConflict({ ...server, kind: 'locked', zoneLabel: 'Intro' })).toBe(
      'Ada has locked the zone “Intro”; your change was not saved.',
    );
    expect(describeConflict({ ...server, kind: 'other', zoneId: null })).toBe(
      "Your change to the document's details collided with Ada's.",
    );
    // An other the reader's later change won (two creations of one zone id): not told as if theirs was lost.
    expect(describeConflict({ ...client, kind: 'other', zoneLabel: 'Intro', lost: 'theirs' })).toBe(
      'Ada changed the zone “Intro” at the same time as you; your version, made later, was kept.',
    );
  });

  it('words a conflict about a box as its position or size, and keeps what only one of the two changed', () => {
    const box = { kind: 'same_attribute', attribute: 'bbox', zoneLabel: 'Intro' };
    expect(describeConflict({ ...server, ...box })).toBe(
      'Ada changed the position or size of the zone “Intro” after you; where you both changed it, theirs was kept.',
    );
    expect(describeConflict({ ...client, ...box })).toBe(
      'You and Ada changed the position or size of the zone “Intro” at once; where you both changed it, yours, made later, was kept.',
    );
    // Two resizes of one box by the same edge are one conflict about `bbox`, worded the same way as two moves.
    const z = { ...revenue, label: 'Intro', bbox: { x: 10, y: 20, w: 100, h: 50 } };
    const set = (bbox: Zone['bbox'], by: string) =>
      zoneUpdate('z1', { bbox }, { current: z, stamp: { by, at: 2 } });
    for (const [mine, theirs] of [
      [set({ ...z.bbox, w: 80 }, 'ann'), set({ ...z.bbox, w: 60 }, 'bob')],
      [set({ ...z.bbox, x: 30, y: 40 }, 'ann'), set({ ...z.bbox, x: 50, y: 60 }, 'bob')],
    ]) {
      const [conflict] = findConflicts(mine, theirs);
      const attribute = conflict && conflictAttribute(conflict);
      expect(attribute).toBe('bbox');
      expect(
        describeConflict({ ...server, kind: 'same_attribute', attribute, zoneLabel: z.label }),
      ).toContain('the position or size of the zone “Intro”');
    }
    // A meta key of that name is no box.
    expect(describeConflict({ ...server, kind: 'same_attribute', zoneId: null, attribute: 'bbox' })).toBe(
      "Ada changed the document's bbox after you; their value was kept.",
    );
  });

  it('names a zone whose label says no more than its type by its type, page and first words', () => {
    const words = { zoneLabel: 'Paragraph', zoneType: 'paragraph', zonePage: 3, zoneExcerpt: revenue.text };
    expect(describeConflict({ ...server, kind: 'edit_on_deleted', ...words })).toBe(
      'Ada deleted the paragraph on page 3 (“Revenue grew by 12% in…”) while you were editing it; your edit in it was dropped.',
    );
    expect(describeConflict({ ...client, kind: 'delete_of_edited', ...words, zoneLabel: undefined })).toBe(
      'You deleted the paragraph on page 3 (“Revenue grew by 12% in…”) just after Ada changed it; their change went with it.',
    );
    expect(describeConflict({ ...server, kind: 'locked', ...words, zoneLabel: 'Revenue' })).toBe(
      'Ada has locked the paragraph “Revenue” on page 3; your change was not saved.',
    );
    // The document's meta has no zone to name, whatever came with it.
    expect(describeConflict({ ...server, kind: 'other', zoneId: null, ...words })).toBe(
      "Your change to the document's details collided with Ada's.",
    );
  });

  it('says "Someone" when nobody is known', () => {
    expect(describeConflict({ ...server, by: null, kind: 'edit_on_deleted' })).toMatch(/^Someone deleted/);
    expect(describeConflict({ ...server, by: '', kind: 'locked' })).toMatch(/^Someone has locked/);
  });
});

describe('conflictAttribute', () => {
  it('is the attribute or meta key both ops set, for same_attribute only', () => {
    const stamp = { by: 'ann', at: 1 };
    const [label] = findConflicts(
      zoneUpdate('z1', { label: 'A' }, { stamp }),
      zoneUpdate('z1', { label: 'B' }, { stamp: { by: 'bob', at: 2 } }),
    );
    expect(label && conflictAttribute(label)).toBe('label');
    const [title] = findConflicts(metaSet('title', 'A'), metaSet('title', 'B'));
    expect(title && conflictAttribute(title)).toBe('title');
    expect(
      conflictAttribute({ kind: 'edit_on_deleted', zoneId: 'z1', path: ['zones', 'z1'] }),
    ).toBeUndefined();
  });
});

describe('conflictZoneWords', () => {
  it('takes the label (when there is one), type, page and an excerpt of the text, never the whole text', () => {
    expect(conflictZoneWords(revenue)).toEqual({
      zoneLabel: 'Paragraph',
      zoneType: 'paragraph',
      zonePage: 3,
      zoneExcerpt: 'Revenue grew by 12% in…',
    });
    expect(conflictZoneWords({ ...revenue, label: '', text: '' })).toEqual({
      zoneType: 'paragraph',
      zonePage: 3,
    });
    expect(conflictZoneWords(undefined)).toEqual({});
    // A removed value out of an op is unchecked: what does not fit is left out.
    expect(conflictZoneWords({ label: 7, type: 'table', page: 'two', text: null })).toEqual({
      zoneType: 'table',
    });
  });
});

describe('removedZone', () => {
  it('is the zone an op removes when the op carries it', () => {
    expect(removedZone(zoneDelete('z1', revenue), 'z1')).toEqual(revenue);
    expect(removedZone(zoneDelete('z1'), 'z1')).toBeUndefined();
    expect(removedZone(zoneDelete('z1', revenue), 'z2')).toBeUndefined();
    expect(removedZone(zoneEdit('z1', { pos: 0, ins: 'x' }), 'z1')).toBeUndefined();
    expect(removedZone(zoneCreate({ ...revenue, id: 'z2' }), 'z2')).toBeUndefined();
    expect(removedZone(null, 'z1')).toBeUndefined();
  });
});
