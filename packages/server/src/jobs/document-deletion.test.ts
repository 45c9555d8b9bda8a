import { PROTOCOL_VERSION, type ServerMessage } from '@syncline/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalBroker, LocalBus } from '../broker/local-broker.js';
import { SynclineError } from '../core/errors.js';
import { Hub } from '../core/hub.js';
import type { Identity } from '../core/identity.js';
import { silentLogger } from '../core/logger.js';
import { FakeClock } from '../core/testing/fake-clock.js';
import { MemorySocket } from '../core/testing/memory-socket.js';
import { DocumentSequencer } from '../docs/doc-sequencer.js';
import { MemoryDocStore } from '../docs/memory-doc-store.js';
import { MemoryLogStore } from '../storage/memory-log-store.js';
import { DOCUMENT_DELETED_TOPIC } from './document-deletion.js';
import { exportKey } from './export-job.js';
import { JobService } from './job-service.js';
import { MemoryFileStore } from './memory-file-store.js';
import { MemoryJobStore } from './memory-job-store.js';
import type { PdfPipeline } from './pdf-pipeline.js';
import { type ProcessingDeps, ProcessingJob, pdfKey } from './processing-job.js';

// biome-ignore lint/suspicious/noExplicitAny: test messages are read loosely
type Msg = ServerMessage & Record<string, any>;

/** A token is a user id; `;admin` makes an admin. */
const identity = (token: string): Identity => {
  const [userId, ...flags] = token.split(';');
  return { userId, name: `User ${userId}`, roles: flags.includes('admin') ? ['admin'] : [], claims: {} };
};

const PDF = new TextEncoder().encode('%PDF-1.7\nnot really a pdf, the runner is not started\n');

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/**
 * `n` nodes (hubs with a sequencer and a job service) on one log, one document store, one job store and one file
 * store, on a `LocalBus` (several nodes: a cluster without Redis). The job runners are not started: jobs stay queued.
 */
function nodes(n = 1) {
  const clock = new FakeClock();
  const log = new MemoryLogStore();
  const docStore = new MemoryDocStore();
  const jobStore = new MemoryJobStore();
  const files = new MemoryFileStore();
  const bus = new LocalBus(() => clock.now());
  const all = Array.from({ length: n }, () => {
    const broker = new LocalBroker(bus);
    const hub = new Hub({
      store: log,
      broker,
      authenticate: async (t) => identity(t),
      clock,
      logger: silentLogger,
    });
    hub.start();
    const documents = new DocumentSequencer(hub, docStore);
    const jobs = new JobService(hub, documents, {
      store: jobStore,
      files,
      pipeline: {} as PdfPipeline,
      recoverOnStart: false,
    });
    return { hub, broker, documents, jobs };
  });
  closers.push(async () => {
    for (const node of all) {
      node.documents.stop();
      node.jobs.events.close();
      await node.broker.close();
    }
  });
  const settle = () => clock.settle();
  let ids = 0;

  async function connect(nodeIndex: number, token: string) {
    const s = new MemorySocket();
    s.attach(all[nodeIndex].hub.open(s, { ip: '127.0.0.1' }));
    s.write({ type: 'hello', v: PROTOCOL_VERSION, token });
    await settle();
    s.take();
    return s;
  }

  async function command(s: MemorySocket, message: Record<string, unknown>): Promise<Msg> {
    const id = `m${++ids}`;
    s.write({ ...message, id });
    await settle();
    const reply = (s.messages() as Msg[]).find((m) => m.id === id);
    if (!reply) throw new Error(`no reply to ${JSON.stringify(message)}`);
    return reply;
  }

  const request = (s: MemorySocket, method: string, data: Record<string, unknown>) =>
    command(s, { type: 'request', method, data });

  const run = <T>(p: Promise<T>) => clock.run(p);

  /** An upload by `owner` on node 0, with a finished export (and its file). */
  async function uploaded(owner = 'olga') {
    const { jobs } = all[0];
    const { documentId, jobId } = await run(jobs.upload(identity(owner), 'report.pdf', PDF));
    const exportId = 'export-1';
    const fileKey = exportKey(exportId, 'md');
    await jobStore.createJob({ id: exportId, kind: 'export', ownerId: owner, documentId, now: clock.now() });
    await jobStore.updateJob(exportId, { now: clock.now(), state: 'completed', result: { fileKey } });
    await files.put(fileKey, new TextEncoder().encode('# report'));
    return { documentId, jobId, exportId, fileKey };
  }

  return {
    clock,
    log,
    docStore,
    jobStore,
    files,
    nodes: all,
    settle,
    connect,
    command,
    request,
    run,
    uploaded,
  };
}

