import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needService } from '../../../../test/services.js';
import { eventually, openDocument, StudioHarness, screenshot, shownBox, waitFor } from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

/** A blank page, in page units (US Letter). */
const PAGE = { width: 612, height: 792 };
type Box = { x: number; y: number; w: number; h: number };

const zoneBox = (page: Page) => page.locator('.page[data-page="0"] .zone-box').first();

/** The first zone's box as `page` shows it, in page units (two decimals), from where it is placed on the page. */
const shownFirstBox = (page: Page): Promise<Box> => shownBox(zoneBox(page), PAGE);

const near = (a: Box, b: Box, tolerance = 0.02) =>
  Math.abs(a.x - b.x) <= tolerance &&
  Math.abs(a.y - b.y) <= tolerance &&
  Math.abs(a.w - b.w) <= tolerance &&
  Math.abs(a.h - b.h) <= tolerance;

/** Page units per CSS px on `page` (its zoom). */
async function unitsPerPx(page: Page): Promise<{ x: number; y: number }> {
  const r = await pageRect(page);
  return { x: PAGE.width / r.width, y: PAGE.height / r.height };
}

/** The middle of the zone box's handle `handle`. */
async function handleOf(page: Page, handle: string): Promise<{ x: number; y: number }> {
  const r = await zoneBox(page).locator(`[data-handle="${handle}"]`).boundingBox();
  if (!r) throw new Error(`no handle ${handle}`);
  return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
}

/** A point of the zone box's body: a third across, halfway down (clear of the handles, even on a flat box). */
async function bodyOf(page: Page): Promise<{ x: number; y: number }> {
  const r = await zoneBox(page).boundingBox();
  if (!r) throw new Error('no zone box');
  return { x: r.x + r.width / 3, y: r.y + r.height / 2 };
}

async function pageRect(page: Page) {
  const r = await page.locator('.page[data-page="0"]').boundingBox();
  if (!r) throw new Error('no page');
  return r;
}

/** Presses the mouse at `from`, moves it by `dx`, `dy` px in steps, and (unless `release` is false) releases it. */
async function drag(page: Page, from: { x: number; y: number }, dx: number, dy: number, release = true) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + dx, from.y + dy, { steps: 8 });
  if (release) await page.mouse.up();
}

