// @vitest-environment jsdom
import { act, cleanup, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestWorld, until } from './testing/server.js';
import { useExport } from './use-export.js';

describe('useExport', () => {
  let world: TestWorld;
  beforeEach(async () => {
    world = await new TestWorld().start();
  });
  afterEach(async () => {
    cleanup();
    await world.close();
  });

  it('starts an export and follows its progress to the download URL', async () => {
    const documentId = world.documentId();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    world.server.handle('export.start', (data) => {
      const { format } = data as { format: string };
      // The job runs after the reply, as the server's would.
      void gate.then(async () => {
        const room = `doc:${documentId}`;
        await world.server.broadcast(room, 'export_progress', {
          exportId: 'e1',
          progress: 0.5,
          format,
          documentId,
        });
        await new Promise((r) => setTimeout(r, 20));
        await world.server.broadcast(room, 'export_completed', {
          exportId: 'e1',
          downloadUrl: '/api/exports/e1',
          format,
          documentId,
        });
      });
      return { exportId: 'e1', jobId: 'e1' };
    });
    const client = world.client('ann');
    const { result } = renderHook(() => useExport(documentId), { wrapper: world.wrapper(client) });
    await until(() => client.state === 'open' && world.server.hub.room(`doc:${documentId}`).subs.size > 0);
    await act(async () => {
      await result.current.start('rag');
    });
    expect(result.current).toMatchObject({ status: 'running', exportId: 'e1', format: 'rag' });
    release();
    await until(() => result.current.progress === 0.5);
    await until(() => result.current.status === 'completed');
    expect(result.current.downloadUrl).toBe('/api/exports/e1');
    expect(result.current.progress).toBe(1);
  });

  it('follows the latest start when two overlap: the earlier reply, late, changes nothing', async () => {
    const documentId = world.documentId();
    let answerFirst: () => void = () => {};
    const firstAnswered = new Promise<void>((r) => {
      answerFirst = r;
    });
    let calls = 0;
    world.server.handle('export.start', async () => {
      const n = ++calls;
      if (n === 1) await firstAnswered; // the first reply is slow
      return { exportId: `e${n}`, jobId: `e${n}` };
    });
    const client = world.client('ann');
    const { result } = renderHook(() => useExport(documentId), { wrapper: world.wrapper(client) });
    await until(() => client.state === 'open' && world.server.hub.room(`doc:${documentId}`).subs.size > 0);
    let first: Promise<string> = Promise.resolve('');
    let second: Promise<string> = Promise.resolve('');
    act(() => {
      first = result.current.start('rag');
      second = result.current.start('json');
    });
    await act(async () => {
      await second;
    });
    expect(result.current).toMatchObject({ status: 'running', exportId: 'e2', format: 'json' });
    answerFirst();
    await act(async () => {
      await expect(first).resolves.toBe('e1'); // that export exists on the server all the same
    });
    expect(result.current).toMatchObject({ status: 'running', exportId: 'e2', format: 'json' });
    // The second export's events are followed, the first's ignored.
    const room = `doc:${documentId}`;
    await world.server.broadcast(room, 'export_completed', {
      exportId: 'e1',
      downloadUrl: '/x/e1',
      format: 'rag',
      documentId,
    });
    await world.server.broadcast(room, 'export_completed', {
      exportId: 'e2',
      downloadUrl: '/x/e2',
      format: 'json',
      documentId,
    });
    await until(() => result.current.status === 'completed');
    expect(result.current.downloadUrl).toBe('/x/e2');
  });

  it('keeps the latest start when an earlier one fails late', async () => {
    const documentId = world.documentId();
    let failFirst: () => void = () => {};
    const firstFails = new Promise<void>((r) => {
      failFirst = r;
    });
    let calls = 0;
    world.server.handle('export.start', async () => {
      const n = ++calls;
      if (n === 1) {
        await firstFails;
        throw new Error('too slow');
      }
      return { exportId: `e${n}`, jobId: `e${n}` };
    });
    const client = world.client('ann');
    const { result } = renderHook(() => useExport(documentId), { wrapper: world.wrapper(client) });
    await until(() => client.state === 'open');
    let first: Promise<string> = Promise.resolve('');
    act(() => {
      first = result.current.start('rag');
      void result.current.start('json');
    });
    await until(() => result.current.exportId === 'e2');
    failFirst();
    await act(async () => {
      await expect(first).rejects.toBeTruthy();
    });
    expect(result.current).toMatchObject({ status: 'running', exportId: 'e2', format: 'json', error: null });
  });

  it('reports a refused start', async () => {
    const client = world.client('ann');
    const documentId = world.documentId();
    const { result } = renderHook(() => useExport(documentId), { wrapper: world.wrapper(client) });
    await until(() => client.state === 'open');
    world.server.handle('export.start', () => {
      throw new Error('no exports today');
    });
    await act(async () => {
      await result.current.start('json').catch(() => {});
    });
    expect(result.current.status).toBe('failed');
    expect(result.current.error).toBeTruthy();
  });
});
