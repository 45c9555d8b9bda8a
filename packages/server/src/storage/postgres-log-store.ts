import {
  checkBeforeSeq,
  checkPolicy,
  checkRead,
  checkRoom,
  checkSelector,
  decodeData,
  encodeInputs,
} from './log-data.js';
import type {
  AppendInput,
  AppendResult,
  LogEntry,
  LogStore,
  ReadResult,
  RetentionPolicy,
  RoomSelector,
} from './log-store.js';
import { KeyedQueue } from './postgres-keyed-queue.js';
import { type PostgresLogger, PostgresPool, type PostgresPoolOptions } from './postgres-pool.js';

export type PostgresLogStoreOptions =
  /** Opens (and on `close()` ends) a pool of its own. */
  | (PostgresPoolOptions & { pool?: undefined })
  | {
      /**
       * A pool shared with other stores (documents, jobs). The store does not end it: `close()` only stops this
       * store; whoever made the pool ends it.
       */
      pool: PostgresPool;
      /** Told about rows whose data is not valid JSON (they read as `null`). Default: `process.emitWarning`. */
      logger?: PostgresLogger;
    };

interface ReadRow {
  first_seq: number;
  last_seq: number;
  seq: number | null;
  type: string | null;
  data: string | null;
  ts: number | null;
  from_user: string | null;
}

/** Highest bound passed to PostgreSQL for seqs (`bigint`); seqs never get near it. */
const MAX_SEQ = Number.MAX_SAFE_INTEGER;
/** Rooms trimmed per transaction (their rows locked meanwhile). */
const TRIM_CHUNK = 256;

/**
 * The `LogStore` on PostgreSQL, for several nodes sharing one log.
 *
 * Seqs stay gap-free across nodes because an append locks its room's row (`syncline_rooms`) and assigns seqs from
 * its `last_seq` in the same transaction as it inserts the events (the `syncline_log_append` function: a batch is
 * one round trip). Within this process, appends to a room are queued so they commit in call order. An append
 * resolves once its transaction has committed. No `appendSync`: the store is asynchronous.
 */
export class PostgresLogStore implements LogStore {
  private readonly db: PostgresPool;
  private readonly ownsPool: boolean;
  private readonly logger: PostgresLogger;
  private readonly appends = new KeyedQueue();
  private closed = false;

  constructor(options: PostgresLogStoreOptions) {
    this.logger = options.logger ?? {
      warn: (obj, msg) => process.emitWarning(`${msg} ${JSON.stringify(obj)}`, 'PostgresLogStore'),
    };
    if (options.pool) {
      this.db = options.pool;
      this.ownsPool = false;
    } else {
      this.db = new PostgresPool(options);
      this.ownsPool = true;
    }
  }

  async append(room: string, inputs: readonly AppendInput[]): Promise<AppendResult[]> {
    this.checkOpen();
    checkRoom(room);
    const encoded = encodeInputs(inputs);
    if (encoded.length === 0) return [];
    return this.appends.run(room, async () => {
      this.checkOpen();
      const { rows } = await this.db.query<{ out_seq: number; out_duplicate: boolean }>(
        `SELECT out_seq, out_duplicate
         FROM syncline_log_append($1, $2::text[], $3::text[], $4::float8[], $5::text[], $6::text[])`,
        [
          room,
          encoded.map((e) => e.type),
          encoded.map((e) => e.json),
          encoded.map((e) => e.ts),
          encoded.map((e) => e.from),
          encoded.map((e) => e.dedupKey),
        ],
      );
      return rows.map((r) => ({ seq: r.out_seq, duplicate: r.out_duplicate }));
    });
  }

  async read(room: string, afterSeq: number, limit: number): Promise<ReadResult> {
    this.checkOpen();
    checkRoom(room);
    const args = checkRead(afterSeq, limit);
    // One statement, so the entries and the bounds come from one snapshot even while other nodes write.
    const { rows } = await this.db.query<ReadRow>(
      `SELECT r.first_seq, r.last_seq, e.seq, e.type, e.data, e.ts, e.from_user
       FROM syncline_rooms r
       LEFT JOIN LATERAL (
         SELECT seq, type, data, ts, from_user FROM syncline_events
         WHERE room = r.room AND seq > $2 ORDER BY seq LIMIT $3
       ) e ON true
       WHERE r.room = $1
       ORDER BY e.seq`,
      [room, clampSeq(args.afterSeq), args.limit],
    );
    if (rows.length === 0) return { entries: [], firstSeq: 1, lastSeq: 0 };
    const entries: LogEntry[] = [];
    for (const row of rows) if (row.seq !== null) entries.push(this.toLogEntry(room, row));
    return { entries, firstSeq: rows[0].first_seq, lastSeq: rows[0].last_seq };
  }

