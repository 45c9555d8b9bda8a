import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { needService, POSTGRES_URL } from '../../../../test/services.js';
import { silentLogger } from '../core/logger.js';
import { MemoryFileStore } from '../jobs/memory-file-store.js';
import { PostgresJobStore } from '../jobs/postgres-job-store.js';
import { SynclineServer } from '../server.js';
import { TcpProxy } from './testing/postgres-test-proxy.js';
import { PostgresTestSchemas } from './testing/postgres-test-schemas.js';

const hasPostgres = await needService('postgres');
const schemas = new PostgresTestSchemas(POSTGRES_URL);
afterAll(() => schemas.dropAll());

describe.skipIf(!hasPostgres)('SynclineServer on PostgreSQL (storage: { postgres })', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const task of cleanup.splice(0).reverse()) await task();
  });

  const start = async (url: string, schema: string) => {
    const server = new SynclineServer({
      storage: { postgres: url, schema },
      auth: { dev: true },
      jobs: { files: new MemoryFileStore() },
      logger: silentLogger,
      systemStatusIntervalMs: 0,
    });
    cleanup.push(() => server.close({ restartHintMs: 0 }));
    const { port } = await server.listen(0, '127.0.0.1');
    return { server, base: `http://127.0.0.1:${port}` };
  };
  const readyz = async (base: string) => {
    const res = await fetch(`${base}/readyz`);
    return { status: res.status, body: await res.json() };
  };
  /** Polls /readyz until it answers `status` (the pool notices an outage or a return within a ping). */
  const readyzBecomes = async (base: string, status: number) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const r = await readyz(base);
      if (r.status === status || Date.now() > deadline) return r;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it('stores the room log and jobs in the database and reports ready', async () => {
    const schema = schemas.newSchema();
    const { server, base } = await start(POSTGRES_URL, schema);
    // Ready once the schema is migrated (the first ping does it).
    expect(await readyzBecomes(base, 200)).toEqual({ status: 200, body: { ready: true, storage: true } });
    await server.setMaintenance(true, 'upgrading');
    expect(await server.hub.store.lastSeq('system')).toBe(1);

    // A second node on the same database sees the event and continues the sequence.
    const other = await start(POSTGRES_URL, schema);
    const { entries } = await other.server.hub.store.read('system', 0, 10);
    expect(entries.map((e) => [e.seq, e.type, e.data])).toEqual([
      [1, 'maintenance_mode', { enabled: true, message: 'upgrading' }],
    ]);
    await other.server.setMaintenance(false);
    expect(await server.hub.store.lastSeq('system')).toBe(2);

    // Jobs and uploads: what one node stores, the other reads.
    expect(server.jobs?.store).toBeInstanceOf(PostgresJobStore);
    await server.jobs?.store.addDocument({
      documentId: 'report-1',
      name: 'report.pdf',
      ownerId: 'alice',
      size: 10,
      createdAt: 1,
      updatedAt: 1,
      status: 'uploaded',
      pages: null,
      jobId: null,
    });
    expect(await other.server.jobs?.store.getDocument('report-1')).toMatchObject({ name: 'report.pdf' });
  });

  it('reports not ready while the database is unreachable, and ready again when it returns', async () => {
    const proxy = await TcpProxy.start(new URL(POSTGRES_URL));
    cleanup.push(() => proxy.close());
    const { base } = await start(proxy.url(POSTGRES_URL), schemas.newSchema());
    expect((await readyzBecomes(base, 200)).status).toBe(200);

    await proxy.stop();
    expect(await readyzBecomes(base, 503)).toEqual({ status: 503, body: { ready: false, storage: false } });

    await proxy.resume();
    expect(await readyzBecomes(base, 200)).toEqual({ status: 200, body: { ready: true, storage: true } });
  });
});
