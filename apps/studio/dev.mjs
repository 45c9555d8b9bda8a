#!/usr/bin/env node
/**
 * `npm run studio:dev`: Studio with live reload. esbuild rebuilds `apps/studio/dist` on every change and
 * tells the page (Server-Sent Events from its own small server) to reload; the Syncline server (the CLI,
 * `PORT`, default 8000) serves the app, the API and the WebSocket as in production.
 */
import { spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { appOptions, finish } from './build.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const reloadPort = Number(process.env.STUDIO_RELOAD_PORT ?? 8001);
const devScript = `new EventSource('http://' + location.hostname + ':${reloadPort}/esbuild').addEventListener('change', () => location.reload());`;

await rm(join(dist, 'assets'), { recursive: true, force: true });
await mkdir(dist, { recursive: true });
const options = appOptions({ dev: true });
const ctx = await esbuild.context({
  ...options,
  plugins: [
    ...options.plugins,
    {
      name: 'studio-html',
      setup(build) {
        build.onEnd(async (result) => {
          if (result.errors.length === 0) await finish(result, { dev: true, devScript });
          console.log(`studio: rebuilt${result.errors.length ? ` with ${result.errors.length} errors` : ''}`);
        });
      },
    },
  ],
});
await ctx.watch();
await ctx.serve({ servedir: dist, port: reloadPort });

const server = spawn(process.execPath, [join(here, '../../packages/server/dist/cli.js')], {
  stdio: 'inherit',
  env: { ...process.env, SYNCLINE_STUDIO_DIR: dist },
});
const stop = async () => {
  server.kill('SIGTERM');
  await ctx.dispose();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
server.on('exit', (code) => {
  void ctx.dispose();
  process.exit(code ?? 0);
});
