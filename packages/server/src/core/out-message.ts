import type { Codec, Encoded, EventMessage } from '@syncline/protocol';

/**
 * A server message on its way out, encoded at most once per codec however many connections it goes to.
 */
export class OutMessage {
  private json: Encoded | undefined;
  private packed: Encoded | undefined;

  constructor(readonly message: unknown) {}

  encode(codec: Codec): Encoded {
    if (codec.binary) return (this.packed ??= codec.encode(this.message));
    return (this.json ??= this.encodeJson(codec));
  }

  protected encodeJson(codec: Codec): Encoded {
    return codec.encode(this.message);
  }
}

/**
 * A logged room event whose `data` is JSON text already, as the log stored it: its JSON encoding is that text with
 * the event's other fields around it (in `toEventMessage`'s order), not a second serialization of the data. Other
 * codecs encode the message as usual.
 */
export class LoggedEvent extends OutMessage {
  constructor(
    message: EventMessage,
    /** `JSON.stringify(message.data)`, null when it has none. */
    private readonly dataJson: string | null,
    /** `JSON.stringify(message.room)` (the room's, made once). */
    private readonly roomJson: string,
  ) {
    super(message);
  }

  protected override encodeJson(): Encoded {
    const m = this.message as EventMessage;
    // Numbers as JSON writes them: seq is an integer, ts a finite number (the stores check it).
    const from = m.from === undefined ? '' : `,"from":${JSON.stringify(m.from)}`;
    const data = this.dataJson === null ? '' : `,"data":${this.dataJson}`;
    return `{"type":${JSON.stringify(m.type)},"room":${this.roomJson},"seq":${m.seq},"ts":${m.ts}${from}${data}}`;
  }
}

/**
 * `message` as an `OutMessage` already encoded for `codec`, or null when the codec cannot write it (app data: a
 * BigInt in JSON, a cycle, nesting that overflows the encoder's stack). For a reply whose data comes from app code,
 * checked where the request can still be answered with a nack, instead of in the flush.
 */
export function encodedOrNull(message: unknown, codec: Codec): OutMessage | null {
  const m = new OutMessage(message);
  try {
    m.encode(codec);
    return m;
  } catch {
    return null;
  }
}

/**
 * An ephemeral room event (a cursor move, ...): besides its whole encoding, its part of an `ephemeral` group
 * message (`from,ts,data`, JSON text), for the connections that read groups. Both encoded at most once.
 */
export class EphemeralEvent extends OutMessage {
  private part: string | undefined;

  constructor(readonly event: { type: string; room: string; ts: number; data: unknown; from?: string }) {
    super(event);
  }

  /** `"from",ts,{data}` (JSON): this event as three items of a group's flat `items` array. */
  groupPart(): string {
    const e = this.event;
    return (this.part ??= `${e.from === undefined ? 'null' : JSON.stringify(e.from)},${e.ts},${JSON.stringify(e.data) ?? 'null'}`);
  }
}

/**
 * The room events of one event-loop turn, shared by every live subscriber of the room. A connection whose
 * whole output in that turn is this batch sends the batch's frame, which is built once per codec.
 */
export class SharedBatch {
  readonly items: OutMessage[] = [];
  private jsonFrame: Encoded | undefined;
  private packedFrame: Encoded | undefined;

  push(m: OutMessage): void {
    this.items.push(m);
    this.jsonFrame = this.packedFrame = undefined;
  }

  encodeInto(codec: Codec, out: Encoded[]): void {
    for (const m of this.items) out.push(m.encode(codec));
  }

  frame(codec: Codec): Encoded {
    const cached = codec.binary ? this.packedFrame : this.jsonFrame;
    if (cached !== undefined) return cached;
    const items: Encoded[] = [];
    this.encodeInto(codec, items);
    const frame = codec.batch(items);
    if (codec.binary) this.packedFrame = frame;
    else this.jsonFrame = frame;
    return frame;
  }
}
