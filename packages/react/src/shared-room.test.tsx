// @vitest-environment jsdom
import { act, cleanup, render, renderHook } from '@testing-library/react';
import { StrictMode } from 'react';
import { describe, expect, it } from 'vitest';
import { testZone, until, worldPerTest } from './testing/server.js';
import { type Collaboration, useCollaboration } from './use-collaboration.js';
import { useExport } from './use-export.js';
import { type RealTimeDocument, useRealTimeDocument } from './use-real-time-document.js';
import { useWebSocketProgress } from './use-websocket-progress.js';

const zone = (id: string, text: string) => testZone(id, text, 1);

interface Seen {
  doc?: RealTimeDocument;
  collab?: Collaboration;
  progress?: number;
}

interface Parts {
  doc: boolean;
  progress: boolean;
  exporter: boolean;
}

/** The hooks a document page uses, each mounted or not. */
function Page({ documentId, parts, seen }: { documentId: string; parts: Parts; seen: Seen }) {
  return (
    <>
      {parts.doc && <DocPart documentId={documentId} seen={seen} />}
      {parts.progress && <ProgressPart documentId={documentId} seen={seen} />}
      {parts.exporter && <ExportPart documentId={documentId} />}
    </>
  );
}

function DocPart({ documentId, seen }: { documentId: string; seen: Seen }) {
  seen.doc = useRealTimeDocument(documentId);
  seen.collab = useCollaboration(documentId);
  return null;
}

function ProgressPart({ documentId, seen }: { documentId: string; seen: Seen }) {
  seen.progress = useWebSocketProgress(documentId).progress;
  return null;
}

function ExportPart({ documentId }: { documentId: string }) {
  useExport(documentId);
  return null;
}

