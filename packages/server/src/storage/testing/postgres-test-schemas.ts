import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresPool, type PostgresPoolOptions, quoteIdent } from '../postgres-pool.js';

/**
 * Isolation for tests on a shared PostgreSQL: every `pool()` is a `PostgresPool` on a fresh schema `t_<random>`
 * (created and migrated on first use), and `dropAll()` ends those pools and drops their schemas.
 *
 * @example
 * const schemas = new PostgresTestSchemas(POSTGRES_URL);
 * afterAll(() => schemas.dropAll());
 * const store = new PostgresLogStore({ pool: schemas.pool() });
 */
export class PostgresTestSchemas {
  private readonly pools: PostgresPool[] = [];
  private readonly names: string[] = [];

  constructor(readonly url: string) {}

  /** A new schema name (`<prefix><random>`), remembered for `dropAll`. */
  newSchema(prefix = 't_'): string {
    const name = `${prefix}${randomBytes(6).toString('hex')}`;
    this.names.push(name);
    return name;
  }

  /** A pool on a fresh schema; `dropAll` ends it. */
  pool(options: Partial<PostgresPoolOptions> = {}): PostgresPool {
    const pool = new PostgresPool({ url: this.url, schema: this.newSchema(), max: 4, ...options });
    this.pools.push(pool);
    return pool;
  }

  /** Ends every pool made here and drops every schema named here. */
  async dropAll(): Promise<void> {
    for (const pool of this.pools.splice(0)) await pool.close();
    const names = this.names.splice(0);
    if (names.length === 0) return;
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      for (const name of names) await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(name)} CASCADE`);
    } finally {
      await client.end();
    }
  }
}
