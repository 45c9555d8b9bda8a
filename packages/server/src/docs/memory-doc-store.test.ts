import { describe, expect, it } from 'vitest';
import { describeDocStoreContract } from './doc-store.contract.js';
import { DuplicateOpError, MemoryDocStore } from './memory-doc-store.js';

describeDocStoreContract('MemoryDocStore', () => new MemoryDocStore());

describe('MemoryDocStore', () => {
  it('throws a DuplicateOpError carrying the op key', async () => {
    const store = new MemoryDocStore();
    await store.ensure('doc-a', 'alice', 1);
    const record = { documentId: 'doc-a', version: 1, op: {}, userId: 'u1', opId: 'o1', ts: 1 };
    expect(await store.appendOp(record)).toBe(true);
    const err = await store.appendOp({ ...record, version: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DuplicateOpError);
    expect(err).toMatchObject({ documentId: 'doc-a', userId: 'u1', opId: 'o1' });
  });
});
