import { afterEach, describe, expect, it } from 'vitest';
import type { Extension } from '../core/hooks.js';
import { Hub } from '../core/hub.js';
import type { Identity } from '../core/identity.js';
import { silentLogger } from '../core/logger.js';
import { FakeClock } from '../core/testing/fake-clock.js';
import { DocumentSequencer } from '../docs/doc-sequencer.js';
import { MemoryDocStore } from '../docs/memory-doc-store.js';
import { MemoryLogStore } from '../storage/memory-log-store.js';
import { JobService } from './job-service.js';
import { MemoryFileStore } from './memory-file-store.js';
import { MemoryJobStore } from './memory-job-store.js';
import type { PdfPipeline } from './pdf-pipeline.js';

/** A token is a user id; `;admin` makes an admin. */
const identity = (token: string): Identity => {
  const [userId, ...flags] = token.split(';');
  return { userId, name: `User ${userId}`, roles: flags.includes('admin') ? ['admin'] : [], claims: {} };
};
const olga = identity('olga');

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

/** A hub with a sequencer and a job service on memory stores (the runner is not started). */
function server(extensions: Extension[] = []) {
  const clock = new FakeClock();
  const hub = new Hub({
    store: new MemoryLogStore(),
    authenticate: async (t) => identity(t),
    clock,
    logger: silentLogger,
    extensions,
  });
  hub.start();
  const documents = new DocumentSequencer(hub, new MemoryDocStore());
  const store = new MemoryJobStore();
  const jobs = new JobService(hub, documents, {
    store,
    files: new MemoryFileStore(),
    pipeline: {} as PdfPipeline,
    recoverOnStart: false,
  });
  closers.push(() => {
    documents.stop();
    jobs.events.close();
  });
  const run = <T>(p: Promise<T>) => clock.run(p);
  /** The error code `p` is refused with. */
  const refusal = (p: Promise<unknown>) =>
    run(p).then(
      () => 'resolved',
      (e: { code?: string }) => e.code,
    );
  return { clock, documents, store, jobs, run, refusal };
}

