import { ApiError } from './api.js';
import { type BlankDocument, blankDocuments, forgetBlank } from './blank-documents.js';

/** The documents tried in this page's life (per user): each is registered at most once per page load. */
const tried = new Set<string>();

/**
 * Moves the blank documents this browser remembers (blank-documents.ts: made before the server catalogued them, or
 * opened by URL) to the server's list, the one every device sees. A remembered document the server lists is
 * forgotten here; one it does not list is registered (`register`: `POST /api/documents` with its id, its name
 * being the one typed for it, else its id, as the list showed it: offline-blank.ts `createOnServer`), once per page
 * load, and forgotten here once the server has it, or refuses it as taken (`conflict`: catalogued already, or deleted
 * since). Any other failure (offline, a server without a catalogue: a 404, or `register` resolving `no-catalogue`)
 * keeps it on this browser's list, shown as before. Resolves whether this browser's list changed.
 */
export async function migrateBlankDocuments(
  userId: string,
  listed: ReadonlySet<string>,
  register: (doc: BlankDocument) => Promise<unknown>,
): Promise<boolean> {
  let changed = false;
  for (const doc of blankDocuments(userId)) {
    const { documentId } = doc;
    if (listed.has(documentId)) {
      forgetBlank(userId, documentId);
      changed = true;
      continue;
    }
    const key = JSON.stringify([userId, documentId]);
    if (tried.has(key)) continue;
    tried.add(key);
    try {
      if ((await register(doc)) === 'no-catalogue') continue;
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 'conflict')) continue;
    }
    forgetBlank(userId, documentId);
    changed = true;
  }
  return changed;
}