  async lastSeq(room: string): Promise<number> {
    this.checkOpen();
    checkRoom(room);
    const { rows } = await this.db.query<{ last_seq: number }>(
      'SELECT last_seq FROM syncline_rooms WHERE room = $1',
      [room],
    );
    return rows[0]?.last_seq ?? 0;
  }

  async trim(
    selector: RoomSelector,
    policy: RetentionPolicy,
    now: number,
    except: readonly RoomSelector[] = [],
  ): Promise<number> {
    this.checkOpen();
    checkSelector(selector);
    // A prefix is `LIKE 'prefix%'`; one room is a LIKE without a wildcard (its name escaped): the same index scan.
    const like = (p: RoomSelector) => (typeof p === 'string' ? `${escapeLike(p)}%` : escapeLike(p.room));
    const { maxEvents, cutoff } = checkPolicy(policy, now);
    // Per room: keep the newest `maxEvents`, then drop the leading run of old entries. Only a prefix of a room's log
    // is ever removed, so the retained log stays gap-free (an old entry behind a younger one waits for it).
    // The rooms are locked in name order (FOR UPDATE), so trims running on several nodes at once cannot deadlock;
    // `first_seq` only moves forward. LIKE with an escaped prefix on a "C"-collated key is an index range scan.
    //
    // NOTE: two statements, not one. A row lock that waits for an append in flight returns the row as that append
    // committed it (its new `last_seq`), but the rest of the same statement still reads the events from the snapshot
    // taken before: the appended events are invisible, so the age scan found no young entry and moved `first_seq`
    // past them, and a client resuming from before them was told to reset. Locking first and computing in a second
    // statement (a fresh READ COMMITTED snapshot, taken while no append to these rooms can run) sees them.
    const maxEventsArg = Number.isFinite(maxEvents) ? Math.min(maxEvents, MAX_SEQ) : null;
    const cutoffArg = Number.isFinite(cutoff) ? cutoff : null;
    // Only the rooms with something to remove are locked, a chunk at a time: locking every room with a log (as this
    // did) held every append of the whole cluster behind each minute's trim of the default policy. The candidates are
    // read without locks: a room over `maxEvents`, or whose oldest entry is older than the cutoff. A room that becomes
    // one meanwhile is trimmed next time; one that no longer is (trimmed by another node) is left as it is below.
    const candidates = await this.db.query<{ room: string }>(
      `SELECT r.room FROM syncline_rooms r
       WHERE r.room LIKE $1 ESCAPE '\\' AND NOT (r.room LIKE ANY ($2::text[]))
         AND r.first_seq <= r.last_seq
         AND (($3::bigint IS NOT NULL AND r.last_seq - r.first_seq + 1 > $3::bigint)
              OR ($4::float8 IS NOT NULL AND (SELECT e.ts FROM syncline_events e
                                             WHERE e.room = r.room AND e.seq >= r.first_seq
                                             ORDER BY e.seq LIMIT 1) < $4::float8))
       ORDER BY r.room`,
      [like(selector), except.map(like), maxEventsArg, cutoffArg],
    );
    let removed = 0;
    const rooms = candidates.rows.map((r) => r.room);
    for (let i = 0; i < rooms.length; i += TRIM_CHUNK) {
      removed += await this.trimRooms(rooms.slice(i, i + TRIM_CHUNK), maxEventsArg, cutoffArg);
    }
    return removed;
  }

