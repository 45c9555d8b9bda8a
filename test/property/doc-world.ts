import { type DocResync, type DocumentClient, MemoryDocPersistence, SynclineClient } from '@syncline/client';
import { apply, emptyDocument, type Op, type Zone, type ZoneDocument, zoneCreate } from '@syncline/doc';
import { DOC_METHODS } from '@syncline/protocol';
import type { SyncState } from '../../packages/client/src/document/sync-state.js';
import { fakeBrowser } from '../../packages/client/src/testing/fake-websocket.js';
import { Hub } from '../../packages/server/src/core/hub.js';
import type { Identity } from '../../packages/server/src/core/identity.js';
import { silentLogger } from '../../packages/server/src/core/logger.js';
import { DocumentSequencer } from '../../packages/server/src/docs/doc-sequencer.js';
import type { OpRecord } from '../../packages/server/src/docs/doc-store.js';
import { MemoryDocStore } from '../../packages/server/src/docs/memory-doc-store.js';
import type { LogStore } from '../../packages/server/src/storage/log-store.js';
import { MemoryLogStore } from '../../packages/server/src/storage/memory-log-store.js';
import { SimClock } from './sim-clock.js';
import { SimNetwork } from './sim-network.js';

export const DOCUMENT_ID = 'sim-doc';
/** Who wrote the document's first version (a server-side import). */
export const SEED_USER = 'ocr';

export const zone = (id: string, text = '', extra: Partial<Zone> = {}): Zone => ({
  id,
  page: 0,
  bbox: { x: 0, y: 0, w: 10, h: 10 },
  type: 'paragraph',
  label: '',
  confidence: 1,
  text,
  updatedBy: SEED_USER,
  updatedAt: 0,
  ...extra,
});

export interface ServerParams {
  /** The sequencer's `checksumEvery`, `snapshotEvery`, `recentOps`, `idleUnloadMs`. */
  checksumEvery: number;
  snapshotEvery: number;
  recentOps: number;
  idleUnloadMs: number;
  /** Events kept per document room (a client away longer gets a room `reset`). */
  roomEvents: number;
  /** Asked on each commit: refuse this one (as the permission hook may)? */
  refuse: () => boolean;
  /** The server counts as busy (it holds room events for a connection it just sent a frame to). */
  busy?: boolean;
  /** The document's first version. */
  seed: Zone[];
  /**
   * Simulated ms each room-log append takes (as a database's would), in call order; 0: the memory store's
   * synchronous path. Room events then reach their room after the replies of the commits made meanwhile.
   */
  appendMs?: number;
}

/**
 * The memory log store with a database's latency: appends complete after `ms` of simulated time, in the order
 * they were made, and there is no synchronous path. Reads are served at once.
 */
class SlowLogStore implements LogStore {
  private tail: Promise<unknown> = Promise.resolve();
  /** Appends not completed yet (their events are still to reach the room). */
  pending = 0;

  constructor(
    private readonly inner: MemoryLogStore,
    private readonly clock: SimClock,
    private readonly ms: number,
  ) {}

  append(...args: Parameters<LogStore['append']>): ReturnType<LogStore['append']> {
    this.pending++;
    const done = this.tail.then(async () => {
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, this.ms));
      return this.inner.append(...args);
    });
    this.tail = done.catch(() => {}).finally(() => this.pending--);
    return done;
  }

  read(...args: Parameters<LogStore['read']>) {
    return this.inner.read(...args);
  }

  lastSeq(room: string) {
    return this.inner.lastSeq(room);
  }

  trim(...args: Parameters<LogStore['trim']>) {
    return this.inner.trim(...args);
  }

  trimBefore(...args: Parameters<LogStore['trimBefore']>) {
    return this.inner.trimBefore(...args);
  }

  ready() {
    return this.inner.ready();
  }

  close() {
    return this.inner.close();
  }
}

/** An op the server acknowledged: its reply to `doc.submit`. */
export interface Ack {
  userId: string;
  opId: string;
  version: number;
  duplicate?: boolean;
  noop?: boolean;
}

/**
 * The server of a run: the real `Hub` and `DocumentSequencer` over a `MemoryLogStore` and a
 * `MemoryDocStore`, on simulated time and network. Every `doc.submit` the sequencer answers is recorded.
 */
export class SimServer {
  readonly clock = new SimClock();
  readonly network: SimNetwork;
  readonly logStore = new MemoryLogStore();
  private readonly slowStore: SlowLogStore | null;
  readonly docStore = new MemoryDocStore();
  readonly hub: Hub;
  readonly sequencer: DocumentSequencer;
  readonly acks: Ack[] = [];
  /** The document at version 0 of the history (every op is applied to it). */
  readonly base: ZoneDocument = emptyDocument();

