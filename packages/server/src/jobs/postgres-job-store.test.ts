import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { needService, POSTGRES_URL } from '../../../../test/services.js';
import { quoteIdent } from '../storage/postgres-pool.js';
import { PostgresTestSchemas } from '../storage/testing/postgres-test-schemas.js';
import type { NewJob } from './job.js';
import { describeJobStoreContract } from './job-store.contract.js';
import { PostgresJobStore } from './postgres-job-store.js';

const hasPostgres = await needService('postgres');
const schemas = new PostgresTestSchemas(POSTGRES_URL);
afterAll(() => schemas.dropAll());

const job = (id: string, now: number): NewJob => ({
  id,
  kind: 'processing',
  ownerId: 'alice',
  documentId: 'doc-1',
  now,
});

describe.skipIf(!hasPostgres)('on PostgreSQL', () => {
  describeJobStoreContract(
    'PostgresJobStore (own pool)',
    () => new PostgresJobStore({ url: POSTGRES_URL, schema: schemas.newSchema(), max: 4 }),
  );
  describeJobStoreContract(
    'PostgresJobStore ({ pool })',
    () => new PostgresJobStore({ pool: schemas.pool() }),
  );

  describe('PostgresJobStore', () => {
    const closers: { close(): Promise<void> }[] = [];
    const open = (schema: string) => {
      const store = new PostgresJobStore({ url: POSTGRES_URL, schema, max: 4 });
      closers.push(store);
      return store;
    };
    afterEach(async () => {
      for (const c of closers.splice(0).reverse()) await c.close();
    });

    it('hands each job to exactly one of several nodes claiming at once', async () => {
      const schema = schemas.newSchema();
      const nodes = [open(schema), open(schema), open(schema)];
      for (let i = 0; i < 30; i++) await nodes[0].createJob(job(`j${String(i).padStart(2, '0')}`, 100 + i));
      const claimed: string[] = [];
      await Promise.all(
        nodes.map(async (node) => {
          for (;;) {
            const next = await node.claimNext({ now: 1_000 });
            if (!next) return;
            claimed.push(next.id);
          }
        }),
      );
      expect(claimed.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `j${String(i).padStart(2, '0')}`));
      expect(await nodes[1].countByState()).toMatchObject({ queued: 0, running: 30 });
    });

    it('skips a job another node holds locked instead of waiting for it', async () => {
      const schema = schemas.newSchema();
      const store = open(schema);
      await store.createJob(job('oldest', 100));
      await store.createJob(job('next', 200));
      const other = new pg.Client({ connectionString: POSTGRES_URL });
      await other.connect();
      try {
        await other.query('BEGIN');
        await other.query(
          `SELECT id FROM ${quoteIdent(schema)}.syncline_jobs WHERE id = 'oldest' FOR UPDATE`,
        );
        expect((await store.claimNext({ now: 1_000 }))?.id).toBe('next');
        await other.query('ROLLBACK');
        expect((await store.claimNext({ now: 1_000 }))?.id).toBe('oldest');
      } finally {
        await other.end();
      }
    });

    it('lets a cancel from one node win over the completion from the node running the job, or lose, never both', async () => {
      const schema = schemas.newSchema();
      const [runner, api] = [open(schema), open(schema)];
      await api.createJob(job('j1', 100));
      expect((await runner.claimNext({ now: 200 }))?.id).toBe('j1');
      const [completed, cancelled] = await Promise.all([
        runner.updateJob('j1', { now: 300, state: 'completed', progress: 1 }, ['running']),
        api.updateJob('j1', { now: 300, state: 'cancelled' }, ['queued', 'running']),
      ]);
      expect([completed, cancelled].filter((r) => r !== undefined)).toHaveLength(1);
      const final = await runner.getJob('j1');
      expect(final?.state).toBe(completed ? 'completed' : 'cancelled');
    });
  });
});
