import type Database from 'better-sqlite3';
import {
  checkBeforeSeq,
  checkPolicy,
  checkRead,
  checkRoom,
  checkSelector,
  decodeData,
  type EncodedInput,
  encodeInputs,
} from './log-data.js';
import {
  type AppendInput,
  type AppendResult,
  type LogEntry,
  type LogStore,
  type ReadResult,
  type RetentionPolicy,
  type RoomSelector,
  selects,
} from './log-store.js';
import type { SqliteGroupCommit } from './sqlite-group-commit.js';
import { type SqliteFileOptions, type SqliteSharedOptions, storeConnection } from './sqlite-open.js';

/** The subset of a pino logger the store uses. */
export interface StorageLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
}

export type SqliteLogStoreOptions = (SqliteFileOptions | SqliteSharedOptions) & {
  /** Told about rows whose data is not valid JSON (they read as `null`). Default: `process.emitWarning`. */
  logger?: StorageLogger;
};

/**
 * Schema migrations: `MIGRATIONS[i]` takes a database from `user_version` i to i + 1. Append, never edit.
 *
 * - `rooms` keeps each room's bounds, so `lastSeq` survives trimming every event of the room.
 * - `events` is clustered on (room, seq) (WITHOUT ROWID), so a resume read is one index range scan.
 * - dedup keys are unique per room among retained events; the partial index skips events without a key.
 * - v2: `rooms.last_seq` is a floor, written when a room is trimmed, not on every append: a room's last seq is
 *   the larger of it and the room's highest event (one index seek). An append then writes its events and nothing
 *   else (one B-tree page less per op to write and commit). No table changes; the version step makes an older
 *   server, which would take the floor for the last seq, refuse the file.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE rooms (
     room      TEXT    PRIMARY KEY,
     last_seq  INTEGER NOT NULL,
     first_seq INTEGER NOT NULL
   );
   CREATE TABLE events (
     room      TEXT    NOT NULL,
     seq       INTEGER NOT NULL,
     type      TEXT    NOT NULL,
     data      TEXT,
     ts        INTEGER NOT NULL,
     from_user TEXT,
     dedup_key TEXT,
     PRIMARY KEY (room, seq)
   ) WITHOUT ROWID;
   CREATE UNIQUE INDEX events_room_dedup_key ON events (room, dedup_key) WHERE dedup_key IS NOT NULL;`,
  `UPDATE rooms SET last_seq = max(last_seq, COALESCE((SELECT MAX(seq) FROM events WHERE events.room = rooms.room), 0));`,
];

/** The schema version this code writes (`PRAGMA user_version`). */
export const SQLITE_LOG_SCHEMA_VERSION = MIGRATIONS.length;

/** Rooms trimmed between two yields to the event loop, so a large trim does not stall live traffic. */
const TRIM_ROOMS_PER_TURN = 64;

interface RoomRow {
  firstSeq: number;
  lastSeq: number;
}

interface EventRow {
  seq: number;
  type: string;
  data: string | null;
  ts: number;
  fromUser: string | null;
}

/**
 * The embedded durable `LogStore`, on better-sqlite3 in WAL mode.
 *
 * better-sqlite3 is synchronous: each method does its work in one synchronous transaction and returns a settled
 * promise. That keeps appends strictly in call order without locks, and an append is committed before its
 * promise resolves; on a shared connection with a group commit (the server's), it is committed with the rest of
 * the turn's writes, before anything of the turn is sent (see `SqliteGroupCommit`).
 */
export class SqliteLogStore implements LogStore {
  private readonly db: Database.Database;
  /** Lets go of the background WAL checkpointer (if the file has one), after closing. */
  private readonly release: () => Promise<void>;
  /** Whether `close()` closes the connection (false for a caller-owned `{ db }`). */
  private readonly ownsDb: boolean;
  /** The shared connection's group commit: appends join the turn's transaction. */
  private readonly group: SqliteGroupCommit | null;
  private closed = false;
  private readonly logger: StorageLogger;
  private readonly stmt: ReturnType<typeof prepareStatements>;
  private readonly appendTx: (room: string, inputs: readonly EncodedInput[]) => AppendResult[];
  private readonly readTx: (room: string, afterSeq: number, limit: number) => ReadResult;
  private readonly trimRoomTx: (room: string, maxEvents: number, cutoff: number) => number;
  private readonly trimBeforeTx: (room: string, beforeSeq: number) => number;

