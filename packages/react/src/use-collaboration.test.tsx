// @vitest-environment jsdom
import { SynclineError } from '@syncline/client';
import { act, render, renderHook, screen } from '@testing-library/react';
import { useRef } from 'react';
import { describe, expect, it } from 'vitest';
import { CursorTracker } from './components/cursor-tracker.js';
import { UserPresence } from './components/user-presence.js';
import { countListeners, until, worldPerTest } from './testing/server.js';
import { type CollaborationOptions, useCollaboration } from './use-collaboration.js';

function View({ documentId }: { documentId: string }) {
  const collab = useCollaboration(documentId);
  const container = useRef<HTMLDivElement>(null);
  const pages = useRef<(HTMLDivElement | null)[]>([]);
  return (
    <>
      <UserPresence users={collab.users} />
      <div ref={container} data-testid="pane">
        {[0, 1].map((i) => (
          <div
            key={i}
            ref={(el) => {
              pages.current[i] = el;
            }}
          />
        ))}
        <CursorTracker
          cursors={collab.cursors}
          containerRef={container}
          pageElement={(p) => pages.current[p]}
        />
      </div>
    </>
  );
}

describe('useCollaboration', () => {
  const setup = worldPerTest();

  function join(userId: string, options: CollaborationOptions = {}) {
    const { world, documentId } = setup;
    const client = world.client(userId);
    const hook = renderHook(() => useCollaboration(documentId, options), { wrapper: world.wrapper(client) });
    return { client, current: () => hook.result.current, hook };
  }

  it('lists everyone once (with their count of tabs and devices), shows cursors and locks, and relays actions', async () => {
    const { world, documentId } = setup;
    const actions: { action: string; data: Record<string, unknown> }[] = [];
    const ann = join('ann');
    const ann2 = join('ann'); // a second tab of ann
    const annTabs = () =>
      world.server.hub.members(`doc:${documentId}`).find((m) => m.userId === 'ann')?.connections;
    await until(() => annTabs() === 2);
    const ben = join('ben', { onAction: (action, data) => actions.push({ action, data }) });
    await until(
      () =>
        ben.current().users.length === 2 &&
        ben.current().users.find((u) => u.userId === 'ann')?.connections === 2,
    );
    const me = ben.current().users.find((u) => u.isSelf);
    expect(me?.userId).toBe('ben');
    expect(ben.current().users.find((u) => u.userId === 'ann')?.color).toMatch(/^hsl\(/);

    act(() => ann.current().updateCursor({ page: 1, x: 0.25, y: 0.7500041234567 }));
    await until(() => ben.current().cursors.length === 1);
    // Sent rounded to 5 decimals (far below a pixel).
    expect(ben.current().cursors[0]).toMatchObject({ userId: 'ann', page: 1, x: 0.25, y: 0.75, name: 'ann' });
    expect(ann.current().cursors).toHaveLength(0); // not my own

    await until(() => ann.current().locks !== undefined && ann.current().lock !== undefined);
    await act(async () => {
      await until(() => ann.client.state === 'open');
      await ann
        .current()
        .lock('z1')
        .catch(async () => {
          // the document opens asynchronously: retry once it is open
          await new Promise((r) => setTimeout(r, 50));
          await ann.current().lock('z1');
        });
    });
    await until(() => ben.current().locks.z1?.userId === 'ann');

    await act(async () => {
      await ann.current().broadcastAction('select_zone', { zoneId: 'z1' });
    });
    await until(() => actions.length === 1);
    expect(actions[0]).toEqual({ action: 'select_zone', data: { zoneId: 'z1', documentId } });

    // Closing one of two tabs is no leave; closing the last is.
    ann2.hook.unmount();
    await until(() => annTabs() === 1);
    expect(
      ben
        .current()
        .users.map((u) => u.userId)
        .sort(),
    ).toEqual(['ann', 'ben']);
    ann.hook.unmount();
    await until(() => ben.current().users.length === 1 && ben.current().cursors.length === 0);
  });

  it('lists the members once a failed join is retried and gets in, without waiting for a reconnect', async () => {
    const { world, documentId } = setup;
    const ben = join('ben');
    await until(() => world.server.hub.members(`doc:${documentId}`).length === 1);
    const annClient = world.client('ann');
    // Ann's first join times out (a slow network): the client forgets the room, as after a real timeout.
    const realJoin = annClient.join.bind(annClient);
    let joins = 0;
    annClient.join = ((room: string, options?: never) =>
      ++joins === 1
        ? Promise.reject(new SynclineError('timeout', 'request timed out'))
        : realJoin(room, options)) as typeof annClient.join;
    const ann = renderHook(() => useCollaboration(documentId), { wrapper: world.wrapper(annClient) });
    // The document retries its join (after its backoff) and gets in: Ann is in the room...
    await until(() => world.server.hub.members(`doc:${documentId}`).length === 2, 5_000, 'Ann joined');
    expect(joins).toBe(2);
    // ...and her list has everyone, Ben included, whom only the member list tells her of.
    await until(
      () =>
        ann.result.current.users
          .map((u) => u.userId)
          .sort()
          .join() === 'ann,ben',
      2_000,
      "Ann's member list",
    );
    await until(() => ben.current().users.length === 2);
  });

  it('is inert when disabled', async () => {
    const { world, documentId } = setup;
    const client = world.client('ann');
    const { result } = renderHook(() => useCollaboration(documentId, { enabled: false }), {
      wrapper: world.wrapper(client),
    });
    await until(() => client.state === 'open');
    await new Promise((r) => setTimeout(r, 50));
    expect(result.current.users).toEqual([]);
    expect(world.server.hub.members(`doc:${documentId}`)).toEqual([]);
  });

  it('leaves the room and every listener on unmount', async () => {
    const { world, documentId } = setup;
    const client = world.client('ann');
    const listeners = countListeners(client);
    const { unmount } = renderHook(() => useCollaboration(documentId), { wrapper: world.wrapper(client) });
    await until(() => world.server.hub.members(`doc:${documentId}`).length === 1);
    unmount();
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
    expect(listeners.active).toBe(0);
    await until(() => world.server.hub.members(`doc:${documentId}`).length === 0);
  });

  it('draws presence avatars and places cursors in page coordinates', async () => {
    const { world, documentId } = setup;
    const ann = join('ann');
    const benClient = world.client('ben');
    const Wrapper = world.wrapper(benClient);
    render(
      <Wrapper>
        <View documentId={documentId} />
      </Wrapper>,
    );
    await until(() => screen.queryByLabelText('2 people here'));
    expect(screen.getByLabelText('ben (you)')).toBeTruthy();
    expect(screen.getByLabelText('ann')).toBeTruthy();

    // jsdom has no layout: give the pane and page 1 boxes (page 1 at 100,300, 400x600; pane at 50,50).
    const pane = screen.getByTestId('pane');
    const page1 = pane.children[1] as HTMLElement;
    pane.getBoundingClientRect = () => DOMRect.fromRect({ x: 50, y: 50, width: 800, height: 2000 });
    page1.getBoundingClientRect = () => DOMRect.fromRect({ x: 100, y: 300, width: 400, height: 600 });
    act(() => ann.current().updateCursor({ page: 1, x: 0.5, y: 0.25 }));
    const cursor = await screen.findByText('ann', { selector: '.syncline-cursor__name' });
    const box = cursor.parentElement as HTMLElement;
    expect(box.style.left).toBe(`${100 - 50 + 0.5 * 400}px`);
    expect(box.style.top).toBe(`${300 - 50 + 0.25 * 600}px`);

    // Ann steps away (her page hidden, or a minute without input): her avatar says so, then not any more.
    act(() => ann.client.setPresenceStatus('idle'));
    const idle = await screen.findByLabelText('ann, idle');
    expect(idle.getAttribute('data-status')).toBe('idle');
    expect(ann.current().users.find((u) => u.userId === 'ann')?.status).toBe('idle');
    act(() => ann.client.setPresenceStatus('active'));
    await screen.findByLabelText('ann');
    expect(screen.getByLabelText('ann').getAttribute('data-status')).toBeNull();
  });
});
