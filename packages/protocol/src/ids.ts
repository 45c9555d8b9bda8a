/**
 * With the `u` flag a surrogate pair is one code point, so this matches only a surrogate standing alone: half of a
 * character outside the BMP (`'\uD800'`, or a pair cut in two), which is not text.
 */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Whether `s` holds a lone surrogate (an unpaired UTF-16 surrogate code unit). */
export const hasLoneSurrogate = (s: string): boolean => LONE_SURROGATE.test(s);

/**
 * Whether `s` can be an id the server stores and reads back as it was on every storage (a message id, an op id, a
 * user id): no U+0000, which PostgreSQL's text cannot hold, and no lone surrogate, which PostgreSQL and SQLite read
 * back as replacement characters (U+FFFD; SQLite three of them) while memory keeps it, so one id would be two (and
 * MessagePack carries it as U+FFFD). Room names, and so document ids, are ASCII (`ROOM_PATTERN`): neither can hold
 * one.
 */
export const isStorableId = (s: string): boolean => !s.includes('\u0000') && !LONE_SURROGATE.test(s);