  constructor(options: SqliteLogStoreOptions) {
    this.logger = options.logger ?? {
      warn: (obj, msg) => process.emitWarning(`${msg} ${JSON.stringify(obj)}`, 'SqliteLogStore'),
    };
    const conn = storeConnection(options, 'SqliteLogStore', (db) => {
      migrate(db);
      return prepareStatements(db);
    });
    const db = conn.db;
    this.stmt = conn.value;
    this.db = db;
    this.release = conn.release;
    this.ownsDb = conn.ownsDb;
    this.group = conn.group;
    const s = this.stmt;

    const appendRows = (room: string, inputs: readonly EncodedInput[]): AppendResult[] => {
      const bounds = s.selectRoom.get(room);
      if (bounds === undefined) s.insertRoom.run(room);
      let last = bounds?.lastSeq ?? 0;
      const results: AppendResult[] = [];
      for (const input of inputs) {
        // Also sees rows inserted earlier in this transaction, so duplicates within one call are caught too.
        const existing =
          input.dedupKey === null ? undefined : s.selectSeqByDedupKey.get(room, input.dedupKey);
        if (existing !== undefined) {
          results.push({ seq: existing, duplicate: true });
          continue;
        }
        last += 1;
        s.insertEvent.run(room, last, input.type, input.json, input.ts, input.from, input.dedupKey);
        results.push({ seq: last, duplicate: false });
      }
      return results;
    };
    // IMMEDIATE: take the write lock up front, so two processes sharing the file cannot both read the same
    // last seq and then fail to upgrade their locks.
    const append = db.transaction(appendRows);
    this.appendTx = (room, inputs) => {
      const group = this.group;
      group?.join();
      // Inside the turn's transaction, one event without a dedup key is one INSERT (and the room's row, the first
      // time): it needs no savepoint around it (the common case: a document op's event).
      const bare = group !== null && db.inTransaction && inputs.length === 1 && inputs[0].dedupKey === null;
      return bare ? appendRows(room, inputs) : append.immediate(room, inputs);
    };

    // A read transaction, so the entries and the bounds come from one snapshot even if another process writes.
    const read = db.transaction((room: string, afterSeq: number, limit: number): ReadResult => {
      const bounds = s.selectRoom.get(room);
      if (!bounds) return { entries: [], firstSeq: 1, lastSeq: 0 };
      const rows = limit > 0 ? s.selectEvents.all(room, afterSeq, limit) : [];
      return {
        entries: rows.map((row) => this.toLogEntry(room, row)),
        firstSeq: bounds.firstSeq,
        lastSeq: bounds.lastSeq,
      };
    });
    this.readTx = (room, afterSeq, limit) => read.deferred(room, afterSeq, limit);

    const trimRoom = db.transaction((room: string, maxEvents: number, cutoff: number): number => {
      const bounds = s.selectRoom.get(room);
      if (!bounds) return 0;
      // Keep the newest `maxEvents`, then drop the leading run of old entries. Only a prefix is ever removed,
      // so the retained log stays gap-free (an old entry behind a younger one waits for it).
      let first = Math.max(bounds.firstSeq, bounds.lastSeq - maxEvents + 1);
      if (cutoff > Number.NEGATIVE_INFINITY && first <= bounds.lastSeq) {
        first = s.selectFirstSeqNotOlderThan.get(room, first, cutoff) ?? bounds.lastSeq + 1;
      }
      if (first <= bounds.firstSeq) return 0;
      const removed = s.deleteEventsBefore.run(room, first).changes;
      // The last seq is kept in the room's row before its events can all be gone.
      s.updateBounds.run(first, bounds.lastSeq, room);
      return removed;
    });
    this.trimRoomTx = (room, maxEvents, cutoff) => {
      this.group?.join();
      return trimRoom.immediate(room, maxEvents, cutoff);
    };

    const trimBefore = db.transaction((room: string, beforeSeq: number): number => {
      const bounds = s.selectRoom.get(room);
      if (!bounds) return 0;
      const first = Math.min(beforeSeq, bounds.lastSeq + 1);
      if (first <= bounds.firstSeq) return 0;
      const removed = s.deleteEventsBefore.run(room, first).changes;
      s.updateBounds.run(first, bounds.lastSeq, room);
      return removed;
    });
    this.trimBeforeTx = (room, beforeSeq) => {
      this.group?.join();
      return trimBefore.immediate(room, beforeSeq);
    };
  }

  async append(room: string, inputs: readonly AppendInput[]): Promise<AppendResult[]> {
    return this.appendSync(room, inputs);
  }

  appendSync(room: string, inputs: readonly AppendInput[]): AppendResult[] {
    this.checkOpen();
    checkRoom(room);
    const encoded = encodeInputs(inputs);
    if (encoded.length === 0) return [];
    return this.appendTx(room, encoded);
  }

  async read(room: string, afterSeq: number, limit: number): Promise<ReadResult> {
    this.checkOpen();
    checkRoom(room);
    const args = checkRead(afterSeq, limit);
    return this.readTx(room, args.afterSeq, args.limit);
  }

  async lastSeq(room: string): Promise<number> {
    this.checkOpen();
    checkRoom(room);
    return this.stmt.selectRoom.get(room)?.lastSeq ?? 0;
  }

