// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { blankDocuments, blankSummary, forgetBlank, MAX_BLANK, rememberBlank } from './blank-documents.js';

describe('blank documents', () => {
  beforeEach(() => localStorage.clear());

  it('remembers each user’s own, newest first, never dating a change back', () => {
    rememberBlank('ada', { documentId: 'notes', updatedAt: 10 });
    rememberBlank('ada', { documentId: 'plan', updatedAt: 20 });
    rememberBlank('ben', { documentId: 'other', updatedAt: 30 });
    rememberBlank('ada', { documentId: 'notes', updatedAt: 5 });
    expect(blankDocuments('ada')).toEqual([
      { documentId: 'notes', updatedAt: 10 },
      { documentId: 'plan', updatedAt: 20 },
    ]);
    expect(blankDocuments('ben')).toEqual([{ documentId: 'other', updatedAt: 30 }]);
  });

  it('forgets a deleted one, keeps at most MAX_BLANK, and survives a damaged entry', () => {
    for (let i = 0; i <= MAX_BLANK; i++) rememberBlank('ada', { documentId: `d${i}`, updatedAt: i });
    expect(blankDocuments('ada')).toHaveLength(MAX_BLANK);
    expect(blankDocuments('ada')[0].documentId).toBe(`d${MAX_BLANK}`);
    forgetBlank('ada', `d${MAX_BLANK}`);
    expect(blankDocuments('ada').map((d) => d.documentId)).not.toContain(`d${MAX_BLANK}`);
    localStorage.setItem('syncline.studio.blank.ada', '{not json');
    expect(blankDocuments('ada')).toEqual([]);
    localStorage.setItem(
      'syncline.studio.blank.ada',
      JSON.stringify([{ documentId: 1 }, { documentId: 'ok', updatedAt: 1 }]),
    );
    expect(blankDocuments('ada')).toEqual([{ documentId: 'ok', updatedAt: 1 }]);
  });

  it('is a row of the list: named by its id, status blank, its owner the user', () => {
    expect(blankSummary('ada', { documentId: 'notes', updatedAt: 7 })).toMatchObject({
      documentId: 'notes',
      name: 'notes',
      ownerId: 'ada',
      status: 'blank',
      updatedAt: 7,
      pages: null,
    });
  });
});
