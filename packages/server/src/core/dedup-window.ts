/**
 * The recent client message ids of one session and the reply each got, so a message re-sent after a
 * reconnect takes effect once and gets the same answer. Bounded: the oldest ids are forgotten first.
 * An id whose reply is not known yet is `pending`: a re-send of it is ignored (the reply will come).
 */
export const PENDING = Symbol('pending');

export class DedupWindow<R> {
  private readonly entries = new Map<string, R | typeof PENDING>();

  constructor(private readonly capacity = 1024) {}

  get(id: string): R | typeof PENDING | undefined {
    return this.entries.get(id);
  }

  begin(id: string): void {
    this.set(id, PENDING);
  }

  settle(id: string, reply: R): void {
    if (this.entries.has(id)) this.entries.set(id, reply);
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
    this.entries.delete(id);
    this.entries.set(id, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
