import type { DocConflict, DocNotice, DocRejection, DocumentClient } from '@syncline/client';
import type { Zone } from '@syncline/doc';
import { describe, expect, it } from 'vitest';
import { conflictMessage, DocumentIssues, noticeMessage, rejectionMessage } from './document-issues.js';
import { NotificationCenter } from './notification-center.js';

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

/** A document client that only keeps the handlers given to `on`, by event name. */
function fakeDocument() {
  const handlers = new Map<string, (x: unknown) => void>();
  const fake = {
    documentId: 'd1',
    ...doc,
    on: (name: string, fn: (x: unknown) => void) => {
      handlers.set(name, fn);
      return () => handlers.delete(name);
    },
  } as unknown as DocumentClient;
  return { handlers, fake };
}

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
      'Ada changed the position or size of the zone “Intro” after you; where you both changed it, theirs was kept.',
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
    const { handlers, fake } = fakeDocument();
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

  it('shows two conflicts on one zone as two toasts, and the same one again in place of the first', () => {
    const { handlers, fake } = fakeDocument();
    const center = new NotificationCenter({ durationMs: 0 });
    const issues = new DocumentIssues(fake, center);
    handlers.get('conflict')?.(conflict('same_attribute', { attribute: 'label' }));
    handlers.get('conflict')?.(conflict('same_attribute', { attribute: 'type' }));
    handlers.get('conflict')?.(
      conflict('same_attribute', { attribute: 'label', byUserId: 'u-b0b', byUserName: 'Bob' }),
    );
    handlers.get('conflict')?.(conflict('same_attribute', { attribute: 'label' }));
    expect(center.getSnapshot().map((n) => n.message)).toEqual([
      'Ada changed the type of the zone “Intro” after you; their value was kept.',
      'Bob changed the label of the zone “Intro” after you; their value was kept.',
      'Ada changed the label of the zone “Intro” after you; their value was kept.',
    ]);
    issues.dispose();
    center.dispose();
  });
});

const notice = (reason: DocNotice['reason'], extra: Partial<DocNotice> = {}): DocNotice => ({
  reason,
  zoneIds: ['z3'],
  partial: false,
  action: 'undo',
  ...extra,
});
const bob = { byUserId: 'u-b0b', byUserName: 'Bob', byUserIds: ['u-b0b'] };

