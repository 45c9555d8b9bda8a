import { isStorableId } from '@syncline/protocol';

/** The longest `idPrefix`: a message id has at most 64 characters, and `:<counter>` takes up to 12 (2^53 in base 36). */
export const MAX_ID_PREFIX = 64 - 1 - Number.MAX_SAFE_INTEGER.toString(36).length;

/**
 * Message ids: `<random prefix>:<counter>`. The server de-duplicates re-sent messages by id per user,
 * across sessions and reloads, so ids must never repeat for a user: the random prefix (new for each
 * client instance) keeps two tabs, or a tab before and after a reload, apart.
 */
export function createIdGenerator(prefix = randomPrefix()): () => string {
  // A prefix the server's message id check refuses (PROTOCOL §1) would have every message the client sends nacked
  // `invalid`: refused here, with the protocol's own rule for stored ids (no U+0000, no lone surrogate).
  if (typeof prefix !== 'string' || prefix.length > MAX_ID_PREFIX || !isStorableId(prefix)) {
    throw new TypeError(
      `idPrefix: at most ${MAX_ID_PREFIX} characters without U+0000 or a lone surrogate, got ${JSON.stringify(String(prefix).slice(0, 64))}`,
    );
  }
  let counter = 0;
  return () => `${prefix}:${(++counter).toString(36)}`;
}

/** 96 random bits, base 36. */
export function randomPrefix(): string {
  const bytes = new Uint32Array(3);
  const crypto = (globalThis as { crypto?: { getRandomValues?(a: Uint32Array): Uint32Array } }).crypto;
  if (crypto?.getRandomValues) crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 2 ** 32);
  return Array.from(bytes, (n) => n.toString(36)).join('');
}