const errorOf = async (p: Promise<unknown>): Promise<SynclineError> => {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof SynclineError)) throw new Error(`expected a SynclineError, got ${String(e)}`);
  return e;
};

describe('deleting a document', () => {
  it('cancels its queued job first, then removes the zone document, its files, jobs and catalogue entry', async () => {
    const c = nodes();
    const { jobs, documents } = c.nodes[0];
    const { documentId, jobId, fileKey } = await c.uploaded();
    expect((await c.docStore.info(documentId))?.version).toBe(2); // name and meta.processing
    const watcher = await c.connect(0, 'olga');
    await c.command(watcher, { type: 'join_room', room: `doc:${documentId}` });
    expect(documents.isLoaded(documentId)).toBe(true);
    watcher.take();

    await c.run(jobs.deleteDocument(identity('olga'), documentId));

    // The job was cancelled through the cancel path (its final event came before the deletion's).
    const events = (watcher.messages() as Msg[]).filter((m) => m.room === `doc:${documentId}`);
    const types = events.map((m) => m.type);
    expect(types.indexOf('processing_error')).toBeGreaterThanOrEqual(0);
    expect(types.indexOf('processing_error')).toBeLessThan(types.indexOf('document_deleted'));
    expect(events.find((m) => m.type === 'processing_error')?.data).toMatchObject({
      jobId,
      code: 'cancelled',
    });
    expect(events.at(-1)).toMatchObject({
      type: 'document_deleted',
      data: { documentId, deletedBy: 'olga', deletedByName: 'User olga' },
    });
    // Everything of it is gone, in every store and in memory.
    expect(await c.jobStore.getDocument(documentId)).toBeUndefined();
    expect(await c.jobStore.listJobs({ documentId })).toEqual([]);
    expect(await c.files.get(pdfKey(documentId))).toBeUndefined();
    expect(await c.files.get(fileKey)).toBeUndefined();
    expect(await c.docStore.info(documentId)).toBeUndefined();
    expect(await c.docStore.ops(documentId, 0)).toEqual([]);
    expect(documents.isLoaded(documentId)).toBe(false);
    expect(await jobs.listDocuments(identity('olga'))).toEqual([]);
    // Its room's log kept the document's content: only the deletion is left in it.
    const log = await c.log.read(`doc:${documentId}`, 0, 100);
    expect(log.entries.map((e) => e.type)).toEqual(['document_deleted']);
    expect(log.firstSeq).toBe(log.lastSeq);
  });

  it('a client resuming the room from before the deletion is told to reset (and re-opening finds it gone)', async () => {
    const c = nodes();
    const { documentId } = await c.uploaded();
    const room = `doc:${documentId}`;
    await c.run(c.nodes[0].jobs.deleteDocument(identity('olga'), documentId));
    const late = await c.connect(0, 'ann');
    await c.command(late, { type: 'join_room', room, since: 1 });
    const msgs = late.messages() as Msg[];
    expect(msgs.find((m) => m.type === 'reset' && m.room === room)).toBeDefined();
    expect(msgs.filter((m) => m.room === room && m.type === 'doc_op')).toEqual([]);
  });

  it('tells the owner’s other tabs (their user room) too', async () => {
    const c = nodes();
    const { documentId } = await c.uploaded();
    const tab = await c.connect(0, 'olga');
    await c.run(c.nodes[0].jobs.deleteDocument(identity('olga;admin'), documentId));
    const inUserRoom = (tab.messages() as Msg[]).filter(
      (m) => m.room === 'user:olga' && m.type === 'document_deleted',
    );
    expect(inUserRoom.map((m) => m.data.documentId)).toEqual([documentId]);
  });

  it('then refuses to open, edit or lock it again (not_found), and does not create it anew', async () => {
    const c = nodes();
    const { documentId } = await c.uploaded();
    const s = await c.connect(0, 'ann');
    await c.command(s, { type: 'join_room', room: `doc:${documentId}` });
    expect((await c.request(s, 'doc.open', { documentId })).type).toBe('response');
    await c.run(c.nodes[0].jobs.deleteDocument(identity('olga'), documentId));

    for (const [method, data] of [
      ['doc.open', { documentId }],
      ['doc.lock', { documentId, zoneId: 'z1' }],
      ['doc.submit', { documentId, v: 2, opId: 'o1', op: ['meta', 'x', { i: 1 }] }],
    ] as const) {
      const reply = await c.request(s, method, data);
      expect([method, reply.type, reply.code]).toEqual([method, 'nack', 'not_found']);
    }
    expect(await c.docStore.info(documentId)).toBeUndefined();
  });

  it('releases its zone locks, also those shared by every node', async () => {
    const c = nodes(2);
    const { documentId } = await c.uploaded();
    const s = await c.connect(1, 'ann');
    await c.command(s, { type: 'join_room', room: `doc:${documentId}` });
    expect((await c.request(s, 'doc.lock', { documentId, zoneId: 'z1' })).type).toBe('response');
    const shared = c.nodes[0].broker.zoneLocks(documentId);
    expect(shared.list(c.clock.now()).map((l) => l.userId)).toEqual(['ann']);
    await c.run(c.nodes[0].jobs.deleteDocument(identity('olga'), documentId));
    expect(shared.list(c.clock.now())).toEqual([]);
  });

  it('refuses a commit that was queued behind the deletion', async () => {
    const c = nodes();
    const { documentId } = await c.uploaded();
    const { documents } = c.nodes[0];
    await c.run(documents.read(documentId)); // loaded
    const deleting = documents.deleteDocument(documentId);
    const late = documents.applyServerOp(documentId, ['meta', 'late', { i: true }], {
      userId: 'system:test',
      opId: 'late-1',
    });
    late.catch(() => {}); // awaited below
    await c.run(deleting);
    const e = await errorOf(c.run(late));
    expect(e.code).toBe('not_found');
    expect(await c.docStore.ops(documentId, 0)).toEqual([]);
  });

  it('is for the owner and admins: others get forbidden, unknown ids not_found, and nothing is touched', async () => {
    const c = nodes();
    const { documentId } = await c.uploaded();
    const { jobs } = c.nodes[0];
    expect((await errorOf(c.run(jobs.deleteDocument(identity('bob'), documentId)))).code).toBe('forbidden');
    expect((await errorOf(c.run(jobs.deleteDocument(identity('bob'), 'pdf-unknown')))).code).toBe(
      'not_found',
    );
    expect((await errorOf(c.run(jobs.deleteDocument(identity('bob'), '../x')))).code).toBe('not_found');
    expect(await c.jobStore.getDocument(documentId)).toBeDefined();
    expect(await c.files.get(pdfKey(documentId))).toBeDefined();
    expect((await c.docStore.info(documentId))?.version).toBe(2);

    await c.run(jobs.deleteDocument(identity('root;admin'), documentId));
    expect(await c.jobStore.getDocument(documentId)).toBeUndefined();
    // Deleted: still the owner's (and admins') to ask again, which is safe; nobody else's.
    expect((await errorOf(c.run(jobs.deleteDocument(identity('bob'), documentId)))).code).toBe('forbidden');
    await c.run(jobs.deleteDocument(identity('olga'), documentId));
    const log = await c.log.read(`doc:${documentId}`, 0, 100);
    expect(log.entries.map((e) => e.type)).toEqual(['document_deleted']);
  });

  it('can be asked again when telling its room failed: the second request tells it and trims the log', async () => {
    const c = nodes();
    const { documentId } = await c.uploaded('olga');
    const { hub, jobs } = c.nodes[0];
    const room = `doc:${documentId}`;
    const publish = hub.publish.bind(hub);
    let failures = 1;
    hub.publish = async (...args: Parameters<Hub['publish']>) => {
      if (args[1] === 'document_deleted' && failures-- > 0) throw new Error('log append failed');
      return publish(...args);
    };
    await expect(c.run(jobs.deleteDocument(identity('olga'), documentId))).rejects.toThrow(
      /log append failed/,
    );
    // Still listed, and its content still in the room's log: not done.
    expect(await c.jobStore.getDocument(documentId)).toBeDefined();
    expect((await c.log.read(room, 0, 100)).entries.length).toBeGreaterThan(1);

    await c.run(jobs.deleteDocument(identity('olga'), documentId));
    expect(await c.jobStore.getDocument(documentId)).toBeUndefined();
    expect((await c.log.read(room, 0, 100)).entries.map((e) => e.type)).toEqual(['document_deleted']);
  });

  it('can be asked again when trimming its room’s log failed', async () => {
    const c = nodes();
    const { documentId } = await c.uploaded('olga');
    const { jobs } = c.nodes[0];
    const room = `doc:${documentId}`;
    const trim = c.log.trimBefore.bind(c.log);
    let failures = 1;
    c.log.trimBefore = async (r, seq) => {
      if (failures-- > 0) throw new Error('trim failed');
      return trim(r, seq);
    };
    await expect(c.run(jobs.deleteDocument(identity('olga'), documentId))).rejects.toThrow(/trim failed/);
    expect(await c.jobStore.getDocument(documentId)).toBeDefined();

    await c.run(jobs.deleteDocument(identity('olga'), documentId));
    expect(await c.jobStore.getDocument(documentId)).toBeUndefined();
    expect((await c.log.read(room, 0, 100)).entries.map((e) => e.type)).toEqual(['document_deleted']);
  });

  it('of a document opened by name, can be asked again by its creator once its zone document is gone', async () => {
    const c = nodes();
    const s = await c.connect(0, 'ann');
    await c.command(s, { type: 'join_room', room: 'doc:notes' });
    await c.request(s, 'doc.submit', {
      documentId: 'notes',
      v: 0,
      opId: 'o1',
      op: ['meta', 'x', { i: 'secret' }],
    });
    const { hub, jobs } = c.nodes[0];
    const publish = hub.publish.bind(hub);
    let failures = 1;
    hub.publish = async (...args: Parameters<Hub['publish']>) => {
      if (args[1] === 'document_deleted' && failures-- > 0) throw new Error('log append failed');
      return publish(...args);
    };
    await expect(c.run(jobs.deleteDocument(identity('ann'), 'notes'))).rejects.toThrow(/log append failed/);
    expect(await c.docStore.info('notes')).toBeUndefined();

    expect((await errorOf(c.run(jobs.deleteDocument(identity('bob'), 'notes')))).code).toBe('forbidden');
    await c.run(jobs.deleteDocument(identity('ann'), 'notes'));
    expect((await c.log.read('doc:notes', 0, 100)).entries.map((e) => e.type)).toEqual(['document_deleted']);
  });

  it('deletes a document opened by name (never uploaded), for its creator', async () => {
    const c = nodes();
    const s = await c.connect(0, 'ann');
    await c.command(s, { type: 'join_room', room: 'doc:notes' });
    expect((await c.request(s, 'doc.open', { documentId: 'notes' })).type).toBe('response');
    const { jobs } = c.nodes[0];
    expect((await errorOf(c.run(jobs.deleteDocument(identity('bob'), 'notes')))).code).toBe('forbidden');
    await c.run(jobs.deleteDocument(identity('ann'), 'notes'));
    expect(await c.docStore.info('notes')).toBeUndefined();
    expect((await c.request(s, 'doc.open', { documentId: 'notes' })).code).toBe('not_found');
  });

  it('has the same owner for its jobs: the creator of a document opened by name may cancel an export of it', async () => {
    const c = nodes();
    const owner = await c.connect(0, 'ann');
    await c.command(owner, { type: 'join_room', room: 'doc:notes' });
    await c.request(owner, 'doc.open', { documentId: 'notes' });
    const reader = await c.connect(0, 'bob');
    await c.command(reader, { type: 'join_room', room: 'doc:notes' });
    const started = await c.request(reader, 'export.start', { documentId: 'notes', format: 'markdown' });
    expect(started.type).toBe('response');
    const { jobId } = started.data;
    expect(
      (await c.request(owner, 'job.get', { documentId: 'notes', kind: 'export' })).data.job,
    ).toMatchObject({
      jobId,
      permissions: { cancel: true, retry: true },
    });
    const cancelled = await c.request(owner, 'job.cancel', { jobId });
    expect([cancelled.type, cancelled.data?.job?.state]).toEqual(['response', 'cancelled']);
  });

  it('a failed upload leaves nothing behind: no file, no catalogue entry, no queued zone document', async () => {
    const c = nodes();
    const { jobs } = c.nodes[0];
    // The job cannot be stored (the store failed): the upload fails after its document was created.
    c.jobStore.createJob = async () => {
      throw new Error('disk full');
    };
    let documentId = '';
    const ensure = c.docStore.ensure.bind(c.docStore);
    c.docStore.ensure = async (id, owner, now) => {
      documentId = id;
      return ensure(id, owner, now);
    };
    await expect(c.run(jobs.upload(identity('olga'), 'report.pdf', PDF))).rejects.toThrow('disk full');
    expect(documentId).toMatch(/^pdf-/);
    expect(await c.docStore.info(documentId)).toBeUndefined();
    expect(await c.docStore.ops(documentId, 0)).toEqual([]);
    expect(c.nodes[0].documents.isLoaded(documentId)).toBe(false);
    expect(await c.jobStore.getDocument(documentId)).toBeUndefined();
    expect(await c.files.get(pdfKey(documentId))).toBeUndefined();
  });

  it('an upload whose commit was lost (discardUpload) also cancels and removes its queued job', async () => {
    const c = nodes();
    const { documentId, jobId } = await c.uploaded();
    await c.run(c.nodes[0].jobs.discardUpload(documentId));
    expect(await c.jobStore.getJob(jobId)).toBeUndefined();
    expect(await c.docStore.info(documentId)).toBeUndefined();
    expect(await c.jobStore.getDocument(documentId)).toBeUndefined();
  });
});

