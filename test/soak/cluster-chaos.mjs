#!/usr/bin/env node
// A chaos soak of the multi-node mode: nodes killed with SIGKILL and restarted while clients edit one document,
// publish logged events and come and go in a room's presence; then, once quiet, everything is checked. A run by
// hand (minutes), not a test.
//
//   npm run build && node test/soak/cluster-chaos.mjs [--duration 180] [--clients 12] [--nodes 3] [--seed 7]
//       [--kill-every 6] [--keep-logs]
//
// Nodes are CLI processes (`packages/server/dist/cli.js`) on PostgreSQL (a fresh schema per run, `DATABASE_URL`,
// default postgres://postgres@127.0.0.1:5432/test) and Redis (a fresh key prefix, `REDIS_URL`, default
// redis://127.0.0.1:6379). Each SDK client (packages/client dist) starts on its own node and, once that node is gone,
// reconnects to the next one (its `url` is a provider). Every `--kill-every` seconds (on average) a random node is
// killed (SIGKILL) and restarted on the same port a moment later. Checked at the end, after the chaos stops and the
// cluster is quiet:
// - every replica of the document equals the server's (a fresh client's `doc.open`), at the same version;
// - every op a client got a committed version for is in the document's history at that version, under its id, and
//   no op id is in the history twice; every marker a client typed (insert-only zones) is in the document exactly once
//   (unless its op was refused);
// - every logged event a publisher got an ack for was delivered exactly once, in order, at the acked seq, to every
//   subscriber (they all stay joined), and is in the room's log once;
// - the room presence each client shows equals the server's list on every node, which equals who is joined;
// - no node exited on its own, no client is left unconnected, unsynced or waiting for an ack.
// Prints a JSON summary; exits 1 on any violation. Child processes, the schema and the Redis keys are removed at the
// end, also on failure or Ctrl-C (node logs are kept, and their directory printed, when something failed).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { MemoryDocPersistence, RoomPresence, SynclineClient } from '@syncline/client';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import pg from 'pg';
import WebSocket from 'ws';
import { seededRandom } from '../../bench/dist/loadgen/seeded-random.js';

const { values: args } = parseArgs({
  allowNegative: true,
  options: {
    duration: { type: 'string', default: '180' },
    clients: { type: 'string', default: '12' },
    users: { type: 'string' },
    stalls: { type: 'boolean', default: true },
    reloads: { type: 'boolean', default: true },
    nodes: { type: 'string', default: '3' },
    seed: { type: 'string' },
    'kill-every': { type: 'string', default: '6' },
    'keep-logs': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});
const DURATION_MS = Number(args.duration) * 1000;
const CLIENTS = Number(args.clients);
const NODES = Number(args.nodes);
const USERS = Math.min(CLIENTS, Number(args.users ?? Math.max(1, CLIENTS - 2)));
const KILL_EVERY_MS = Number(args['kill-every']) * 1000;
const SEED = args.seed !== undefined ? Number(args.seed) : Math.floor(Math.random() * 2 ** 31);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CLI = fileURLToPath(new URL('../../packages/server/dist/cli.js', import.meta.url));
const LOCK_TTL_MS = 5000;
for (const [name, v] of [
  ['duration', DURATION_MS],
  ['clients', CLIENTS],
  ['nodes', NODES],
  ['users', USERS],
  ['kill-every', KILL_EVERY_MS],
]) {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
}

// ---- helpers ------------------------------------------------------------------------------------------------

// mulberry32: the chaos' and the clients' choices, from `--seed` (timing still varies between runs).
const random = seededRandom(SEED);
const pick = (list) => list[Math.floor(random() * list.length)];
const between = (lo, hi) => lo + Math.floor(random() * (hi - lo));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...parts) =>
  process.stderr.write(`[${((Date.now() - T0) / 1000).toFixed(1)}s] ${parts.join(' ')}\n`);
const T0 = Date.now();

async function waitFor(check, timeoutMs, intervalMs = 100) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await sleep(intervalMs);
  }
}

/** Rejects after `ms` (a call that hangs is a finding, not a reason for the soak to hang). */
function within(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const violations = [];
function violation(kind, detail) {
  violations.push({ kind, ...detail });
  log(`VIOLATION ${kind} ${JSON.stringify(detail).slice(0, 400)}`);
}

// ---- the run's isolation --------------------------------------------------------------------------------------

const RUN = randomBytes(4).toString('hex');
const SCHEMA = `soak_chaos_${RUN}`;
const PREFIX = `syncline-soak:${RUN}:`;
const SECRET = randomBytes(32).toString('base64url');
const DOC_ID = `chaos-${RUN}`;
const EVENTS_ROOM = `chat:soak-${RUN}`;
const LOBBY_ROOM = `lobby:soak-${RUN}`;
const LOG_DIR = mkdtempSync(join(tmpdir(), `cluster-chaos-${RUN}-`));
const MARKER_ZONES = ['m0', 'm1', 'm2', 'm3'];
const SCRATCH = 'scratch';

const token = (userId) =>
  new SignJWT({ name: `Soak ${userId}` })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(SECRET));

// ---- nodes ----------------------------------------------------------------------------------------------------

class Node {
  constructor(index, port) {
    this.index = index;
    this.port = port;
    this.child = null;
    this.expectExit = false;
    this.starts = 0;
    this.kills = 0;
    this.errorLogs = [];
    this.tail = [];
    this.out = createWriteStream(join(LOG_DIR, `node${index}.log`), { flags: 'a' });
  }

