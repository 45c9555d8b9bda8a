import type { DocConflict, DocumentClient } from '@syncline/client';
import type { Zone } from '@syncline/doc';
import { describe, expect, it } from 'vitest';
import { conflictMessage, DocumentIssues } from './document-issues.js';

const zones: Record<string, Partial<Zone>> = {
  z1: { id: 'z1', label: 'Intro' },
  z2: { id: 'z2', label: '' },
  z3: {
    id: 'z3',
    label: 'Paragraph',
    type: 'paragraph',
    page: 2,
    text: 'Revenue grew by 12% in the third quarter.',
  },
};
const doc = { zone: (id: string) => zones[id] as Zone | undefined };
const conflict = (kind: string, extra: Partial<DocConflict> = {}): DocConflict => ({
  kind,
  zoneId: 'z1',
  byUserId: 'u-8f3a',
  byUserName: 'Ada',
  message: 'the sender’s sentence, with ids',
  origin: 'server',
  ...extra,
});

describe('conflictMessage', () => {
  it('says who did what from the reader’s side, by name, and never shows ids', () => {
    expect(conflictMessage(doc, conflict('edit_on_deleted', { zoneId: 'z9' }))).toBe(
      'Ada deleted a zone you were editing; your edit in it was dropped.',
    );
    expect(conflictMessage(doc, conflict('delete_of_edited'))).toBe(
      'Ada deleted the zone “Intro”, which you had just edited.',
    );
    expect(conflictMessage(doc, conflict('delete_of_edited', { zoneId: 'z9' }))).toBe(
      'Ada deleted a zone you had just edited.',
    );
    expect(conflictMessage(doc, conflict('delete_of_edited', { origin: 'client' }))).toBe(
      'You deleted the zone “Intro” just after Ada changed it; their change went with it.',
    );
    expect(conflictMessage(doc, conflict('same_attribute'))).toBe(
      'Ada changed the same setting of the zone “Intro” after you; their value was kept.',
    );
    expect(conflictMessage(doc, conflict('same_attribute', { origin: 'client', zoneId: 'z2' }))).toBe(
      'You and Ada changed the same setting of a zone at once; yours, made later, was kept.',
    );
    expect(conflictMessage(doc, conflict('other', { zoneId: null }))).toBe(
      "Your change to the document's details collided with Ada's.",
    );
    // The label the server knew, for a zone this replica no longer has; the attribute both set.
    expect(conflictMessage(doc, conflict('edit_on_deleted', { zoneId: 'z9', zoneLabel: 'Notes' }))).toBe(
      'Ada deleted the zone “Notes” while you were editing it; your edit in it was dropped.',
    );
    expect(conflictMessage(doc, conflict('same_attribute', { attribute: 'bbox', zoneLabel: 'Old' }))).toBe(
      'Ada changed the position of the zone “Intro” after you; their value was kept.',
    );
    // A label that says no more than the type: the type, page and first words, from this replica if it has the
    // zone, else from the notice.
    expect(conflictMessage(doc, conflict('same_attribute', { zoneId: 'z3', attribute: 'label' }))).toBe(
      'Ada changed the label of the paragraph on page 2 (“Revenue grew by 12% in…”) after you; their value was kept.',
    );
    const gone = { zoneId: 'z9', zoneLabel: 'Figure', zoneType: 'figure', zonePage: 4 };
    expect(conflictMessage(doc, conflict('edit_on_deleted', gone))).toBe(
      'Ada deleted the figure on page 4 while you were editing it; your edit in it was dropped.',
    );
    // Without a name: the id; without anyone: someone.
    const { byUserName: _, ...noName } = conflict('edit_on_deleted');
    expect(conflictMessage(doc, noName)).toMatch(/^u-8f3a deleted/);
    expect(conflictMessage(doc, { ...noName, byUserId: null })).toMatch(/^Someone deleted/);
  });

  it('is what DocumentIssues records for a conflict (a lock conflict is told by the rejection instead)', () => {
    const handlers = new Map<string, (x: unknown) => void>();
    const fake = {
      documentId: 'd1',
      ...doc,
      on: (name: string, fn: (x: unknown) => void) => {
        handlers.set(name, fn);
        return () => handlers.delete(name);
      },
    } as unknown as DocumentClient;
    const issues = new DocumentIssues(fake, null);
    handlers.get('conflict')?.(conflict('locked'));
    expect(issues.getSnapshot()).toBeNull();
    handlers.get('conflict')?.(conflict('same_attribute'));
    expect(issues.getSnapshot()).toMatchObject({
      kind: 'conflict',
      code: 'same_attribute',
      message: 'Ada changed the same setting of the zone “Intro” after you; their value was kept.',
      zoneIds: ['z1'],
    });
    issues.dispose();
    expect(handlers.size).toBe(0);
  });
});