describe('one room membership per document under a provider', () => {
  const setup = worldPerTest();

  /** In the room's presence (joined). */
  const isMember = (userId: string) =>
    setup.world.server.hub.members(`doc:${setup.documentId}`).some((m) => m.userId === userId);
  /** Receiving the room's events (joined or subscribed). */
  const receives = (userId: string) =>
    [...setup.world.server.hub.room(`doc:${setup.documentId}`).subs].some((s) => s.session.userId === userId);

  /** Ben edits; Ann's document must still receive it (her membership of `doc:<id>` is intact). */
  async function stillLive(ann: { doc?: RealTimeDocument }, ben: () => RealTimeDocument, text: string) {
    act(() => void ben().editZoneText('z1', { pos: 0, ins: text }));
    await until(() => ann.doc?.document.zones.z1?.text.startsWith(text), 5_000, `Ann sees ${text}`);
  }

  for (const order of ['helpers first', 'document first'] as const) {
    it(`keeps the document and presence in the room when the export and progress hooks unmount (${order})`, async () => {
      const { world, documentId } = setup;
      const annClient = world.client('ann');
      const benClient = world.client('ben');
      const ben = renderHook(() => useRealTimeDocument(documentId), { wrapper: world.wrapper(benClient) });
      await until(() => ben.result.current.isReady);
      act(() => void ben.result.current.createZone(zone('z1', 'text')));

      const seen: Seen = {};
      const Wrapper = world.wrapper(annClient);
      const view = (parts: Parts) => (
        <Wrapper>
          <Page documentId={documentId} parts={parts} seen={seen} />
        </Wrapper>
      );
      const first: Parts =
        order === 'helpers first'
          ? { doc: false, progress: true, exporter: true }
          : { doc: true, progress: false, exporter: false };
      const r = render(view(first));
      if (order === 'helpers first') {
        await until(() => receives('ann'), 5_000, 'Ann subscribed');
        expect(isMember('ann')).toBe(false);
        r.rerender(view({ doc: true, progress: true, exporter: true }));
      } else {
        await until(() => seen.doc?.isReady);
        r.rerender(view({ doc: true, progress: true, exporter: true }));
      }
      await until(() => seen.doc?.isReady && isMember('ann'));
      await until(() => seen.collab?.users.length === 2);
      await stillLive(seen, () => ben.result.current, 'one ');

      // The helpers go: Ann stays a member (with presence), her document keeps receiving edits.
      r.rerender(view({ doc: true, progress: false, exporter: false }));
      await act(async () => {
        await new Promise((res) => setTimeout(res, 50));
      });
      expect(isMember('ann')).toBe(true);
      expect(seen.collab?.users.map((u) => u.userId).sort()).toEqual(['ann', 'ben']);
      await stillLive(seen, () => ben.result.current, 'two ');
      expect(seen.doc?.status).toBe('open');

      // And back again, then the document goes while the helpers stay: presence ends, events still flow.
      r.rerender(view({ doc: true, progress: true, exporter: true }));
      r.rerender(view({ doc: false, progress: true, exporter: true }));
      await until(() => !isMember('ann'), 5_000, 'Ann leaves the presence');
      expect(receives('ann')).toBe(true);
      await world.server.broadcast(`doc:${documentId}`, 'processing_progress', {
        documentId,
        jobId: 'job-1',
        progress: 0.5,
      } as never);
      await until(() => seen.progress === 0.5, 5_000, 'the progress event after the document went');
      r.unmount();
      await until(() => !receives('ann'), 5_000, 'Ann out of the room');
    });
  }

  it('under StrictMode enters the room once: others never see me leave and come back', async () => {
    const { world, documentId } = setup;
    const benClient = world.client('ben');
    const presence: string[] = [];
    benClient.subscribe('user_join', (d) => presence.push(`join ${d.userId}`));
    benClient.subscribe('user_leave', (d) => presence.push(`leave ${d.userId}`));
    const ben = renderHook(() => useCollaboration(documentId), { wrapper: world.wrapper(benClient) });
    await until(() => isMember('ben'));

    const seen: Seen = {};
    const Wrapper = world.wrapper(world.client('ann'));
    const app = (parts: Parts) => (
      <StrictMode>
        <Wrapper>
          <Page documentId={documentId} parts={parts} seen={seen} />
        </Wrapper>
      </StrictMode>
    );
    const r = render(app({ doc: false, progress: false, exporter: false }));
    await act(async () => {
      await new Promise((res) => setTimeout(res, 50));
    });
    // The document page mounts once the app is connected: StrictMode runs its effects twice.
    r.rerender(app({ doc: true, progress: true, exporter: true }));
    await until(() => seen.doc?.isReady && ben.result.current.users.length === 2);
    await act(async () => {
      await new Promise((res) => setTimeout(res, 100));
    });
    expect(presence.filter((p) => p.endsWith('ann'))).toEqual(['join ann']);
    expect(isMember('ann')).toBe(true);
  });
  it('shares the memberships of one client between two providers (two React roots): one unmounting leaves nothing the other uses', async () => {
    const { world, documentId } = setup;
    const benClient = world.client('ben');
    const ben = renderHook(() => useRealTimeDocument(documentId), { wrapper: world.wrapper(benClient) });
    await until(() => ben.result.current.isReady);
    act(() => void ben.result.current.createZone(zone('z1', 'text')));

    const annClient = world.client('ann');
    const main: Seen = {};
    const side: Seen = {};
    const Wrapper = world.wrapper(annClient);
    const parts = { doc: true, progress: true, exporter: true };
    // The same client under two providers, e.g. the page and a panel rendered into another root.
    render(
      <Wrapper>
        <Page documentId={documentId} parts={parts} seen={main} />
      </Wrapper>,
    );
    const panel = render(
      <Wrapper>
        <Page documentId={documentId} parts={parts} seen={side} />
      </Wrapper>,
    );
    await until(() => main.doc?.isReady && side.doc?.isReady && isMember('ann'));
    await until(() => main.collab?.users.length === 2);

    panel.unmount();
    await act(async () => {
      await new Promise((res) => setTimeout(res, 100));
    });
    expect(isMember('ann')).toBe(true);
    expect(main.collab?.users.map((u) => u.userId).sort()).toEqual(['ann', 'ben']);
    await stillLive(main, () => ben.result.current, 'still ');
    expect(main.doc?.status).toBe('open');
    cleanup();
    await until(() => !receives('ann'), 5_000, 'Ann out of the room');
  });
});