  get running() {
    return this.child !== null;
  }

  async start() {
    this.starts++;
    this.expectExit = false;
    this.out.write(`\n==== start ${this.starts} at ${new Date().toISOString()}\n`);
    const child = spawn(process.execPath, [CLI], {
      env: {
        ...process.env,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        DATABASE_URL,
        SYNCLINE_DATABASE_SCHEMA: SCHEMA,
        REDIS_URL,
        SYNCLINE_REDIS_PREFIX: PREFIX,
        SYNCLINE_JWT_SECRET: SECRET,
        SYNCLINE_RATE_LIMIT: 'off',
        SYNCLINE_JOBS: 'off',
        SYNCLINE_SYSTEM_STATUS_MS: '0',
        SYNCLINE_MAX_CONN_PER_IP: '0',
        SYNCLINE_LOCK_TTL_MS: String(LOCK_TTL_MS),
        SYNCLINE_RESTART_HINT_MS: '200',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let listening = false;
    let buffered = '';
    const onData = (chunk) => {
      this.out.write(chunk);
      buffered += chunk;
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
        this.tail.push(line);
        if (this.tail.length > 40) this.tail.shift();
        if (line.includes('"msg":"listening"') && line.includes(`"port":${this.port}`)) listening = true;
        if (/"level":(50|60)/.test(line)) this.errorLogs.push(line.slice(0, 600));
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('exit', (code, signal) => {
      this.out.write(`==== exit ${code ?? signal}\n`);
      if (this.child === child) this.child = null;
      if (!this.expectExit) {
        violation('node_crashed', { node: this.index, code, signal, tail: this.tail.slice(-15) });
      }
    });
    const ok = await waitFor(() => listening || child.exitCode !== null || child.signalCode !== null, 20_000);
    if (this.expectExit) return; // killed while starting (the chaos may do that)
    if (!ok || !listening) throw new Error(`node ${this.index} did not start:\n${this.tail.join('\n')}`);
    await waitFor(async () => {
      try {
        return (await fetch(`http://127.0.0.1:${this.port}/readyz`)).status === 200;
      } catch {
        return false;
      }
    }, 20_000);
  }

  /** SIGSTOP for `ms`: a node that hangs (longer than the 5 s after which the others reap it), then goes on. */
  stall(ms) {
    const child = this.child;
    if (!child || this.stalled) return false;
    this.stalled = true;
    this.stalls = (this.stalls ?? 0) + 1;
    child.kill('SIGSTOP');
    setTimeout(() => {
      this.stalled = false;
      if (this.child === child) child.kill('SIGCONT');
    }, ms);
    return true;
  }

  async kill(signal = 'SIGKILL') {
    const child = this.child;
    if (!child) return;
    this.expectExit = true;
    this.kills++;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    if (this.stalled) child.kill('SIGCONT');
    await gone;
  }
}

// ---- clients --------------------------------------------------------------------------------------------------

const nodes = [];
const wsUrl = (port) => `ws://127.0.0.1:${port}/ws`;
const MARKER_RE = /\[\d+\.\d+\]/g;

class SoakClient {
  constructor(index) {
    this.index = index;
    // The last clients are second tabs of the first users (one user on two nodes).
    this.userId = `u${index % USERS}`;
    this.next = index % NODES;
    this.welcomes = 0;
    this.resumed = 0;
    this.disconnects = 0;
    this.errors = {};
    // Documents
    this.markerCount = 0;
    this.typed = new Map(); // marker -> zone
    this.opMarkers = new Map(); // opId -> markers of the op as last sent
    this.acked = new Map(); // opId -> committed version (from the submit's reply)
    this.noops = 0;
    this.rejectedMarkers = new Set();
    this.rejections = {};
    this.conflicts = 0;
    this.resyncs = {};
    this.editErrors = {};
    this.edits = 0;
    // Events
    this.published = 0;
    this.pubAcked = new Map(); // n -> seq
    this.pubFailed = new Map(); // n -> code
    this.outstanding = 0;
    this.received = []; // {from, n, seq} of app_events in EVENTS_ROOM
    this.roomSeqs = []; // every seq delivered in EVENTS_ROOM
    this.resets = [];
    // Presence
    this.inLobby = false;
    this.lobbyBusy = false;
    this.lobbyToggles = 0;

    this.generation = 0;
    this.reloads = 0;
    this.journal = []; // what happened to this client, for the report of a violation
    // Shared by this client's successive instances (a page reloaded): unsent edits survive `close()`.
    this.persistence = new MemoryDocPersistence();
    this.makeClient();
  }

  /** A new `SynclineClient` (at start, and for each reload), with the soak's listeners. */
  makeClient() {
    this.client = new SynclineClient({
      url: () => {
        const node = nodes[this.next % NODES];
        this.next++;
        this.lastNode = node.index;
        return wsUrl(node.port);
      },
      token: () => token(this.userId),
      WebSocket,
      reconnect: { initialMs: 100, maxMs: 2000, maxAttempts: Number.POSITIVE_INFINITY },
      globals: null,
      idleAfterMs: false,
      idPrefix: `c${this.index}-${RUN}-${this.generation++}-`,
    });
    const c = this.client;
    const current = () => this.client === c;
    // After a node is gone, the next connect goes to the next node: start that round where this one connected.
    c.on('welcome', (w) => {
      this.welcomes++;
      if (w.resumed) this.resumed++;
      this.note(
        `welcome g${this.generation} node${this.lastNode} resumed=${w.resumed} published=${this.published}`,
      );
      this.next = this.lastNode + 1;
    });
    c.on('disconnect', (info) => {
      this.disconnects++;
      this.note(`disconnect g${this.generation} ${info.code} ${info.reason ?? ''}`);
    });
    c.on('error', (e) => this.count(this.errors, e.code ?? 'error'));
    c.on('reset', (r) => {
      if (r.room === EVENTS_ROOM) this.resets.push(r.seq);
    });
    c.subscribe('*', (data, event) => {
      if (event.room === LOBBY_ROOM && (event.type === 'user_join' || event.type === 'user_leave')) {
        this.note(`lobby ${event.type} ${data.userId} seq=${event.seq}`);
      }
      if (event.room !== EVENTS_ROOM || !current()) return;
      if (typeof event.seq === 'number') this.roomSeqs.push(event.seq);
      if (event.type === 'app_event' && data.name === 'soak') {
        this.received.push({ from: data.i, n: data.n, seq: event.seq });
      }
    });
    // Which op carries which markers, and the version each committed at (the reply to `doc.submit`).
    const request = c.request.bind(c);
    c.request = (method, data, options) => {
      const reply = request(method, data, options);
      if (method === 'room.members' && data?.room === LOBBY_ROOM) {
        reply.then(
          (r) =>
            this.note(
              `lobby members ${r.members.map((m) => m.userId).join(',')} (seq ${c.roomSeq(LOBBY_ROOM)})`,
            ),
          (e) => this.note(`lobby members failed ${e?.code}`),
        );
      }
      if (method === 'doc.submit') {
        const { opId } = data;
        this.opMarkers.set(opId, JSON.stringify(data.op).match(MARKER_RE) ?? []);
        reply.then(
          (r) => {
            if (r && typeof r.version === 'number') {
              if (r.noop === true) this.noops++;
              else {
                const before = this.acked.get(opId);
                if (before !== undefined && before !== r.version) {
                  violation('op_acked_twice', { client: this.index, opId, versions: [before, r.version] });
                }
                this.acked.set(opId, r.version);
              }
            }
          },
          (e) => this.count(this.errors, `submit:${e?.code ?? 'error'}`),
        );
      }
      return reply;
    };
    this.presence = new RoomPresence(c, LOBBY_ROOM);
  }

  note(what) {
    this.journal.push(`${((Date.now() - T0) / 1000).toFixed(2)} ${what}`);
    if (this.journal.length > 300) this.journal.shift();
  }

  count(map, key) {
    map[key] = (map[key] ?? 0) + 1;
  }

  async open(since) {
    this.joined = false;
    this.doc = this.client.doc(DOC_ID, { persistence: this.persistence });
    this.doc.on('rejected', (r) => {
      this.count(this.rejections, r.code);
      for (const m of this.opMarkers.get(r.opId) ?? []) this.rejectedMarkers.add(m);
    });
    this.doc.on('conflict', () => this.conflicts++);
    this.doc.on('resync', (r) => this.count(this.resyncs, `${r.reason}/${r.method}`));
    this.doc.on('error', (e) => this.count(this.errors, `doc:${e.code}`));
    await within(this.doc.ready, 60_000, `client ${this.index} doc.ready`);
    await within(
      this.client.join(EVENTS_ROOM, since === undefined ? undefined : { since }),
      60_000,
      `client ${this.index} join`,
    );
    this.joined = true; // publishes wait for it: one before the join would be refused (\`not_joined\`)
  }

  /**
   * A reload: this instance closes at once (unsent edits stay in the persistence, unanswered publishes fail with
   * `closed`), a new one takes over the document, resumes the events room after the last seq seen (so every event
   * still arrives exactly once) and re-enters the lobby if it was in it.
   */
  async reload() {
    if (this.lobbyBusy) return;
    this.lobbyBusy = true;
    this.reloads++;
    try {
      const old = this.client;
      const since = old.roomSeq(EVENTS_ROOM);
      this.note(
        `reload from g${this.generation} since=${since} published=${this.published} outstanding=${this.outstanding}`,
      );
      this.presence.close();
      old.close();
      this.makeClient();
      await this.open(since);
      if (this.inLobby) {
        await within(this.client.join(LOBBY_ROOM), 60_000, 'join');
        await within(this.presence.refresh(), 30_000, 'room.members');
      }
    } catch (e) {
      violation('reload_failed', { client: this.index, error: e?.message ?? String(e) });
    } finally {
      this.lobbyBusy = false;
    }
  }

  /** One edit of the document: mostly a marker typed into an insert-only zone. */
  edit() {
    const d = this.doc;
    if (!d || d.status === 'failed' || d.status === 'closed') return;
    const r = random();
    try {
      if (r < 0.75) {
        const zone = pick(MARKER_ZONES);
        const text = d.zone(zone)?.text;
        if (text === undefined) return;
        // Between two markers (or at an end): inserts never split one.
        const bounds = [0];
        for (let i = text.indexOf(']'); i >= 0; i = text.indexOf(']', i + 1)) bounds.push(i + 1);
        const marker = `[${this.index}.${this.markerCount++}]`;
        d.editText(zone, { pos: pick(bounds), ins: marker });
        this.typed.set(marker, zone);
      } else if (r < 0.9) {
        const text = d.zone(SCRATCH)?.text ?? '';
        if (text.length > 40 && random() < 0.5) {
          const pos = between(0, text.length - 5);
          d.editText(SCRATCH, { pos, del: between(1, 5) });
        } else {
          d.editText(SCRATCH, {
            pos: between(0, text.length + 1),
            ins: `${this.index}abc`.slice(0, between(1, 5)),
          });
        }
      } else if (r < 0.97) {
        if (random() < 0.5) d.updateZone(SCRATCH, { label: `by ${this.userId} #${this.edits}` });
        else d.updateZone(SCRATCH, { bbox: { x: between(0, 500), y: between(0, 700), w: 100, h: 20 } });
      } else if (!d.holdsLock(SCRATCH)) {
        // A short lock of the scratch zone: others' edits of it are refused meanwhile (expected rejections).
        d.lock(SCRATCH).then(
          () =>
            setTimeout(
              () => d.unlock(SCRATCH).catch((e) => this.count(this.editErrors, `unlock:${e.code}`)),
              1500,
            ),
          (e) => this.count(this.editErrors, `lock:${e.code}`),
        );
      }
      this.edits++;
    } catch (e) {
      this.count(this.editErrors, e?.code ?? e?.message ?? 'throw');
    }
  }

  publish() {
    if (this.outstanding >= 50 || !this.joined) return;
    const n = this.published++;
    this.outstanding++;
    this.client.publish(EVENTS_ROOM, 'app_event', { name: 'soak', i: this.index, n }).then(
      (ack) => {
        this.outstanding--;
        if (typeof ack.seq === 'number') this.pubAcked.set(n, ack.seq);
        else this.pubFailed.set(n, 'no_seq');
      },
      (e) => {
        this.outstanding--;
        this.pubFailed.set(n, e?.code ?? 'error');
        this.note(`publish ${n} failed ${e?.code}`);
        // Unanswered when its client closed (a reload): perhaps logged, perhaps not; either is fine.
      },
    );
  }

  async toggleLobby() {
    if (this.lobbyBusy) return;
    this.lobbyBusy = true;
    this.lobbyToggles++;
    try {
      if (this.inLobby) {
        this.inLobby = false;
        this.note('lobby leave');
        await within(this.client.leave(LOBBY_ROOM), 30_000, 'leave');
      } else {
        this.inLobby = true;
        this.note('lobby join');
        const state = await within(this.client.join(LOBBY_ROOM), 30_000, 'join');
        this.note(`lobby joined ${JSON.stringify(state)}`);
        await within(this.presence.refresh(), 30_000, 'room.members');
      }
    } catch (e) {
      this.count(this.errors, `lobby:${e?.code ?? e?.message}`);
    } finally {
      this.lobbyBusy = false;
    }
  }
}

// ---- cleanup --------------------------------------------------------------------------------------------------

let cleaned = false;
const soakClients = [];
const checkers = [];
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const c of [...soakClients, ...checkers]) {
    try {
      c.client?.close?.();
      c.close?.();
    } catch {}
  }
  for (const n of nodes) {
    try {
      await within(n.kill('SIGKILL'), 5000, 'kill');
    } catch {}
    n.out.end();
  }
  try {
    const db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
    await db.end();
  } catch (e) {
    log(`could not drop schema ${SCHEMA}: ${e.message}`);
  }
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } catch (e) {
    log(`could not delete the Redis keys ${PREFIX}*: ${e.message}`);
  } finally {
    redis.disconnect();
  }
}
process.on('exit', () => {
  for (const n of nodes) n.child?.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log(`${signal}: cleaning up`);
    cleanup().finally(() => process.exit(130));
  });
}

