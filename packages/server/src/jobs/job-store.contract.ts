/**
 * The behaviour every `JobStore` must have, as a vitest suite. Each adapter's test calls
 * `describeJobStoreContract` with a factory; nothing here depends on one implementation.
 *
 * Beyond the interface's doc comments, the contract pins down:
 * - values read back are copies (changing one does not change the store), JSON params/results round-trip;
 * - `claimNext` takes the oldest claimable job first and never the same job twice while it is fresh,
 *   even when many claims race;
 * - `updateJob` with `ifState` is a compare-and-set: of two racing transitions from `running`, one wins.
 *
 * @example
 * describeJobStoreContract('MemoryJobStore', () => new MemoryJobStore());
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewJob } from './job.js';
import type { JobStore } from './job-store.js';
import type { UploadedDocument } from './uploaded-document.js';

export function describeJobStoreContract(
  name: string,
  makeStore: () => Promise<JobStore> | JobStore,
  cleanup?: (store: JobStore) => Promise<void> | void,
): void {
  describe(`${name} (JobStore contract)`, () => {
    let store: JobStore;

    beforeEach(async () => {
      store = await makeStore();
    });

    afterEach(async () => {
      await store.close();
      await cleanup?.(store);
    });

    const job = (id: string, now: number, extra: Partial<NewJob> = {}): NewJob => ({
      id,
      kind: 'processing',
      ownerId: 'alice',
      documentId: 'doc-1',
      now,
      ...extra,
    });
    const doc = (documentId: string, createdAt: number, ownerId = 'alice'): UploadedDocument => ({
      documentId,
      name: `${documentId}.pdf`,
      ownerId,
      size: 1234,
      createdAt,
      updatedAt: createdAt,
      status: 'uploaded',
      pages: null,
      jobId: null,
    });

    it('creates queued jobs and reads them back', async () => {
      const created = await store.createJob(job('j1', 100, { params: { format: 'rag', n: [1, 2] } }));
      expect(created).toMatchObject({
        id: 'j1',
        kind: 'processing',
        state: 'queued',
        ownerId: 'alice',
        documentId: 'doc-1',
        params: { format: 'rag', n: [1, 2] },
        progress: 0,
        stage: null,
        page: null,
        pages: null,
        createdAt: 100,
        updatedAt: 100,
        startedAt: null,
        finishedAt: null,
        attempts: 0,
        run: 0,
        runAfter: 100,
        heartbeatAt: null,
        error: null,
        result: null,
      });
      expect(await store.getJob('j1')).toEqual(created);
      expect(await store.getJob('nope')).toBeUndefined();
      await expect(store.createJob(job('j1', 101))).rejects.toThrow();
    });

    it('updates fields, with and without a state condition', async () => {
      await store.createJob(job('j1', 100));
      const error = { code: 'corrupt_pdf', message: 'bad xref', recoverable: false };
      const updated = await store.updateJob('j1', {
        now: 150,
        progress: 0.5,
        stage: 'analyzing',
        page: 3,
        pages: 6,
        error,
        result: { zones: 12, list: ['a'] },
      });
      expect(updated).toMatchObject({
        progress: 0.5,
        stage: 'analyzing',
        page: 3,
        pages: 6,
        updatedAt: 150,
        error,
        result: { zones: 12, list: ['a'] },
      });
      expect(await store.updateJob('j1', { now: 160, state: 'failed' }, ['running'])).toBeUndefined();
      expect((await store.getJob('j1'))?.state).toBe('queued');
      expect((await store.updateJob('j1', { now: 170, state: 'cancelled' }, ['queued']))?.state).toBe(
        'cancelled',
      );
      expect(await store.updateJob('missing', { now: 1, progress: 1 })).toBeUndefined();
      // Clearing nullable fields.
      expect(await store.updateJob('j1', { now: 180, error: null, stage: null })).toMatchObject({
        error: null,
        stage: null,
        page: 3,
      });
    });

    it('returns copies', async () => {
      const created = await store.createJob(job('j1', 100, { params: { a: 1 } }));
      (created.params as { a: number }).a = 2;
      const read = await store.getJob('j1');
      expect(read?.params).toEqual({ a: 1 });
      (read as { progress: number }).progress = 0.9;
      expect((await store.getJob('j1'))?.progress).toBe(0);
    });

    it('claims the oldest due job, once, counting attempts', async () => {
      await store.createJob(job('late', 300));
      await store.createJob(job('early', 100));
      await store.createJob(job('export', 200, { kind: 'export' }));
      await store.updateJob('early', { now: 100, runAfter: 1_000 });
      const first = await store.claimNext({ now: 500 });
      expect(first).toMatchObject({
        id: 'export',
        state: 'running',
        attempts: 1,
        run: 1,
        startedAt: 500,
        heartbeatAt: 500,
      });
      expect(await store.claimNext({ now: 500, kinds: ['export'] })).toBeUndefined();
      expect((await store.claimNext({ now: 500 }))?.id).toBe('late');
      expect(await store.claimNext({ now: 500 })).toBeUndefined();
      const early = await store.claimNext({ now: 1_000 });
      expect(early).toMatchObject({ id: 'early', attempts: 1 });
    });

    it('claims a job of the kinds asked for behind any number of older jobs of other kinds', async () => {
      for (let i = 0; i < 120; i++) await store.createJob(job(`p${i}`, i));
      await store.createJob(job('e1', 500, { kind: 'export' }));
      expect((await store.claimNext({ now: 1_000, kinds: ['export'] }))?.id).toBe('e1');
      expect((await store.claimNext({ now: 1_000, kinds: ['processing'] }))?.id).toBe('p0');
      expect((await store.claimNext({ now: 1_000 }))?.id).toBe('p1');
    });

    it('claims a running job again only once its heartbeat is stale, keeping startedAt', async () => {
      await store.createJob(job('j1', 100));
      await store.claimNext({ now: 200 });
      expect(await store.claimNext({ now: 300, staleBefore: 150 })).toBeUndefined();
      await store.updateJob('j1', { now: 400, heartbeatAt: 400 });
      expect(await store.claimNext({ now: 500, staleBefore: 400 })).toBeUndefined();
      const again = await store.claimNext({ now: 10_000, staleBefore: 5_000 });
      expect(again).toMatchObject({ id: 'j1', attempts: 2, run: 2, startedAt: 200, heartbeatAt: 10_000 });
    });

    it('refuses the writes of a run that lost its claim (ifRun), and takes the new run’s', async () => {
      await store.createJob(job('j1', 100));
      const first = await store.claimNext({ now: 200 });
      const second = await store.claimNext({ now: 10_000, staleBefore: 5_000 }); // the first runner stalled
      expect(second?.run).toBe((first?.run ?? 0) + 1);
      const stale = await store.updateJob(
        'j1',
        { now: 10_001, state: 'completed', progress: 1 },
        ['running'],
        first?.run,
      );
      expect(stale).toBeUndefined();
      expect(await store.getJob('j1')).toMatchObject({ state: 'running', attempts: 2, run: 2 });
      const mine = await store.updateJob('j1', { now: 10_002, progress: 0.5 }, ['running'], second?.run);
      expect(mine).toMatchObject({ state: 'running', progress: 0.5, attempts: 2, run: 2 });
    });

    it('keeps fencing a stalled run after a cancel, a retry (attempts back to 0) and a new claim', async () => {
      await store.createJob(job('j1', 100));
      const stalled = await store.claimNext({ now: 200 });
      await store.updateJob('j1', { now: 300, state: 'cancelled', finishedAt: 300 }, ['running']); // another node
      await store.updateJob(
        'j1',
        { now: 400, state: 'queued', finishedAt: null, attempts: 0, runAfter: 400 },
        ['cancelled'],
      );
      const fresh = await store.claimNext({ now: 500 });
      expect(fresh).toMatchObject({ attempts: stalled?.attempts, run: (stalled?.run ?? 0) + 1 });
      const late = await store.updateJob('j1', { now: 600, progress: 0.9 }, ['running'], stalled?.run);
      expect(late).toBeUndefined();
      expect(await store.getJob('j1')).toMatchObject({ state: 'running', progress: 0, run: fresh?.run });
    });

    it('hands each job to exactly one of many racing claims', async () => {
      for (let i = 0; i < 10; i++) await store.createJob(job(`j${i}`, 100 + i));
      const claims = await Promise.all(Array.from({ length: 25 }, () => store.claimNext({ now: 1_000 })));
      const ids = claims.filter((c) => c !== undefined).map((c) => c.id);
      expect(ids.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `j${i}`).sort());
    });

    it('lets one of two racing transitions win', async () => {
      await store.createJob(job('j1', 100));
      await store.claimNext({ now: 100 });
      const [a, b] = await Promise.all([
        store.updateJob('j1', { now: 200, state: 'completed' }, ['running']),
        store.updateJob('j1', { now: 200, state: 'cancelled' }, ['running']),
      ]);
      expect([a, b].filter((r) => r !== undefined)).toHaveLength(1);
    });

    it('requeues running jobs after a restart', async () => {
      await store.createJob(job('a', 100));
      await store.createJob(job('b', 101));
      await store.createJob(job('c', 102));
      await store.claimNext({ now: 200 });
      await store.claimNext({ now: 200 });
      await store.updateJob('b', { now: 250, state: 'completed' });
      expect(await store.requeueRunning(300)).toBe(1);
      expect(await store.getJob('a')).toMatchObject({ state: 'queued', heartbeatAt: null, runAfter: 300 });
      expect(await store.countByState()).toEqual({
        queued: 2,
        running: 0,
        completed: 1,
        failed: 0,
        cancelled: 0,
      });
    });

    it('lists jobs newest first with filters', async () => {
      await store.createJob(job('a', 100));
      await store.createJob(job('b', 200, { documentId: 'doc-2' }));
      await store.createJob(job('c', 300, { kind: 'export' }));
      await store.createJob(job('d', 300, { ownerId: 'bob' }));
      await store.updateJob('a', { now: 400, state: 'failed' });
      const ids = async (q: Parameters<JobStore['listJobs']>[0]) =>
        (await store.listJobs(q)).map((j) => j.id);
      expect(await ids({})).toEqual(['d', 'c', 'b', 'a']);
      expect(await ids({ documentId: 'doc-1' })).toEqual(['d', 'c', 'a']);
      expect(await ids({ documentId: 'doc-1', kind: 'processing' })).toEqual(['d', 'a']);
      expect(await ids({ ownerId: 'bob' })).toEqual(['d']);
      expect(await ids({ states: ['failed', 'completed'] })).toEqual(['a']);
      expect(await ids({ states: [] })).toEqual([]);
      expect(await ids({ limit: 2 })).toEqual(['d', 'c']);
    });

    it('keeps a catalogue of uploaded documents', async () => {
      await store.addDocument(doc('d1', 100));
      await store.addDocument(doc('d2', 200, 'bob'));
      await store.addDocument(doc('d3', 300));
      await expect(store.addDocument(doc('d1', 400))).rejects.toThrow();
      expect(await store.getDocument('d1')).toEqual(doc('d1', 100));
      expect(await store.getDocument('nope')).toBeUndefined();
      const updated = await store.updateDocument('d1', {
        now: 500,
        status: 'processing',
        pages: 7,
        jobId: 'j1',
      });
      expect(updated).toEqual({
        ...doc('d1', 100),
        status: 'processing',
        pages: 7,
        jobId: 'j1',
        updatedAt: 500,
      });
      expect(await store.updateDocument('nope', { now: 1, status: 'failed' })).toBeUndefined();
      expect((await store.listDocuments()).map((d) => d.documentId)).toEqual(['d3', 'd2', 'd1']);
      expect((await store.listDocuments({ ownerId: 'alice' })).map((d) => d.documentId)).toEqual([
        'd3',
        'd1',
      ]);
      expect((await store.listDocuments({ limit: 1 })).map((d) => d.documentId)).toEqual(['d3']);
    });

    it('keeps blank documents (no file) beside the uploads, listed with them', async () => {
      const blank: UploadedDocument = {
        ...doc('notes', 200),
        name: 'Meeting notes',
        size: 0,
        status: 'blank',
        pages: null,
        jobId: null,
      };
      await store.addDocument(doc('d1', 100));
      await store.addDocument(blank);
      await store.addDocument(doc('d3', 300, 'bob'));
      await expect(store.addDocument({ ...blank, createdAt: 400 })).rejects.toThrow();
      expect(await store.getDocument('notes')).toEqual(blank);
      expect(await store.listDocuments({ ownerId: 'alice' })).toEqual([blank, doc('d1', 100)]);
    });

    it('moves a document’s updatedAt forward when it is edited, never back (touchDocument)', async () => {
      await store.addDocument(doc('d1', 100));
      await store.addDocument(doc('d2', 100));
      await store.touchDocument('d1', 500);
      expect(await store.getDocument('d1')).toEqual({ ...doc('d1', 100), updatedAt: 500 });
      // An edit recorded late (or by another node) does not date it back.
      await store.touchDocument('d1', 300);
      expect((await store.getDocument('d1'))?.updatedAt).toBe(500);
      expect((await store.getDocument('d2'))?.updatedAt).toBe(100);
      await store.touchDocument('nope', 600);
      expect(await store.getDocument('nope')).toBeUndefined();
      expect((await store.listDocuments()).map((d) => [d.documentId, d.updatedAt])).toEqual([
        ['d2', 100],
        ['d1', 500],
      ]);
    });

    it('removes a document from the catalogue, and only that one', async () => {
      await store.addDocument(doc('d1', 100));
      await store.addDocument(doc('d2', 200));
      expect(await store.deleteDocument('d1')).toBe(true);
      expect(await store.deleteDocument('d1')).toBe(false);
      expect(await store.deleteDocument('nope')).toBe(false);
      expect(await store.getDocument('d1')).toBeUndefined();
      expect((await store.listDocuments()).map((d) => d.documentId)).toEqual(['d2']);
      // The id is free again (an upload never reuses one, but nothing of the old row is left).
      await store.addDocument(doc('d1', 300));
      expect(await store.getDocument('d1')).toEqual(doc('d1', 300));
    });

    it('deletes every job of a document, in any state, and only its jobs', async () => {
      await store.createJob(job('j1', 100));
      await store.createJob(job('j2', 101, { kind: 'export', params: { format: 'rag' } }));
      await store.createJob(job('j3', 102));
      await store.createJob(job('other', 103, { documentId: 'doc-2' }));
      await store.claimNext({ now: 200 }); // j1 running
      await store.updateJob('j3', { now: 201, state: 'cancelled' });
      expect(await store.deleteJobs('doc-1')).toBe(3);
      expect(await store.deleteJobs('doc-1')).toBe(0);
      for (const id of ['j1', 'j2', 'j3']) expect(await store.getJob(id)).toBeUndefined();
      expect(await store.listJobs({ documentId: 'doc-1' })).toEqual([]);
      expect((await store.listJobs({})).map((j) => j.id)).toEqual(['other']);
      // Nothing left to claim of the deleted document.
      expect((await store.claimNext({ now: 300 }))?.id).toBe('other');
      expect(await store.claimNext({ now: 301 })).toBeUndefined();
    });

    it('refuses calls once closed', async () => {
      await store.close();
      await expect(store.getJob('j1')).rejects.toThrow(/closed/);
    });
  });
}
