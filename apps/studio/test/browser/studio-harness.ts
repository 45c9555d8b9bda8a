import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DocumentClient, NewZone } from '@syncline/client';
import type { Zone } from '@syncline/doc';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import {
  Cleanup,
  CliServer,
  createClient,
  freePort,
  ROOT,
  tempDir,
  waitFor,
} from '../../../../test/integration/helpers.js';
import { CHROMIUM_PATH } from '../../../../test/services.js';

export { waitFor };

export const STUDIO_DIST = join(ROOT, 'apps/studio/dist');
/**
 * Where the tests' screenshots go: the README's `docs/screenshots` with `SYNCLINE_SCREENSHOTS=1`
 * (`npm run screenshots`), otherwise a scratch folder, so an ordinary test run leaves the tree clean.
 */
export const SCREENSHOTS =
  process.env.SYNCLINE_SCREENSHOTS === '1'
    ? join(ROOT, 'docs/screenshots')
    : join(tmpdir(), 'syncline-studio-screenshots');

/**
 * A browser test's world: the server CLI (a child process serving the built Studio, on a fixed port so a
 * restart keeps the URL, with a temporary data dir) and one Chromium. `close()` ends everything.
 */
export class StudioHarness {
  readonly cleanup = new Cleanup();
  browser!: Browser;
  server!: CliServer;
  port = 0;
  private env: Record<string, string> = {};

  /**
   * `host`: the name pages use for the server. `127.0.0.1` is a secure context (so Studio has Web Locks and a service
   * worker); any other name (mapped to 127.0.0.1 for Chromium) is plain HTTP as a LAN deployment serves it.
   */
  constructor(private readonly host = '127.0.0.1') {}

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  async start(env: Record<string, string> = {}): Promise<void> {
    if (!existsSync(join(STUDIO_DIST, 'index.html'))) {
      throw new Error('Studio is not built: run `npm run build` (node apps/studio/build.mjs) first');
    }
    const dataDir = await tempDir(this.cleanup, 'syncline-studio-');
    this.port = await freePort();
    this.env = {
      PORT: String(this.port),
      HOST: '127.0.0.1',
      SYNCLINE_DATA_DIR: dataDir,
      SYNCLINE_STUDIO_DIR: STUDIO_DIST,
      SYNCLINE_SYSTEM_STATUS_MS: '0',
      SYNCLINE_RESTART_HINT_MS: '200',
      LOG_LEVEL: 'warn',
      ...env,
    };
    await this.startServer();
    this.browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        ...(this.host === '127.0.0.1' ? [] : [`--host-resolver-rules=MAP ${this.host} 127.0.0.1`]),
      ],
    });
    this.cleanup.add(() => this.browser.close());
  }

  async startServer(): Promise<void> {
    const server = new CliServer(this.env);
    this.server = server;
    this.cleanup.add(() => server.kill());
    await server.start(20_000);
  }

  /** Stops the server (SIGTERM: a graceful shutdown that tells clients to come back). */
  async stopServer(): Promise<void> {
    await this.server.kill('SIGTERM');
  }

  async context(viewport = { width: 1280, height: 800 }): Promise<BrowserContext> {
    const context = await this.browser.newContext({ viewport, acceptDownloads: true });
    this.cleanup.add(() => context.close());
    return context;
  }

  /** A phone's context: 390×844, touch, mobile viewport, 2× pixels. */
  async phoneContext(): Promise<BrowserContext> {
    const context = await this.browser.newContext({
      viewport: { width: 390, height: 844 },
      hasTouch: true,
      isMobile: true,
      deviceScaleFactor: 2,
    });
    this.cleanup.add(() => context.close());
    return context;
  }

  /** A new page signed in as `name` (dev mode), on the documents list. */
  async signIn(context: BrowserContext, name: string): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`[${name}] page error:`, e.message));
    await page.goto(this.url);
    await page.getByLabel('Your name').fill(name);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in as').waitFor();
    return page;
  }

  close(): Promise<void> {
    return this.cleanup.run();
  }
}

/**
 * Makes blank document `documentId` (named by its id) in the server's catalogue as the user signed in on `page`, as
 * Studio's "Blank document" form does: an address Studio has no record of is "Document not found", never made into a
 * document by opening it. One made already (by anyone: 409) is left as it is.
 */
