import { randomPrefix } from '../ids.js';
import type { ReleaseClaim } from './persistence.js';

/** What the pages of one persistence say to each other. */
type Message =
  | { type: 'ask'; key: string; page: string }
  | { type: 'held'; key: string; to: string }
  | { type: 'released'; key: string };

/** How long a claim waits for a page holding the record to say so; silence means nobody does. */
export const ANSWER_MS = 150;
/** How often a wait for a record held elsewhere asks again (its page may have died without a word). */
export const ASK_AGAIN_MS = 10_000;

/**
 * Claims on persistence records across the pages of a browser without the Web Locks API (a page that is not a
 * secure context: plain HTTP), over a `BroadcastChannel`. A claim asks the other pages whether one holds the
 * record and takes it when none answers within `ANSWER_MS`; a page answers for the records it holds or is claiming
 * (two pages claiming one record at once: the one with the smaller page id wins, the other gives up). A released record
 * is announced, so that waits (`waitForClaim`) take it at once; a page that died without a word is found by asking
 * again every `ASK_AGAIN_MS`. Weaker than a lock (a page too busy to answer within `ANSWER_MS` loses its record),
 * which is why Web Locks come first.
 */
export class BroadcastClaims {
  private readonly page = randomPrefix();
  private channel: BroadcastChannel | undefined;
  /** `close()` was called: the channel closes once nothing is held (a claim meanwhile keeps it open). */
  private closing = false;
  /** Records held here. */
  private readonly held = new Set<string>();
  /** Records being claimed here: told when another page says it holds one. */
  private readonly asking = new Map<string, () => void>();
  /** Waits for records held elsewhere: woken when a page releases one. */
  private readonly waiting = new Map<string, Set<() => void>>();

  constructor(
    private readonly name: string,
    private readonly Channel: typeof BroadcastChannel,
    private readonly answerMs = ANSWER_MS,
  ) {}

  claim(documentId: string, clientKey: string): Promise<ReleaseClaim | null> {
    const key = JSON.stringify([documentId, clientKey]);
    if (this.held.has(key) || this.asking.has(key)) return Promise.resolve(null);
    this.closing = false;
    const channel = this.open();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.asking.delete(key);
        this.held.add(key);
        resolve(this.releaser(key));
      }, this.answerMs);
      this.asking.set(key, () => {
        clearTimeout(timer);
        this.asking.delete(key);
        resolve(null);
        this.closeIfIdle();
      });
      channel.postMessage({ type: 'ask', key, page: this.page } satisfies Message);
    });
  }

  /** Claims a record nobody can hold (no record has its key yet: a client's fresh key) without asking. */
  claimNew(documentId: string, clientKey: string): ReleaseClaim | null {
    const key = JSON.stringify([documentId, clientKey]);
    if (this.held.has(key) || this.asking.has(key)) return null;
    this.closing = false;
    this.open(); // to answer for it
    this.held.add(key);
    return this.releaser(key);
  }

  async waitForClaim(
    documentId: string,
    clientKey: string,
    signal: AbortSignal,
  ): Promise<ReleaseClaim | null> {
    const key = JSON.stringify([documentId, clientKey]);
    while (!signal.aborted) {
      const release = await this.claim(documentId, clientKey);
      if (release || signal.aborted) {
        if (signal.aborted) release?.();
        return signal.aborted ? null : release;
      }
      await new Promise<void>((resolve) => {
        let wakers = this.waiting.get(key);
        if (!wakers) this.waiting.set(key, (wakers = new Set()));
        const wake = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', wake);
          wakers.delete(wake);
          if (wakers.size === 0 && this.waiting.get(key) === wakers) this.waiting.delete(key);
          resolve();
        };
        const timer = setTimeout(wake, ASK_AGAIN_MS);
        (timer as { unref?: () => void }).unref?.(); // Node: a wait is not what keeps a process alive
        wakers.add(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
    return null;
  }

  /** Stops listening once no claim of this page is held or under way (it answers for them till then). */
  close(): void {
    this.closing = true;
    this.closeIfIdle();
  }

  private closeIfIdle(): void {
    if (!this.closing || this.held.size > 0 || this.asking.size > 0) return;
    this.closing = false;
    this.channel?.close();
    this.channel = undefined;
  }

  private open(): BroadcastChannel {
    if (this.channel) return this.channel;
    const channel = new this.Channel(this.name);
    (channel as { unref?: () => void }).unref?.(); // Node: not what keeps a process alive
    channel.onmessage = (event: MessageEvent<Message>) => this.receive(event.data);
    this.channel = channel;
    return channel;
  }

  private receive(message: Message): void {
    if (message.type === 'ask') {
      const asking = this.asking.get(message.key);
      // Both claiming it: the smaller page id has it. The other gives up whether or not it hears the answer (its own
      // ask may have gone out before the winner's channel was open).
      if (asking && this.page > message.page) asking();
      else if (asking || this.held.has(message.key))
        this.channel?.postMessage({ type: 'held', key: message.key, to: message.page } satisfies Message);
    } else if (message.type === 'held') {
      if (message.to === this.page) this.asking.get(message.key)?.();
    } else if (message.type === 'released') this.wake(message.key);
  }

  private wake(key: string): void {
    for (const wake of [...(this.waiting.get(key) ?? [])]) wake();
  }

  private releaser(key: string): ReleaseClaim {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held.delete(key);
      this.channel?.postMessage({ type: 'released', key } satisfies Message);
      this.wake(key); // waits of this page
      this.closeIfIdle();
    };
  }
}
