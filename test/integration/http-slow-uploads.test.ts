import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, startServer } from './helpers.js';

const MiB = 1024 * 1024;

/**
 * A slow link uploads the largest file: only silence (30 s without a byte) ends a body, and the whole request may take
 * as long as the limit needs at 32 KiB/s. Node's default (300 s for any request) cut a 50 MB upload over a link
 * slower than 175 KB/s, though it never went silent.
 */
describe('HTTP: slow uploads', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  const requestTimeout = async (maxUploadBytes?: number) => {
    const { server } = await startServer(cleanup, { jobs: maxUploadBytes ? { maxUploadBytes } : {} });
    return (server as unknown as { httpServer: Server }).httpServer.requestTimeout;
  };

  it('gives a request the time of the largest upload at 32 KiB/s, at least 300 s', async () => {
    expect(await requestTimeout()).toBe(1600 * 1000); // 50 MiB, the default limit: 26 min 40 s
    expect(await requestTimeout(200 * MiB)).toBe(6400 * 1000);
    expect(await requestTimeout(1 * MiB)).toBe(300 * 1000);
  });
});
