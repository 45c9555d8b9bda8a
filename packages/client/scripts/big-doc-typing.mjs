#!/usr/bin/env node
// What one keystroke costs the browser's main thread in a big document, with the document's unconfirmed edits
// persisted to IndexedDB (`IndexedDBDocPersistence`) and, as the baseline, in memory (the default persistence).
// A measurement to run by hand, not a test.
//
//   node packages/client/scripts/big-doc-typing.mjs [--zones 10000] [--keys 200] [--warmup 20] [--gap 0]
//
// It uses the built packages as they are (packages/server/dist, packages/client/dist and what it imports): build
// first (`npx tsc -b`). A Syncline server runs in this process (memory storage, dev auth, an ephemeral port on
// 127.0.0.1) with one document of `--zones` zones of 200-500 characters of text; it also serves a page (the client's
// dist bundled with esbuild), so the page is same-origin and a secure context (IndexedDB, Web Locks). For each
// persistence, a fresh Chromium profile opens the document (`client.doc(id, { persistence })`), types `--warmup`
// unmeasured characters, then `--keys` characters at the end of one zone (`doc.editText`), one per task, like a
// user typing fast: a keystroke, then the next task (`--gap` ms later).
//
// Per keystroke: the time from just before `editText` to the start of the next task (a MessageChannel message,
// not `setTimeout(0)`, which Chromium clamps to 4 ms after 5 nested timers): the keystroke's turn, with its
// microtasks (the document client saves its record in a microtask at the end of the turn), plus whatever else the
// browser ran before that task (a reply from the server). Also: the `longtask` entries (tasks over 50 ms) from
// the first measured keystroke until the server confirmed everything, and each IndexedDB `put` timed on its own
// (`IDBObjectStore.prototype.put` clones the value synchronously: that is the cost of a big record).
// Prints a table, and the results as JSON on the last line. BIG_DOC_TYPING_DEBUG=1 shows progress.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

const { values: args } = parseArgs({
  options: {
    zones: { type: 'string', default: '10000' },
    keys: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '20' },
    gap: { type: 'string', default: '0' },
  },
});
const ZONES = Number(args.zones);
const KEYS = Number(args.keys);
const WARMUP = Number(args.warmup);
const GAP_MS = Number(args.gap);
const DOC = 'big';
const CLIENT_DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const SERVER_DIST = new URL('../../server/dist/index.js', import.meta.url).href;
const CHROMIUM = process.env.SYNCLINE_TEST_CHROMIUM ?? '/usr/bin/chromium';
const TIMEOUT_MS = 5 * 60_000;

// ---- the page ----------------------------------------------------------------------------------------------

const PAGE = `
import { IndexedDBDocPersistence, SynclineClient } from './index.js';

// Every IndexedDB put, timed: its structured clone of the value is synchronous.
const puts = [];
const put = IDBObjectStore.prototype.put;
IDBObjectStore.prototype.put = function (...a) {
  const t = performance.now();
  try { return put.apply(this, a); } finally { puts.push({ at: t, ms: performance.now() - t }); }
};
const longTasks = [];
new PerformanceObserver((list) => longTasks.push(...list.getEntries())).observe({ type: 'longtask', buffered: true });

// The next task: a message, not setTimeout(0), which is clamped to 4 ms once timers nest 5 deep.
const channel = new MessageChannel();
const nextTask = () => new Promise((resolve) => { channel.port1.onmessage = resolve; channel.port2.postMessage(0); });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

window.bench = async ({ url, token, documentId, zoneId, persistence, keys, warmup, gapMs }) => {
  const client = new SynclineClient({ url, token });
  const t0 = performance.now();
  const doc = client.doc(documentId, persistence === 'indexeddb' ? { persistence: new IndexedDBDocPersistence({ name: 'bench' }) } : {});
  const rejected = [];
  doc.on('rejected', (r) => rejected.push(r.message));
  await doc.ready;
  const openMs = performance.now() - t0;
  await doc.whenSynced();
  await sleep(1000); // let the open's work (and its garbage) settle
  const before = [...doc.zone(zoneId).text].length;
  let pos = before;
  const turnMs = [];
  const editMs = [];
  let start = 0;
  for (let i = 0; i < warmup + keys; i++) {
    if (i === warmup) start = performance.now();
    const t = performance.now();
    doc.editText(zoneId, { pos: pos++, ins: 'x' });
    const edited = performance.now();
    await nextTask();
    if (i >= warmup) {
      turnMs.push(performance.now() - t);
      editMs.push(edited - t);
    }
    if (gapMs > 0) await sleep(gapMs);
  }
  const typedMs = performance.now() - start;
  await doc.whenSynced();
  const syncedMs = performance.now() - start;
  await sleep(300);
  const text = doc.zone(zoneId).text;
  const ok = [...text].length === before + warmup + keys && text.endsWith('x'.repeat(warmup + keys));
  await doc.close({ timeoutMs: 2000 });
  client.close();
  const mine = (e) => e.startTime >= start;
  return {
    openMs, typedMs, syncedMs, turnMs, editMs, ok, rejected,
    longTasks: longTasks.filter(mine).map((e) => e.duration),
    puts: puts.filter((p) => p.at >= start).map((p) => p.ms),
  };
};
`;

