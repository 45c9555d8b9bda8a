import { Gauge } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, startServer } from './helpers.js';

/** HTTP errors keep the documented shape, `{error: {code, message}}`, and say nothing of the server's insides. */
describe('HTTP error answers', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('/metrics whose collection fails: 500 internal, the cause in the log only', async () => {
    const { server, port } = await startServer(cleanup, { jobs: false });
    new Gauge({
      name: 'app_queue_depth',
      help: 'an app metric that fails',
      registers: [server.metrics],
      collect() {
        throw new Error('queue unreachable at 10.0.0.7');
      },
    });
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: { code: 'internal', message: 'collecting the metrics failed' },
    });
  });
});
