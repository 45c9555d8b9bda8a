import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import type { Metrics } from './ipc.js';
import type { Options } from './options.js';
import { REPO_ROOT } from './paths.js';
import { canPin } from './proc.js';

/** Where and how the numbers were taken, stored beside them. */
export function environment(o: Options): Metrics {
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    mem_gb: Math.round(totalmem() / 2 ** 30),
    pinned: o.pin && canPin(),
    loadavg_1m: Math.round(loadavg()[0] * 100) / 100,
    git: git.status === 0 ? git.stdout.trim() : null,
    quick: o.quick,
    repeat: o.repeat,
    socketio_client: o.sioClient,
    syncline_storage: o.storage,
    decode: o.decode,
  };
}
