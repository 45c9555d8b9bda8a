import { ErrorCode, type RoomResume, type RoomState } from '@syncline/protocol';
import { SynclineError } from './errors.js';

/** Most rooms `hello.rooms` may list (`helloSchema` in the protocol). */
export const MAX_HELLO_ROOMS = 256;

/** Failures to enter a room that say nothing about the room: the wish to be in it stands. */
const TRANSIENT: ReadonlySet<string> = new Set([
  ErrorCode.Timeout,
  ErrorCode.Unavailable,
  ErrorCode.Internal,
  ErrorCode.RateLimited,
]);

/** `join`: membership with presence; `subscribe`: events only. */
export type RoomMode = 'join' | 'subscribe';

export interface RoomOptions {
  /** Last sequence number the app already has (e.g. from a snapshot); later events are replayed. */
  since?: number;
  /** Only these event types. */
  types?: string[];
}

interface Room {
  mode: RoomMode;
  types?: string[];
  /** Last sequence number seen; events at or below it are duplicates. */
  lastSeq?: number;
  /** Entered by the server on its own (`user:<id>`, `system`), not by the app. */
  auto: boolean;
  waiters: { resolve(state: RoomState): void; reject(error: SynclineError): void }[];
}

/** What the client must do after a `welcome`, besides what `hello.rooms` already did. */
export interface WelcomeOutcome {
  /** Rooms that were in `hello` but that the server did not enter (refused or gone). */
  refused: string[];
  /** Rooms the app entered after `hello` was sent: send `join_room`/`subscribe` for them now. */
  enter: string[];
  /** Rooms the app left after `hello` was sent: send `leave_room`/`unsubscribe` for them now. */
  leave: { room: string; mode: RoomMode }[];
}

/**
 * The rooms the app is in, with the last sequence number seen in each. It feeds `hello.rooms` on every
 * (re)connect so the server replays exactly what was missed, and it drops events already seen.
 */
export class RoomRegistry {
  private readonly rooms = new Map<string, Room>();
  /** Rooms (with the mode and types asked) listed in the last `hello`, waiting for the `welcome`. */
  private inHello = new Map<string, { mode: RoomMode; types?: string[] }>();

  /** Records the app's wish to be in `room`; resolves when the server says it is in. */
  enter(room: string, mode: RoomMode, options: RoomOptions = {}): Promise<RoomState> {
    const existing = this.rooms.get(room);
    const entry: Room = existing ?? { mode, auto: false, waiters: [] };
    entry.mode = mode;
    entry.auto = false;
    entry.types = options.types;
    if (options.since !== undefined) entry.lastSeq = options.since;
    this.rooms.set(room, entry);
    return new Promise((resolve, reject) => entry.waiters.push({ resolve, reject }));
  }

  /** Forgets `room`; returns how it was entered, or undefined when it was not. */
  leave(room: string): RoomMode | undefined {
    const entry = this.rooms.get(room);
    if (!entry) return undefined;
    this.rooms.delete(room);
    for (const w of entry.waiters)
      w.reject(new SynclineError(ErrorCode.NotJoined, `left ${room} before entering it`));
    return entry.mode;
  }

  /**
   * An opaque token for the app's current wish to be in `room`: a `leave` then a new `enter` make a new
   * one. A command's reply is applied only while the token it was sent with is current.
   */
  token(room: string): object | undefined {
    return this.rooms.get(room);
  }

  has(room: string): boolean {
    return this.rooms.has(room);
  }

  lastSeq(room: string): number | undefined {
    return this.rooms.get(room)?.lastSeq;
  }

  /** The `join_room` / `subscribe` command for `room` (with `since` when known). */
  command(room: string): { type: 'join_room' | 'subscribe'; room: string; since?: number; types?: string[] } {
    const entry = this.rooms.get(room);
    if (!entry) throw new Error(`unknown room ${room}`);
    return {
      type: entry.mode === 'join' ? 'join_room' : 'subscribe',
      room,
      ...(entry.lastSeq === undefined ? {} : { since: entry.lastSeq }),
      ...(entry.types ? { types: entry.types } : {}),
    };
  }

  /** The server entered `room` (an ack, or a line of `welcome.rooms`); `token`: see `token()`. */
  entered(room: string, state: RoomState, token?: object): void {
    const entry = this.rooms.get(room);
    if (!entry || (token !== undefined && entry !== token)) return;
    // `fresh`: nothing is replayed, continue after the room's current seq. `resumed`: the missed events
    // follow and must not look like duplicates. `reset`: a `reset` message follows and sets the seq.
    if (state.status === 'fresh') entry.lastSeq = Math.max(entry.lastSeq ?? -1, state.seq);
    for (const w of entry.waiters.splice(0)) w.resolve(state);
  }

