// @vitest-environment jsdom
import { MemoryDocPersistence, type SynclineClient } from '@syncline/client';
import { type Zone, zoneEdit } from '@syncline/doc';
import { act, render, renderHook, screen } from '@testing-library/react';
import { useRef } from 'react';
import { describe, expect, it } from 'vitest';
import { NotificationContainer } from './components/notification-container.js';
import { countListeners, until, worldPerTest, testZone as zone } from './testing/server.js';
import { type RealTimeDocument, textDiff, useRealTimeDocument } from './use-real-time-document.js';
import { useZone } from './use-zone.js';

function Ben({ documentId, onState }: { documentId: string; onState: (d: RealTimeDocument) => void }) {
  onState(useRealTimeDocument(documentId));
  return <NotificationContainer />;
}

function ZoneView({
  documentId,
  id,
  renders,
  seen,
}: {
  documentId: string;
  id: string;
  renders: Record<string, number>;
  seen: Record<string, Zone | undefined>;
}) {
  const z = useZone(documentId, id);
  const count = useRef(0);
  count.current++;
  renders[id] = count.current;
  seen[id] = z;
  return <p>{z?.text}</p>;
}

function Both({ documentId }: { documentId: string }) {
  useRealTimeDocument(documentId);
  useZone(documentId, 'z1');
  return null;
}