  async trim(
    selector: RoomSelector,
    policy: RetentionPolicy,
    now: number,
    except: readonly RoomSelector[] = [],
  ): Promise<number> {
    this.checkOpen();
    checkSelector(selector);
    const { maxEvents, cutoff } = checkPolicy(policy, now);
    const rooms: string[] = [];
    if (typeof selector !== 'string') {
      const room = selector.room;
      if (!except.some((p) => selects(p, room)) && this.stmt.selectRoom.get(room)) rooms.push(room);
    } else if (!except.some((p) => typeof p === 'string' && selector.startsWith(p))) {
      // Rooms sharing a prefix are contiguous in the primary key's (binary) order: scan from the prefix and stop
      // at the first room that does not match; on reaching an excepted prefix, go on from just past its rooms. No
      // LIKE, so '%' and '_' in a prefix are literal.
      let from: string | null = selector;
      while (from !== null) {
        const start: string = from;
        from = null;
        for (const room of this.stmt.selectRoomsFrom.iterate(start)) {
          if (!room.startsWith(selector)) break;
          const skipped = except.find((p) => selects(p, room));
          if (typeof skipped === 'string') {
            from = pastPrefix(skipped);
            break;
          }
          if (skipped === undefined) rooms.push(room);
        }
      }
    }
    let removed = 0;
    for (let i = 0; i < rooms.length; i++) {
      if (i > 0 && i % TRIM_ROOMS_PER_TURN === 0) {
        await new Promise<void>((resolveTurn) => setImmediate(resolveTurn));
        this.checkOpen();
      }
      removed += this.trimRoomTx(rooms[i], maxEvents, cutoff);
    }
    return removed;
  }

  async trimBefore(room: string, beforeSeq: number): Promise<number> {
    this.checkOpen();
    checkRoom(room);
    return this.trimBeforeTx(room, checkBeforeSeq(beforeSeq));
  }

  async ready(): Promise<boolean> {
    return !this.closed && this.db.open;
  }

  /** Idempotent. Closes the connection if the store opened it (`{ path }`), not a caller-owned `{ db }`. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.ownsDb && this.db.open) this.db.close();
    await this.release();
  }

  private checkOpen(): void {
    if (this.closed || !this.db.open) throw new Error('SqliteLogStore is closed');
  }

  private toLogEntry(room: string, row: EventRow): LogEntry {
    const data = decodeData(row.data, (err) =>
      this.logger.warn(
        { room, seq: row.seq, err: err.message },
        'log entry data is not valid JSON; read as null',
      ),
    );
    const entry: LogEntry = { room, seq: row.seq, type: row.type, data, ts: row.ts };
    if (row.fromUser !== null) entry.from = row.fromUser;
    return entry;
  }
}

/** The first string after every string starting with `prefix` (not empty), in binary order: `doc:` -> `doc;`. */
function pastPrefix(prefix: string): string {
  const last = prefix.length - 1;
  return prefix.slice(0, last) + String.fromCharCode(prefix.charCodeAt(last) + 1);
}

/** Brings the schema to `SQLITE_LOG_SCHEMA_VERSION`, refusing a database written by a newer version. */
function migrate(db: Database.Database): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new Error(
        `log database schema version ${version} is newer than this server supports (${MIGRATIONS.length})`,
      );
    }
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]);
    if (version !== MIGRATIONS.length) db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

function prepareStatements(db: Database.Database) {
  return {
    selectRoom: db.prepare<[string], RoomRow>(
      `SELECT r.first_seq AS firstSeq,
              max(r.last_seq, COALESCE((SELECT MAX(e.seq) FROM events e WHERE e.room = r.room), 0)) AS lastSeq
       FROM rooms r WHERE r.room = ?`,
    ),
    insertRoom: db.prepare<[string]>(
      'INSERT INTO rooms (room, last_seq, first_seq) VALUES (?, 0, 1) ON CONFLICT (room) DO NOTHING',
    ),
    selectSeqByDedupKey: db
      .prepare<[string, string], number>('SELECT seq FROM events WHERE room = ? AND dedup_key = ?')
      .pluck(),
    insertEvent: db.prepare<[string, number, string, string | null, number, string | null, string | null]>(
      'INSERT INTO events (room, seq, type, data, ts, from_user, dedup_key) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    selectEvents: db.prepare<[string, number, number], EventRow>(
      `SELECT seq, type, data, ts, from_user AS fromUser FROM events
       WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    selectRoomsFrom: db
      .prepare<[string], string>('SELECT room FROM rooms WHERE room >= ? ORDER BY room')
      .pluck(),
    selectFirstSeqNotOlderThan: db
      .prepare<[string, number, number], number>(
        'SELECT seq FROM events WHERE room = ? AND seq >= ? AND ts >= ? ORDER BY seq LIMIT 1',
      )
      .pluck(),
    deleteEventsBefore: db.prepare<[string, number]>('DELETE FROM events WHERE room = ? AND seq < ?'),
    updateBounds: db.prepare<[number, number, string]>(
      'UPDATE rooms SET first_seq = ?, last_seq = max(last_seq, ?) WHERE room = ?',
    ),
  };
}
