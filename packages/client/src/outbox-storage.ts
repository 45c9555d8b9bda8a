/** A message accepted into the outbox, as persisted. */
export interface StoredMessage {
  /** The message id (also `message.id`). */
  id: string;
  /** The message as it will be sent (`publish`, `request`, ...), id included. */
  message: { type: string; id: string; [key: string]: unknown };
  /** Clock time (ms) after which it must not be sent any more. */
  deadline: number;
}

/**
 * Where the outbox keeps messages so they survive a page reload. Writes are fire-and-forget from the
 * client's point of view (a failed write is reported, the message still goes out from memory).
 * `load()` returns messages in the order they were `put`.
 */
export interface OutboxStorage {
  load(): Promise<StoredMessage[]>;
  put(message: StoredMessage): Promise<void>;
  delete(id: string): Promise<void>;
  clear(): Promise<void>;
}

/**
 * Keeps messages in memory: they survive reconnects but not a reload. Share one instance between two
 * clients to hand queued messages from one to the next (as the IndexedDB storage does across reloads).
 */
export class MemoryOutboxStorage implements OutboxStorage {
  private readonly messages = new Map<string, StoredMessage>();

  async load(): Promise<StoredMessage[]> {
    return [...this.messages.values()].map((m) => structuredClone(m));
  }

  async put(message: StoredMessage): Promise<void> {
    this.messages.delete(message.id);
    this.messages.set(message.id, structuredClone(message));
  }

  async delete(id: string): Promise<void> {
    this.messages.delete(id);
  }

  async clear(): Promise<void> {
    this.messages.clear();
  }
}
