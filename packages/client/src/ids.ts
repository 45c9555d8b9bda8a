/**
 * Message ids: `<random prefix>:<counter>`. The server de-duplicates re-sent messages by id per user,
 * across sessions and reloads, so ids must never repeat for a user: the random prefix (new for each
 * client instance) keeps two tabs, or a tab before and after a reload, apart.
 */
export function createIdGenerator(prefix = randomPrefix()): () => string {
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
