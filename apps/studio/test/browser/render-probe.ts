import type { BrowserContext, Page } from 'playwright-core';

/**
 * Counts, in a production build, which zone rows of the text pane React rendered (called their component) in each
 * commit: a stand-in for React DevTools' hook (`__REACT_DEVTOOLS_GLOBAL_HOOK__`), which React calls on every commit
 * with the fiber tree. A fiber processed in a commit is a fiber object that was not in the previous committed tree (the
 * tree is double-buffered); it rendered when React marked it `PerformedWork` (flag 1). A zone row is the component
 * whose first child is the `.zone-item` (its `data-zone-id` names it); its text editor the one whose first child is
 * `div.zone-text-wrap`; a group of rows the one whose first child is `div.zone-group`; the viewer (both panes) the one
 * whose first child is `div.dual-pane`.
 */
function installProbe(): void {
  type Fiber = {
    tag: number;
    type: unknown;
    flags: number;
    child: Fiber | null;
    sibling: Fiber | null;
    memoizedProps: Record<string, unknown> | null;
  };
  type Root = { current: Fiber };
  const probe = {
    on: false,
    root: null as Root | null,
    prev: new Set<Fiber>(),
    rows: {} as Record<string, number>,
    editors: {} as Record<string, number>,
    groups: 0,
    viewers: 0,
    commits: 0,
  };
  const walk = (fiber: Fiber | null, out: Set<Fiber>, count: boolean): void => {
    const stack: Fiber[] = [];
    for (let f = fiber; f; f = stack.pop() ?? null) {
      out.add(f);
      if (count && !probe.prev.has(f) && (f.flags & 1) === 1 && typeof f.type !== 'string') {
        const host = f.child;
        const props = host && typeof host.type === 'string' ? host.memoizedProps : null;
        const cls = typeof props?.className === 'string' ? props.className : '';
        const id = typeof props?.['data-zone-id'] === 'string' ? props['data-zone-id'] : null;
        if (cls.split(' ').includes('zone-item') && id) probe.rows[id] = (probe.rows[id] ?? 0) + 1;
        if (cls === 'zone-group') probe.groups++;
        if (cls === 'dual-pane') probe.viewers++;
        if (host && cls === 'zone-text-wrap') {
          const ta = host.child;
          const taId = ta?.memoizedProps?.['data-zone-id'];
          if (typeof taId === 'string') probe.editors[taId] = (probe.editors[taId] ?? 0) + 1;
        }
      }
      if (f.sibling) stack.push(f.sibling);
      if (f.child) stack.push(f.child);
    }
  };
  const w = window as unknown as Record<string, unknown>;
  w.__renderProbe = {
    start() {
      probe.rows = {};
      probe.editors = {};
      probe.groups = 0;
      probe.viewers = 0;
      probe.commits = 0;
      probe.prev = new Set();
      if (probe.root) walk(probe.root.current, probe.prev, false);
      probe.on = true;
    },
    stop() {
      probe.on = false;
      probe.prev = new Set();
      const { rows, editors, groups, viewers, commits } = probe;
      return { rows, editors, groups, viewers, commits };
    },
  };
  w.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    supportsFiber: true,
    isDisabled: false,
    renderers: new Map(),
    inject: () => 1,
    checkDCE: () => {},
    onCommitFiberUnmount: () => {},
    onPostCommitFiberRoot: () => {},
    onCommitFiberRoot: (_id: number, root: Root) => {
      probe.root = root;
      if (!probe.on) return;
      probe.commits++;
      const now = new Set<Fiber>();
      walk(root.current, now, true);
      probe.prev = now;
    },
  };
}

/** Installs the probe in every page of `context` (before any script of theirs runs). */
export async function addRenderProbe(context: BrowserContext): Promise<void> {
  await context.addInitScript(installProbe);
}

export interface Renders {
  /** Renders of each zone row (by zone id). */
  rows: Record<string, number>;
  /** Renders of each zone's text editor (by zone id). */
  editors: Record<string, number>;
  /** Renders of groups of zone rows (`ZoneGroup`). */
  groups: number;
  /** Renders of the whole viewer (`DualPaneViewer`: both panes). */
  viewers: number;
  commits: number;
}

/** Counts the renders while `action` runs. */
export async function countRenders(page: Page, action: () => Promise<unknown>): Promise<Renders> {
  await page.evaluate(() =>
    (window as unknown as { __renderProbe: { start(): void } }).__renderProbe.start(),
  );
  const stop = () =>
    page.evaluate(() => (window as unknown as { __renderProbe: { stop(): Renders } }).__renderProbe.stop());
  try {
    await action();
  } catch (error) {
    await stop();
    throw error;
  }
  return stop();
}
