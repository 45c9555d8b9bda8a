import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needService } from '../../../../test/services.js';
import { addRenderProbe, countRenders } from './render-probe.js';
import { devToken, openLongDocument, StudioHarness } from './studio-harness.js';

/**
 * How long a keystroke takes to show in a long document, measured, not asserted (a shared machine's timings say
 * nothing in a test run): `SYNCLINE_MEASURE=1 npx vitest run apps/studio/test/browser/typing-latency.test.ts` prints,
 * for documents of 500 and 2000 zones, the median time from a key's `keydown` to the frame that shows it (the next
 * animation frame, then a task after its paint), and the main thread's work per key (Chromium's own counters, the
 * server's confirmation of the key included), with the load of the machine. Only run on a quiet machine.
 */
const measuring = process.env.SYNCLINE_MEASURE === '1' && (await needService('chromium'));
const KEYS = Number(process.env.SYNCLINE_MEASURE_KEYS ?? 50);
const SIZES = (process.env.SYNCLINE_MEASURE_SIZES ?? '500,2000').split(',').map(Number);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)];

/** In the page: each keydown's time to its next frame's paint, in `__latency.list`. */
function installLatency(): void {
  const w = window as unknown as { __latency: { list: number[]; done: (() => void) | null } };
  w.__latency = { list: [], done: null };
  window.addEventListener(
    'keydown',
    (e) => {
      const t0 = e.timeStamp;
      requestAnimationFrame(() => {
        const ch = new MessageChannel();
        ch.port1.onmessage = () => {
          w.__latency.list.push(performance.now() - t0);
          w.__latency.done?.();
        };
        ch.port2.postMessage(0);
      });
    },
    true,
  );
}

describe.runIf(measuring)('Studio: typing latency (measured)', () => {
  const h = new StudioHarness();
  let token = '';
  const zoneId = (i: number) => `z-${String(i).padStart(5, '0')}`;

  beforeAll(async () => {
    // Another build of Studio to compare with (`SYNCLINE_MEASURE_DIST`: its folder), else this one.
    const dist = process.env.SYNCLINE_MEASURE_DIST;
    await h.start({ SYNCLINE_RATE_LIMIT: 'off', ...(dist ? { SYNCLINE_STUDIO_DIR: dist } : {}) });
    token = await devToken(h, 'Ada');
  }, 60_000);
  afterAll(() => h.close());

  for (const size of SIZES) {
    it(`at ${size} zones`, async () => {
      const documentId = `typing-${size}`;
      const { page, context } = await openLongDocument(
        h,
        token,
        documentId,
        { count: size, perPage: 10, zoneId, timeoutMs: 60_000 },
        async (context) => {
          await addRenderProbe(context);
          await context.addInitScript(installLatency);
        },
      );
      const text = page.getByLabel(/^Text of zone 3 /);
      await text.click();
      await page.keyboard.press('End');
      await page.waitForTimeout(1000);
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      const metrics = async () => {
        const { metrics } = (await cdp.send('Performance.getMetrics')) as {
          metrics: { name: string; value: number }[];
        };
        return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
      };
      await page.evaluate(() => {
        (window as unknown as { __latency: { list: number[] } }).__latency.list = [];
      });
      const profile = process.env.SYNCLINE_MEASURE_PROFILE;
      if (profile) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
        await cdp.send('Profiler.start');
      }
      const before = await metrics();
      for (let k = 0; k < KEYS; k++) await typeOne(page, k);
      const after = await metrics();
      if (profile) {
        const { profile: p } = (await cdp.send('Profiler.stop')) as { profile: unknown };
        const { writeFile } = await import('node:fs/promises');
        await writeFile(`${profile}-${size}.cpuprofile`, JSON.stringify(p));
      }
      const latencies = await page.evaluate(
        () => (window as unknown as { __latency: { list: number[] } }).__latency.list,
      );
      const perKey = (name: string) => ((after[name] - before[name]) * 1000) / KEYS;
      // The renders per key, counted apart (walking React's tree at each commit is work of its own).
      const renders = await countRenders(page, async () => {
        for (let k = 0; k < 10; k++) await typeOne(page, k);
      });
      const trace = process.env.SYNCLINE_MEASURE_TRACE;
      if (trace) {
        await h.browser.startTracing(page, {
          path: `${trace}-${size}.json`,
          categories: ['devtools.timeline', 'blink', 'cc', 'disabled-by-default-devtools.timeline'],
        });
        for (let k = 0; k < 10; k++) await typeOne(page, k);
        await h.browser.stopTracing();
      }
      const { loadavg } = await import('node:os');
      const rowRenders = Object.values(renders.rows).reduce((a, b) => a + b, 0);
      const editorRenders = Object.values(renders.editors).reduce((a, b) => a + b, 0);
      console.log(
        JSON.stringify({
          zones: size,
          keys: KEYS,
          load: loadavg().map((l) => l.toFixed(2)),
          keyToPaintMs: {
            median: +median(latencies).toFixed(1),
            p90: +pct(latencies, 0.9).toFixed(1),
            min: +Math.min(...latencies).toFixed(1),
          },
          workPerKeyMs: {
            task: +perKey('TaskDuration').toFixed(2),
            script: +perKey('ScriptDuration').toFixed(2),
            layout: +perKey('LayoutDuration').toFixed(2),
            style: +perKey('RecalcStyleDuration').toFixed(2),
          },
          perKey: {
            commits: renders.commits / 10,
            rowRenders: rowRenders / 10,
            editorRenders: editorRenders / 10,
            groupRenders: renders.groups / 10,
            viewerRenders: renders.viewers / 10,
          },
        }),
      );
      expect(latencies.length).toBeGreaterThanOrEqual(KEYS);
      await context.close();
    }, 600_000);
  }
});

/** Types one key and waits for its frame, then for the server's confirmation of it (a new version), then a little. */
async function typeOne(page: Page, k: number): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as {
      __latency: { done: (() => void) | null };
      __shown: Promise<void>;
      __confirmed: Promise<void>;
    };
    w.__shown = new Promise<void>((resolve) => {
      w.__latency.done = resolve;
    });
    const viewer = document.querySelector<HTMLElement>('.viewer');
    const v = Number(viewer?.dataset.version);
    w.__confirmed = new Promise<void>((resolve) => {
      if (!viewer) return resolve();
      const watch = new MutationObserver(() => {
        if (Number(viewer.dataset.version) <= v) return;
        watch.disconnect();
        resolve();
      });
      watch.observe(viewer, { attributes: true, attributeFilter: ['data-version'] });
    });
  });
  await page.keyboard.press(String.fromCharCode(97 + (k % 26)));
  await page.evaluate(async () => {
    const w = window as unknown as { __shown: Promise<void>; __confirmed: Promise<void> };
    await w.__shown;
    await w.__confirmed;
  });
  await page.waitForTimeout(30);
}