  /** Trims `rooms` (in name order) by the policy, in one transaction that locks them. */
  private trimRooms(rooms: string[], maxEvents: number | null, cutoff: number | null): Promise<number> {
    return this.db.transaction(async (client) => {
      const locked = await client.query<{ room: string }>(
        `SELECT r.room FROM syncline_rooms r
         WHERE r.room = ANY($1::text[]) AND r.first_seq <= r.last_seq
         ORDER BY r.room
         FOR UPDATE`,
        [rooms],
      );
      if (locked.rows.length === 0) return 0;
      const result = await client.query<{ removed: number }>(
        `WITH bounds AS (
           SELECT r.room, r.first_seq, r.last_seq,
                  CASE WHEN $2::bigint IS NULL THEN r.first_seq
                       ELSE GREATEST(r.first_seq, r.last_seq - $2::bigint + 1) END AS keep_from
           FROM syncline_rooms r
           WHERE r.room = ANY($1::text[]) AND r.first_seq <= r.last_seq
         ),
         cut AS (
           SELECT b.room, b.first_seq,
                  CASE WHEN $3::float8 IS NULL OR b.keep_from > b.last_seq THEN b.keep_from
                       ELSE COALESCE(
                         (SELECT e.seq FROM syncline_events e
                          WHERE e.room = b.room AND e.seq >= b.keep_from AND e.ts >= $3::float8
                          ORDER BY e.seq LIMIT 1),
                         b.last_seq + 1)
                  END AS new_first
           FROM bounds b
         ),
         moved AS (
           UPDATE syncline_rooms r SET first_seq = c.new_first
           FROM cut c
           WHERE r.room = c.room AND c.new_first > r.first_seq
           RETURNING r.room, r.first_seq
         ),
         deleted AS (
           DELETE FROM syncline_events e USING moved m
           WHERE e.room = m.room AND e.seq < m.first_seq
           RETURNING 1
         )
         SELECT count(*)::int AS removed FROM deleted`,
        [locked.rows.map((r) => r.room), maxEvents, cutoff],
      );
      return result.rows[0]?.removed ?? 0;
    });
  }

  async trimBefore(room: string, beforeSeq: number): Promise<number> {
    this.checkOpen();
    checkRoom(room);
    const before = Math.max(-1, Math.min(checkBeforeSeq(beforeSeq), MAX_SEQ));
    // The room's row locked first (an append in flight commits before), then its bounds read afresh: the second
    // statement's snapshot sees what that append wrote (see `trim`).
    return this.db.transaction(async (client) => {
      const locked = await client.query('SELECT 1 FROM syncline_rooms WHERE room = $1 FOR UPDATE', [room]);
      if (locked.rowCount === 0) return 0;
      const result = await client.query<{ removed: number }>(
        `WITH moved AS (
           UPDATE syncline_rooms r SET first_seq = LEAST($2::bigint, r.last_seq + 1)
           WHERE r.room = $1 AND LEAST($2::bigint, r.last_seq + 1) > r.first_seq
           RETURNING r.room, r.first_seq
         ),
         deleted AS (
           DELETE FROM syncline_events e USING moved m
           WHERE e.room = m.room AND e.seq < m.first_seq
           RETURNING 1
         )
         SELECT count(*)::int AS removed FROM deleted`,
        [room, before],
      );
      return result.rows[0]?.removed ?? 0;
    });
  }

  /** Whether the database answers within the pool's ping timeout; false after close. Never hangs. */
  async ready(): Promise<boolean> {
    if (this.closed || this.db.isClosed) return false;
    return this.db.ping();
  }

  /** Idempotent. Ends the pool if the store opened it, not a shared `{ pool }`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsPool) await this.db.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('PostgresLogStore is closed');
  }

  private toLogEntry(room: string, row: ReadRow): LogEntry {
    const seq = row.seq as number;
    const data = decodeData(row.data, (err) =>
      this.logger.warn({ room, seq, err: err.message }, 'log entry data is not valid JSON; read as null'),
    );
    const entry: LogEntry = { room, seq, type: row.type as string, data, ts: row.ts as number };
    if (row.from_user !== null) entry.from = row.from_user;
    return entry;
  }
}

/** `seq > after` for integer seqs is `seq > floor(after)`; clamped into bigint range. */
function clampSeq(after: number): number {
  return Math.max(-1, Math.min(Math.floor(after), MAX_SEQ));
}

function escapeLike(prefix: string): string {
  return prefix.replace(/[\\%_]/g, (c) => `\\${c}`);
}
