import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { IndexedDBStore } from './indexeddb-store.js';

const create = (db: IDBDatabase, store: string) => {
  db.createObjectStore(store);
};

/** A factory whose first `open` fails as a browser's may (a transient error); the later ones are real. */
function flakyFactory() {
  const real = new IDBFactory();
  let failures = 1;
  const factory = {
    open(name: string, version?: number) {
      if (failures-- > 0) {
        const request = {} as IDBOpenDBRequest & { error: DOMException };
        Object.defineProperty(request, 'error', { value: new DOMException('transient', 'UnknownError') });
        setTimeout(() => request.onerror?.(new Event('error')), 0);
        return request;
      }
      return real.open(name, version);
    },
  } as unknown as IDBFactory;
  return { factory, real };
}

describe('IndexedDBStore', () => {
  it('opens again after a failed open instead of failing every later call', async () => {
    const { factory } = flakyFactory();
    const store = new IndexedDBStore('db', 'kv', factory, create);
    await expect(store.run('readwrite', (s) => s.put('a', 'k1'))).rejects.toMatchObject({
      name: 'UnknownError',
    });
    await store.run('readwrite', (s) => s.put('b', 'k2'));
    expect(await store.run('readonly', (s) => s.get('k2'))).toBe('b');
    await store.close();
  });

  it('opens again after the browser closed the connection, or another version asked it to close', async () => {
    const real = new IDBFactory();
    let opens = 0;
    let last: IDBDatabase | undefined;
    const factory = {
      open(name: string, version?: number) {
        opens++;
        const request = real.open(name, version);
        request.addEventListener('success', () => {
          last = request.result;
        });
        return request;
      },
    } as unknown as IDBFactory;
    const store = new IndexedDBStore('db2', 'kv', factory, create);
    await store.run('readwrite', (s) => s.put('a', 'k'));
    // Closed under the store, with no `close` event (as a page's connection can be): the next call reopens.
    last?.close();
    expect(await store.run('readonly', (s) => s.get('k'))).toBe('a');
    expect(opens).toBe(2);
    // A versionchange (another tab upgrading the database): closed and dropped, reopened on the next call.
    last?.onversionchange?.(new Event('versionchange') as IDBVersionChangeEvent);
    expect(await store.run('readonly', (s) => s.get('k'))).toBe('a');
    expect(opens).toBe(3);
    await store.close();
  });
});