// ---- the run --------------------------------------------------------------------------------------------------

const timers = [];
let chaosOn = false;
let activityOn = false;
const chaos = { kills: 0, restarts: 0, doubleDown: 0, downMs: 0, stalls: 0, clientReconnects: 0, reloads: 0 };

async function chaosLoop() {
  while (chaosOn) {
    await sleep(Math.max(300, KILL_EVERY_MS * (0.3 + 1.4 * random())));
    if (!chaosOn) break;
    const up = nodes.filter((n) => n.running);
    if (up.length === 0) continue;
    if (args.stalls && random() < 0.15) {
      const victim = pick(up);
      const ms = between(6000, 12000);
      if (victim.stall(ms)) {
        chaos.stalls++;
        log(`SIGSTOP node ${victim.index} (:${victim.port}) for ${ms} ms`);
      }
      continue;
    }
    // Now and then a second node dies while one is down (never the last one up).
    if (up.length < NODES && !(up.length >= 2 && random() < 0.3)) continue;
    const victims = [pick(up)];
    // Now and then two at once.
    if (up.length >= 3 && random() < 0.15) victims.push(pick(up.filter((n) => n !== victims[0])));
    if (up.length - victims.length < NODES - 1) chaos.doubleDown++;
    for (const victim of victims) {
      const downMs = between(100, 4000);
      chaos.kills++;
      chaos.downMs += downMs;
      log(`kill -9 node ${victim.index} (:${victim.port}), back in ${downMs} ms`);
      await victim.kill('SIGKILL');
      setTimeout(() => {
        victim
          .start()
          .then(() => {
            chaos.restarts++;
            if (args.verbose) log(`node ${victim.index} is back`);
          })
          .catch((e) => violation('node_restart_failed', { node: victim.index, error: e.message }));
      }, downMs);
    }
  }
}

