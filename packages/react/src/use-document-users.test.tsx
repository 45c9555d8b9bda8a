// @vitest-environment jsdom
import type { SynclineClient } from '@syncline/client';
import type { DocUserInfo } from '@syncline/protocol';
import { act, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { describe, expect, it } from 'vitest';
import { SynclineContext, type SynclineContextValue } from './context.js';
import { signToken, until, worldPerTest, testZone as zone } from './testing/server.js';
import { useDocumentUsers } from './use-document-users.js';
import { useRealTimeDocument } from './use-real-time-document.js';

/** The ids of every `doc.users` request a client makes. */
function userRequests(client: SynclineClient): string[][] {
  const asked: string[][] = [];
  const request = client.request.bind(client);
  client.request = ((method: string, data: { userIds?: string[] }, ...rest: never[]) => {
    if (method === 'doc.users') asked.push([...(data.userIds ?? [])]);
    return request(method as never, data as never, ...rest);
  }) as typeof client.request;
  return asked;
}

describe('useDocumentUsers', () => {
  const setup = worldPerTest();

  it('names users who have left by the name the document remembers, asking for each id once', async () => {
    const { world, documentId } = setup;
    // Ann opens the document under her display name, adds a zone and leaves.
    const annClient = world.client('u-ann', { token: () => signToken('u-ann', 'Ann Smith') });
    const ann = renderHook(() => useRealTimeDocument(documentId), { wrapper: world.wrapper(annClient) });
    await until(() => ann.result.current.isReady);
    act(() => void ann.result.current.createZone(zone('z1', 'draft')));
    await until(() => ann.result.current.pendingCount === 0 && ann.result.current.version === 1);
    ann.unmount();
    annClient.close();

    const ben = world.client('u-ben');
    const asked = userRequests(ben);
    const hook = renderHook(
      ({ ids }) => ({
        doc: useRealTimeDocument(documentId),
        users: useDocumentUsers(documentId, ids),
        again: useDocumentUsers(documentId, ['u-ann']),
      }),
      { wrapper: world.wrapper(ben), initialProps: { ids: ['u-ann', 'u-nobody'] } },
    );
    await until(() => hook.result.current.users.size === 1);
    expect(hook.result.current.doc.document.zones.z1?.updatedBy).toBe('u-ann');
    expect([...hook.result.current.users.values()]).toEqual([{ userId: 'u-ann', name: 'Ann Smith' }]);
    await until(() => hook.result.current.again.get('u-ann')?.name === 'Ann Smith');
    // Ben is named by the open's member list, so nobody asks for him; ids already asked for (known or not)
    // are not asked again.
    hook.rerender({ ids: ['u-nobody', 'u-ann', 'u-ben'] });
    await until(() => hook.result.current.users.get('u-ben')?.name === 'u-ben');
    expect(asked.map((ids) => [...ids].sort())).toEqual([['u-ann', 'u-nobody']]);

    // Ann comes back under another name: heard live (her join), without asking.
    const annAgain = world.client('u-ann', { token: () => signToken('u-ann', 'Ann Jones') });
    const back = renderHook(() => useRealTimeDocument(documentId), { wrapper: world.wrapper(annAgain) });
    await until(() => hook.result.current.users.get('u-ann')?.name === 'Ann Jones');
    expect(hook.result.current.again.get('u-ann')?.name).toBe('Ann Jones');
    expect(asked).toHaveLength(1);
    back.unmount();
    annAgain.close();
  });

  it('asks nothing for no ids, or without a document', async () => {
    const { world, documentId } = setup;
    const client = world.client('u-cy');
    const asked = userRequests(client);
    const hook = renderHook(
      () => ({
        doc: useRealTimeDocument(documentId),
        none: useDocumentUsers(documentId, []),
        noDoc: useDocumentUsers(null, ['u-ann']),
      }),
      { wrapper: world.wrapper(client) },
    );
    // A request would leave once the document is ready (and before any later request of the client).
    await until(() => hook.result.current.doc.isReady);
    await client.request('room.members', { room: `doc:${documentId}` });
    expect(asked).toEqual([]);
    expect(hook.result.current.none.size).toBe(0);
    expect(hook.result.current.noDoc.size).toBe(0);
  });
});

describe('useDocumentUsers (against a fake document)', () => {
  it('shows a name the replica learned between the render and the subscription', () => {
    const people = new Map<string, DocUserInfo>();
    const doc = {
      documentId: 'd1',
      user: (id: string) => people.get(id),
      lookUpUsers: () => {},
      on: (_name: 'users', _listener: () => void) => {
        // The open's member list names Ann just before the hook listens (a frame arrived between the render
        // and the effect): no `users` event will tell it again.
        people.set('u-ann', { userId: 'u-ann', name: 'Ann' });
        return () => {};
      },
    };
    const value = {
      runtime: { docs: { acquire: () => ({ doc, issues: null, release: () => {} }) } },
    } as unknown as SynclineContextValue;
    const wrapper = ({ children }: { children?: ReactNode }) => (
      <SynclineContext.Provider value={value}>{children}</SynclineContext.Provider>
    );
    const { result } = renderHook(() => useDocumentUsers('d1', ['u-ann']), { wrapper });
    expect(result.current.get('u-ann')?.name).toBe('Ann');
  });
});
