import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '@syncline/protocol';
import type { Registry } from 'prom-client';
import type { DevTokenIssuer } from '../auth/jwt-authenticator.js';
import { SynclineError } from '../core/errors.js';
import type { Hub } from '../core/hub.js';
import { handleJobRoutes, type JobRoutesContext } from './job-routes.js';
import { closesConnection, discardBody, discardBodyOnceAnswered, readJson } from './read-body.js';

export interface RouteContext {
  hub: Hub;
  metrics: Registry;
  devTokens: DevTokenIssuer | null;
  startedAt: number;
  version: string;
  wsPath: string;
  /** A web app (Studio) is served at `/`: the status page is at `/status` only. */
  appAtRoot?: boolean;
  /** Uploads, documents and exports (`/api/documents`, `/api/exports`), when jobs are on. */
  jobs?: JobRoutesContext;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
};

const MAX_BODY = 16 * 1024;

/** Syncline's own read-only routes: another method than GET or HEAD on them is 405, not "no such route". */
const OPERATOR_PATHS = new Set(['/healthz', '/readyz', '/metrics', '/status']);

/**
 * The answer to a request no route took (`SynclineServer.listen`'s own server): 404 in the documented shape, its body
 * dropped as a refused one is (Node would read all of it, for as long as it came).
 */
export function notFound(req: IncomingMessage, res: ServerResponse): void {
  discardBody(req);
  json(res, 404, { error: { code: ErrorCode.NotFound, message: 'no such route' } });
}

/** A store that has not answered `ready()` by then counts as not ready (a networked store may hang). */
const READY_TIMEOUT_MS = 3000;

function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Syncline's HTTP routes: `/healthz`, `/readyz`, `/metrics`, `POST /api/dev/token` (dev mode only) and
 * a status page at `/status` (and at `/` unless an app is served there). Returns false for anything else, so a host app can chain its own handler.
 */
export function handleHttp(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? '/').split('?')[0];
  const { hub } = ctx;
  if (ctx.jobs && path.startsWith('/api/') && handleJobRoutes(ctx.jobs, req, res)) return true;
  // HEAD is answered as GET (Node leaves the body out): a monitor or a link checker may ask that way.
  const read = req.method === 'GET' || req.method === 'HEAD';
  if (!read && OPERATOR_PATHS.has(path)) {
    discardBody(req);
    json(
      res,
      405,
      { error: { code: ErrorCode.MethodNotAllowed, message: 'use GET or HEAD' } },
      { allow: 'GET, HEAD' },
    );
    return true;
  }
  if (read && path === '/healthz') {
    discardBodyOnceAnswered(req, res); // none is expected
    json(res, 200, {
      status: hub.isStopping ? 'stopping' : 'ok',
      version: ctx.version,
      uptimeS: Math.round((Date.now() - ctx.startedAt) / 1000),
      connections: hub.connections.size,
      rooms: hub.rooms.size,
    });
    return true;
  }
  if (read && path === '/readyz') {
    discardBodyOnceAnswered(req, res); // none is expected
    Promise.all([
      withTimeout(hub.store.ready(), READY_TIMEOUT_MS, false).catch(() => false),
      withTimeout(hub.broker.ready(), READY_TIMEOUT_MS, false).catch(() => false),
    ]).then(([storage, broker]) => {
      const ready = storage && broker && !hub.isStopping;
      // `broker` is reported when there are several nodes (a single node's in-process broker is always ready).
      json(res, ready ? 200 : 503, hub.broker.distributed ? { ready, storage, broker } : { ready, storage });
    });
    return true;
  }
  if (read && path === '/metrics') {
    discardBodyOnceAnswered(req, res); // none is expected
    ctx.metrics.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': ctx.metrics.contentType });
        res.end(text);
      },
      // The documented error shape; what failed (an app metric's collect(), say) is the operator's to read, in the log.
      (err) => {
        hub.log.error({ err }, 'collecting metrics failed');
        json(res, 500, { error: { code: ErrorCode.Internal, message: 'collecting the metrics failed' } });
      },
    );
    return true;
  }
  if (path === '/api/dev/token' && ctx.devTokens) {
    if (req.method !== 'POST') {
      discardBody(req);
      json(res, 405, { error: { code: ErrorCode.MethodNotAllowed, message: 'use POST' } }, { allow: 'POST' });
      return true;
    }
    const issuer = ctx.devTokens;
    readJson(req, MAX_BODY).then(
      async (body) => {
        const name = (body as { name?: unknown })?.name;
        if (typeof name !== 'string' || name.trim().length === 0 || name.length > 64) {
          json(res, 400, {
            error: { code: 'invalid', message: 'name: a non-empty string of at most 64 characters' },
          });
          return;
        }
        json(res, 200, await issuer.issue(name));
      },
      (err: unknown) => {
        // Over the limit: 413 too_large, as on every other route; a body that stopped coming: 408 timeout (and the
        // connection closes); unreadable JSON: 400 invalid.
        if (req.socket.destroyed && !(err instanceof SynclineError)) return; // the client went away
        const code = err instanceof SynclineError ? err.code : ErrorCode.Invalid;
        const status = code === ErrorCode.TooLarge ? 413 : code === ErrorCode.Timeout ? 408 : 400;
        json(
          res,
          status,
          {
            error: {
              code: status === 400 ? ErrorCode.Invalid : code,
              message: String((err as Error).message),
            },
          },
          closesConnection(err) ? { connection: 'close' } : {},
        );
      },
    );
    return true;
  }
  if (read && (path === '/status' || (!ctx.appAtRoot && (path === '/' || path === '/index.html')))) {
    discardBodyOnceAnswered(req, res); // none is expected
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(statusPage(ctx));
    return true;
  }
  return false;
}

function statusPage(ctx: RouteContext): string {
  const dev = ctx.devTokens !== null;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Syncline</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1f2937}
code{background:#f3f4f6;padding:.1rem .3rem;border-radius:.25rem}.ok{color:#047857;font-weight:600}</style></head>
<body><h1>Syncline <span class="ok">is up</span></h1>
<p>Version ${ctx.version}. WebSocket endpoint: <code>${ctx.wsPath}</code>. Connections: <span id="c">${ctx.hub.connections.size}</span>.</p>
<p>Health: <a href="/healthz">/healthz</a> · Readiness: <a href="/readyz">/readyz</a> · Metrics: <a href="/metrics">/metrics</a></p>
${dev ? '<p><strong>Dev mode</strong>: no secret is configured; <code>POST /api/dev/token {"name": "..."}</code> issues tokens.</p>' : ''}
</body></html>`;
}
