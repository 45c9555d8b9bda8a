import { afterEach, describe, expect, it, vi } from 'vitest';

describe('initials', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('takes the first letter of the first and last words, or the first two of a single word', async () => {
    const { initials } = await import('./user-color.js');
    expect(initials('Ada Lovelace')).toBe('AL');
    expect(initials('ada.king@example.org')).toBe('AO');
    expect(initials('olga')).toBe('OL');
    expect(initials('  ')).toBe('?');
  });

  it('keeps an emoji, a flag or an accented letter whole', async () => {
    const { initials } = await import('./user-color.js');
    expect(initials('🦊 Ada')).toBe('🦊A');
    expect(initials('🦊')).toBe('🦊');
    expect(initials('🦊fox')).toBe('🦊F');
    expect(initials('👩🏽‍💻 dev')).toBe('👩🏽‍💻D');
    expect(initials('🇫🇷 Zoé')).toBe('🇫🇷Z');
    expect(initials('e\u0301mile zola')).toBe('E\u0301Z');
    for (const name of ['🦊 Ada', '𝒜da', 'Ada 🦊']) expect(initials(name)).not.toMatch(/[\uD800-\uDFFF]/u);
  });

  it('takes whole code points where Intl.Segmenter is missing', async () => {
    vi.stubGlobal('Intl', { ...Intl, Segmenter: undefined });
    const { initials } = await import('./user-color.js');
    expect(initials('🦊 Ada')).toBe('🦊A');
    expect(initials('𝒜da')).toBe('𝒜D');
    expect(initials('Ada 🦊')).toBe('A🦊');
  });
});
