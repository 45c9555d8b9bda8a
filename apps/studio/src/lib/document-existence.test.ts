import { describe, expect, it } from 'vitest';
import {
  documentShown,
  type ExistenceClues,
  existenceOf,
  keptShowsDocument,
  type ShownClues,
} from './document-existence.js';

const typed: ExistenceClues = {
  onRecord: false,
  ownerId: 'me',
  selfId: 'me',
  version: 0,
  zones: 0,
  metaKeys: 0,
};

describe('existenceOf', () => {
  it('asks about an empty document of mine, version 0, that this browser never heard of (a typed address)', () => {
    expect(existenceOf(typed)).toBe('ask');
  });

  it('knows a blank document made on this device (offline too) or listed, someone else’s, or one with content', () => {
    expect(existenceOf({ ...typed, onRecord: true })).toBe('known');
    expect(existenceOf({ ...typed, ownerId: 'ben' })).toBe('known');
    expect(existenceOf({ ...typed, version: 3 })).toBe('known');
    expect(existenceOf({ ...typed, zones: 1 })).toBe('known');
    expect(existenceOf({ ...typed, metaKeys: 1 })).toBe('known');
  });
});

describe('keptShowsDocument', () => {
  const empty = { version: 0, snapshot: { zones: {}, meta: {} }, opIds: [] };
  it('takes a copy the server confirmed with content or history, or edits waiting, as the document', () => {
    expect(keptShowsDocument([])).toBe(false);
    expect(keptShowsDocument([empty])).toBe(false); // what opening any address leaves
    expect(keptShowsDocument([empty, { ...empty, version: 4 }])).toBe(true);
    expect(keptShowsDocument([{ ...empty, snapshot: { zones: { z1: {} }, meta: {} } }])).toBe(true);
    expect(keptShowsDocument([{ ...empty, snapshot: { zones: {}, meta: { name: 'x' } } }])).toBe(true);
    expect(keptShowsDocument([{ ...empty, opIds: ['op-1'] }])).toBe(true);
  });
});

describe('documentShown', () => {
  const offline: ShownClues = {
    existence: null,
    onRecord: false,
    kept: false,
    failed: false,
    reachable: false,
  };
  it('never shows an address this browser knows nothing of as a document while offline', () => {
    expect(documentShown(offline)).toBe('unverifiable');
    // Back online: looked up (the client opens it), then known or not found.
    expect(documentShown({ ...offline, reachable: true })).toBe('checking');
    expect(documentShown({ ...offline, reachable: true, existence: 'known' })).toBe('document');
    expect(documentShown({ ...offline, reachable: true, existence: 'missing' })).toBe('not-found');
  });

  it('shows offline a blank document made on this device, one on the list, or one this browser kept', () => {
    expect(documentShown({ ...offline, onRecord: true })).toBe('document');
    expect(documentShown({ ...offline, kept: null, onRecord: true })).toBe('document');
    expect(documentShown({ ...offline, kept: true })).toBe('document');
    // Until this browser's copy is looked at, nothing is said.
    expect(documentShown({ ...offline, kept: null })).toBe('checking');
  });

  it('shows a failure on a page of its own unless the document was open, and not found over everything', () => {
    expect(documentShown({ ...offline, reachable: true, failed: true })).toBe('failed');
    expect(documentShown({ ...offline, failed: true, existence: 'known', opened: true })).toBe('document');
    // Deleted since this browser last had it: on its record, with a copy, it fails on opening: a page of its own.
    expect(documentShown({ ...offline, failed: true, onRecord: true, kept: true })).toBe('failed');
    expect(documentShown({ ...offline, failed: true, onRecord: true, opened: true })).toBe('document');
    expect(documentShown({ ...offline, onRecord: true, existence: 'missing' })).toBe('not-found');
  });
});