function every(fn, lo, hi) {
  const run = () => {
    if (!activityOn) return;
    try {
      fn();
    } catch (e) {
      log(`activity threw: ${e.stack}`);
    }
    timers.push(setTimeout(run, between(lo, hi)));
  };
  timers.push(setTimeout(run, between(0, hi)));
}

async function main() {
  log(
    `run ${RUN}: ${NODES} nodes, ${CLIENTS} clients, ${DURATION_MS / 1000} s, seed ${SEED}, logs in ${LOG_DIR}`,
  );
  for (let i = 0; i < NODES; i++) nodes.push(new Node(i, await freePort()));
  await Promise.all(nodes.map((n) => n.start()));

  // The document's zones, made by a first client before the others arrive.
  const seeder = new SynclineClient({
    url: wsUrl(nodes[0].port),
    token: () => token('seeder'),
    WebSocket,
    globals: null,
  });
  checkers.push(seeder);
  const seedDoc = seeder.doc(DOC_ID);
  await within(seedDoc.ready, 30_000, 'seeder doc.ready');
  for (const [k, id] of [...MARKER_ZONES, SCRATCH].entries()) {
    seedDoc.createZone({
      id,
      page: 0,
      bbox: { x: 10, y: 30 * k, w: 400, h: 20 },
      type: 'paragraph',
      label: id,
      confidence: 1,
      text: '',
    });
  }
  await within(seedDoc.whenSynced(), 30_000, 'seeder synced');
  await seedDoc.close();
  seeder.close();

  for (let i = 0; i < CLIENTS; i++) soakClients.push(new SoakClient(i));
  await Promise.all(soakClients.map((c) => c.open()));
  log(`${CLIENTS} clients open`);

  activityOn = true;
  for (const c of soakClients) {
    every(() => c.edit(), 150, 700);
    every(() => c.publish(), 150, 600);
    every(() => void c.toggleLobby(), 2000, 8000);
    // Now and then a client drops its socket on its own (a network change) and resumes on the next node.
    every(
      () => {
        if (c.client.state === 'open') {
          chaos.clientReconnects++;
          c.client.reconnect();
        }
      },
      10_000,
      40_000,
    );
    if (args.reloads) {
      every(
        () => {
          if (c.lobbyBusy) return;
          chaos.reloads++;
          void c.reload();
        },
        20_000,
        60_000,
      );
    }
  }
  chaosOn = true;
  const chaosDone = chaosLoop();
  const progress = setInterval(() => {
    const edits = soakClients.reduce((s, c) => s + c.edits, 0);
    const pubs = soakClients.reduce((s, c) => s + c.pubAcked.size, 0);
    const open = soakClients.filter((c) => c.client.state === 'open').length;
    log(
      `progress: ${edits} edits, ${pubs} events acked, ${open}/${CLIENTS} clients open, ${chaos.kills} kills`,
    );
  }, 30_000);
  await sleep(DURATION_MS);
  chaosOn = false;
  activityOn = false;
  clearInterval(progress);
  for (const t of timers) clearTimeout(t);
  await chaosDone;
  log('chaos stopped; waiting for every node and quiescence');

  // ---- quiescence ----
  await waitFor(() => nodes.every((n) => n.running && !n.stalled), 30_000);
  for (const n of nodes)
    if (!n.running)
      await n.start().catch((e) => violation('node_restart_failed', { node: n.index, error: e.message }));
  await waitFor(() => soakClients.every((c) => !c.lobbyBusy), 40_000);
  if (!(await waitFor(() => soakClients.every((c) => c.client.state === 'open'), 60_000))) {
    for (const c of soakClients.filter((c) => c.client.state !== 'open')) {
      violation('client_not_connected', { client: c.index, state: c.client.status });
    }
  }
  if (!(await waitFor(() => soakClients.every((c) => c.outstanding === 0), 60_000))) {
    for (const c of soakClients.filter((c) => c.outstanding > 0)) {
      violation('publish_unanswered', {
        client: c.index,
        outstanding: c.outstanding,
        queued: c.client.queued,
      });
    }
  }
  await Promise.all(
    soakClients.map((c) =>
      within(c.doc.whenSynced(), 60_000, 'whenSynced').catch(() => {
        const s = c.doc.getSnapshot();
        violation('doc_not_synced', {
          client: c.index,
          status: s.status,
          pending: s.pending,
          inflight: s.inflight,
          version: s.version,
        });
      }),
    ),
  );

  // One checker per node: the server's document, its history, the room's log, and each node's presence lists.
  for (const n of nodes) {
    const client = new SynclineClient({
      url: wsUrl(n.port),
      token: () => token(`checker${n.index}`),
      WebSocket,
      globals: null,
      reconnect: { initialMs: 100, maxMs: 1000, maxAttempts: 50 },
    });
    checkers.push(client);
  }
  const [main0] = checkers.slice(1);
  const serverDoc = main0.doc(DOC_ID);
  await within(serverDoc.ready, 30_000, 'checker doc.ready');
  const version = serverDoc.version;
  const replicasAt = await waitFor(() => soakClients.every((c) => c.doc.version >= version), 30_000);
  if (!replicasAt) log('not every replica reached the server version within 30 s');

  // ---- checks: documents ----
  const server = serverDoc.doc;
  for (const c of soakClients) {
    if (c.doc.version !== version || !isDeepStrictEqual(c.doc.doc, server)) {
      const zones = Object.keys({ ...server.zones, ...c.doc.doc.zones }).filter(
        (z) => !isDeepStrictEqual(server.zones[z], c.doc.doc.zones[z]),
      );
      violation('replica_diverged', {
        client: c.index,
        version: c.doc.version,
        serverVersion: version,
        zones,
        status: c.doc.status,
      });
    }
  }
  const history = [];
  for (let from = 0; from < version; from += 1000) {
    history.push(...(await within(serverDoc.history({ from, limit: 1000 }), 30_000, 'history')));
  }
  const byVersion = new Map(history.map((h) => [h.version, h]));
  const opIds = new Map();
  for (const h of history) opIds.set(h.opId, (opIds.get(h.opId) ?? 0) + 1);
  if (history.length !== version || byVersion.size !== version) {
    violation('history_incomplete', { entries: history.length, distinctVersions: byVersion.size, version });
  }
  const twice = [...opIds].filter(([, k]) => k > 1);
  if (twice.length > 0) violation('op_committed_twice', { opIds: twice.slice(0, 20), count: twice.length });
  let ackedOps = 0;
  for (const c of soakClients) {
    for (const [opId, v] of c.acked) {
      ackedOps++;
      const h = byVersion.get(v);
      if (!h || h.opId !== opId || h.userId !== c.userId) {
        violation('acked_op_missing', {
          client: c.index,
          opId,
          version: v,
          atVersion: h && { opId: h.opId, userId: h.userId },
        });
      }
    }
  }
  // Markers: every one typed is in its zone exactly once, unless its op was refused.
  const found = new Map();
  for (const z of MARKER_ZONES) {
    const text = server.zones[z]?.text ?? '';
    const rest = text.replace(MARKER_RE, '');
    if (rest !== '') violation('marker_zone_garbled', { zone: z, rest: rest.slice(0, 200) });
    for (const m of text.match(MARKER_RE) ?? []) found.set(m, (found.get(m) ?? 0) + 1);
  }
  let markersTyped = 0;
  let markersAcked = 0;
  for (const c of soakClients) {
    const ackedMarkers = new Set();
    for (const opId of c.acked.keys()) for (const m of c.opMarkers.get(opId) ?? []) ackedMarkers.add(m);
    for (const m of c.typed.keys()) {
      markersTyped++;
      if (ackedMarkers.has(m)) markersAcked++;
      const k = found.get(m) ?? 0;
      if (k > 1) violation('marker_duplicated', { client: c.index, marker: m, times: k });
      else if (k === 0 && ackedMarkers.has(m)) violation('acked_marker_lost', { client: c.index, marker: m });
      else if (k === 0 && !c.rejectedMarkers.has(m)) violation('marker_lost', { client: c.index, marker: m });
    }
  }
  const unknown = [...found.keys()].filter((m) => !soakClients.some((c) => c.typed.has(m)));
  if (unknown.length > 0) violation('marker_unknown', { markers: unknown.slice(0, 20) });

  // ---- checks: events ----
  const acks = soakClients.map((c) => c.pubAcked);
  const delivered = await waitFor(
    () =>
      soakClients.every((s) => {
        const got = new Set(s.received.map((e) => `${e.from}.${e.n}`));
        return acks.every((m, i) => [...m.keys()].every((n) => got.has(`${i}.${n}`)));
      }),
    20_000,
    250,
  );
  if (!delivered) log('not every acked event reached every subscriber within 20 s');
  let lateUnacked = 0;
  for (const s of soakClients) {
    for (let k = 1; k < s.roomSeqs.length; k++) {
      if (s.roomSeqs[k] <= s.roomSeqs[k - 1]) {
        violation('event_out_of_order_or_twice', {
          subscriber: s.index,
          seqs: s.roomSeqs.slice(Math.max(0, k - 3), k + 2),
        });
        break;
      }
    }
    if (s.resets.length > 0) violation('room_reset', { subscriber: s.index, resets: s.resets });
    const perFrom = new Map();
    for (const e of s.received) {
      if (!perFrom.has(e.from)) perFrom.set(e.from, []);
      perFrom.get(e.from).push(e);
    }
    for (const [i, m] of acks.entries()) {
      const all = perFrom.get(i) ?? [];
      // Each event at most once, acked or not.
      const seen = new Set();
      for (const e of all) {
        if (seen.has(e.n)) {
          violation('event_delivered_twice', { subscriber: s.index, publisher: i, n: e.n });
          break;
        }
        seen.add(e.n);
      }
      // Order: of the acked events. One whose publisher was told `closed` (its client instance closed, a reload)
      // may still be stored later, after the next instance's events: a node that hung with it unread in its socket
      // stores it when it wakes. Counted, not a violation: the publisher never heard of its fate.
      const got = all.filter((e) => m.has(e.n));
      if (s.index === 0) {
        for (let k = 1; k < all.length; k++) if (all[k].n < all[k - 1].n) lateUnacked++;
      }
      for (let k = 1; k < got.length; k++) {
        if (got[k].n <= got[k - 1].n) {
          violation('publisher_order', {
            subscriber: s.index,
            publisher: i,
            got: got.slice(Math.max(0, k - 3), k + 2).map((e) => ({
              n: e.n,
              seq: e.seq,
              ack: m.get(e.n) ?? null,
              failed: soakClients[i].pubFailed.get(e.n) ?? null,
            })),
            journal: s.index === 0 ? soakClients[i].journal.slice(-60) : undefined,
          });
          break;
        }
      }
      const byN = new Map(got.map((e) => [e.n, e]));
      const missing = [...m.keys()].filter((n) => !byN.has(n));
      if (missing.length > 0) {
        violation('acked_event_not_delivered', {
          subscriber: s.index,
          publisher: i,
          missing: missing.slice(0, 20),
          count: missing.length,
        });
      }
      const wrongSeq = [...m].filter(([n, seq]) => byN.has(n) && byN.get(n).seq !== seq);
      if (wrongSeq.length > 0) {
        violation('event_seq_differs_from_ack', {
          subscriber: s.index,
          publisher: i,
          examples: wrongSeq.slice(0, 5).map(([n, seq]) => ({ n, ack: seq, got: byN.get(n).seq })),
        });
      }
    }
  }
  // The room's log in PostgreSQL (what retention kept of it: a room of this kind keeps its newest 1,000 events):
  // gap-free, each event once, every acked event at its acked seq. Then a replay of that from every node.
  const ackedTotal = acks.reduce((s, m) => s + m.size, 0);
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  let stored;
  try {
    const bounds = await db.query(
      `SELECT first_seq, last_seq FROM "${SCHEMA}".syncline_rooms WHERE room = $1`,
      [EVENTS_ROOM],
    );
    const rows = await db.query(
      `SELECT seq, type, data FROM "${SCHEMA}".syncline_events WHERE room = $1 ORDER BY seq`,
      [EVENTS_ROOM],
    );
    stored = {
      firstSeq: Number(bounds.rows[0]?.first_seq ?? 1),
      lastSeq: Number(bounds.rows[0]?.last_seq ?? 0),
      rows: rows.rows.map((r) => ({ seq: Number(r.seq), type: r.type, data: r.data && JSON.parse(r.data) })),
    };
  } finally {
    await db.end();
  }
  const expectRows = stored.lastSeq - stored.firstSeq + 1;
  if (stored.rows.length !== expectRows || stored.rows.some((r, k) => r.seq !== stored.firstSeq + k)) {
    violation('log_not_contiguous', {
      firstSeq: stored.firstSeq,
      lastSeq: stored.lastSeq,
      rows: stored.rows.length,
    });
  }
  const logged = new Map(); // "i.n" -> seqs
  for (const r of stored.rows) {
    if (r.type !== 'app_event' || r.data?.name !== 'soak') continue;
    const key = `${r.data.i}.${r.data.n}`;
    logged.set(key, [...(logged.get(key) ?? []), r.seq]);
  }
  const logTwice = [...logged].filter(([, seqs]) => seqs.length > 1);
  if (logTwice.length > 0)
    violation('event_logged_twice', { events: logTwice.slice(0, 20), count: logTwice.length });
  const logWrong = [];
  for (const [i, m] of acks.entries()) {
    for (const [n, seq] of m) {
      if (seq < stored.firstSeq) continue; // trimmed by retention
      const at = logged.get(`${i}.${n}`);
      if (!at?.includes(seq)) logWrong.push({ event: `${i}.${n}`, ack: seq, logged: at ?? null });
    }
  }
  if (logWrong.length > 0)
    violation('acked_event_not_in_log', { events: logWrong.slice(0, 10), count: logWrong.length });

  const retained = stored.rows.filter((r) => r.type === 'app_event' && r.data?.name === 'soak').length;
  const logReads = [];
  for (const [k, reader] of checkers.slice(1).entries()) {
    const got = [];
    const resets = [];
    reader.subscribe('app_event', (data, event) => {
      if (event.room === EVENTS_ROOM && data.name === 'soak') got.push(`${data.i}.${data.n}@${event.seq}`);
    });
    reader.on('reset', (r) => {
      if (r.room === EVENTS_ROOM) resets.push(r);
    });
    const since = stored.firstSeq - 1;
    const state = await within(reader.subscribeRoom(EVENTS_ROOM, { since }), 30_000, 'log subscribe');
    await waitFor(() => got.length >= retained || resets.length > 0, 20_000, 250);
    await sleep(500);
    logReads.push({ node: k, since, replayed: got.length, status: state.status, resets: resets.length });
    // A reset: a trim ran meanwhile (retention); nothing to compare then.
    if (resets.length > 0) continue;
    const want = stored.rows
      .filter((r) => r.type === 'app_event' && r.data?.name === 'soak')
      .map((r) => `${r.data.i}.${r.data.n}@${r.seq}`);
    if (!isDeepStrictEqual(got.slice(0, want.length), want) || got.length !== want.length) {
      violation('replay_differs_from_log', { node: k, since, replayed: got.length, logged: want.length });
    }
  }

  // ---- checks: presence ----
  const expectLobby = [...new Set(soakClients.filter((c) => c.inLobby).map((c) => c.userId))].sort();
  const members = async (checker, room) => {
    const { members } = await within(checker.request('room.members', { room }), 15_000, 'room.members');
    return members.map((m) => m.userId).sort();
  };
  for (const ch of checkers.slice(1)) await within(ch.subscribeRoom(LOBBY_ROOM), 30_000, 'lobby subscribe');
  for (const ch of checkers.slice(2))
    await within(ch.subscribeRoom(`doc:${DOC_ID}`), 30_000, 'doc subscribe');
  const expectDocRoom = [...new Set(soakClients.map((c) => c.userId)), 'checker0'].sort();
  let lists = [];
  let docLists = [];
  const presenceOk = () =>
    lists.every((l) => isDeepStrictEqual(l, expectLobby)) &&
    docLists.every((l) => isDeepStrictEqual(l, expectDocRoom)) &&
    soakClients
      .filter((c) => c.inLobby)
      .every((c) =>
        isDeepStrictEqual(
          c.presence
            .getSnapshot()
            .users.map((u) => u.userId)
            .sort(),
          expectLobby,
        ),
      );
  // A dead node's presence is reaped within ~6 s: wait up to 20 s for it.
  await waitFor(
    async () => {
      lists = await Promise.all(checkers.slice(1).map((ch) => members(ch, LOBBY_ROOM)));
      docLists = await Promise.all(checkers.slice(1).map((ch) => members(ch, `doc:${DOC_ID}`)));
      return presenceOk();
    },
    20_000,
    1000,
  );
  for (const [k, l] of lists.entries()) {
    if (!isDeepStrictEqual(l, expectLobby))
      violation('presence_server_list', { node: k, room: 'lobby', got: l, expected: expectLobby });
  }
  for (const [k, l] of docLists.entries()) {
    if (!isDeepStrictEqual(l, expectDocRoom))
      violation('presence_server_list', { node: k, room: 'doc', got: l, expected: expectDocRoom });
  }
  for (const c of soakClients.filter((c) => c.inLobby)) {
    const shown = c.presence
      .getSnapshot()
      .users.map((u) => u.userId)
      .sort();
    if (!isDeepStrictEqual(shown, expectLobby)) {
      const odd = [
        ...expectLobby.filter((u) => !shown.includes(u)),
        ...shown.filter((u) => !expectLobby.includes(u)),
      ];
      violation('presence_client_list', {
        client: c.index,
        got: shown,
        expected: expectLobby,
        journal: c.journal
          .filter(
            (l) =>
              !l.includes('lobby') ||
              odd.some((u) => l.includes(u)) ||
              l.includes('members') ||
              l.includes('joined'),
          )
          .slice(-80),
        log: await lobbyLog(odd),
      });
    }
  }

  async function lobbyLog(users) {
    const db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query(
        `SELECT seq, type, data, from_user, ts FROM "${SCHEMA}".syncline_events WHERE room = $1 ORDER BY seq`,
        [LOBBY_ROOM],
      );
      return rows
        .filter((r) => users.some((u) => r.data?.includes(`"${u}"`)))
        .map((r) => `${r.seq} ${((r.ts - T0) / 1000).toFixed(2)} ${r.type} ${r.data}`);
    } finally {
      await db.end();
    }
  }

  // ---- summary ----
  const sum = (f) => soakClients.reduce((s, c) => s + f(c), 0);
  const merge = (f) => {
    const out = {};
    for (const c of soakClients) for (const [k, v] of Object.entries(f(c))) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  return {
    run: RUN,
    seed: SEED,
    durationS: DURATION_MS / 1000,
    nodes: NODES,
    clients: CLIENTS,
    chaos: {
      ...chaos,
      starts: nodes.map((n) => n.starts),
      kills: nodes.map((n) => n.kills),
      totalKills: chaos.kills,
    },
    connections: {
      welcomes: sum((c) => c.welcomes),
      resumed: sum((c) => c.resumed),
      disconnects: sum((c) => c.disconnects),
    },
    document: {
      version,
      zones: Object.keys(server.zones).length,
      edits: sum((c) => c.edits),
      ackedOps,
      noops: sum((c) => c.noops),
      markersTyped,
      markersAcked,
      markersInDoc: found.size,
      rejections: merge((c) => c.rejections),
      conflicts: sum((c) => c.conflicts),
      resyncs: merge((c) => c.resyncs),
      editErrors: merge((c) => c.editErrors),
    },
    events: {
      published: sum((c) => c.published),
      acked: ackedTotal,
      failed: merge((c) => {
        const out = {};
        for (const code of c.pubFailed.values()) out[code] = (out[code] ?? 0) + 1;
        return out;
      }),
      deliveries: sum((c) => c.received.length),
      unackedStoredLate: lateUnacked,
      log: { firstSeq: stored.firstSeq, lastSeq: stored.lastSeq, retained },
      logReads,
    },
    presence: { lobbyToggles: sum((c) => c.lobbyToggles), lobbyAtEnd: expectLobby.length },
    clientErrors: merge((c) => c.errors),
    serverErrorLogs: nodes.map((n) => n.errorLogs.length),
    serverErrorExamples: nodes.flatMap((n) => n.errorLogs.slice(0, 3)),
  };
}

let summary;
let failed = null;
try {
  summary = await main();
} catch (e) {
  failed = e;
  log(`soak failed: ${e.stack}`);
}
await cleanup();
const ok = failed === null && violations.length === 0;
const keepLogs = !ok || args['keep-logs'];
if (!keepLogs) rmSync(LOG_DIR, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify(
    {
      ok,
      ...(failed ? { error: String(failed.stack ?? failed) } : {}),
      violations: violations.slice(0, 100),
      violationCount: violations.length,
      ...(keepLogs ? { logs: LOG_DIR } : {}),
      ...summary,
    },
    null,
    2,
  )}\n`,
);
process.exit(ok ? 0 : 1);
