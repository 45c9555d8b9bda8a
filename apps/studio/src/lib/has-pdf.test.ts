import { describe, expect, it } from 'vitest';
import { hasPdf } from './has-pdf.js';

const none = { known: false, meta: {}, unreachable: false };

describe('hasPdf', () => {
  it('takes the documents list’s word first', () => {
    expect(hasPdf({ ...none, summary: { status: 'blank' } })).toBe(false);
    expect(hasPdf({ ...none, summary: { status: 'processed' } })).toBe(true);
    expect(hasPdf({ ...none, summary: { status: 'uploaded' }, known: true })).toBe(true);
  });

  it('otherwise tells an upload (meta.processing) from a blank document once the document is known', () => {
    expect(hasPdf(none)).toBeUndefined();
    expect(hasPdf({ ...none, known: true, meta: { name: 'notes' } })).toBe(false);
    expect(hasPdf({ ...none, known: true, meta: { name: 'a.pdf', processing: { status: 'queued' } } })).toBe(
      true,
    );
  });

  it('asks for the PDF of a document that cannot be opened now (this browser may keep a copy)', () => {
    expect(hasPdf({ ...none, unreachable: true })).toBe(true);
    expect(hasPdf({ ...none, unreachable: true, known: true, meta: {} })).toBe(false);
  });

  it('knows a blank document this browser remembers has none, offline before its content shows (one made offline)', () => {
    expect(hasPdf({ ...none, blank: true, unreachable: true })).toBe(false);
    expect(hasPdf({ ...none, blank: true })).toBe(false);
    // The server's word, and then the content, come first.
    expect(hasPdf({ ...none, blank: true, summary: { status: 'processed' } })).toBe(true);
    expect(hasPdf({ ...none, blank: true, known: true, meta: { processing: { status: 'done' } } })).toBe(
      true,
    );
  });
});
