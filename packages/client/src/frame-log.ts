export interface FrameRecord {
  /** `out`: sent by the client; `in`: received from the server. */
  readonly dir: 'in' | 'out';
  /** Clock time in ms. */
  readonly at: number;
  /** The decoded frame (a message, or a `batch` of them). */
  readonly frame: unknown;
}

/** A ring buffer of the last `capacity` frames in both directions, for debugging (`debug: {frames}`). */
export class FrameLog {
  private readonly records: FrameRecord[] = [];
  private next = 0;

  constructor(readonly capacity: number) {}

  push(record: FrameRecord): void {
    if (this.capacity <= 0) return;
    if (this.records.length < this.capacity) this.records.push(record);
    else this.records[this.next] = record;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Oldest first. */
  list(): FrameRecord[] {
    return this.records.length < this.capacity
      ? [...this.records]
      : [...this.records.slice(this.next), ...this.records.slice(0, this.next)];
  }
}