export async function createBlank(page: Page, url: string, documentId: string): Promise<void> {
  if (!page.url().startsWith(url)) await page.goto(url);
  const status = await page.evaluate(async (id) => {
    const { token } = JSON.parse(localStorage.getItem('syncline.studio.session') ?? '{}') as {
      token?: string;
    };
    const res = await fetch('/api/documents', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: id, documentId: id }),
    });
    return res.status;
  }, documentId);
  if (status !== 201 && status !== 409)
    throw new Error(`could not make blank document ${documentId}: ${status}`);
}

/** Opens (or creates, blank: `createBlank`) document `documentId` and waits until it is open and connected. */
export async function openDocument(page: Page, url: string, documentId: string): Promise<void> {
  await createBlank(page, url, documentId);
  await page.goto(`${url}/documents/${encodeURIComponent(documentId)}`);
  await waitForDocOpen(page);
}

export async function waitForDocOpen(page: Page, timeoutMs = 15_000): Promise<void> {
  await page.waitForSelector('.viewer[data-doc-status="open"]', { timeout: timeoutMs });
}

/** The connection pill's state (`open`, `reconnecting`, `offline`, ...). */
export function pillState(page: Page): Promise<string | null> {
  return page.locator('.connection').getAttribute('data-state');
}

export function zoneText(page: Page, n: number): Promise<string> {
  return page.getByLabel(new RegExp(`^Text of zone ${n} `)).inputValue();
}

/** Polls `read` until `accept` holds (or fails with the last value). */
export async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (accept(last)) return last;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** Dismisses every toast on `page` (each button removes its own). */
export async function dismissToasts(page: Page): Promise<void> {
  const buttons = page.getByRole('button', { name: /^Dismiss: / });
  while ((await buttons.count()) > 0) await buttons.first().click();
}

/** Uploads `bytes` as the PDF `name` from the documents list; resolves the document's address once Studio shows it. */
export async function uploadPdf(page: Page, name: string, bytes: Uint8Array): Promise<string> {
  await page.locator('input[type=file]').setInputFiles({
    name,
    mimeType: 'application/pdf',
    buffer: Buffer.from(bytes),
  });
  await page.waitForURL(/\/documents\/[^/]+$/);
  return page.url();
}

/** A token for user `name` from the server's dev mode (`POST /api/dev/token`), as a test's SDK client signs in. */
export async function devToken(h: StudioHarness, name: string): Promise<string> {
  const { token } = (await fetch(`${h.url}/api/dev/token`, {
    method: 'POST',
    body: JSON.stringify({ name }),
  }).then((r) => r.json())) as { token: string };
  return token;
}

/**
 * Changes document `documentId` through the SDK, as the user of `token`: `change` submits its ops on the document;
 * resolves once the server has them all.
 */
export async function changeDocument(
  h: StudioHarness,
  token: string,
  documentId: string,
  change: (doc: DocumentClient) => void,
): Promise<void> {
  const client = createClient(h.cleanup, { url: `${h.url.replace('http', 'ws')}/ws`, token });
  client.connect();
  const doc = client.doc(documentId);
  await doc.ready;
  change(doc);
  await doc.whenSynced();
  await doc.close();
  client.close();
}

/** A zone of `text` at `bbox` on page `page` (1-based), as a test makes one (`changeDocument`). */
export const zoneAt = (id: string, page: number, bbox: Zone['bbox'], text = ''): NewZone => ({
  id,
  page,
  bbox,
  type: 'paragraph',
  label: '',
  confidence: 1,
  text,
});

/**
 * Makes a long document through the SDK, as its author (`token`): `count` paragraph zones of one to three lines,
 * `perPage` to a page, with ids `zoneId(i)`, one op each; resolves once the server has them all.
 */
export function makeLongDocument(
  h: StudioHarness,
  token: string,
  documentId: string,
  opts: { count: number; perPage: number; zoneId: (i: number) => string },
): Promise<void> {
  return changeDocument(h, token, documentId, (doc) => {
    for (let i = 0; i < opts.count; i++) {
      const row = i % opts.perPage;
      doc.createZone(
        zoneAt(
          opts.zoneId(i),
          Math.floor(i / opts.perPage) + 1,
          { x: 60, y: 40 + row * 72, w: 490, h: 60 },
          `Paragraph ${i + 1}: ${'layout analysis groups text into zones '.repeat(1 + (i % 3))}`.trim(),
        ),
      );
    }
  });
}

