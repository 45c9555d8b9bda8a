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

interface StoredEntry extends EncodedInput {
  seq: number;
}

interface RoomLog {
  /** Retained entries; `entries[i].seq === firstSeq + i` (the retained log never has holes). */
  entries: StoredEntry[];
  firstSeq: number;
  lastSeq: number;
  /** dedupKey -> seq, for retained entries only. */
  dedup: Map<string, number>;
}

/**
 * A `LogStore` in memory, for unit tests and single-process demos. Same semantics as the durable stores,
 * including JSON serialization of `data` (so a test cannot pass here and fail on SQLite because it stored a Date
 * or mutated an object after appending it).
 */
export class MemoryLogStore implements LogStore {
  private readonly rooms = new Map<string, RoomLog>();
  private closed = false;

  async append(room: string, inputs: readonly AppendInput[]): Promise<AppendResult[]> {
    return this.appendSync(room, inputs);
  }

  appendSync(room: string, inputs: readonly AppendInput[]): AppendResult[] {
    this.checkOpen();
    checkRoom(room);
    const encoded = encodeInputs(inputs);
    if (encoded.length === 0) return [];
    let log = this.rooms.get(room);
    if (!log) {
      log = { entries: [], firstSeq: 1, lastSeq: 0, dedup: new Map() };
      this.rooms.set(room, log);
    }
    const results: AppendResult[] = [];
    for (const input of encoded) {
      const existing = input.dedupKey === null ? undefined : log.dedup.get(input.dedupKey);
      if (existing !== undefined) {
        results.push({ seq: existing, duplicate: true });
        continue;
      }
      const seq = ++log.lastSeq;
      log.entries.push({ ...input, seq });
      if (input.dedupKey !== null) log.dedup.set(input.dedupKey, seq);
      results.push({ seq, duplicate: false });
    }
    return results;
  }

  async read(room: string, afterSeq: number, limit: number): Promise<ReadResult> {
    this.checkOpen();
    checkRoom(room);
    const args = checkRead(afterSeq, limit);
    const log = this.rooms.get(room);
    if (!log) return { entries: [], firstSeq: 1, lastSeq: 0 };
    const start = Math.max(0, Math.floor(args.afterSeq) + 1 - log.firstSeq);
    const entries = log.entries.slice(start, start + args.limit).map((e) => toLogEntry(room, e));
    return { entries, firstSeq: log.firstSeq, lastSeq: log.lastSeq };
  }

  async lastSeq(room: string): Promise<number> {
    this.checkOpen();
    checkRoom(room);
    return this.rooms.get(room)?.lastSeq ?? 0;
  }

  async trim(
    rooms: RoomSelector,
    policy: RetentionPolicy,
    now: number,
    except: readonly RoomSelector[] = [],
  ): Promise<number> {
    this.checkOpen();
    checkSelector(rooms);
    const { maxEvents, cutoff } = checkPolicy(policy, now);
    let removed = 0;
    for (const [room, log] of this.rooms) {
      if (!selects(rooms, room) || except.some((p) => selects(p, room))) continue;
      // Keep the newest `maxEvents`, then drop the leading run of old entries. Only a prefix is ever removed,
      // so the retained log stays gap-free (an old entry behind a younger one waits for it).
      let drop = Math.max(0, log.entries.length - maxEvents);
      while (drop < log.entries.length && log.entries[drop].ts < cutoff) drop++;
      if (drop === 0) continue;
      for (const entry of log.entries.splice(0, drop)) {
        if (entry.dedupKey !== null) log.dedup.delete(entry.dedupKey);
      }
      log.firstSeq += drop;
      removed += drop;
    }
    return removed;
  }

  async trimBefore(room: string, beforeSeq: number): Promise<number> {
    this.checkOpen();
    checkRoom(room);
    const before = checkBeforeSeq(beforeSeq);
    const log = this.rooms.get(room);
    if (!log) return 0;
    const drop = Math.max(0, Math.min(before, log.lastSeq + 1) - log.firstSeq);
    if (drop === 0) return 0;
    for (const entry of log.entries.splice(0, drop)) {
      if (entry.dedupKey !== null) log.dedup.delete(entry.dedupKey);
    }
    log.firstSeq += drop;
    return drop;
  }

  async ready(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.rooms.clear();
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('MemoryLogStore is closed');
  }
}

function toLogEntry(room: string, e: StoredEntry): LogEntry {
  // Stored JSON was produced by JSON.stringify, so it cannot be corrupt here.
  const entry: LogEntry = { room, seq: e.seq, type: e.type, data: decodeData(e.json, () => {}), ts: e.ts };
  if (e.from !== null) entry.from = e.from;
  return entry;
}
