import { describe, expect, it } from 'vitest';
import { MAX_DOCUMENT_NAME, printable, uploadName } from './document-name.js';

describe('document names', () => {
  it('keeps an upload name printable and cuts it between characters, never inside one', () => {
    const long = `${'a'.repeat(MAX_DOCUMENT_NAME - 1)}😀.pdf`;
    const cut = uploadName(long);
    expect([...cut]).toHaveLength(MAX_DOCUMENT_NAME);
    expect(cut.endsWith('😀')).toBe(true); // the whole emoji, not its first half
    expect(uploadName('re\u0000port\u0007.pdf')).toBe('report.pdf');
    expect(uploadName('\u0001\u0002')).toBe('document.pdf');
    expect(printable('a\ud800b\udc00c')).toBe('abc'); // half characters dropped
  });
});
