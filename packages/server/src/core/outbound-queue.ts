import type { Codec, Encoded } from '@syncline/protocol';
import { EphemeralEvent, type OutMessage, SharedBatch } from './out-message.js';

/** Frames bigger than this many items are split, so no single frame grows without bound. */
export const MAX_ITEMS_PER_FRAME = 1024;

/**
 * The outbound queue of one connection, in three lanes:
 * - control: acks, nacks, responses, welcome, errors (critical, per connection, sent first);
 * - logged: room events in sequence order (critical and normal), as single messages or shared batches;
 * - ephemeral: coalesced by key, latest value wins, dropped first under pressure.
 * Lanes are allocated on first use so an idle connection costs nothing here.
 */
export class OutboundQueue {
  private control: OutMessage[] | null = null;
  private logged: (OutMessage | SharedBatch)[] | null = null;
  private ephemeral: Map<string, OutMessage> | null = null;

  get hasEphemeral(): boolean {
    return this.ephemeral !== null;
  }

  get empty(): boolean {
    return this.control === null && this.logged === null && this.ephemeral === null;
  }

  pushControl(m: OutMessage): void {
    (this.control ??= []).push(m);
  }

  pushLogged(m: OutMessage | SharedBatch): void {
    const lane = (this.logged ??= []);
    if (m instanceof SharedBatch && lane[lane.length - 1] === m) return;
    lane.push(m);
  }

  /**
   * Moves the waiting ephemeral messages to the end of the logged lane, so that they leave ahead of what is
   * queued next (no longer coalesced or droppable). For messages held from an earlier turn.
   */
  promoteEphemeral(): void {
    const waiting = this.ephemeral;
    if (waiting === null) return;
    this.ephemeral = null;
    const lane = (this.logged ??= []);
    for (const m of waiting.values()) lane.push(m);
  }

  /** Replaces a queued shared batch by its current items, so later items can differ for this connection. */
  expandBatch(batch: SharedBatch): void {
    const lane = this.logged;
    if (!lane) return;
    const i = lane.indexOf(batch);
    if (i >= 0) lane.splice(i, 1, ...batch.items);
  }

  /**
   * Queues an ephemeral message, coalesced by `key`: it replaces one already waiting under that key, unless
   * `replace` is false (then the waiting one, newer, stays).
   */
  pushEphemeral(key: string, m: OutMessage, replace = true): void {
    const lane = (this.ephemeral ??= new Map());
    if (!replace && lane.has(key)) return;
    lane.delete(key); // re-insert so the newest value also takes the newest position
    lane.set(key, m);
  }

  /**
   * Takes everything queued as frames for `codec`. With `dropEphemeral`, coalesced ephemeral messages are
   * discarded (their count is returned) instead of sent. With `groups` (a JSON client that reads `ephemeral`
   * messages), each run of ephemeral events of one room and type leaves as one `ephemeral` message. A frame holds
   * at most `MAX_ITEMS_PER_FRAME` messages and about `maxFrameBytes` (a message larger than that alone): the
   * connection checks its send buffer between frames, so a turn of a hundred big replies cannot pass its hard limit
   * as one frame.
   */
  drain(
    codec: Codec,
    dropEphemeral: boolean,
    groups = false,
    maxFrameBytes = Number.POSITIVE_INFINITY,
  ): { frames: Encoded[]; messages: number; dropped: number } {
    const { control, logged, ephemeral } = this;
    this.control = this.logged = this.ephemeral = null;
    let dropped = 0;
    // Fast path: the whole turn's output is one room's shared batch (typical fan-out).
    if (control === null && (ephemeral === null || dropEphemeral) && logged?.length === 1) {
      const only = logged[0];
      if (only instanceof SharedBatch && only.items.length <= MAX_ITEMS_PER_FRAME) {
        const frame = only.frame(codec); // encoded once for every subscriber
        if (
          only.items.length === 1 ||
          (typeof frame === 'string' ? frame.length : frame.byteLength) <= maxFrameBytes
        ) {
          dropped = ephemeral?.size ?? 0;
          return { frames: [frame], messages: only.items.length, dropped };
        }
      }
    }
    const items: Encoded[] = [];
    if (control) for (const m of control) items.push(m.encode(codec));
    if (logged) {
      for (const m of logged) {
        if (m instanceof SharedBatch) m.encodeInto(codec, items);
        else items.push(m.encode(codec));
      }
    }
    if (ephemeral) {
      if (dropEphemeral) dropped = ephemeral.size;
      else if (groups && !codec.binary && ephemeral.size > 1) pushGrouped(ephemeral.values(), codec, items);
      else for (const m of ephemeral.values()) items.push(m.encode(codec));
    }
    const frames: Encoded[] = [];
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const size = typeof item === 'string' ? item.length : item.byteLength;
      if (i > start && (i - start >= MAX_ITEMS_PER_FRAME || bytes + size > maxFrameBytes)) {
        frames.push(codec.batch(items.slice(start, i)));
        start = i;
        bytes = 0;
      }
      bytes += size;
    }
    if (start < items.length) frames.push(start === 0 ? codec.batch(items) : codec.batch(items.slice(start)));
    return { frames, messages: items.length, dropped };
  }
}

/**
 * Encodes ephemeral messages in order, each run of `EphemeralEvent`s of one room and type (at most
 * `MAX_ITEMS_PER_FRAME` of them) as one `{"type":"ephemeral","room":…,"event":…,"items":[from,ts,data,…]}`.
 */
function pushGrouped(messages: Iterable<OutMessage>, codec: Codec, items: Encoded[]): void {
  let run: EphemeralEvent[] = [];
  const end = () => {
    if (run.length === 1) items.push(run[0].encode(codec));
    else if (run.length > 1) {
      const { room, type } = run[0].event;
      let parts = run[0].groupPart();
      for (let i = 1; i < run.length; i++) parts += `,${run[i].groupPart()}`;
      items.push(
        `{"type":"ephemeral","room":${JSON.stringify(room)},"event":${JSON.stringify(type)},"items":[${parts}]}`,
      );
    }
    run = [];
  };
  for (const m of messages) {
    if (!(m instanceof EphemeralEvent)) {
      end();
      items.push(m.encode(codec));
      continue;
    }
    const first = run[0];
    if (
      first !== undefined &&
      (first.event.room !== m.event.room ||
        first.event.type !== m.event.type ||
        run.length >= MAX_ITEMS_PER_FRAME)
    ) {
      end();
    }
    run.push(m);
  }
  end();
}
