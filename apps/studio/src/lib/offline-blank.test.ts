// @vitest-environment jsdom
import { SynclineError } from '@syncline/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api.js';
import type { Auth } from './auth.js';
import { blankDocuments, rememberBlank } from './blank-documents.js';
import {
  type BlankCreation,
  createOnServer,
  createWhenReachable,
  offlineBlankOptions,
  onBlankCreation,
  RETRY_MAX_MS,
  RETRY_MIN_MS,
  refusalOf,
} from './offline-blank.js';

const authOf = (userId: string) =>
  ({ identity: { userId, name: userId }, token: async () => 'token' }) as unknown as Auth;

/** `fetch` answering `POST /api/documents` with `status` (and `body`), recording the bodies sent. */
function answer(status: number, body: unknown = {}) {
  const sent: unknown[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (_path: string, init: RequestInit) => {
      sent.push(JSON.parse(String(init.body)));
      return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    }),
  );
  return sent;
}

const entry = (documentId: string, userId = 'ada') =>
  blankDocuments(userId).find((d) => d.documentId === documentId);

describe('blank documents made offline', () => {
  beforeEach(() => localStorage.clear());
  afterEach(() => vi.unstubAllGlobals());

  it('gives the client an empty start and a creation before opening only for a document made offline here', () => {
    rememberBlank('ada', { documentId: 'train', updatedAt: 1, madeOffline: true, name: 'Train notes' });
    rememberBlank('ada', { documentId: 'older', updatedAt: 2 });
    const options = offlineBlankOptions(authOf('ada'), 'train');
    expect(options.initial).toBe('empty');
    expect(typeof options.beforeOpen).toBe('function');
    expect(offlineBlankOptions(authOf('ada'), 'older')).toEqual({}); // remembered, but the server has it
    expect(offlineBlankOptions(authOf('ada'), 'elsewhere')).toEqual({});
    expect(offlineBlankOptions(authOf('ben'), 'train')).toEqual({}); // another user's
    // What the document page updates keeps what was noted of it.
    rememberBlank('ada', { documentId: 'train', updatedAt: 5 });
    expect(entry('train')).toEqual({
      documentId: 'train',
      updatedAt: 5,
      madeOffline: true,
      name: 'Train notes',
    });
  });

  it('creates it with the name typed, once per page for everyone asking, and forgets it here once the server has it', async () => {
    rememberBlank('ada', { documentId: 'Train-notes', updatedAt: 1, madeOffline: true, name: 'Train notes' });
    const sent = answer(201, { documentId: 'Train-notes', name: 'Train notes', status: 'blank' });
    const doc = entry('Train-notes');
    if (!doc) throw new Error('not remembered');
    const [a, b] = await Promise.all([
      createOnServer(authOf('ada'), doc),
      createOnServer(authOf('ada'), doc),
    ]);
    expect([a, b]).toEqual(['created', 'created']);
    expect(sent).toEqual([{ name: 'Train notes', documentId: 'Train-notes' }]);
    expect(entry('Train-notes')).toBeUndefined();
    // Asked again later in the page (a client that was waiting to retry): its outcome, no second request (a 409).
    await expect(createOnServer(authOf('ada'), doc)).resolves.toBe('created');
    expect(sent).toHaveLength(1);
  });

  it('says `existed` for a taken id, keeps one a server without a catalogue has, and rejects a deleted one’s id', async () => {
    rememberBlank('cy', { documentId: 'taken', updatedAt: 1, madeOffline: true, name: 'Taken' });
    answer(409, { error: { code: 'conflict', reason: 'exists', message: 'exists already' } });
    await expect(createOnServer(authOf('cy'), { documentId: 'taken', updatedAt: 1 })).resolves.toBe(
      'existed',
    );
    expect(entry('taken', 'cy')).toBeUndefined();

    rememberBlank('cy', { documentId: 'plain', updatedAt: 1, madeOffline: true, name: 'Plain' });
    answer(404, { error: { code: 'not_found', message: 'no route' } });
    await expect(createOnServer(authOf('cy'), { documentId: 'plain', updatedAt: 1 })).resolves.toBe(
      'no-catalogue',
    );
    expect(entry('plain', 'cy')).toEqual({ documentId: 'plain', updatedAt: 1 }); // still mine, not made offline

    rememberBlank('cy', { documentId: 'gone', updatedAt: 1, madeOffline: true, name: 'Gone' });
    answer(409, { error: { code: 'conflict', reason: 'deleted', message: 'was deleted' } });
    await expect(createOnServer(authOf('cy'), { documentId: 'gone', updatedAt: 1 })).rejects.toMatchObject({
      code: 'conflict',
      reason: 'deleted',
    });
    expect(entry('gone', 'cy')).toBeUndefined();

    // No answer (offline): kept, and tried again by the next call.
    rememberBlank('cy', { documentId: 'later', updatedAt: 1, madeOffline: true, name: 'Later' });
    vi.stubGlobal('fetch', async () => Promise.reject(new TypeError('Failed to fetch')));
    await expect(createOnServer(authOf('cy'), { documentId: 'later', updatedAt: 1 })).rejects.toThrow(
      TypeError,
    );
    expect(entry('later', 'cy')?.madeOffline).toBe(true);
    answer(201, { documentId: 'later', name: 'Later', status: 'blank' });
    await expect(createOnServer(authOf('cy'), { documentId: 'later', updatedAt: 1 })).resolves.toBe(
      'created',
    );
  });

  it('tries again, backing off, until the server answers, and tells how it went', async () => {
    const waits: number[] = [];
    const told: BlankCreation[] = [];
    let calls = 0;
    const create = async (): Promise<BlankCreation> => {
      if (++calls < 8)
        throw calls % 2 ? new TypeError('Failed to fetch') : new ApiError(503, 'unavailable', '');
      return 'existed';
    };
    await createWhenReachable(
      create,
      'Train notes',
      new AbortController().signal,
      (o) => told.push(o),
      async (ms) => {
        waits.push(ms);
      },
    );
    expect(calls).toBe(8);
    expect(waits).toEqual([RETRY_MIN_MS, 2_000, 4_000, 8_000, 16_000, RETRY_MAX_MS, RETRY_MAX_MS]);
    expect(told).toEqual(['existed']);
  });

  it('stops at a refusal, with why, for the document to fail with', async () => {
    const told: BlankCreation[] = [];
    const refused = createWhenReachable(
      async () => {
        throw new ApiError(409, 'conflict', 'was deleted', 'deleted');
      },
      'Old plan',
      new AbortController().signal,
      (o) => told.push(o),
      async () => {},
    );
    await expect(refused).rejects.toBeInstanceOf(SynclineError);
    await expect(refused).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/“Old plan”.*deleted/),
    });
    expect(told).toEqual([]);
    expect(refusalOf(new ApiError(403, 'forbidden', 'not yours'), 'x')).toMatchObject({ code: 'forbidden' });
    for (const worthRetrying of [
      new TypeError('Failed to fetch'),
      new ApiError(500, 'internal', ''),
      new ApiError(429, 'rate_limited', ''),
      new ApiError(408, 'timeout', ''),
    ])
      expect(refusalOf(worthRetrying, 'x')).toBeUndefined();
  });

  it('tells the page how the creation went, also when it came before the page listened, once', () => {
    const heard: string[] = [];
    // A creation that went on while the page was not listening (tell is internal: through the client's beforeOpen).
    rememberBlank('dee', { documentId: 'early', updatedAt: 1, madeOffline: true, name: 'Early' });
    const { beforeOpen } = offlineBlankOptions(authOf('dee'), 'early');
    answer(409, { error: { code: 'conflict', reason: 'exists', message: 'exists' } });
    return (beforeOpen?.({ signal: new AbortController().signal }) ?? Promise.resolve()).then(() => {
      const off = onBlankCreation('dee', 'early', (outcome, name) => heard.push(`${outcome} ${name}`));
      expect(heard).toEqual(['existed Early']);
      off();
      onBlankCreation('dee', 'early', (outcome) => heard.push(outcome));
      expect(heard).toHaveLength(1);
    });
  });
});
