import { IndexedDBDocPersistence, type PersistedDoc } from '@syncline/client';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { persistenceFor, SHARED_DATABASE } from './doc-persistence.js';

const record = (documentId: string, userId: string): PersistedDoc => ({
  format: 1,
  documentId,
  userId,
  version: 1,
  snapshot: { meta: {}, zones: {} },
  inflight: null,
  pending: [{ opId: 'p:1', op: ['meta', 'title', { i: 'unsent' }] }],
  opIds: ['p:1'],
  savedAt: 5,
});

describe('persistenceFor', () => {
  it("is one object per user, and finds the user's edits left unsent in the database all users shared before", async () => {
    const indexedDB = new IDBFactory();
    const shared = new IndexedDBDocPersistence({ indexedDB, keyRange: IDBKeyRange, name: SHARED_DATABASE });
    await shared.save(record('d1', 'ann'));
    await shared.save(record('d2', 'bob'));
    await shared.close();

    const ann = persistenceFor('ann', indexedDB, IDBKeyRange);
    expect(persistenceFor('ann', indexedDB, IDBKeyRange)).toBe(ann); // signing in again: the same one
    expect(await ann?.load('d1')).toEqual(record('d1', 'ann'));
    expect(await ann?.load('d2')).toBeUndefined();
    const bob = persistenceFor('bob', indexedDB, IDBKeyRange);
    expect(bob).not.toBe(ann);
    expect(await bob?.load('d2')).toEqual(record('d2', 'bob'));
    expect(await bob?.load('d1')).toBeUndefined();
  });

  it('is none without IndexedDB', () => {
    expect(persistenceFor('carl', undefined)).toBeUndefined();
  });
});
