import { type DocumentClientOptions, SynclineError } from '@syncline/client';
import { ApiError, createBlankDocument } from './api.js';
import type { Auth } from './auth.js';
import { type BlankDocument, forgetBlank, madeOffline, madeOnServer } from './blank-documents.js';

/**
 * A blank document made on this device while the server could not be reached (blank-documents.ts, `madeOffline`)
 * opens at once and is edited offline: its client starts from the empty document (the SDK's `initial: 'empty'`, what
 * every document is at version 0 on the server), keeps the edits pending (in IndexedDB, over reloads), and before it
 * first opens the document creates it on the server (`beforeOpen`: `POST /api/documents` with the name typed, tried
 * again until the server answers). The edits then go out as any offline edits, transformed over what the server's
 * document holds: its name, or, if the id turned out to be a document already, that document's content, which stays
 * (the user is told: `onBlankCreation`).
 */

/** What creating a blank document made offline came to. */
export type BlankCreation =
  /** Made on the server now. */
  | 'created'
  /** The id is a document already (409 `exists`: the user's from another device, or someone else's): it is opened. */
  | 'existed'
  /** A server without a catalogue (404): opening the document makes it. */
  | 'no-catalogue';

export const RETRY_MIN_MS = 1_000;
export const RETRY_MAX_MS = 30_000;

const key = (userId: string, documentId: string) => JSON.stringify([userId, documentId]);

/** Creations in this page, per user and document: under way (shared), or done (its outcome, for later callers). */
const creations = new Map<string, Promise<BlankCreation>>();

/**
 * Creates blank document `doc` (made offline) in the server's catalogue, with its name, once per page: callers at the
 * same time (its client's `beforeOpen`, the list's migration) share one request, and later ones its outcome. `created`
 * and `existed` forget it here (the server lists it); `no-catalogue` keeps it on this browser's list, as no longer made
 * offline; a refusal of a deleted document's id (409 `deleted`) forgets it too, and rejects. Anything else rejects
 * and is not remembered: a later call tries again.
 */
export function createOnServer(auth: Auth, doc: BlankDocument): Promise<BlankCreation> {
  const userId = auth.identity.userId;
  const k = key(userId, doc.documentId);
  let creation = creations.get(k);
  if (!creation) {
    creation = createBlankDocument(auth, {
      name: doc.name ?? doc.documentId,
      documentId: doc.documentId,
    }).then(
      (): BlankCreation => 'created',
      (error: unknown): BlankCreation => {
        if (error instanceof ApiError && error.code === 'conflict' && error.reason !== 'deleted')
          return 'existed';
        if (error instanceof ApiError && error.status === 404) return 'no-catalogue';
        if (error instanceof ApiError && error.code === 'conflict') forgetBlank(userId, doc.documentId);
        throw error;
      },
    );
    creations.set(k, creation);
    creation.then(
      (outcome) => {
        if (outcome === 'no-catalogue') madeOnServer(userId, doc.documentId);
        else forgetBlank(userId, doc.documentId);
      },
      () => {
        if (creations.get(k) === creation) creations.delete(k);
      },
    );
  }
  return creation;
}

/**
 * Why a failed creation is final (a `SynclineError` the document fails with, said by its banner), or `undefined` when
 * it is worth trying again: no answer (offline), 5xx, 408, 429.
 */
export function refusalOf(error: unknown, name: string): SynclineError | undefined {
  if (!(error instanceof ApiError) || error.status >= 500 || error.status === 408 || error.status === 429)
    return undefined;
  if (error.code === 'conflict')
    return new SynclineError(
      'conflict',
      `“${name}” was the name of a document that has been deleted, and a deleted document’s name cannot be used again: what was done in it offline cannot be saved under it`,
    );
  return new SynclineError(error.code, `it could not be made on the server: ${error.message}`);
}

/** Waits `ms`, or less if the browser says it is online again; rejects once `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const done = () => {
      clearTimeout(timer);
      removeEventListener('online', done);
      signal.removeEventListener('abort', aborted);
      resolve();
    };
    const aborted = () => {
      done();
      reject(signal.reason);
    };
    const timer = setTimeout(done, ms);
    addEventListener('online', done);
    signal.addEventListener('abort', aborted);
  });
}

/**
 * Tries `create` until it answers (backing off from `RETRY_MIN_MS` to `RETRY_MAX_MS`, sooner when the browser is
 * online again), then tells `told` how it went. A refusal (`refusalOf`) rejects with why; so does `signal` aborting.
 */
export async function createWhenReachable(
  create: () => Promise<BlankCreation>,
  name: string,
  signal: AbortSignal,
  told: (outcome: BlankCreation) => void,
  wait: (ms: number, signal: AbortSignal) => Promise<void> = pause,
): Promise<void> {
  for (let delay = RETRY_MIN_MS; ; delay = Math.min(delay * 2, RETRY_MAX_MS)) {
    let outcome: BlankCreation;
    try {
      outcome = await create();
    } catch (error) {
      const refusal = refusalOf(error, name);
      if (refusal) throw refusal;
      await wait(delay, signal);
      continue;
    }
    told(outcome);
    return;
  }
}

/** Outcomes not heard yet, and who listens, per user and document (`onBlankCreation`). */
type Listener = (outcome: BlankCreation, name: string) => void;
const unheard = new Map<string, { outcome: BlankCreation; name: string }>();
const listeners = new Map<string, Listener>();

function tell(userId: string, documentId: string, outcome: BlankCreation, name: string): void {
  const k = key(userId, documentId);
  const listener = listeners.get(k);
  if (listener) listener(outcome, name);
  else unheard.set(k, { outcome, name });
}

/**
 * Hears how the creation of a blank document made offline went, and the name it was made with, once (an outcome that
 * came before is told at once). One listener per document: the page showing it.
 */
export function onBlankCreation(userId: string, documentId: string, listener: Listener): () => void {
  const k = key(userId, documentId);
  listeners.set(k, listener);
  const before = unheard.get(k);
  if (before !== undefined) {
    unheard.delete(k);
    listener(before.outcome, before.name);
  }
  return () => {
    if (listeners.get(k) === listener) listeners.delete(k);
  };
}

/**
 * The document client's options for `documentId`: for a blank document made offline on this browser (and only those),
 * start empty and create it on the server before opening it; nothing for any other document.
 */
export function offlineBlankOptions(
  auth: Auth,
  documentId: string,
): Pick<DocumentClientOptions, 'initial' | 'beforeOpen'> {
  const userId = auth.identity.userId;
  const doc = madeOffline(userId, documentId);
  if (!doc) return {};
  const name = doc.name ?? documentId;
  return {
    initial: 'empty',
    beforeOpen: ({ signal }) =>
      createWhenReachable(
        () => createOnServer(auth, doc),
        name,
        signal,
        (outcome) => tell(userId, documentId, outcome, name),
      ),
  };
}
