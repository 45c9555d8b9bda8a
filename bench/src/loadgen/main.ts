import type { HarnessMessage, LoadgenMessage } from '../ipc.js';
import { CONNECTORS } from './adapters/index.js';
import { setupCollab } from './collab.js';
import { setupCursors } from './cursors.js';
import { setupIdle } from './idle.js';
import { setupPipeline } from './pipeline.js';
import { setupPubSub } from './pubsub.js';

/**
 * The load generator: a child process of the harness (own core when pinned), driven over IPC.
 * `job` -> connects -> `ready` -> waits for `go` -> runs -> `result` -> closes and exits.
 * It exits by itself when the harness goes away.
 */
if (!process.send) {
  process.stderr.write('loadgen: must be started by the bench harness (IPC channel missing)\n');
  process.exit(2);
}
process.on('disconnect', () => process.exit(0));

const send = (m: LoadgenMessage): Promise<void> =>
  new Promise((resolve) => {
    process.send!(m, undefined, {}, () => resolve());
  });

const inbox: HarnessMessage[] = [];
let waiter: (() => void) | undefined;
process.on('message', (m: HarnessMessage) => {
  inbox.push(m);
  waiter?.();
});

async function receive<T extends HarnessMessage['type']>(
  type: T,
): Promise<Extract<HarnessMessage, { type: T }>> {
  for (;;) {
    const i = inbox.findIndex((m) => m.type === type);
    if (i >= 0) return inbox.splice(i, 1)[0] as Extract<HarnessMessage, { type: T }>;
    await new Promise<void>((r) => {
      waiter = r;
    });
  }
}

async function main(): Promise<void> {
  const { job } = await receive('job');
  const w = job.work;
  const session =
    w.kind === 'pipeline'
      ? await setupPipeline(job, w)
      : w.kind === 'collab'
        ? await setupCollab(job, w)
        : w.kind === 'cursors'
          ? await setupCursors(job, w)
          : w.kind === 'idle'
            ? await setupIdle(job, w, await CONNECTORS[job.client]())
            : await setupPubSub(job, w, await CONNECTORS[job.client]());
  await send({ type: 'ready', info: session.ready });
  await receive('go');
  const metrics = await session.run();
  await send({ type: 'result', metrics });
  session.close();
}

main().then(
  () => setTimeout(() => process.exit(0), 200),
  async (err: unknown) => {
    await send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  },
);
