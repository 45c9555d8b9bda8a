import { fileURLToPath } from 'node:url';

/** Paths of the compiled bench (this file lives in bench/dist/ once built). */
const at = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));

export const REPO_ROOT = at('../../');
export const BENCH_DIST = at('./');
export const DEFAULT_RESULTS_DIR = at('../results/');
export const PRELOAD_URL = new URL('./servers/preload.js', import.meta.url).href;
export const LOADGEN_MAIN = at('./loadgen/main.js');
export const WS_RELAY = at('./servers/ws-relay.js');
export const SOCKETIO_SERVER = at('./servers/socketio-server.js');
export const SHAREDB_SERVER = at('./servers/sharedb-server.js');
export const SOCKETIO_REDIS_SERVER = at('./servers/socketio-redis-server.js');
export const HOCUSPOCUS_SERVER = at('./servers/hocuspocus-server.js');
export const OT_RELAY = at('./servers/ot-relay.js');
/** Syncline's CLI; `BENCH_SYNCLINE_CLI` points the bench at another build. */
export const SYNCLINE_CLI = process.env.BENCH_SYNCLINE_CLI ?? at('../../packages/server/dist/cli.js');
