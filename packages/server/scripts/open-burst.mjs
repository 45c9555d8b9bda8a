#!/usr/bin/env node
// Many connections open one large document at once: how long the server's event loop is busy, how long it stalls
// at most, and how long the last opener waits. A measurement to run by hand, not a test.
//
//   npx tsc -b && node packages/server/scripts/open-burst.mjs [--connections 20] [--zones 10000] [--rounds 5]
//                                                           [--codec json|msgpack] [--server <dist/index.js>]
//
// The server runs in a child process (SynclineServer, memory storage, an ephemeral port) so that the clients'
// work is not counted as the server's. Each round first commits one op (a new version: the snapshot has to be made
// again, as after any edit), then every connection sends `doc.open` in the same moment; replies are recognised by
// their first bytes, not parsed (parsing 20 x 5 MB here would hide the server's time). A probe connection sends a
// small request every 5 ms meanwhile: its slowest answer is what anyone else on the node waited.
// `--server` runs another build of @syncline/server (the code before a change: `git archive HEAD packages/protocol
// packages/server packages/doc packages/pipeline tsconfig.base.json` into a directory whose node_modules links to
// this one's, its @syncline/* to its own packages, then `tsc -b packages/server` there).
// OPEN_BURST_SERVER_NODE_ARGS passes node options to the server (`--cpu-prof`); OPEN_BURST_DEBUG=1 shows progress.
import { fork } from 'node:child_process';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { pack } from 'msgpackr';
import WebSocket from 'ws';

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '20' },
    zones: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '5' },
    codec: { type: 'string', default: 'json' },
    server: { type: 'string' },
    serve: { type: 'boolean', default: false },
  },
});

const SECRET = 'open-burst-secret-0123456789abcdef0123456789';
const DOC = 'big';

if (args.serve) await serve();
else await main();

// ---- the server (child process) ------------------------------------------------------------------

async function serve() {
  const { SynclineServer, silentLogger } = await import(args.server ?? '@syncline/server');
  const server = new SynclineServer({
    storage: 'memory',
    auth: { secret: SECRET },
    logger: silentLogger,
    systemStatusIntervalMs: 0,
  });
  const { port } = await server.listen(0, '127.0.0.1');
  const zones = {};
  const n = Number(args.zones);
  for (let i = 0; i < n; i++) {
    const id = `z${i}`;
    zones[id] = {
      id,
      page: 1 + Math.floor(i / 50),
      bbox: { x: (i % 7) * 10.5, y: (i % 50) * 14.25, w: 120.5, h: 12.75 },
      type: 'paragraph',
      label: `Paragraph ${i}`,
      confidence: 0.97,
      text: words(200 + ((i * 7919) % 301), i),
      updatedBy: 'seed',
      updatedAt: 1_795_000_000_000 + i,
      order: i,
    };
  }
  await server.documents.applyServerOp(DOC, ['zones', { r: true, i: zones }], {
    userId: 'seed',
    opId: 'seed',
  });
  let elu = null;
  let cpu = null;
  const delay = monitorEventLoopDelay({ resolution: 1 });
  let edits = 0;
  process.on('message', async (m) => {
    if (m.type === 'edit') {
      edits++;
      await server.documents.applyServerOp(DOC, ['zones', 'z1', 'label', { r: true, i: `Edited ${edits}` }], {
        userId: 'seed',
        opId: `edit-${edits}`,
      });
      process.send({ type: 'edited' });
    } else if (m.type === 'start') {
      delay.reset();
      delay.enable();
      elu = performance.eventLoopUtilization();
      cpu = process.cpuUsage();
      process.send({ type: 'started' });
    } else if (m.type === 'stop') {
      const used = performance.eventLoopUtilization(elu);
      const c = process.cpuUsage(cpu);
      delay.disable();
      process.send({
        type: 'stopped',
        busyMs: used.active,
        cpuMs: (c.user + c.system) / 1000,
        maxDelayMs: delay.max / 1e6,
      });
    } else if (m.type === 'exit') {
      await server.close({ timeoutMs: 500 });
      process.exit(0);
    }
  });
  process.send({ type: 'ready', port });
}

function words(length, seed) {
  const vocab = [
    'the',
    'report',
    'zone',
    'review',
    'figure',
    'table',
    'section',
    'annex',
    'été',
    'naïve',
    'data',
  ];
  let s = '';
  let x = seed + 1;
  while (s.length < length) {
    x = (x * 1103515245 + 12345) % 2147483648;
    s += `${vocab[x % vocab.length]} `;
  }
  return s.slice(0, length);
}

// ---- the clients (this process) ------------------------------------------------------------------

