// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import {
  cachedNames,
  isSystemAuthor,
  knownName,
  MAX_NAMES,
  nameAuthors,
  nameOf,
  namePeople,
  rememberNames,
  unnamedAuthor,
} from './author-names.js';

describe('author names', () => {
  beforeEach(() => localStorage.clear());

  it('keeps the names heard per signed-in user, the latest first, without ids standing in for names', () => {
    rememberNames('me', [
      ['u-ann', 'Ann'],
      ['u-ben', 'Ben'],
      ['u-cy', 'u-cy'], // a lock without a name
      ['u-dee', ' '],
    ]);
    rememberNames('other', [['u-ann', 'Annie']]);
    rememberNames('me', [['u-ann', 'Ann B.']]);
    expect([...cachedNames('me')]).toEqual([
      ['u-ann', 'Ann B.'],
      ['u-ben', 'Ben'],
    ]);
    expect([...cachedNames('other')]).toEqual([['u-ann', 'Annie']]);
  });

  it('keeps at most MAX_NAMES and survives a damaged entry', () => {
    rememberNames(
      'me',
      Array.from({ length: MAX_NAMES + 5 }, (_, i) => [`u${i}`, `User ${i}`] as const),
    );
    expect(cachedNames('me').size).toBe(MAX_NAMES);
    localStorage.setItem('syncline.studio.names.me', '{"not":"a list"');
    expect(cachedNames('me').size).toBe(0);
    localStorage.setItem('syncline.studio.names.me', JSON.stringify([['u1', 'One'], ['u2'], 3]));
    expect([...cachedNames('me')]).toEqual([['u1', 'One']]);
  });

  it('names a server-side author by what it is, and anyone else unnamed as "someone"', () => {
    expect(isSystemAuthor('system:pipeline')).toBe(true);
    expect(isSystemAuthor('u-ann')).toBe(false);
    expect(unnamedAuthor('system:pipeline')).toBe('Pipeline');
    expect(unnamedAuthor('system:importer')).toBe('Automatic process');
    expect(unnamedAuthor('u-8f3a2c')).toBe('someone');
    expect(unnamedAuthor('u-8f3a2c', true)).toBe('Someone');
  });

  it('names every zone author from the first source that knows them, never by the id', () => {
    const presence = new Map([
      ['u-ann', 'Ann'],
      ['u-lock', 'u-lock'], // a lock holder with no name
    ]);
    const documents = new Map([
      ['u-ann', 'Ann (old)'],
      ['u-ben', 'Ben'],
    ]);
    const kept = new Map([
      ['u-cy', 'Cy'],
      ['u-ben', 'Ben (kept)'],
    ]);
    const names = nameAuthors(
      ['u-ann', 'u-ben', 'u-cy', 'u-lock', 'system:pipeline', 'u-x'],
      presence,
      documents,
      kept,
    );
    expect(Object.fromEntries(names)).toEqual({
      'u-ann': 'Ann',
      'u-ben': 'Ben',
      'u-cy': 'Cy',
      'u-lock': 'someone',
      'system:pipeline': 'Pipeline',
      'u-x': 'someone',
    });
    // The pipeline by the name the server gives it, when it gives one.
    expect(
      nameAuthors(['system:pipeline'], new Map([['system:pipeline', 'PDF analysis']])).get('system:pipeline'),
    ).toBe('PDF analysis');
  });

  it('names one person, or the people a view shows (lock holders, carets), from the first real name, never the id', () => {
    const presence = new Map([
      ['u-ann', 'Ann'],
      ['u-lock', 'u-lock'], // a lock holder with no name
      ['u-dee', 'someone'], // what a map of shown names holds for someone unnamed
    ]);
    const documents = (id: string) => (id === 'u-lock' ? 'Lou' : undefined);
    const kept = new Map([['u-cy', 'Cy']]);
    const sources = [presence, documents, kept];
    expect(knownName('u-ann', sources)).toBe('Ann');
    expect(knownName('u-lock', sources)).toBe('Lou');
    expect(knownName('u-cy', sources)).toBe('Cy');
    expect(knownName('u-dee', sources)).toBeUndefined();
    expect(knownName('system:pipeline', sources)).toBeUndefined();
    expect(nameOf('u-dee', sources)).toBe('someone');
    expect(nameOf('u-x', sources, true)).toBe('Someone');
    expect(nameOf('system:pipeline', sources, true)).toBe('Pipeline');
    expect(
      Object.fromEntries(namePeople(['u-ann', 'u-lock', 'u-x', 'system:pipeline', 'u-ann'], sources)),
    ).toEqual({
      'u-ann': 'Ann',
      'u-lock': 'Lou',
      'u-x': 'someone',
      'system:pipeline': 'Pipeline',
    });
  });
});