describe('useRealTimeDocument', () => {
  const setup = worldPerTest();

  function open(userId: string) {
    const { world, documentId } = setup;
    const client = world.client(userId);
    const hook = renderHook(() => useRealTimeDocument(documentId), { wrapper: world.wrapper(client) });
    const doc = () => hook.result.current;
    return { client, hook, doc };
  }

  it('reflects remote edits, my edits, version and pending count, and undo/redo of my own edits only', async () => {
    const a = open('ann');
    const b = open('ben');
    await until(() => a.doc().isReady && b.doc().isReady);
    expect(a.doc().zones).toEqual([]);

    act(() => {
      a.doc().createZone(zone('z2', 'second', 0, 50));
      a.doc().createZone(zone('z1', 'first', 0, 10));
    });
    // Applied at once locally (optimistic), reading order by position.
    expect(a.doc().zones.map((z) => z.id)).toEqual(['z1', 'z2']);
    expect(a.doc().pendingCount).toBeGreaterThan(0);
    await until(() => b.doc().zones.length === 2);
    expect(b.doc().zones.map((z) => z.text)).toEqual(['first', 'second']);
    await until(() => a.doc().pendingCount === 0);
    expect(a.doc().version).toBeGreaterThan(0);

    act(() => void b.doc().editZoneText('z1', { pos: 5, ins: '!' }));
    await until(() => a.doc().document.zones.z1?.text === 'first!');

    act(() => void a.doc().broadcastZoneUpdate('z2', { label: 'intro', text: 'the second' }));
    await until(
      () => b.doc().document.zones.z2?.text === 'the second' && b.doc().document.zones.z2.label === 'intro',
    );

    // Undo is per user: ann's undo reverts ann's last change, never ben's "!".
    expect(a.doc().canUndo).toBe(true);
    act(() => void a.doc().undo());
    expect(a.doc().document.zones.z2.text).toBe('second');
    expect(a.doc().canRedo).toBe(true);
    await until(() => b.doc().document.zones.z2.text === 'second');
    expect(b.doc().document.zones.z1.text).toBe('first!');
    act(() => void a.doc().redo());
    await until(() => b.doc().document.zones.z2.text === 'the second');

    act(() => void a.doc().deleteZone('z1'));
    await until(() => b.doc().zones.length === 1);
    expect(a.doc().version).toBe(b.doc().version === a.doc().version ? b.doc().version : a.doc().version);
  });

  it('rolls back an edit refused because of a lock, with lastError and a toast', async () => {
    const { world, documentId } = setup;
    const a = open('ann');
    const bClient = world.client('ben');
    let bDoc: RealTimeDocument | undefined;
    const Wrapper = world.wrapper(bClient);
    render(
      <Wrapper>
        <Ben
          documentId={documentId}
          onState={(d) => {
            bDoc = d;
          }}
        />
      </Wrapper>,
    );
    await until(() => a.doc().isReady && bDoc?.isReady);
    act(() => void a.doc().createZone(zone('z1', 'original')));
    await until(() => bDoc?.document.zones.z1);
    await act(async () => {
      await a.doc().lock('z1');
    });
    await until(() => bDoc?.locks.z1?.userId === 'ann');

    act(() => void bDoc?.editZoneText('z1', { pos: 0, ins: 'HACK ' }));
    expect(bDoc?.document.zones.z1.text).toBe('HACK original'); // optimistic
    await until(() => bDoc?.lastError?.code === 'zone_locked');
    expect(bDoc?.document.zones.z1.text).toBe('original'); // rolled back
    expect(bDoc?.lastError?.kind).toBe('rejected');
    const toast = await screen.findByRole('alert');
    expect(toast.textContent).toContain('ann has locked the paragraph on page 1 (“original”).');
    expect(toast.getAttribute('data-code')).toBe('zone_locked');

    // Refused again (each keystroke is): still one toast, not one per refusal.
    const seq = bDoc?.lastError?.seq ?? 0;
    act(() => void bDoc?.editZoneText('z1', { pos: 0, ins: 'A' }));
    act(() => void bDoc?.editZoneText('z1', { pos: 0, ins: 'B' }));
    await until(() => (bDoc?.lastError?.seq ?? 0) >= seq + 2);
    expect(screen.getAllByRole('alert')).toHaveLength(1);
    expect(bDoc?.document.zones.z1.text).toBe('original');
  });

  it('useZone re-renders a zone only when that zone changes', async () => {
    const { world, documentId } = setup;
    const a = open('ann');
    await until(() => a.doc().isReady);
    act(() => {
      a.doc().createZone(zone('z1', 'one'));
      a.doc().createZone(zone('z2', 'two'));
    });
    const bClient = world.client('ben');
    const renders: Record<string, number> = { z1: 0, z2: 0 };
    const seen: Record<string, Zone | undefined> = {};
    const Wrapper = world.wrapper(bClient);
    render(
      <Wrapper>
        <ZoneView documentId={documentId} id="z1" renders={renders} seen={seen} />
        <ZoneView documentId={documentId} id="z2" renders={renders} seen={seen} />
      </Wrapper>,
    );
    await until(() => seen.z1?.text === 'one' && seen.z2?.text === 'two');
    const before = { ...renders };
    act(() => void a.doc().editZoneText('z1', { pos: 3, ins: '!' }));
    await until(() => seen.z1?.text === 'one!');
    act(() => void a.doc().editZoneText('z1', { pos: 4, ins: '!' }));
    await until(() => seen.z1?.text === 'one!!');
    expect(renders.z1).toBeGreaterThan(before.z1);
    expect(renders.z2).toBe(before.z2);
  });

  it('leaves no listeners on the client and closes the document after unmount', async () => {
    const { world, documentId } = setup;
    const client = world.client('ann');
    const listeners = countListeners(client);
    const Wrapper = world.wrapper(client);
    const view = render(
      <Wrapper>
        <Both documentId={documentId} />
        <Both documentId={documentId} />
      </Wrapper>,
    );
    await until(() => client.state === 'open' && listeners.active > 0);
    await until(() => world.server.hub.members(`doc:${documentId}`).some((m) => m.userId === 'ann'));
    view.unmount();
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
    expect(listeners.active).toBe(0);
    await until(() => !world.server.hub.members(`doc:${documentId}`).some((m) => m.userId === 'ann'));
  });

  it('sends my unconfirmed edits before closing the document when the last component unmounts', async () => {
    const { world, documentId } = setup;
    const ben = open('ben');
    let annDoc: RealTimeDocument | undefined;
    const Wrapper = world.wrapper(world.client('ann'));
    const page = (show: boolean) => (
      <Wrapper>
        {show && (
          <Ben
            documentId={documentId}
            onState={(d) => {
              annDoc = d;
            }}
          />
        )}
      </Wrapper>
    );
    const view = render(page(true));
    await until(() => annDoc?.isReady && ben.doc().isReady);
    act(() => {
      annDoc?.createZone(zone('z1', 'one', 0, 10)); // in flight
      annDoc?.createZone(zone('z2', 'two', 0, 50)); // pending behind it
      annDoc?.createZone(zone('z3', 'three', 0, 90));
    });
    expect(annDoc?.pendingCount).toBe(3);
    // Ann goes to another page of the app at once (the provider stays; no persistence configured).
    view.rerender(page(false));
    await until(() => ben.doc().zones.length === 3, 5_000, 'Ben sees all three zones');
    expect(ben.doc().zones.map((z) => z.text)).toEqual(['one', 'two', 'three']);
    // And then the document is closed: Ann leaves its room.
    await until(() => !world.server.hub.members(`doc:${documentId}`).some((m) => m.userId === 'ann'));
  });
});

