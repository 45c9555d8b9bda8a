import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream';

/** Content types of the files a web app build holds (`.mjs` must be JavaScript for module workers). */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain; charset=utf-8',
  '.bcmap': 'application/octet-stream',
};

/** A file name with a content hash (`main-3F2A9C1B.js`): it never changes, so it may be cached for good. */
const HASHED = /-[A-Z0-9]{8}\.[a-z0-9]+$/;

/** Paths that belong to the API: never answered with the app's `index.html`. */
const NOT_APP = /^\/(api|ws|healthz|readyz|metrics)(\/|$)/;

export interface StaticOptions {
  /** The directory served at `/` (a web app build with an `index.html`). */
  root: string;
  /** Answer unknown paths without a file extension with `index.html` (client-side routing). Default true. */
  spaFallback?: boolean;
}

export type StaticHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * Serves a directory of static files: `GET`/`HEAD` only, nothing outside `root` (`..`, encoded slashes,
 * NUL bytes are refused), content types by extension, `immutable` caching for hashed file names and
 * revalidation (`no-cache`) for everything else, and `index.html` for client-side routes. Dotfiles are
 * not served. Returns false
 * for requests it does not serve, so routes can be chained.
 */
export function createStaticHandler(options: StaticOptions): StaticHandler {
  const root = resolve(options.root);
  const spaFallback = options.spaFallback !== false;
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const rawPath = (req.url ?? '/').split('?')[0].split('#')[0];
    if (NOT_APP.test(rawPath)) return false;
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      // A mistyped app address (`/documents/50%`) is the app's to answer (its "not found" page), not a JSON error.
      if (spaFallback && extname(rawPath) === '') {
        void serve(req, res, resolve(root, 'index.html'), null);
        return true;
      }
      return refuse(res, 400, 'invalid', 'the path is not valid URL encoding');
    }
    if (path.includes('\0') || path.includes('\\')) return refuse(res, 400, 'invalid', 'invalid path');
    const file = resolve(root, `.${path.endsWith('/') ? `${path}index.html` : path}`);
    if (file !== root && !file.startsWith(root + sep)) return refuse(res, 403, 'forbidden', 'outside root');
    // Dotfiles (build info, editor files) are not part of an app.
    if (
      file
        .slice(root.length)
        .split(sep)
        .some((part) => part.startsWith('.'))
    )
      return refuse(res, 404, 'not_found', 'no such file');
    const isAppRoute = spaFallback && extname(path) === '';
    void serve(req, res, file, isAppRoute ? resolve(root, 'index.html') : null);
    return true;
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  file: string,
  fallback: string | null,
): Promise<void> {
  let target = file;
  let info = await fileStat(target);
  if (!info && fallback) {
    target = fallback;
    info = await fileStat(target);
  }
  if (!info) {
    refuse(res, 404, 'not_found', 'no such file');
    return;
  }
  const name = target.slice(target.lastIndexOf(sep) + 1);
  const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const headers: Record<string, string | number> = {
    'content-type': CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream',
    'cache-control': HASHED.test(name) ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
    etag,
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  headers['content-length'] = info.size;
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  // `pipeline`, not `pipe`: when the client goes away mid-download, `pipe` only unpipes and the file stays open
  // (one leaked descriptor per aborted download); `pipeline` destroys the read stream, closing the file, and
  // destroys the response if reading fails.
  pipeline(createReadStream(target), res, () => {});
}

async function fileStat(path: string): Promise<Stats | null> {
  try {
    const info = await stat(path);
    return info.isFile() ? info : null;
  } catch {
    return null;
  }
}

function refuse(res: ServerResponse, status: number, code: string, message: string): true {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ error: { code, message } }));
  return true;
}
