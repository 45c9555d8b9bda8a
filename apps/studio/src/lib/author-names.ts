/**
 * Naming who changed a zone, or made a change in History, when they are not in the document now: by the names heard
 * here before (presence, the document's names of its users, its history), which this browser keeps per signed-in user
 * in localStorage so that they still name people offline and after a reload; a server-side author (an id starting
 * with `system:`, such as the PDF pipeline) by what it is; anyone else as "someone". Never by a raw user id.
 */

export const MAX_NAMES = 500;

const key = (userId: string) => `syncline.studio.names.${userId}`;

/** What the server-side authors are called (the server names the pipeline so too: `PIPELINE_NAME`). */
const SYSTEM_NAMES: Readonly<Record<string, string>> = { 'system:pipeline': 'Pipeline' };

/** An author that is no person: the server's own changes (`system:pipeline`, ...). */
export function isSystemAuthor(userId: string): boolean {
  return userId.startsWith('system:');
}

/**
 * What to call an author nobody here has a name for: a server-side author by what it is ("Pipeline", else
 * "Automatic process"), anyone else "someone" (`Someone` at the start of a sentence).
 */
export function unnamedAuthor(userId: string, atStart = false): string {
  if (isSystemAuthor(userId)) return SYSTEM_NAMES[userId] ?? 'Automatic process';
  return atStart ? 'Someone' : 'someone';
}

/** Whether `name` names `userId`: not empty, and not the id itself standing in for a name (a lock without one). */
export function isName(userId: string, name: string | undefined): name is string {
  return name !== undefined && name.trim() !== '' && name !== userId;
}

/** The names this browser kept for `userId`'s documents: user id → name. */
export function cachedNames(userId: string): Map<string, string> {
  try {
    const list = JSON.parse(localStorage.getItem(key(userId)) ?? '[]') as unknown;
    if (!Array.isArray(list)) return new Map();
    return new Map(
      list.filter(
        (e): e is [string, string] =>
          Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'string' && isName(e[0], e[1]),
      ),
    );
  } catch {
    return new Map();
  }
}

/**
 * Keeps `names` (user id → name) for `userId`, the latest first, at most `MAX_NAMES`; ids without a real name are
 * left out. Writes only when something changed.
 */
export function rememberNames(userId: string, names: Iterable<readonly [string, string]>): void {
  const kept = cachedNames(userId);
  const fresh = new Map<string, string>();
  for (const [id, name] of names) {
    if (isName(id, name) && kept.get(id) !== name) fresh.set(id, name);
  }
  if (fresh.size === 0) return;
  for (const id of fresh.keys()) kept.delete(id);
  const list = [...fresh, ...kept].slice(0, MAX_NAMES);
  try {
    localStorage.setItem(key(userId), JSON.stringify(list));
  } catch {
    // storage full or unavailable: names are shown from what the page heard, nothing else is lost
  }
}

/** Where a name may be found: a map of user id → name, or a look-up (the document's names, `DocumentClient.user`). */
export type NameSource = ReadonlyMap<string, string> | ((userId: string) => string | undefined);

/**
 * The first real name `sources` have for `userId` (the most trusted first), or `undefined`. What stands in for a name
 * (an id, "someone" that `nameAuthors` or `namePeople` put in a map) is not one.
 */
export function knownName(userId: string, sources: readonly NameSource[]): string | undefined {
  for (const source of sources) {
    const name = typeof source === 'function' ? source(userId) : source.get(userId);
    if (isName(userId, name) && name !== unnamedAuthor(userId)) return name;
  }
  return undefined;
}

/**
 * What to call `userId` in a sentence: its `knownName`, else `unnamedAuthor` ("someone", `Someone` with `atStart`;
 * "Pipeline" for the pipeline). Never the id.
 */
export function nameOf(userId: string, sources: readonly NameSource[], atStart = false): string {
  return knownName(userId, sources) ?? unnamedAuthor(userId, atStart);
}

/**
 * `shown` (the people a view names, by id: present, with a caret, holding a lock) each with a name from `sources`
 * (`nameOf`): a lock holder or a user present without a name is "someone" there, not an id.
 */
export function namePeople(shown: Iterable<string>, sources: readonly NameSource[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const id of shown) if (!out.has(id)) out.set(id, nameOf(id, sources));
  return out;
}

/**
 * A name for each of `authorIds` (the zones' `updatedBy`), with every real name of `sources` too: each from the first
 * source that has a real name for it (the most trusted first: presence, the document's own, then those kept here),
 * `unnamedAuthor` for the rest. No id is left to be shown as itself.
 */
export function nameAuthors(
  authorIds: Iterable<string>,
  ...sources: ReadonlyMap<string, string>[]
): Map<string, string> {
  const out = new Map<string, string>();
  for (const source of sources) {
    for (const [id, name] of source) if (!out.has(id) && isName(id, name)) out.set(id, name);
  }
  for (const id of authorIds) if (!out.has(id)) out.set(id, unnamedAuthor(id));
  return out;
}
