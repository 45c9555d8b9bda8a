import { Server } from '@hocuspocus/server';

/**
 * Hocuspocus 3 (Yjs) with its defaults: documents in memory (no persistence extension), no
 * authentication hook, no compression. Port from `PORT` (0 = any); prints `{"msg":"listening","port":N}`.
 */
const server = new Server({
  port: Number(process.env.PORT ?? 0),
  address: process.env.HOST ?? '127.0.0.1',
  quiet: true,
  stopOnSignals: false,
});

await server.listen();
process.stdout.write(`${JSON.stringify({ msg: 'listening', port: server.address.port })}\n`);

process.on('SIGTERM', () => process.exit(0));
