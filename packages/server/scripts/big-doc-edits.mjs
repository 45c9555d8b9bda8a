#!/usr/bin/env node
// Edits to one zone of a big document, one every 20 ms: how long each commit takes and how long the server's event
// loop stalls at most (checksums and snapshots of the whole document are the stalls to look for). A measurement to run
// by hand, not a test.
//
//   npx tsc -b && node packages/server/scripts/big-doc-edits.mjs [--zones 10000] [--ops 300] [--storage sqlite|memory]
//
// The server runs in this process (SynclineServer on a SQLite file in a temporary directory, or in memory); the edits
// go through `documents.applyServerOp`, the path of every commit, without sockets. Prints the commit times (p50, p99,
// max), the slow ones by index, the event loop's delay, and the versions that got a `doc_checksum`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { SynclineServer, silentLogger } from '@syncline/server';

const { values: args } = parseArgs({
  options: {
    zones: { type: 'string', default: '10000' },
    ops: { type: 'string', default: '300' },
    storage: { type: 'string', default: 'sqlite' },
  },
});
const ZONES = Number(args.zones);
const OPS = Number(args.ops);
const dir = mkdtempSync(join(tmpdir(), 'big-doc-edits-'));
const server = new SynclineServer({
  storage: args.storage === 'memory' ? 'memory' : { sqlite: join(dir, 'syncline.db') },
  auth: { dev: true },
  logger: silentLogger,
  systemStatusIntervalMs: 0,
});
await server.listen(0, '127.0.0.1');
const zones = {};
for (let i = 0; i < ZONES; i++) {
  zones[`z${i}`] = {
    id: `z${i}`,
    page: 1 + Math.floor(i / 50),
    bbox: { x: 10, y: (i % 50) * 14, w: 120, h: 12 },
    type: 'paragraph',
    label: `Paragraph ${i}`,
    confidence: 0.97,
    text: 'lorem ipsum dolor sit amet '.repeat(15),
    updatedBy: 'seed',
    updatedAt: 1_795_000_000_000,
    order: i,
  };
}
await server.documents.applyServerOp('big', ['zones', { r: true, i: zones }], {
  userId: 'seed',
  opId: 'seed',
});

const delay = monitorEventLoopDelay({ resolution: 1 }); // from the 6th edit on: the first ones warm up
const times = [];
for (let k = 0; k < OPS; k++) {
  if (k === 5) delay.enable();
  const t = performance.now();
  await server.documents.applyServerOp('big', ['zones', 'z5', 'text', { es: [k % 300, 'x'] }], {
    userId: 'editor',
    opId: `edit-${k}`,
  });
  times.push(performance.now() - t);
  await new Promise((r) => setTimeout(r, 20));
}
delay.disable();
await new Promise((r) => setTimeout(r, 2500)); // quiet: a big document's checksum comes now
const { entries } = await server.hub.store.read('doc:big', 0, 1_000_000);
const checksums = entries.filter((e) => e.type === 'doc_checksum').map((e) => e.data.version);

const slow = times.map((ms, i) => [i, Math.round(ms * 10) / 10]).filter(([, ms]) => ms > 5);
const sorted = [...times].sort((a, b) => a - b);
const q = (p) => sorted[Math.floor(p * (sorted.length - 1))].toFixed(2);
console.log(`${ZONES} zones, ${OPS} edits (${args.storage})`);
console.log(`commit ms: p50 ${q(0.5)}, p99 ${q(0.99)}, max ${sorted.at(-1).toFixed(2)}`);
console.log(`over 5 ms (edit index, ms): ${JSON.stringify(slow)}`);
console.log(
  `event loop delay ms: p99 ${(delay.percentile(99) / 1e6).toFixed(1)}, max ${(delay.max / 1e6).toFixed(1)}`,
);
console.log(`doc_checksum versions: ${JSON.stringify(checksums)}`);
await server.close({ timeoutMs: 500 });
rmSync(dir, { recursive: true, force: true });