/**
 * Signs Ada in, opens document `documentId` in a new context, and makes its zones as her through the SDK (`change`, as
 * `changeDocument`). Returns her page.
 */
export async function openWithZones(
  h: StudioHarness,
  documentId: string,
  change: (doc: DocumentClient) => void,
): Promise<Page> {
  const ada = await h.signIn(await h.context(), 'Ada');
  await openDocument(ada, h.url, documentId);
  await changeDocument(h, await devToken(h, 'Ada'), documentId, change);
  return ada;
}

/**
 * Opens document `documentId` of `count` zones (`makeLongDocument`, `perPage` to a page) as Ada in a new context and
 * waits until the text pane lists them all and zone 1's editor is there. `prepare` runs on the context before Ada signs
 * in (init scripts). Returns the page and its context.
 */
export async function openLongDocument(
  h: StudioHarness,
  token: string,
  documentId: string,
  opts: { count: number; perPage: number; zoneId: (i: number) => string; timeoutMs?: number },
  prepare?: (context: BrowserContext) => Promise<void>,
): Promise<{ page: Page; context: BrowserContext }> {
  await makeLongDocument(h, token, documentId, opts);
  const context = await h.context();
  await prepare?.(context);
  const page = await h.signIn(context, 'Ada');
  await openDocument(page, h.url, documentId);
  await eventually(
    () => page.locator('.zone-item').count(),
    (n) => n === opts.count,
    opts.timeoutMs ?? 30_000,
    'every zone listed',
  );
  await page.getByLabel(/^Text of zone 1 /).waitFor();
  return { page, context };
}

/** A blank page's size in page units (US Letter, as Studio shows a page without a PDF). */
export const BLANK_PAGE_SIZE = { width: 612, height: 792 };
export type PageBox = { x: number; y: number; w: number; h: number };
export type Point = { x: number; y: number };

/** Zone `zoneId`'s box on the pages pane. */
export const zoneBoxOf = (page: Page, zoneId: string): Locator =>
  page.locator(`.zone-box[data-zone-id="${zoneId}"]`);

/** Zone `zoneId`'s box as `page` shows it, in page units of a blank page (two decimals), from where it is placed. */
export const shownBoxOf = (page: Page, zoneId: string): Promise<PageBox> => shownBox(zoneBoxOf(page, zoneId));

/** The zone box `box` as placed on its page (its style's percentages), in page units of a `size` page (two decimals). */
export function shownBox(box: Locator, size = BLANK_PAGE_SIZE): Promise<PageBox> {
  return box.evaluate((el, size) => {
    const s = (el as HTMLElement).style;
    const at = (v: string, of: number) => Math.round((Number.parseFloat(v) / 100) * of * 100) / 100;
    return {
      x: at(s.left, size.width),
      y: at(s.top, size.height),
      w: at(s.width, size.width),
      h: at(s.height, size.height),
    };
  }, size);
}

/** Whether boxes `a` and `b` are the same within `tolerance` page units. */
export const nearBox = (a: PageBox, b: PageBox, tolerance = 0.05): boolean =>
  (['x', 'y', 'w', 'h'] as const).every((k) => Math.abs(a[k] - b[k]) <= tolerance);

/** Where `locator`'s element is on the screen (it must be shown). */
export async function rectOf(
  locator: Locator,
): Promise<{ x: number; y: number; width: number; height: number }> {
  const r = await locator.boundingBox();
  if (!r) throw new Error('not shown');
  return r;
}

export const centreOf = (r: { x: number; y: number; width: number; height: number }): Point => ({
  x: r.x + r.width / 2,
  y: r.y + r.height / 2,
});

/** Presses the mouse at `from`, moves it by `dx`, `dy` px in steps, and releases it. */
export async function dragBy(page: Page, from: Point, dx: number, dy: number): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + dx, from.y + dy, { steps: 8 });
  await page.mouse.up();
}

/** Page units of a blank page per CSS px, across and down (the zoom of `page`'s first page). */
export async function unitsPerPx(page: Page): Promise<Point> {
  const r = await rectOf(page.locator('.page[data-page="0"]'));
  return { x: BLANK_PAGE_SIZE.width / r.width, y: BLANK_PAGE_SIZE.height / r.height };
}