async function main() {
  const here = fileURLToPath(import.meta.url);
  const childArgs = ['--serve', '--zones', args.zones];
  if (args.server) childArgs.push('--server', pathToFileURL(args.server).href);
  // OPEN_BURST_SERVER_NODE_ARGS: node options for the server, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const execArgv = (process.env.OPEN_BURST_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = fork(here, childArgs, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const replies = [];
  child.on('message', (m) => {
    const waiter = replies.find((r) => r.type === m.type);
    if (waiter) {
      replies.splice(replies.indexOf(waiter), 1);
      waiter.resolve(m);
    }
  });
  const ask = (message, answer) =>
    new Promise((resolve) => {
      replies.push({ type: answer, resolve });
      if (message) child.send(message);
    });
  const { port } = await ask(null, 'ready');
  debug('server ready');
  const url = `ws://127.0.0.1:${port}/ws`;
  const subprotocol = args.codec === 'msgpack' ? 'syncline.v1.msgpack' : 'syncline.v1.json';
  const n = Number(args.connections);
  const sockets = [];
  for (let i = 0; i < n; i++) sockets.push(await connect(url, subprotocol, `reviewer-${i}`));
  const probe = await connect(url, 'syncline.v1.json', 'probe');
  debug('connected');
  const rows = [];
  for (let round = 0; round < Number(args.rounds); round++) {
    await ask({ type: 'edit' }, 'edited');
    await sleep(50);
    await ask({ type: 'start' }, 'started');
    let probing = true;
    let probeMax = 0;
    const probeLoop = (async () => {
      for (let k = 0; probing; k++) {
        const t = performance.now();
        await probe.request(`p${round}-${k}`, 'presence.status', { status: 'active' });
        probeMax = Math.max(probeMax, performance.now() - t);
        await sleep(5);
      }
    })();
    const t0 = performance.now();
    const waits = await Promise.all(
      sockets.map((s, i) =>
        s.request(`open-${round}-${i}`, 'doc.open', { documentId: DOC }).then(() => performance.now() - t0),
      ),
    );
    const totalMs = performance.now() - t0;
    probing = false;
    await probeLoop;
    debug(`round ${round} answered`);
    const server = await ask({ type: 'stop' }, 'stopped');
    const bytes = sockets[0].lastBytes;
    rows.push({ round, totalMs, waits, server, probeMax, bytes });
    if (round === 0) check(sockets[0].lastFrame);
  }
  print(rows, n);
  for (const s of [...sockets, probe]) s.ws.close();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send({ type: 'exit' });
  await exited;
}

/** A raw protocol client: hello, join the document's room, then requests answered by id. */
async function connect(url, subprotocol, userId) {
  const token = await new SignJWT({ name: userId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(SECRET));
  const ws = new WebSocket(url, subprotocol, { maxPayload: 512 * 1024 * 1024 });
  const binary = subprotocol.endsWith('msgpack');
  const encode = binary ? pack : (m) => JSON.stringify(m);
  const waiting = new Map();
  const client = { ws, lastBytes: 0, lastFrame: null };
  // A reply's id is in its first bytes (`{"type":"response","id":"…"`, or the same in MessagePack), also inside a
  // batch after a few small events; whole, with its quotes or its MessagePack header (`open-0-1` in `open-0-10`).
  const idMark = (id) => (binary ? String.fromCharCode(0xa0 | id.length) + id : `"${id}"`);
  ws.on('message', (data) => {
    const head = data.subarray(0, 400).toString('latin1');
    for (const [id, resolve] of waiting) {
      if (head.includes(idMark(id))) {
        waiting.delete(id);
        client.lastBytes = data.length;
        client.lastFrame = data;
        resolve(data);
        return;
      }
    }
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.on('close', (code, reason) => {
    if (waiting.size > 0) {
      console.error(`${userId}: closed ${code} ${reason} with ${[...waiting.keys()]} unanswered`);
      process.exit(1);
    }
  });
  const send = (m) => ws.send(encode(m));
  client.request = (id, method, data) =>
    new Promise((resolve) => {
      waiting.set(id, resolve);
      send({ type: 'request', id, method, data });
    });
  const welcome = new Promise((resolve) => ws.once('message', resolve));
  send({ type: 'hello', v: 1, token });
  await welcome;
  const joined = new Promise((resolve) => waiting.set(`join-${userId}`, resolve));
  send({ type: 'join_room', id: `join-${userId}`, room: `doc:${DOC}` });
  await joined;
  return client;
}

function check(frame) {
  const reply = args.codec === 'msgpack' ? null : JSON.parse(frame.toString('utf8'));
  if (reply === null) return;
  const r = reply.type === 'batch' ? reply.items.find((m) => m.type === 'response') : reply;
  const zones = Object.keys(r.data.snapshot.zones).length;
  if (zones !== Number(args.zones)) throw new Error(`the reply has ${zones} zones`);
}

function print(rows, n) {
  const fmt = (x) => x.toFixed(0).padStart(6);
  console.log(
    `${n} connections open ${args.zones} zones (${args.codec}), reply ${(rows[0].bytes / 1e6).toFixed(1)} MB`,
  );
  console.log(
    'round  total ms  first ms  median ms  server busy ms  server cpu ms  max loop stall ms  probe max ms',
  );
  for (const r of rows) {
    const w = [...r.waits].sort((a, b) => a - b);
    console.log(
      `${String(r.round).padStart(5)}  ${fmt(r.totalMs)}    ${fmt(w[0])}    ${fmt(w[Math.floor(w.length / 2)])}          ${fmt(r.server.busyMs)}         ${fmt(r.server.cpuMs)}             ${fmt(r.server.maxDelayMs)}        ${fmt(r.probeMax)}`,
    );
  }
  const med = (k) => {
    const xs = rows.map(k).sort((a, b) => a - b);
    return xs[Math.floor(xs.length / 2)];
  };
  console.log(
    `median: total ${med((r) => r.totalMs).toFixed(0)} ms, server busy ${med((r) => r.server.busyMs).toFixed(0)} ms, ` +
      `cpu ${med((r) => r.server.cpuMs).toFixed(0)} ms, longest stall ${med((r) => r.server.maxDelayMs).toFixed(0)} ms, ` +
      `probe ${med((r) => r.probeMax).toFixed(0)} ms`,
  );
}

function debug(what) {
  if (process.env.OPEN_BURST_DEBUG) console.error(what);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