  /**
   * Entering `room` failed: reject whoever waits. A refusal (`forbidden`, `invalid_room`, …) forgets the room; a
   * transient failure (`timeout`, `unavailable`, `internal`, `rate_limited`: the server may even have entered it)
   * keeps it with its last seq, so a retry or the next `hello` asks for what was missed since, not from now.
   * `token`: see `token()`.
   */
  refused(room: string, error: SynclineError, token?: object): void {
    const entry = this.rooms.get(room);
    if (!entry || (token !== undefined && entry !== token)) return;
    if (!TRANSIENT.has(error.code)) this.rooms.delete(room);
    for (const w of entry.waiters.splice(0)) w.reject(error);
  }

  /** `reset`: the gap was older than the room's retention; continue from `seq`. */
  reset(room: string, seq: number): void {
    const entry = this.rooms.get(room);
    if (entry) entry.lastSeq = seq;
  }

  /**
   * Whether an event is new. Events with a seq at or below the last one seen in their room are
   * duplicates (a replay overlapping what already arrived) and are dropped.
   */
  accept(event: { room: string; seq?: number }): boolean {
    if (event.seq === undefined) return true;
    const entry = this.rooms.get(event.room);
    if (!entry) return true;
    if (entry.lastSeq !== undefined && event.seq <= entry.lastSeq) return false;
    entry.lastSeq = event.seq;
    return true;
  }

  /**
   * `hello.rooms`: every room with its mode, types and last seq, remembered until the `welcome`. Past
   * `limit` (the protocol allows 256), the remaining rooms are entered with commands after the `welcome`.
   */
  helloRooms(limit = MAX_HELLO_ROOMS): RoomResume[] {
    this.inHello = new Map();
    const list: RoomResume[] = [];
    for (const [room, entry] of this.rooms) {
      if (list.length >= limit) break;
      this.inHello.set(room, { mode: entry.mode, types: entry.types });
      list.push({
        room,
        mode: entry.mode,
        ...(entry.lastSeq === undefined ? {} : { since: entry.lastSeq }),
        ...(entry.types ? { types: entry.types } : {}),
      });
    }
    return list;
  }

  /** Applies `welcome.rooms`; rooms the server entered on its own are remembered as automatic. */
  applyWelcome(states: readonly RoomState[]): WelcomeOutcome {
    const inHello = this.inHello;
    this.inHello = new Map();
    const outcome: WelcomeOutcome = { refused: [], enter: [], leave: [] };
    const listed = new Set<string>();
    const refusedCodes = new Map<string, SynclineError>();
    for (const state of states) {
      if (state.status === 'refused') {
        refusedCodes.set(
          state.room,
          new SynclineError(
            (state.code ?? ErrorCode.Forbidden) as ErrorCode,
            state.message ?? `refused ${state.room}`,
          ),
        );
        continue;
      }
      listed.add(state.room);
      const asked = inHello.get(state.room);
      const entry = this.rooms.get(state.room);
      if (!entry) {
        if (asked) {
          outcome.leave.push({ room: state.room, mode: asked.mode }); // left while the handshake was under way
          continue;
        }
        this.rooms.set(state.room, { mode: 'subscribe', auto: true, waiters: [] });
      } else if (asked && (asked.mode !== entry.mode || !sameTypes(asked.types, entry.types))) {
        // Entered again with another mode or filter after `hello` was sent (a join upgrading a
        // subscription, new types): the server applied the old one, so send the command now.
        outcome.enter.push(state.room);
      }
      this.entered(state.room, state);
    }
    for (const [room, entry] of this.rooms) {
      if (listed.has(room)) continue;
      if (entry.auto) this.rooms.delete(room);
      else if (inHello.has(room)) outcome.refused.push(room);
      else outcome.enter.push(room);
    }
    for (const room of outcome.refused) {
      this.refused(
        room,
        refusedCodes.get(room) ??
          new SynclineError(ErrorCode.Forbidden, `the server did not re-enter ${room}`),
      );
    }
    return outcome;
  }

  /** Rejects everyone waiting to enter a room (the client is closing). */
  rejectAll(error: SynclineError): void {
    for (const entry of this.rooms.values()) for (const w of entry.waiters.splice(0)) w.reject(error);
  }
}

function sameTypes(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return (
    a === b || (a !== undefined && b !== undefined && a.length === b.length && a.every((t, i) => t === b[i]))
  );
}