describe('textDiff', () => {
  it('is the single splice between two texts, in code points', () => {
    expect(textDiff('hello', 'hello')).toBeNull();
    expect(textDiff('hello', 'help')).toEqual({ pos: 3, del: 2, ins: 'p' });
    expect(textDiff('a😀b', 'a😀😀b')).toEqual({ pos: 2, del: 0, ins: '😀' });
    expect(textDiff('', 'x')).toEqual({ pos: 0, del: 0, ins: 'x' });
  });
});

describe('useRealTimeDocument after an offline reload', () => {
  const setup = worldPerTest();

  it('shows the edits saved on this device before the document opens, then sends them', async () => {
    const { world, documentId } = setup;
    const persistence = new MemoryDocPersistence();
    // The document as the server has it.
    const ben = renderHook(() => useRealTimeDocument(documentId), {
      wrapper: world.wrapper(world.client('ben')),
    });
    await until(() => ben.result.current.isReady);
    act(() => void ben.result.current.createZone(zone('z1', 'saved')));
    await until(() => ben.result.current.version > 0 && ben.result.current.pendingCount === 0);
    const { document, version } = ben.result.current;
    // What Ann's page saved before the reload: the document at that version and an edit not sent yet.
    await persistence.save({
      format: 1,
      documentId,
      userId: 'ann',
      version,
      snapshot: document,
      inflight: null,
      pending: [{ opId: 'ann-offline-1', op: zoneEdit('z1', { pos: 5, ins: ' offline' }) }],
      opIds: ['ann-offline-1'],
      savedAt: Date.now(),
    });

    // Reloaded while the server cannot be reached.
    let reachable = false;
    const annClient: SynclineClient = world.client('ann', {
      url: () => (reachable ? world.url : 'ws://127.0.0.1:1/ws'),
    });
    const ann = renderHook(() => useRealTimeDocument(documentId), {
      wrapper: world.wrapper(annClient, { documentOptions: { persistence } }),
    });
    await until(() => ann.result.current.isRestored, 5_000, 'restored');
    const restored = ann.result.current;
    expect(restored.status).toBe('opening');
    expect(restored.isReady).toBe(false);
    expect(restored.zones.map((z) => z.text)).toEqual(['saved offline']);
    expect(restored.pendingCount).toBe(1);
    // Editable at once.
    act(() => void expect(ann.result.current.editZoneText('z1', { pos: 13, ins: '!' })).toBe(true));
    expect(ann.result.current.document.zones.z1.text).toBe('saved offline!');

    reachable = true;
    act(() => annClient.reconnect());
    await until(() => ann.result.current.isReady && ann.result.current.pendingCount === 0, 10_000, 'synced');
    expect(ann.result.current.isRestored).toBe(false);
    await until(() => ben.result.current.document.zones.z1?.text === 'saved offline!', 5_000, 'Ben sees it');
  });
});
