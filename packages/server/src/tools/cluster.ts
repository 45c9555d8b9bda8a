#!/usr/bin/env node
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { TcpBalancer } from './tcp-balancer.js';

/**
 * `npm run cluster`: a local cluster to try several nodes: three server processes (ports 8001-8003 by default)
 * on the local PostgreSQL and Redis, behind a round-robin TCP balancer without stickiness on port 8000. Open
 * http://localhost:8000 (Studio, when built) and watch sessions spread over the nodes; stop with Ctrl-C.
 *
 * Environment: `DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/test), `REDIS_URL` (default
 * redis://127.0.0.1:6379), `CLUSTER_NODES` (3), `CLUSTER_PORT` (8000; nodes on the following ports). Without
 * `SYNCLINE_JWT_SECRET` the nodes run in dev mode sharing one dev-token secret, so a token from any node works on
 * every node. Any other `SYNCLINE_*` variable is passed to the nodes.
 */
const env = process.env;
const nodes = Number(env.CLUSTER_NODES ?? 3);
const port = Number(env.CLUSTER_PORT ?? 8000);
if (!Number.isInteger(nodes) || nodes < 1 || !Number.isInteger(port) || port < 1) {
  throw new Error('CLUSTER_NODES and CLUSTER_PORT must be positive integers');
}
const cli = fileURLToPath(new URL('../cli.js', import.meta.url));
const shared = {
  ...env,
  DATABASE_URL: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  REDIS_URL: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  SYNCLINE_DEV_SECRET: env.SYNCLINE_DEV_SECRET ?? randomBytes(32).toString('base64url'),
  // Behind a TCP proxy every client's address is 127.0.0.1: no per-address connection limit.
  SYNCLINE_MAX_CONN_PER_IP: env.SYNCLINE_MAX_CONN_PER_IP ?? '0',
};

const children: ChildProcess[] = [];
const backends: { host: string; port: number }[] = [];
for (let i = 1; i <= nodes; i++) {
  const nodePort = port + i;
  backends.push({ host: '127.0.0.1', port: nodePort });
  const child = spawn(process.execPath, [cli], {
    env: { ...shared, PORT: String(nodePort), HOST: '127.0.0.1' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.once('exit', (code, signal) => {
    process.stderr.write(`node ${i} (port ${nodePort}) exited (${code ?? signal})\n`);
  });
  children.push(child);
}

const balancer = new TcpBalancer({ backends });
await balancer.listen(port, env.HOST || '127.0.0.1');
process.stdout.write(
  `${JSON.stringify({ msg: 'cluster', balancer: port, nodes: backends.map((b) => b.port) })}\n` +
    `Syncline cluster: ${nodes} nodes on ports ${backends.map((b) => b.port).join(', ')}, ` +
    `round-robin balancer on http://localhost:${port}\n`,
);
const report = setInterval(() => {
  process.stdout.write(`connections per node so far: ${balancer.counts.join(' / ')}\n`);
}, 30_000);
report.unref();

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  clearInterval(report);
  void balancer.close();
  for (const c of children) c.kill('SIGTERM');
  const gone = children.map((c) =>
    c.exitCode !== null || c.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((r) => c.once('exit', () => r())),
  );
  void Promise.all(gone).then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
