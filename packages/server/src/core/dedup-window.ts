/**
 * The recent client message ids of one session and the reply each got, so a message re-sent after a
 * reconnect takes effect once and gets the same answer. Bounded: the oldest ids are forgotten first.
 * An id whose reply is not known yet is `pending`: a re-send of it is ignored (the reply will come).
 */
export const PENDING = Symbol('pending');

interface Slot<R> {
  value: R | typeof PENDING;
  /** When the id was (last) made the newest: matches its entry in `order` while that entry is current. */
  stamp: number;
}

export class DedupWindow<R> {
  private readonly entries = new Map<string, Slot<R>>();
  /**
   * The ids oldest first, each with its stamp; an entry whose stamp is not its id's any more (the id was forgotten,
   * or begun again and so moved to the end) is skipped. NOTE: not the Map's own order: taking its first key
   * (`keys().next()`) walks over the holes its deletes leave at the front, hundreds of them per eviction in a
   * full window (~1 µs per message, once a session has sent 1,024), and the window evicts once per message.
   */
  private ids: string[] = [];
  private stamps: number[] = [];
  private head = 0;
  private stamp = 0;

  constructor(private readonly capacity = 1024) {}

  get(id: string): R | typeof PENDING | undefined {
    return this.entries.get(id)?.value;
  }

  begin(id: string): void {
    this.set(id, PENDING);
  }

  settle(id: string, reply: R): void {
    const slot = this.entries.get(id);
    if (slot !== undefined) slot.value = reply;
    else this.set(id, reply);
  }

  /** Forgets an id (its reply asked for a retry with the same id). */
  forget(id: string): void {
    this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }

  private set(id: string, value: R | typeof PENDING): void {
    const stamp = ++this.stamp;
    // An id already here is made the newest by its new stamp: its earlier place in `ids` goes stale.
    this.entries.set(id, { value, stamp });
    this.ids.push(id);
    this.stamps.push(stamp);
    while (this.entries.size > this.capacity) {
      const i = this.head++;
      const old = this.ids[i];
      if (this.entries.get(old)?.stamp === this.stamps[i]) this.entries.delete(old);
    }
    // Drop the consumed front, and the entries made stale by forgets and re-begins (bounded by twice the window).
    if (this.head >= this.capacity || this.ids.length - this.head > 2 * this.capacity) this.compact();
  }

  private compact(): void {
    const ids: string[] = [];
    const stamps: number[] = [];
    for (let i = this.head; i < this.ids.length; i++) {
      if (this.entries.get(this.ids[i])?.stamp !== this.stamps[i]) continue;
      ids.push(this.ids[i]);
      stamps.push(this.stamps[i]);
    }
    this.ids = ids;
    this.stamps = stamps;
    this.head = 0;
  }
}
