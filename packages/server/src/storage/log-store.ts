/**
 * The durable, sequenced log of every room. The core appends each logged event here before fanning it out,
 * and reads from here to replay what a resuming client missed.
 *
 * Implementations: `MemoryLogStore` (unit tests), `SqliteLogStore` (embedded default). Both pass the
 * contract suite in `log-store.contract.ts`. The interface is async so that networked stores
 * (PostgreSQL) fit without change.
 */
export interface LogEntry {
  room: string;
  /** 1-based, gap-free within a room. */
  seq: number;
  /** Event type (a name from the protocol's catalogue). */
  type: string;
  data: unknown;
  /** Server time of publication, ms since epoch. */
  ts: number;
  /** Publisher's user id; undefined for server-made events. */
  from?: string;
}

export interface AppendInput {
  type: string;
  data: unknown;
  ts: number;
  from?: string;
  /**
   * Idempotency key (e.g. `<userId>/<client message id>`). Appending an input whose key is already in
   * the room's retained log appends nothing and returns the existing entry's seq with `duplicate: true`.
   */
  dedupKey?: string;
  /**
   * `data` already serialized as `encodeData` writes it (null: no data), when the caller has it: the room encodes
   * an event's data once, for the log and for the frames that carry it. Stores write it as is.
   */
  json?: string | null;
}

export interface AppendResult {
  seq: number;
  duplicate: boolean;
}

export interface ReadResult {
  entries: LogEntry[];
  /**
   * Lowest seq still retained in the room. When `afterSeq + 1 < firstSeq` the reader missed events that
   * are gone (retention) and must reset. For a room with no retained events, `firstSeq = lastSeq + 1`.
   */
  firstSeq: number;
  /** Highest seq ever assigned in the room (0 for a room never written). */
  lastSeq: number;
}

export interface RetentionPolicy {
  /** Keep at most this many newest events per room. */
  maxEvents: number;
  /** Drop events older than this many ms. */
  maxAgeMs: number;
}

/**
 * Which rooms a trim applies to (or leaves alone): a string is a prefix (`'doc:'`, a kind's rooms; `''`, every room),
 * taken literally; `{ room }` is that one room (an automatic room such as `system`, whose name is a prefix of
 * other kinds' rooms: `systems:1`).
 */
export type RoomSelector = string | { readonly room: string };

/** Whether `selector` names `room`. */
export function selects(selector: RoomSelector, room: string): boolean {
  return typeof selector === 'string' ? room.startsWith(selector) : room === selector.room;
}

export interface LogStore {
  /**
   * Appends entries to one room atomically and in order, assigning consecutive seqs.
   * Resolves only once the entries are durable (for a durable store).
   */
  append(room: string, inputs: readonly AppendInput[]): Promise<AppendResult[]>;
  /**
   * The same, for stores that do the work synchronously (SQLite, memory): lets the core append and fan
   * out in the same event-loop turn as the publishes arrived. Throws where `append` would reject.
   */
  appendSync?(room: string, inputs: readonly AppendInput[]): AppendResult[];
  /** Up to `limit` entries with `seq > afterSeq`, in seq order, plus the room's bounds. */
  read(room: string, afterSeq: number, limit: number): Promise<ReadResult>;
  /** Highest seq assigned in the room (0 if none). Survives trimming. */
  lastSeq(room: string): Promise<number>;
  /**
   * Applies retention to the rooms `rooms` names (`'doc:'`, `'user:'`, `{ room: 'system' }`, or `''` for all), except
   * those one of `except` names (the kinds with a policy of their own, when `rooms` is `''`: the hub trims every other
   * room, whatever its kind, with the default policy in this one call). Never forgets a room's lastSeq. Returns how
   * many entries were removed.
   */
  trim(
    rooms: RoomSelector,
    policy: RetentionPolicy,
    now: number,
    except?: readonly RoomSelector[],
  ): Promise<number>;
  /**
   * Removes a room's entries with `seq < beforeSeq` (what a deleted document said: only its deletion stays), as
   * retention would: `lastSeq` is kept and a reader from before them sees `firstSeq > afterSeq + 1`. Never removes
   * an entry past the room's last seq; an unknown room is left alone. Returns how many entries were removed.
   */
  trimBefore(room: string, beforeSeq: number): Promise<number>;
  /** Whether the store can serve requests (for /readyz). */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}
