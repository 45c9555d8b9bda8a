import { metaSet } from '@syncline/doc';
import { afterEach, describe, expect, it } from 'vitest';
import { Hub } from '../core/hub.js';
import { silentLogger } from '../core/logger.js';
import { FakeClock } from '../core/testing/fake-clock.js';
import { DocumentSequencer } from '../docs/doc-sequencer.js';
import { MemoryDocStore } from '../docs/memory-doc-store.js';
import { MemoryLogStore } from '../storage/memory-log-store.js';
import { CatalogueTouch } from './catalogue-touch.js';
import { MemoryJobStore } from './memory-job-store.js';
import type { UploadedDocument } from './uploaded-document.js';

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

function setup() {
  const clock = new FakeClock(1_000_000);
  const hub = new Hub({
    store: new MemoryLogStore(),
    authenticate: async () => ({ userId: 'x', roles: [], claims: {} }),
    clock,
    logger: silentLogger,
  });
  hub.start();
  const documents = new DocumentSequencer(hub, new MemoryDocStore());
  stops.push(() => documents.stop());
  const store = new MemoryJobStore();
  const touch = new CatalogueTouch(hub, store, 10_000);
  let ops = 0;
  /** An edit of the document by olga, committed and broadcast. */
  const edit = (documentId: string) => {
    const n = ++ops;
    return clock.run(
      documents.applyServerOp(documentId, (doc) => metaSet('title', `v${n}`, doc.meta), {
        userId: 'olga',
        opId: `op-${n}`,
      }),
    );
  };
  const updatedAt = async (documentId: string) => (await store.getDocument(documentId))?.updatedAt;
  return { clock, store, touch, edit, updatedAt };
}

const entry = (documentId: string, at: number): UploadedDocument => ({
  documentId,
  name: documentId,
  ownerId: 'olga',
  size: 0,
  createdAt: at,
  updatedAt: at,
  status: 'blank',
  pages: null,
  jobId: null,
});

describe('CatalogueTouch', () => {
  it('records when a catalogued document was last edited, once per interval, not per op', async () => {
    const { clock, store, edit, updatedAt } = setup();
    const t0 = clock.now();
    await store.addDocument(entry('notes', t0));
    await store.addDocument(entry('plan', t0));
    let writes = 0;
    const touch = store.touchDocument.bind(store);
    store.touchDocument = (id, at) => {
      writes++;
      return touch(id, at);
    };
    await edit('notes');
    clock.advance(3_000);
    await edit('notes');
    await edit('notes');
    // Not yet: the edits wait for the interval.
    expect(await updatedAt('notes')).toBe(t0);
    clock.advance(7_000);
    await clock.settle();
    // One write, with the time of the latest edit; the other document is untouched.
    expect(writes).toBe(1);
    expect(await updatedAt('notes')).toBe(t0 + 3_000);
    expect(await updatedAt('plan')).toBe(t0);
    clock.advance(60_000);
    await edit('plan');
    clock.advance(10_000);
    await clock.settle();
    expect(await updatedAt('plan')).toBe(t0 + 70_000);
    expect(writes).toBe(2);
  });

  it('writes what it noted when closed, and notes nothing after', async () => {
    const { clock, store, touch, edit, updatedAt } = setup();
    const t0 = clock.now();
    await store.addDocument(entry('notes', t0));
    clock.advance(1_000);
    await edit('notes');
    await touch.close();
    expect(await updatedAt('notes')).toBe(t0 + 1_000);
    clock.advance(1_000);
    await edit('notes');
    clock.advance(60_000);
    await clock.settle();
    expect(await updatedAt('notes')).toBe(t0 + 1_000);
  });

  it('ignores documents the catalogue does not have', async () => {
    const { clock, store, edit } = setup();
    await edit('opened-by-name');
    clock.advance(10_000);
    await clock.settle();
    expect(await store.listDocuments()).toEqual([]);
  });
});
