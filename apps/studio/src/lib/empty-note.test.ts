import { describe, expect, it } from 'vitest';
import { emptyNote } from './empty-note.js';

describe('emptyNote', () => {
  it('says zones are coming only while processing may still make them', () => {
    for (const status of ['idle', 'queued', 'processing'] as const)
      expect(emptyNote(false, status)).toBeUndefined();
    expect(emptyNote(false, 'completed')).toBe(
      'Processing found no zones in this PDF: draw one on a page with “Draw zone”.',
    );
    expect(emptyNote(false, 'cancelled')).toBe('No zones: draw one on a page with “Draw zone”.');
    expect(emptyNote(false, 'failed')).toBe('No zones: draw one on a page with “Draw zone”.');
    expect(emptyNote(true, 'idle')).toBe('No zones yet: draw one on a page with “Draw zone”.');
  });
});
