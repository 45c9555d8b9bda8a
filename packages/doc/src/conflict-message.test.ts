import { describe, expect, it } from 'vitest';
import { conflictAttribute, describeConflict } from './conflict-message.js';
import { findConflicts } from './conflicts.js';
import { metaSet, zoneUpdate } from './ops.js';

const server = { origin: 'server' as const, by: 'Ada', zoneId: 'z1' };
const client = { ...server, origin: 'client' as const };

describe('describeConflict', () => {
  it('names the zone by its label, else says "a zone", and never shows its id', () => {
    expect(describeConflict({ ...server, kind: 'edit_on_deleted', zoneLabel: 'Intro' })).toBe(
      'Ada deleted zone “Intro” while you were editing it; your edit in it was dropped.',
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
      'You deleted zone “Intro” just after Ada changed it; their change went with it.',
    );
    expect(
      describeConflict({ ...server, kind: 'same_attribute', attribute: 'bbox', zoneLabel: 'Intro' }),
    ).toBe('Ada changed the position of zone “Intro” after you; their value was kept.');
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
      'Ada has locked zone “Intro”; your change was not saved.',
    );
    expect(describeConflict({ ...server, kind: 'other', zoneId: null })).toBe(
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