describe('noticeMessage', () => {
  it('names who got in the way of an undo, and the zone, never "Someone" or "that zone" when known', () => {
    expect(noticeMessage(doc, notice('overwritten', bob))).toBe(
      'Bob changed the paragraph on page 2 (“Revenue grew by 12% in…”) since; their change was kept',
    );
    expect(noticeMessage(doc, notice('edited_by_others', { ...bob, zoneIds: ['z1'] }))).toBe(
      'Bob changed the zone “Intro” since; their work was kept',
    );
    // A deleted zone: as the SDK last knew it; redone, not undone, for a redo.
    const gone = { zoneIds: ['z9'], zoneLabel: 'Results', zoneType: 'heading', zonePage: 3 };
    expect(noticeMessage(doc, notice('zone_deleted', { ...bob, ...gone }))).toBe(
      'Bob deleted the heading “Results” on page 3; your change to it could not be undone',
    );
    expect(noticeMessage(doc, notice('zone_deleted', { ...bob, ...gone, action: 'redo' }))).toBe(
      'Bob deleted the heading “Results” on page 3; your change to it could not be redone',
    );
    // The zone as this replica has it wins over the words of the notice.
    expect(noticeMessage(doc, notice('overwritten', { ...bob, zoneLabel: 'Old' }))).toMatch(
      /^Bob changed the paragraph on page 2 /,
    );
  });

  it('says how many others there were, the id without a name, and nobody when no one is known', () => {
    const many = { byUserId: 'u-c', byUserName: 'Carol', byUserIds: ['u-b0b', 'u-d', 'u-c'] };
    expect(noticeMessage(doc, notice('edited_by_others', many))).toBe(
      'Carol and 2 others changed the paragraph on page 2 (“Revenue grew by 12% in…”) since; their work was kept',
    );
    const two = { byUserId: 'u-c', byUserName: 'Carol', byUserIds: ['u-b0b', 'u-c'] };
    expect(noticeMessage(doc, notice('overwritten', { ...two, zoneIds: ['z1'] }))).toBe(
      'Carol and someone else changed the zone “Intro” since; their change was kept',
    );
    expect(noticeMessage(doc, notice('overwritten', { byUserId: 'u-b0b', zoneIds: ['z1'] }))).toBe(
      'u-b0b changed the zone “Intro” since; their change was kept',
    );
    // ...unless the replica knows the name (from the open's member list, a join, a lock, `users()`).
    const knows = {
      ...doc,
      user: (id: string) => (id === 'u-b0b' ? { userId: id, name: 'Bob' } : undefined),
    };
    expect(noticeMessage(knows, notice('overwritten', { byUserId: 'u-b0b', zoneIds: ['z1'] }))).toBe(
      'Bob changed the zone “Intro” since; their change was kept',
    );
    expect(
      conflictMessage(knows, conflict('same_attribute', { byUserId: 'u-b0b', byUserName: undefined })),
    ).toBe('Bob changed the same setting of the zone “Intro” after you; their value was kept.');
    expect(
      noticeMessage(knows, notice('lock_lost', { action: 'lock', detail: 'forced', byUserId: 'u-b0b' })),
    ).toBe(
      "Bob (the document's owner) released your lock on the paragraph on page 2 (“Revenue grew by 12% in…”)",
    );
    expect(noticeMessage(doc, notice('overwritten', { zoneIds: ['z1'] }))).toBe(
      'The zone “Intro” was changed since; that change was kept',
    );
    expect(noticeMessage(doc, notice('edited_by_others'))).toBe(
      'The paragraph on page 2 (“Revenue grew by 12% in…”) was changed by others since; their work was kept',
    );
    expect(noticeMessage(doc, notice('zone_deleted', { zoneIds: ['z9'] }))).toBe(
      'That zone was deleted; your change to it could not be undone',
    );
    // Nothing known of the zone: "that zone", "those zones"; a deleted one among several is not known here.
    expect(noticeMessage(doc, notice('overwritten', { ...bob, zoneIds: ['z2'] }))).toBe(
      'Bob changed that zone since; their change was kept',
    );
    expect(noticeMessage(doc, notice('overwritten', { zoneIds: ['z1', 'z3'] }))).toBe(
      'Those zones were changed since; that change was kept',
    );
    expect(noticeMessage(doc, notice('zone_deleted', { ...bob, zoneIds: ['z1', 'z9'] }))).toBe(
      'Bob deleted a zone you had changed; your change to it could not be undone',
    );
    // ...unless the SDK named the deleted one.
    expect(
      noticeMessage(doc, notice('zone_deleted', { ...bob, zoneIds: ['z1', 'z9'], zoneLabel: 'Results' })),
    ).toBe('Bob deleted the zone “Results”; your change to it could not be undone');
  });

  it('names the zone of a lock I lost, and who took it', () => {
    const lost = (detail: string, extra: Partial<DocNotice> = {}) =>
      noticeMessage(doc, notice('lock_lost', { action: 'lock', detail, ...extra }));
    expect(lost('expired')).toBe('Your lock on the paragraph on page 2 (“Revenue grew by 12% in…”) expired');
    expect(lost('forced', { zoneIds: ['z1'] })).toBe(
      "The document's owner released your lock on the zone “Intro”",
    );
    // Who forced it, by name: "Olga (the document's owner)"; by their role, never their id, without one.
    const olga = { byUserId: 'u-01', byUserName: 'Olga', byUserIds: ['u-01'] };
    expect(lost('forced', olga)).toBe(
      "Olga (the document's owner) released your lock on the paragraph on page 2 (“Revenue grew by 12% in…”)",
    );
    expect(lost('forced', { byUserId: 'u-01', byUserIds: ['u-01'], zoneIds: ['z1'] })).toBe(
      "The document's owner released your lock on the zone “Intro”",
    );
    expect(lost('taken', { ...bob, zoneIds: ['z1'] })).toBe(
      'Your lock on the zone “Intro” ended and Bob locked it',
    );
    expect(lost('taken', { zoneIds: ['z1'] })).toBe(
      'Your lock on the zone “Intro” ended and another user locked it',
    );
    expect(lost('refused', { ...bob, zoneIds: ['z1'] })).toBe(
      'Your lock on the zone “Intro” could not be renewed: Bob has locked it',
    );
    // Gone past the grace period (offline): said so, not just "ended".
    expect(lost('left', { zoneIds: ['z1'] })).toBe(
      'Your lock on the zone “Intro” was released while you were away',
    );
    expect(lost('expired', { zoneIds: ['z9'], zoneType: 'figure', zonePage: 1 })).toBe(
      'Your lock on the figure on page 1 expired',
    );
    expect(lost('expired', { zoneIds: ['z9'] })).toBe('Your lock on that zone expired');
  });
});

describe('rejectionMessage', () => {
  const locked = (zoneIds: string[]): DocRejection => ({
    code: 'zone_locked',
    message: 'zone z3 is locked',
    zoneIds,
    opId: 'o1',
  });
  const withLock = {
    ...doc,
    locks: { z3: { zoneId: 'z3', userId: 'u-b0b', userName: 'Bob', expiresAt: 0 } },
  };

  it('names who locked which zone', () => {
    expect(rejectionMessage(withLock, locked(['z1', 'z3']))).toBe(
      'Bob has locked the paragraph on page 2 (“Revenue grew by 12% in…”). Your change was undone.',
    );
    const gone = { ...withLock, zone: () => undefined };
    expect(rejectionMessage(gone, locked(['z3']))).toBe('Bob has locked that zone. Your change was undone.');
    expect(rejectionMessage({ ...doc, locks: {} }, locked(['z3']))).toBe(
      'Zone z3 is locked. Your change was undone.',
    );
  });
});

describe('DocumentIssues notices', () => {
  it('records a notice with the zone and who, and skips nothing-to-undo', () => {
    const handlers = new Map<string, (x: unknown) => void>();
    const fake = {
      documentId: 'd1',
      ...doc,
      locks: {},
      on: (name: string, fn: (x: unknown) => void) => {
        handlers.set(name, fn);
        return () => handlers.delete(name);
      },
    } as unknown as DocumentClient;
    const issues = new DocumentIssues(fake, null);
    handlers.get('notice')?.(notice('nothing_to_undo'));
    expect(issues.getSnapshot()).toBeNull();
    handlers.get('notice')?.(notice('overwritten', { ...bob, zoneIds: ['z1'] }));
    expect(issues.getSnapshot()).toMatchObject({
      kind: 'notice',
      code: 'overwritten',
      message: 'Bob changed the zone “Intro” since; their change was kept',
      zoneIds: ['z1'],
    });
    issues.dispose();
  });
});