describe('a blank document (POST /api/documents with a JSON body)', () => {
  it('is refused when the app would not let its creator open that document (onJoin), and nothing is made', async () => {
    // The app keeps `doc:acme-*` to Acme's people: a user who may not open one cannot claim its id before Acme.
    const acmeOnly: Extension = {
      onJoin: ({ user, room }) => !room.startsWith('doc:acme-') || user.userId.endsWith('@acme'),
    };
    const { jobs, documents, store, run, refusal } = server([acmeOnly]);
    expect(await refusal(jobs.createBlank(olga, { name: 'Q3 plan', documentId: 'acme-q3-plan' }))).toBe(
      'forbidden',
    );
    expect(await store.getDocument('acme-q3-plan')).toBeUndefined();
    expect((await run(documents.read('acme-q3-plan', 'ann@acme'))).ownerId).toBe('ann@acme');
    const created = await run(jobs.createBlank(identity('bo@acme'), { name: 'Q4', documentId: 'acme-q4' }));
    expect(created.ownerId).toBe('bo@acme');
  });

  it('is catalogued for its creator, listed like an upload, and its zone document is theirs with its name', async () => {
    const { jobs, documents, run, clock } = server();
    const created = await run(
      jobs.createBlank(olga, { name: ' Meeting notes\u0007 ', documentId: 'meeting' }),
    );
    expect(created).toEqual({
      documentId: 'meeting',
      name: 'Meeting notes',
      ownerId: 'olga',
      size: 0,
      createdAt: clock.now(),
      updatedAt: clock.now(),
      status: 'blank',
      pages: null,
      jobId: null,
    });
    // Listed for olga (on any device: it is the server's list), and for an admin; not for others.
    expect(await jobs.listDocuments(olga)).toEqual([created]);
    expect(await jobs.listDocuments(identity('root;admin'))).toEqual([created]);
    expect(await jobs.listDocuments(identity('ben'))).toEqual([]);
    const doc = await run(documents.read('meeting'));
    expect(doc.ownerId).toBe('olga');
    expect(doc.data.meta.name).toBe('Meeting notes');
    // Without an id, the server makes one.
    const other = await run(jobs.createBlank(olga, { name: 'plan' }));
    expect(other.documentId).toMatch(/^blank-[0-9a-f-]{36}$/);
  });

  it('has no PDF: the file and a link to it answer not_found, to its owner too', async () => {
    const { jobs, run, refusal } = server();
    await run(jobs.createBlank(olga, { name: 'notes', documentId: 'notes' }));
    expect(await refusal(jobs.documentFile(olga, 'notes'))).toBe('not_found');
    expect(await refusal(jobs.checkDocumentFile(olga, 'notes'))).toBe('not_found');
    expect(await refusal(jobs.documentFile(null, 'notes'))).toBe('not_found');
    // Someone without access is still told forbidden first.
    expect(await refusal(jobs.checkDocumentFile(identity('ben'), 'notes'))).toBe('forbidden');
  });

  it('refuses a bad name or id (invalid)', async () => {
    const { jobs, store, run, refusal } = server();
    for (const body of [
      null,
      [],
      'notes',
      {},
      { name: '' },
      { name: ' \u0001 ' },
      { name: 42 },
      { name: 'x'.repeat(257) },
      { name: 'notes', documentId: '' },
      { name: 'notes', documentId: 'a/b' },
      { name: 'notes', documentId: 'x'.repeat(129) },
      { name: 'notes', documentId: 7 },
      // A URL path cannot name these (it would be deleted through `/api/documents/..`, which is `/api`).
      { name: 'notes', documentId: '.' },
      { name: 'notes', documentId: '..' },
    ]) {
      expect(await refusal(jobs.createBlank(olga, body))).toBe('invalid');
    }
    expect(await store.listDocuments()).toEqual([]);
    // 256 characters is the longest name.
    expect((await run(jobs.createBlank(olga, { name: 'é'.repeat(256) }))).name).toHaveLength(256);
  });

  it('refuses an id that is taken (conflict), saying why: catalogued or someone else’s (exists), or deleted', async () => {
    const { jobs, documents, store, run } = server();
    /** The code and reason `p` is refused with. */
    const taken = (p: Promise<unknown>) =>
      run(p).then(
        () => 'resolved',
        (e: { code?: string; reason?: string }) => `${e.code} ${e.reason}`,
      );
    await run(jobs.createBlank(olga, { name: 'notes', documentId: 'notes' }));
    expect(await taken(jobs.createBlank(olga, { name: 'again', documentId: 'notes' }))).toBe(
      'conflict exists',
    );
    expect(await taken(jobs.createBlank(identity('ben'), { name: 'mine', documentId: 'notes' }))).toBe(
      'conflict exists',
    );
    // Ben opened `plan` by name first: it is his.
    await run(documents.read('plan', 'ben'));
    expect(await taken(jobs.createBlank(olga, { name: 'plan', documentId: 'plan' }))).toBe('conflict exists');
    expect(await jobs.listDocuments(olga)).toHaveLength(1);
    // A deleted id is never used again.
    await run(jobs.deleteDocument(olga, 'notes'));
    expect(await taken(jobs.createBlank(olga, { name: 'notes', documentId: 'notes' }))).toBe(
      'conflict deleted',
    );
    expect(await taken(jobs.createBlank(identity('ben'), { name: 'notes', documentId: 'notes' }))).toBe(
      'conflict deleted',
    );
    // A deletion whose last step (the catalogue entry) failed: the id is deleted all the same, not `exists`.
    await run(jobs.createBlank(olga, { name: 'memo', documentId: 'memo' }));
    const removeEntry = store.deleteDocument.bind(store);
    store.deleteDocument = async () => {
      throw new Error('the database is down');
    };
    await expect(run(jobs.deleteDocument(olga, 'memo'))).rejects.toThrow();
    expect(await jobs.listDocuments(olga)).toHaveLength(1); // its entry is still there
    expect(await taken(jobs.createBlank(olga, { name: 'memo', documentId: 'memo' }))).toBe(
      'conflict deleted',
    );
    store.deleteDocument = removeEntry;
  });

  it('catalogues a document its creator opened by name before, leaving its content as it is', async () => {
    const { jobs, documents, run } = server();
    // Opened by name (doc.open creates it on demand) before blank documents were catalogued.
    await run(documents.read('old-notes', 'olga'));
    await run(
      documents.applyServerOp('old-notes', ['meta', 'title', { i: 'Kept' }], { userId: 'olga', opId: 'o1' }),
    );
    const created = await run(jobs.createBlank(olga, { name: 'old-notes', documentId: 'old-notes' }));
    expect(created).toMatchObject({ documentId: 'old-notes', ownerId: 'olga', status: 'blank' });
    const doc = await run(documents.read('old-notes'));
    expect(doc).toMatchObject({ version: 1, data: { meta: { title: 'Kept' } } });
    expect(doc.data.meta.name).toBeUndefined();
  });

  it('is deleted from everywhere by the deletion path: catalogue entry, zone document and all', async () => {
    const { jobs, documents, store, run, refusal } = server();
    await run(jobs.createBlank(olga, { name: 'notes', documentId: 'notes' }));
    expect(await refusal(jobs.deleteDocument(identity('ben'), 'notes'))).toBe('forbidden');
    await run(jobs.deleteDocument(olga, 'notes'));
    expect(await store.getDocument('notes')).toBeUndefined();
    expect(await jobs.listDocuments(olga)).toEqual([]);
    expect(await documents.info('notes')).toBeUndefined();
    expect(await documents.deleted('notes')).toMatchObject({ ownerId: 'olga' });
    // Asking again is safe.
    await run(jobs.deleteDocument(olga, 'notes'));
  });

  it('is deleted whatever characters its id has ("|" and dots are a file key\'s too)', async () => {
    const { jobs, documents, store, run } = server();
    for (const documentId of ['a|b', 'a.b', '...x', 'u@v~w+x=y:z-_']) {
      await run(jobs.createBlank(olga, { name: 'notes', documentId }));
      await run(jobs.deleteDocument(olga, documentId));
      expect(await store.getDocument(documentId)).toBeUndefined();
      expect(await documents.deleted(documentId)).toMatchObject({ ownerId: 'olga' });
    }
  });
});