/** The doc.submit frames `page` sends that set a zone's box, from the next document it opens on. */
function bboxSubmits(page: Page): string[] {
  const sent: string[] = [];
  page.on('websocket', (ws) =>
    ws.on('framesent', (f) => {
      if (typeof f.payload === 'string' && f.payload.includes('doc.submit') && f.payload.includes('"bbox"'))
        sent.push(f.payload);
    }),
  );
  return sent;
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** Moving and resizing a zone box on the page, by mouse, touch and keyboard, with a second user watching. */
describe.runIf(chromiumAvailable)('Studio: moving and resizing zone boxes', () => {
  const h = new StudioHarness();
  let ada: Page;
  let ben: Page;
  let adaSubmits: string[];
  const documentId = `move-${Date.now().toString(36)}`;

  /** Waits until Ben's page shows the zone where Ada's does (and returns it). */
  const benSees = (box: Box) =>
    eventually(
      () => shownFirstBox(ben),
      (b) => near(b, box),
      10_000,
      "Ben's box",
    );

  beforeAll(async () => {
    await h.start();
    [ada, ben] = await Promise.all([
      h.context().then((c) => h.signIn(c, 'Ada')),
      h.context().then((c) => h.signIn(c, 'Ben')),
    ]);
    adaSubmits = bboxSubmits(ada);
    await openDocument(ada, h.url, documentId);
    // "Add zone": 10 % from the top-left corner, 80 % × 8 % of the page.
    await ada.getByRole('button', { name: 'Add zone' }).click();
    await openDocument(ben, h.url, documentId);
    await zoneBox(ben).waitFor();
    adaSubmits.length = 0; // the zone's creation (which has a box too)
    // The zone added is selected: a click on the page's empty part deselects it.
    const r = await pageRect(ada);
    await ada.mouse.click(r.x + 10, r.y + 10);
    await ada.locator('.zone-box.selected').waitFor({ state: 'detached' });
  });

  afterAll(() => h.close());

  it('selects a zone by a click (a small wobble included) without moving it, and shows its handles', async () => {
    const start = await shownFirstBox(ada);
    expect(start).toEqual({ x: 61.2, y: 79.2, w: 489.6, h: 63.36 });
    // Not selected: no handles. A click with a 2 px wobble selects it.
    await expect(zoneBox(ada).locator('.zone-handle').count()).resolves.toBe(0);
    await drag(ada, await bodyOf(ada), 2, 1);
    await zoneBox(ada).and(ada.locator('.selected')).waitFor();
    expect(await zoneBox(ada).locator('.zone-handle').count()).toBe(8);
    await screenshot(ada, 'zone-move-handles');
    expect(await zoneBox(ada).getAttribute('aria-label')).toBe('Zone 1: paragraph');
    expect(await zoneBox(ada).getAttribute('aria-description')).toMatch(
      /Arrow keys move.*Alt\+arrow keys resize/,
    );
    // Only the selected box takes a finger (elsewhere touch scrolls the pane).
    expect(await zoneBox(ada).evaluate((el) => getComputedStyle(el).touchAction)).toBe('none');
    // A click on the selected box: still nothing moves.
    await drag(ada, await bodyOf(ada), 1, 2);
    expect(await shownFirstBox(ada)).toEqual(start);
    expect(adaSubmits).toHaveLength(0);
  });

  it('moves the selected zone by dragging its body, live while dragging, with one op when it is dropped', async () => {
    const start = await shownFirstBox(ada);
    const u = await unitsPerPx(ada);
    await drag(ada, await bodyOf(ada), 30, 40, false);
    // Shown at its new place while the mouse is still down...
    const expected = { ...start, x: round2(start.x + 30 * u.x), y: round2(start.y + 40 * u.y) };
    expect(near(await shownFirstBox(ada), expected, 0.05)).toBe(true);
    await ada.mouse.up();
    const moved = await shownFirstBox(ada);
    expect(near(moved, expected, 0.05)).toBe(true);
    expect({ w: moved.w, h: moved.h }).toEqual({ w: start.w, h: start.h });
    // ...and Ben's page shows it where Ada dropped it.
    await benSees(moved);
    expect(adaSubmits).toHaveLength(1);
  });

  it('resizes the zone by its corner handles, keeping the opposite corner in place', async () => {
    const start = await shownFirstBox(ada);
    const u = await unitsPerPx(ada);
    await drag(ada, await handleOf(ada, 'se'), -30, 20);
    const grown = await shownFirstBox(ada);
    expect(near(grown, { ...start, w: start.w - 30 * u.x, h: start.h + 20 * u.y }, 0.05)).toBe(true);
    await benSees(grown);

    await drag(ada, await handleOf(ada, 'nw'), 40, 10);
    const shrunk = await shownFirstBox(ada);
    expect(
      near(
        shrunk,
        { x: grown.x + 40 * u.x, y: grown.y + 10 * u.y, w: grown.w - 40 * u.x, h: grown.h - 10 * u.y },
        0.05,
      ),
    ).toBe(true);
    expect(round2(shrunk.x + shrunk.w)).toBeCloseTo(grown.x + grown.w, 1);
    await benSees(shrunk);

    // The top edge dragged above the page stops at the page; dragged below the bottom edge, at the smallest size.
    const n = await handleOf(ada, 'n');
    await drag(ada, n, 0, (await pageRect(ada)).y - 20 - n.y);
    const top = await shownFirstBox(ada);
    expect(top).toMatchObject({ x: shrunk.x, y: 0, w: shrunk.w });
    expect(top.h).toBeCloseTo(shrunk.y + shrunk.h, 1);
    const px = (await zoneBox(ada).boundingBox())?.height ?? 0;
    await drag(ada, await handleOf(ada, 'n'), 0, px + 50);
    const flat = await shownFirstBox(ada);
    expect(flat.h).toBe(3.96); // 0.5 % of the page
    expect(flat.y + flat.h).toBeCloseTo(top.h, 1);
    await benSees(flat);
    // Back to a usable height.
    await drag(ada, await handleOf(ada, 's'), 0, 80);
    expect((await shownFirstBox(ada)).h).toBeGreaterThan(60);
  });

  it('puts the box back, and sends nothing, when Escape is pressed during a drag', async () => {
    const start = await shownFirstBox(ada);
    const sent = adaSubmits.length;
    await drag(ada, await bodyOf(ada), 80, 80, false);
    expect(near(await shownFirstBox(ada), start)).toBe(false); // it moved with the mouse
    await ada.keyboard.press('Escape');
    expect(await shownFirstBox(ada)).toEqual(start);
    await ada.mouse.move(300, 300, { steps: 4 }); // the rest of that drag does nothing
    await ada.mouse.up();
    expect(await shownFirstBox(ada)).toEqual(start);
    expect(adaSubmits).toHaveLength(sent);
    // Still selected, with its handles.
    expect(await zoneBox(ada).locator('.zone-handle').count()).toBe(8);
  });

  it('moves the focused zone with the arrow keys (Shift: further) and resizes it with Alt+arrows', async () => {
    const start = await shownFirstBox(ada);
    const sent = adaSubmits.length;
    await zoneBox(ada).focus();
    for (let i = 0; i < 3; i++) await ada.keyboard.press('ArrowRight');
    await ada.keyboard.press('Shift+ArrowDown');
    await ada.keyboard.press('Alt+ArrowRight');
    await ada.keyboard.press('Alt+Shift+ArrowDown');
    const keyed = { x: start.x + 3, y: start.y + 10, w: start.w + 1, h: start.h + 10 };
    expect(near(await shownFirstBox(ada), keyed)).toBe(true);
    // The pane did not scroll away and the focus stayed on the box.
    expect(await ada.evaluate(() => document.activeElement?.classList.contains('zone-box'))).toBe(true);
    await benSees(keyed);
    // The last position after Escape was the start of this: the dropped drag was never sent.
    expect(adaSubmits.length).toBeGreaterThan(sent);
    expect(adaSubmits.length).toBeLessThanOrEqual(sent + 6);

    // Held down, the key repeats: the box follows, and one op goes when the key is released.
    const before = adaSubmits.length;
    for (let i = 0; i < 5; i++) await ada.keyboard.down('ArrowLeft');
    expect(near(await shownFirstBox(ada), { ...keyed, x: keyed.x - 5 })).toBe(true);
    await ada.keyboard.up('ArrowLeft');
    await benSees({ ...keyed, x: keyed.x - 5 });
    expect(adaSubmits).toHaveLength(before + 1);
  });

  it('offers neither handles nor moving on a zone another user has locked, and his lock lets him move it', async () => {
    const start = await shownFirstBox(ada);
    await ben.getByRole('button', { name: 'Lock zone 1' }).click();
    await zoneBox(ada).and(ada.locator('.locked')).waitFor();
    await zoneBox(ada).click();
    await zoneBox(ada).and(ada.locator('.selected')).waitFor();
    expect(await zoneBox(ada).locator('.zone-handle').count()).toBe(0);
    expect(await zoneBox(ada).getAttribute('aria-description')).toBeNull();
    const sent = adaSubmits.length;
    await drag(ada, await bodyOf(ada), 70, 50, false);
    expect(await shownFirstBox(ada)).toEqual(start); // not even a preview
    await ada.mouse.up();
    await zoneBox(ada).focus();
    await ada.keyboard.press('ArrowRight');
    expect(await shownFirstBox(ada)).toEqual(start);
    // Nor deleting it (the server would refuse it, and the box would vanish and come back).
    await ada.keyboard.press('Delete');
    await ada.waitForTimeout(200);
    expect(await zoneBox(ada).count()).toBe(1);
    expect(adaSubmits).toHaveLength(sent);

    // Ben holds the lock: he moves it, and Ada sees it move.
    await zoneBox(ben).click();
    await zoneBox(ben).and(ben.locator('.movable')).waitFor();
    const u = await unitsPerPx(ben);
    await drag(ben, await bodyOf(ben), -40, 30);
    const moved = await shownFirstBox(ben);
    expect(near(moved, { ...start, x: start.x - 40 * u.x, y: start.y + 30 * u.y }, 0.05)).toBe(true);
    await eventually(
      () => shownFirstBox(ada),
      (b) => near(b, moved),
      10_000,
      "Ada sees Ben's move",
    );

    // Unlocked: Ada's selected box offers its handles again.
    await ben.getByRole('button', { name: 'Unlock zone 1' }).click();
    await zoneBox(ada).locator('.zone-handle').first().waitFor();
  });

  it('makes the tools of a zone another user has locked unavailable, the focus going to its box', async () => {
    await zoneBox(ada).click();
    await zoneBox(ada).and(ada.locator('.selected')).waitFor();
    const tools = ada.getByRole('toolbar', { name: 'Zone tools' });
    const deleteZone = tools.getByRole('button', { name: 'Delete zone' });
    const type = tools.getByLabel('Type');
    const label = tools.getByLabel('Label');
    await expect(deleteZone.isEnabled()).resolves.toBe(true);
    await type.focus();
    await ben.getByRole('button', { name: 'Lock zone 1' }).click();
    // Locked while her Type had the focus: it goes to the zone's box, not to the page's body.
    await zoneBox(ada).and(ada.locator('.locked')).waitFor();
    await waitFor(
      () => zoneBox(ada).evaluate((el) => el === document.activeElement),
      5000,
      "the focus on the zone's box",
    );
    // A delete, a type or a label would be refused (the zone gone, or changed, for a moment, then back as it was).
    for (const tool of [deleteZone, type, label]) {
      await expect(tool.isDisabled()).resolves.toBe(true);
      await expect(tool.getAttribute('title')).resolves.toBe('Locked by Ben');
    }
    await ben.getByRole('button', { name: 'Unlock zone 1' }).click();
    await zoneBox(ada).locator('.zone-handle').first().waitFor();
    await expect(deleteZone.isEnabled()).resolves.toBe(true);
  });

  it("keeps the box under Ada's mouse while Ben moves the zone, and sends hers when she drops it", async () => {
    await zoneBox(ada).click();
    await zoneBox(ada).and(ada.locator('.movable')).waitFor();
    // Ada changed it last (so that Ben's change shows as his, below).
    await ada.keyboard.press('ArrowRight');
    const start = await shownFirstBox(ada);
    await benSees(start);
    const changedBy = ada.locator('.zone-item .zone-changed');
    expect(await changedBy.textContent()).toMatch(/^changed by you/);
    const u = await unitsPerPx(ada);
    await drag(ada, await bodyOf(ada), 20, 30, false);
    const dragged = { ...start, x: start.x + 20 * u.x, y: start.y + 30 * u.y };
    expect(near(await shownFirstBox(ada), dragged, 0.05)).toBe(true);
    // Ben moves it meanwhile (down 10 with the keyboard); Ada's copy of the zone gets it...
    await zoneBox(ben).focus();
    await ben.keyboard.press('Shift+ArrowDown');
    await changedBy.filter({ hasText: 'changed by Ben' }).waitFor();
    // ...but her box stays under her mouse.
    expect(near(await shownFirstBox(ada), dragged, 0.05)).toBe(true);
    await ada.mouse.up();
    const dropped = await shownFirstBox(ada);
    expect(near(dropped, dragged, 0.05)).toBe(true);
    await benSees(dropped);
  });

  it('moves the selected zone by a finger on a phone, and scrolls nothing while doing it', async () => {
    const context = await h.phoneContext();
    const phone = await h.signIn(context, 'Ada');
    await openDocument(phone, h.url, documentId);
    const start = await shownFirstBox(phone);
    await zoneBox(phone).tap();
    await zoneBox(phone).locator('.zone-handle').first().waitFor();
    const scrollTop = () => phone.locator('.pdf-pane').evaluate((el) => el.scrollTop);
    const before = await scrollTop();
    const u = await unitsPerPx(phone);
    const { x, y } = await bodyOf(phone);
    const cdp = await context.newCDPSession(phone);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] });
    for (let i = 1; i <= 10; i++) {
      await cdp.send('Input.dispatchTouchEvent', {
        type: 'touchMove',
        touchPoints: [{ x: x + i * 3, y: y + i * 5 }],
      });
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await cdp.detach();
    const expected = { ...start, x: start.x + 30 * u.x, y: start.y + 50 * u.y };
    await waitFor(async () => near(await shownFirstBox(phone), expected, 0.1), 5_000);
    expect(await scrollTop()).toBe(before);
    await benSees(await shownFirstBox(phone));
  });

  it('moves a box of the smallest size by dragging its body (its handles outside it), and resizes it by a corner', async () => {
    await zoneBox(ada).click();
    await zoneBox(ada).and(ada.locator('.movable')).waitFor();
    // The smallest box drawing allows: its bottom-right corner dragged past its top-left one.
    const r = await zoneBox(ada).boundingBox();
    if (!r) throw new Error('no zone box');
    await drag(ada, await handleOf(ada, 'se'), -(r.width + 20), -(r.height + 20));
    const tiny = await shownFirstBox(ada);
    expect({ w: tiny.w, h: tiny.h }).toEqual({ w: 6.12, h: 3.96 });
    await benSees(tiny);
    // A few pixels: its corners' handles sit outside it, so the pointer at its middle is on the box itself.
    const handles = () =>
      zoneBox(ada)
        .locator('.zone-handle')
        .evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.handle));
    await eventually(handles, (h) => h.join() === 'nw,ne,se,sw', 5_000, 'the corner handles only');
    const b = await zoneBox(ada).boundingBox();
    if (!b) throw new Error('no zone box');
    const middle = { x: b.x + b.width / 2, y: b.y + b.height / 2 };
    expect(
      await ada.evaluate(
        ({ x, y }) => document.elementFromPoint(x, y)?.classList.contains('zone-box'),
        middle,
      ),
    ).toBe(true);
    const u = await unitsPerPx(ada);
    await drag(ada, middle, 40, 30);
    const moved = await shownFirstBox(ada);
    expect(near(moved, { ...tiny, x: tiny.x + 40 * u.x, y: tiny.y + 30 * u.y }, 0.05)).toBe(true);
    await benSees(moved);
    // A corner still resizes it.
    await drag(ada, await handleOf(ada, 'se'), 30, 20);
    const grown = await shownFirstBox(ada);
    expect(near(grown, { ...moved, w: moved.w + 30 * u.x, h: moved.h + 20 * u.y }, 0.05)).toBe(true);
    await benSees(grown);

    // History says what each was: resized, moved (not "changed").
    await ada.getByRole('button', { name: 'History' }).click();
    const lines = ada.getByTestId('history').locator('.history-item');
    await eventually(
      () => lines.allTextContents(),
      (l) =>
        l[0]?.startsWith('You resized zone 1') === true &&
        l[1]?.startsWith('You moved zone 1') === true &&
        l[2]?.startsWith('You resized zone 1') === true,
      10_000,
      'the history of the box',
    );
    await ada.getByRole('button', { name: 'Close history' }).click();
  });

  it("undoes Ada's move past Ben's later narrowing of the box: her position back, his width kept, no notice", async () => {
    await zoneBox(ada).click();
    await zoneBox(ada).and(ada.locator('.movable')).waitFor();
    // A box wide enough to narrow by its right edge.
    await drag(ada, await handleOf(ada, 'se'), 200, 40);
    const start = await shownFirstBox(ada);
    await benSees(start);
    const u = await unitsPerPx(ada);
    // Ada moves it across (straight: only its x changes)...
    await drag(ada, await bodyOf(ada), 60, 0);
    const moved = await shownFirstBox(ada);
    expect(near(moved, { ...start, x: start.x + 60 * u.x }, 0.05)).toBe(true);
    expect(moved.y).toBe(start.y);
    await benSees(moved);
    // ...then Ben narrows it by its right edge...
    await zoneBox(ben).click();
    await zoneBox(ben).and(ben.locator('.movable')).waitFor();
    await drag(ben, await handleOf(ben, 'e'), -80, 0);
    const narrowed = await shownFirstBox(ben);
    expect(narrowed.x).toBe(moved.x);
    expect(narrowed.w).toBeLessThan(moved.w - 40);
    await eventually(
      () => shownFirstBox(ada),
      (b) => near(b, narrowed),
      10_000,
      "Ada sees Ben's narrowing",
    );
    // ...and Ada undoes her move: the box goes back where it was, as narrow as Ben made it, on both pages.
    await ada.keyboard.press('Control+z');
    const undone = { ...narrowed, x: start.x };
    await eventually(
      () => shownFirstBox(ada),
      (b) => near(b, undone),
      10_000,
      "Ada's undo",
    );
    await benSees(undone);
    expect(await ada.getByText(/their change was kept/).count()).toBe(0);
    // History: Ben resized it, Ada moved it (twice: the move and its undo).
    await ada.getByRole('button', { name: 'History' }).click();
    const lines = ada.getByTestId('history').locator('.history-item');
    await eventually(
      () => lines.allTextContents(),
      (l) =>
        l[0]?.startsWith('You moved zone 1') === true &&
        l[1]?.startsWith('Ben resized zone 1') === true &&
        l[2]?.startsWith('You moved zone 1') === true,
      10_000,
      'the history of the box',
    );
    await ada.getByRole('button', { name: 'Close history' }).click();
  });

  it("keeps Ben's narrowing made while Ada drags the box across: her drop sends only where she moved it", async () => {
    await zoneBox(ada).click();
    await zoneBox(ada).and(ada.locator('.movable')).waitFor();
    const start = await shownFirstBox(ada);
    await benSees(start);
    const u = await unitsPerPx(ada);
    await drag(ada, await bodyOf(ada), -50, 20, false);
    const dragged = { ...start, x: start.x - 50 * u.x, y: start.y + 20 * u.y };
    // Ben narrows it by 10 meanwhile (Alt+Shift+Left: its right edge); Ada's copy gets it, her box stays under the mouse.
    await zoneBox(ben).focus();
    await ben.keyboard.press('Alt+Shift+ArrowLeft');
    const changedBy = ada.locator('.zone-item .zone-changed');
    await changedBy.filter({ hasText: 'changed by Ben' }).waitFor();
    expect(near(await shownFirstBox(ada), dragged, 0.05)).toBe(true);
    await ada.mouse.up();
    // Where Ada dropped it, as narrow as Ben made it, on both pages.
    const both = { ...dragged, w: start.w - 10 };
    await eventually(
      () => shownFirstBox(ada),
      (b) => near(b, both, 0.05),
      10_000,
      "Ada's drop",
    );
    await benSees(await shownFirstBox(ada));
  });
});
