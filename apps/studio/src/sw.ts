/**
 * Studio's service worker: keeps the app shell (the page, its scripts and styles, pdf.js's worker), so that Studio
 * opens offline. Nothing a user owns is kept here, where every user of the browser would share it (responses are
 * cached by URL): edits made offline live in IndexedDB (the client's document persistence), the PDFs in the user's
 * PDF cache (lib/pdf-cache.ts) and the documents list in the user's entry of localStorage (lib/api.ts), all per user.
 */

// The few service-worker types used here (the DOM and WebWorker libs cannot share one program).
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface WorkerScope {
  readonly location: Location;
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}
const sw = self as unknown as WorkerScope;
declare const STUDIO_ASSETS: string[];
declare const STUDIO_VERSION: string;

const CACHE = `syncline-studio-${STUDIO_VERSION}`;
const SHELL = ['/', ...STUDIO_ASSETS];

sw.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => sw.clients.claim()),
  );
});

/** Network first (fresh when online), the cached copy when the network fails. */
async function networkFirst(request: Request, key: string): Promise<Response> {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(key, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(key);
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirst(request: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

sw.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== sw.location.origin) return;
  if (request.mode === 'navigate') {
    event.respondWith(networkFirst(request, '/'));
  } else if (
    url.pathname.startsWith('/assets/') ||
    url.pathname.startsWith('/pdfjs/') ||
    url.pathname === '/pdf.worker.min.mjs'
  ) {
    event.respondWith(cacheFirst(request));
  }
});