// ---- the run ----------------------------------------------------------------------------------------------

const cleanup = [];
const watchdog = setTimeout(() => fail(new Error(`no result after ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
process.on('SIGINT', () => fail(new Error('interrupted')));

try {
  const dir = await mkdtemp(join(tmpdir(), 'big-doc-typing-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  await bundlePage(join(dir, 'site'));
  debug('page bundled');

  const { SynclineServer, silentLogger } = await import(SERVER_DIST);
  const server = new SynclineServer({
    storage: 'memory',
    auth: { dev: true },
    logger: silentLogger,
    systemStatusIntervalMs: 0,
    staticDir: join(dir, 'site'),
  });
  cleanup.push(() => server.close({ timeoutMs: 500 }));
  const { port } = await server.listen(0, '127.0.0.1');
  await seed(server);
  const { token } = await server.devTokens.issue('bench');
  debug(`server on ${port}, ${ZONES} zones`);

  const results = [];
  for (const persistence of ['memory', 'indexeddb']) {
    // A fresh profile on disk (not an incognito context, whose IndexedDB lives in memory).
    const profile = join(dir, `profile-${persistence}`);
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    cleanup.push(() => context.close());
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    page.setDefaultTimeout(TIMEOUT_MS);
    await page.goto(`http://127.0.0.1:${port}/index.html`);
    await page.waitForFunction(() => typeof window.bench === 'function');
    const r = await page.evaluate((o) => window.bench(o), {
      url: `ws://127.0.0.1:${port}/ws`,
      token,
      documentId: DOC,
      zoneId: `z${Math.floor(ZONES / 2)}`,
      persistence,
      keys: KEYS,
      warmup: WARMUP,
      gapMs: GAP_MS,
    });
    await context.close();
    if (!r.ok || r.rejected.length > 0) {
      throw new Error(
        `${persistence}: the typed text did not arrive whole (rejected: ${r.rejected.join('; ')})`,
      );
    }
    results.push(summarize(persistence, r));
    debug(`${persistence} done`);
  }
  print(results);
  await done(0);
} catch (err) {
  await fail(err);
}

async function bundlePage(out) {
  await esbuild.build({
    stdin: { contents: PAGE, resolveDir: CLIENT_DIST, sourcefile: 'bench-page.js', loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome115',
    outfile: join(out, 'bench.js'),
    logLevel: 'warning',
  });
  await writeFile(
    join(out, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>big-doc-typing</title><script type="module" src="/bench.js"></script>',
  );
}

/** The document: `ZONES` zones of OCR-like text, as packages/server/scripts/open-burst.mjs makes them. */
async function seed(server) {
  const zones = {};
  for (let i = 0; i < ZONES; i++) {
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

// ---- the report --------------------------------------------------------------------------------------------

function summarize(persistence, r) {
  const q = (xs, p) => {
    if (xs.length === 0) return 0;
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * s.length))];
  };
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  const round = (x) => Math.round(x * 100) / 100;
  return {
    persistence,
    zones: ZONES,
    keys: KEYS,
    medianMs: round(q(r.turnMs, 0.5)),
    p90Ms: round(q(r.turnMs, 0.9)),
    maxMs: round(Math.max(...r.turnMs)),
    editTextMedianMs: round(q(r.editMs, 0.5)),
    longTasks: r.longTasks.length,
    longTaskMs: round(sum(r.longTasks)),
    puts: r.puts.length,
    putMedianMs: round(q(r.puts, 0.5)),
    putMaxMs: round(r.puts.length ? Math.max(...r.puts) : 0),
    putTotalMs: round(sum(r.puts)),
    typedMs: round(r.typedMs),
    syncedMs: round(r.syncedMs),
    openMs: round(r.openMs),
  };
}

function print(results) {
  const cols = [
    ['persistence', 'persistence'],
    ['zones', 'zones'],
    ['keys', 'keys'],
    ['medianMs', 'median ms'],
    ['p90Ms', 'p90 ms'],
    ['maxMs', 'max ms'],
    ['editTextMedianMs', 'editText med ms'],
    ['longTasks', 'long tasks'],
    ['longTaskMs', 'long-task ms'],
    ['puts', 'puts'],
    ['putMedianMs', 'put med ms'],
    ['putMaxMs', 'put max ms'],
    ['syncedMs', 'typed+synced ms'],
  ];
  console.log(cols.map(([, h]) => h).join('  '));
  for (const r of results) console.log(cols.map(([k, h]) => String(r[k]).padStart(h.length)).join('  '));
  console.log(JSON.stringify({ zones: ZONES, keys: KEYS, warmup: WARMUP, gapMs: GAP_MS, results }));
}

// ---- the end -----------------------------------------------------------------------------------------------

async function done(code) {
  clearTimeout(watchdog);
  while (cleanup.length > 0) {
    try {
      await cleanup.pop()();
    } catch {
      // Already closed, or closing anyway: go on with the rest.
    }
  }
  process.exit(code);
}

async function fail(err) {
  console.error(err?.stack ?? String(err));
  await done(1);
}

function debug(what) {
  if (process.env.BIG_DOC_TYPING_DEBUG) console.error(what);
}