  private constructor(readonly params: ServerParams) {
    const { appendMs = 0 } = params;
    this.slowStore = appendMs > 0 ? new SlowLogStore(this.logStore, this.clock, appendMs) : null;
    this.hub = new Hub({
      store: this.slowStore ?? this.logStore,
      authenticate: async (token): Promise<Identity> => ({
        userId: token,
        name: token,
        roles: [],
        claims: {},
      }),
      clock: this.clock,
      logger: silentLogger,
      retention: { doc: { maxEvents: params.roomEvents, maxAgeMs: 86_400_000 } },
    });
    this.network = new SimNetwork(() => this.hub);
    this.sequencer = new DocumentSequencer(this.hub, this.docStore, {
      checksumEvery: params.checksumEvery,
      checksumIntervalMs: 0, // a checksum at every multiple: each one checks that no replica has to heal
      snapshotEvery: params.snapshotEvery,
      recentOps: params.recentOps,
      idleUnloadMs: params.idleUnloadMs,
      canEdit: () => !params.refuse(),
    });
    const submit = this.hub.methods.get(DOC_METHODS.submit);
    if (!submit) throw new Error('the sequencer registered no doc.submit');
    this.hub.methods.set(DOC_METHODS.submit, async (data, ctx) => {
      const reply = (await submit(data, ctx)) as Omit<Ack, 'userId' | 'opId'>;
      this.acks.push({ userId: ctx.session.userId, opId: (data as { opId: string }).opId, ...reply });
      return reply;
    });
    if (params.busy) this.clock.utilization = 1;
    this.hub.start();
    this.hub.load.sample();
  }

  static async start(params: ServerParams): Promise<SimServer> {
    const server = new SimServer(params);
    // The first version, as an import would have written it.
    const { docStore, clock } = server;
    await docStore.ensure(DOCUMENT_ID, SEED_USER, clock.now());
    let version = 0;
    for (const z of params.seed) {
      version++;
      const op = zoneCreate(z);
      const record = { documentId: DOCUMENT_ID, version, op, userId: SEED_USER, opId: `seed-${version}` };
      if (!(await docStore.appendOp({ ...record, ts: clock.now() }))) throw new Error('seed not stored');
    }
    return server;
  }

  /** Room-log appends still under way: events that have not reached their room yet. */
  get appending(): boolean {
    return (this.slowStore?.pending ?? 0) > 0;
  }

  /** Every committed op, in version order. */
  history(): Promise<OpRecord[]> {
    return this.docStore.ops(DOCUMENT_ID, 0);
  }

  /** The document the history adds up to (what the sequencer serves), and its version. */
  async committed(): Promise<{ version: number; doc: ZoneDocument; history: OpRecord[] }> {
    const history = await this.history();
    let doc = this.base;
    for (const r of history) doc = apply(doc, r.op as Op);
    return { version: history.length, doc, history };
  }

  async stop(): Promise<void> {
    // Everything else runs on the simulated clock, which nobody advances any more.
    this.sequencer.stop();
    await this.logStore.close();
    await this.docStore.close();
  }
}

/**
 * One user's browser: a page (a `SynclineClient` and its `DocumentClient`) that can be reloaded, the
 * window's online/offline state, and the storage that keeps unconfirmed edits across reloads.
 */
export class SimDevice {
  readonly browser = fakeBrowser();
  readonly resyncs: DocResync[] = [];
  client!: SynclineClient;
  doc!: DocumentClient;
  private pages = 0;

  constructor(
    readonly user: string,
    private readonly server: SimServer,
    /** Shared by two devices of one user: two tabs of one browser (each with its own record in it). */
    readonly persistence = new MemoryDocPersistence(),
    /** Which tab of the user's browser this is (message ids must differ between tabs). */
    private readonly tab = 0,
  ) {
    this.load();
  }

  /** The page goes away (its socket with it) and a new one opens the document from what was saved. */
  reload(): void {
    this.client.close();
    this.load();
  }

  close(): void {
    this.client.close();
  }

  /**
   * Memory corruption in this replica, what the server's checksums are there to catch: its copy of the server's
   * document gets a meta key nobody wrote (so every op still applies). False when the document is not open.
   */
  corrupt(): boolean {
    const state = (this.doc as unknown as { state: SyncState | null }).state;
    if (!state || this.doc.getSnapshot().status !== 'open') return false;
    const server = state.serverDoc;
    state.serverDoc = { ...server, meta: { ...server.meta, corrupt: this.user } };
    state.recompute();
    return true;
  }

  private load(): void {
    const { clock, network } = this.server;
    this.pages++;
    this.client = new SynclineClient({
      url: 'ws://sim/rt',
      token: this.user,
      WebSocket: network.webSocketFor(this.user),
      timers: clock,
      clock,
      random: () => 0.5,
      globals: this.browser.window,
      idPrefix: `${this.user}.${this.tab}.${this.pages}`,
      reconnect: { maxAttempts: Number.POSITIVE_INFINITY },
    });
    this.doc = this.client.doc(DOCUMENT_ID, { persistence: this.persistence });
    this.doc.on('resync', (r) => this.resyncs.push(r));
  }
}