describe('deleting a document, with several nodes', () => {
  it('the node that ran the cancelled job settles it quietly when the document is gone', async () => {
    const c = nodes();
    const { documentId, jobId } = await c.uploaded();
    // Deleted while the job still ran elsewhere: that node settles the job (cancelled) after the deletion.
    await c.run(c.nodes[0].documents.deleteDocument(documentId));
    const job = await c.jobStore.updateJob(jobId, { now: c.clock.now(), state: 'cancelled' });
    const processing = new ProcessingJob({
      store: c.jobStore,
      documents: c.nodes[0].documents,
      clock: c.clock,
    } as unknown as ProcessingDeps);
    await expect(c.run(processing.settled(job!))).resolves.toBeUndefined();
    expect(await c.docStore.info(documentId)).toBeUndefined();
  });

  it('every node drops its loaded copy, and a client on another node learns it', async () => {
    const c = nodes(2);
    await Promise.all(c.nodes.map((n) => n.jobs.start()));
    const { documentId } = await c.uploaded();
    const other = await c.connect(1, 'ann');
    await c.command(other, { type: 'join_room', room: `doc:${documentId}` });
    expect((await c.request(other, 'doc.open', { documentId })).type).toBe('response');
    expect(c.nodes[1].documents.isLoaded(documentId)).toBe(true);
    other.take();

    await c.run(c.nodes[0].jobs.deleteDocument(identity('olga'), documentId));

    expect(c.nodes[1].documents.isLoaded(documentId)).toBe(false);
    const heard = (other.messages() as Msg[]).filter((m) => m.type === 'document_deleted');
    expect(heard.map((m) => m.data.documentId)).toEqual([documentId]);
    expect((await c.request(other, 'doc.open', { documentId })).code).toBe('not_found');
  });

  it('a node that missed the word (a lost broadcast) finds out at the next open or submit', async () => {
    const c = nodes(2);
    const { documentId } = await c.uploaded();
    const other = await c.connect(1, 'ann');
    await c.command(other, { type: 'join_room', room: `doc:${documentId}` });
    const opened = await c.request(other, 'doc.open', { documentId });
    // Node 1 is not listening to broadcasts (its service was not started): it keeps its copy.
    await c.run(c.nodes[0].jobs.deleteDocument(identity('olga'), documentId));
    expect(c.nodes[1].documents.isLoaded(documentId)).toBe(true);

    const submit = await c.request(other, 'doc.submit', {
      documentId,
      v: opened.data.version,
      opId: 'o1',
      op: ['meta', 'x', { i: 1 }],
    });
    expect([submit.type, submit.code]).toEqual(['nack', 'not_found']);
    expect(c.nodes[1].documents.isLoaded(documentId)).toBe(false);
  });

  it('a node that missed the word refuses to lock or unlock a zone of it (not_found)', async () => {
    const c = nodes(2);
    const { documentId } = await c.uploaded();
    const other = await c.connect(1, 'ann');
    await c.command(other, { type: 'join_room', room: `doc:${documentId}` });
    await c.request(other, 'doc.open', { documentId });
    await c.run(c.nodes[0].jobs.deleteDocument(identity('olga'), documentId));
    expect(c.nodes[1].documents.isLoaded(documentId)).toBe(true);

    for (const method of ['doc.lock', 'doc.unlock']) {
      const reply = await c.request(other, method, { documentId, zoneId: 'z1' });
      expect([method, reply.type, reply.code]).toEqual([method, 'nack', 'not_found']);
    }
    expect(c.nodes[1].documents.isLoaded(documentId)).toBe(false);
    expect(c.nodes[0].broker.zoneLocks(documentId).list(c.clock.now())).toEqual([]);
  });

  it('an open on a node still holding a copy answers not_found', async () => {
    const c = nodes(2);
    const { documentId } = await c.uploaded();
    const other = await c.connect(1, 'ann');
    await c.command(other, { type: 'join_room', room: `doc:${documentId}` });
    await c.request(other, 'doc.open', { documentId });
    await c.run(c.nodes[0].jobs.deleteDocument(identity('olga'), documentId));
    expect(c.nodes[1].documents.isLoaded(documentId)).toBe(true);
    expect((await c.request(other, 'doc.open', { documentId })).code).toBe('not_found');
  });

  it('drops the copy when told by broadcast', async () => {
    const c = nodes(2);
    await c.nodes[1].jobs.start();
    const s = await c.connect(1, 'ann');
    await c.command(s, { type: 'join_room', room: 'doc:notes' });
    await c.request(s, 'doc.open', { documentId: 'notes' });
    c.nodes[0].broker.broadcast(DOCUMENT_DELETED_TOPIC, { documentId: 'notes' });
    await c.settle();
    expect(c.nodes[1].documents.isLoaded('notes')).toBe(false);
  });
});
