import type { Welcome } from '@syncline/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Cleanup, createClient, signToken, startServer, waitFor } from './helpers.js';

/** Tokens live this long; the server checks expiry on its 1 s tick. */
const TTL_S = 3;

describe('short-lived tokens', () => {
  let cleanup: Cleanup;
  let url: string;

  beforeEach(async () => {
    cleanup = new Cleanup();
    ({ url } = await startServer(cleanup));
  });
  afterEach(() => cleanup.run());

  it('are refreshed on the open socket before they expire, and the connection outlives them', async () => {
    const provider = vi.fn(() => signToken('alice', { expiresInS: TTL_S }));
    const client = createClient(cleanup, { url, token: provider, debug: { frames: 50 } });
    const disconnects: number[] = [];
    client.on('disconnect', (info) => disconnects.push(info.code));
    const welcome = await new Promise<Welcome>((resolve) => client.on('welcome', resolve));
    const firstExp = welcome.tokenExp!;
    expect(firstExp).toBeGreaterThan(Date.now() / 1000);

    // Past the first token's expiry plus two server ticks, with a refresh or two in between.
    await waitFor(() => Date.now() > firstExp * 1000 + 2500 && provider.mock.calls.length >= 3, 15_000);

    expect(disconnects).toEqual([]);
    expect(client.state).toBe('open');
    expect(client.sessionId).toBe(welcome.sessionId);
    // Each refresh was an `auth` on the same socket, acknowledged with a later expiry.
    const frames = client.debugFrames();
    const auths = frames.filter((f) => f.dir === 'out' && (f.frame as { type: string }).type === 'auth');
    expect(auths.length).toBeGreaterThanOrEqual(2);
    const authIds = new Set(auths.map((f) => (f.frame as { id: string }).id));
    const authAcks = frames
      .filter((f) => f.dir === 'in')
      .flatMap((f) => unbatch(f.frame))
      .filter((m) => m.type === 'ack' && authIds.has(m.id as string));
    expect(authAcks.length).toBeGreaterThanOrEqual(2);
    const exps = authAcks.map((m) => (m.data as { tokenExp: number }).tokenExp);
    expect(exps[0]).toBeGreaterThan(firstExp);
    expect(exps[1]).toBeGreaterThan(exps[0]);
    expect(
      frames.filter((f) => f.dir === 'out' && (f.frame as { type: string }).type === 'hello'),
    ).toHaveLength(1);
    // The connection is alive, not just reported so.
    await expect(client.request('whoami').catch((e: { code: string }) => e.code)).resolves.toBe(
      'unknown_method',
    );
  });

  it('without a refresh, get the socket closed with 4002, and the client reconnects with a fresh one', async () => {
    const provider = vi.fn(() => signToken('alice', { expiresInS: TTL_S }));
    const client = createClient(cleanup, { url, token: provider, tokenRefresh: false });
    const disconnects: number[] = [];
    client.on('disconnect', (info) => disconnects.push(info.code));
    const welcomes: Welcome[] = [];
    client.on('welcome', (w) => welcomes.push(w));

    await waitFor(() => welcomes.length === 1);
    expect(provider).toHaveBeenCalledTimes(1);
    await waitFor(() => disconnects.length === 1, 10_000, 'closed for an expired token');
    expect(disconnects).toEqual([4002]);
    expect(Date.now() / 1000).toBeGreaterThanOrEqual(welcomes[0].tokenExp!);

    await waitFor(() => welcomes.length === 2 && client.state === 'open', 10_000, 'reconnected');
    expect(provider).toHaveBeenCalledTimes(2);
    const fresh = await provider.mock.results[1].value;
    expect(fresh).not.toBe(await provider.mock.results[0].value);
    expect(welcomes[1].tokenExp).toBeGreaterThan(welcomes[0].tokenExp!);
    // The session survived the close (4002 is a resumable close).
    expect(welcomes[1].resumed).toBe(true);
  });
});

/** Messages of a frame, a `batch` unpacked. */
function unbatch(frame: unknown): { type: string; id?: unknown; data?: unknown }[] {
  const m = frame as { type: string; items?: unknown[] };
  return m.type === 'batch' && Array.isArray(m.items) ? m.items.flatMap(unbatch) : [m];
}
