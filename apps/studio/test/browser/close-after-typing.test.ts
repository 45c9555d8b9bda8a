import { afterAll, beforeAll, describe, it } from 'vitest';
import { needService } from '../../../../test/services.js';
import { eventually, openDocument, StudioHarness, zoneText } from './studio-harness.js';

const chromiumAvailable = await needService('chromium');

/**
 * A tab closed a moment after its last keystroke: what was typed is kept in this browser (IndexedDB) and sent by the
 * next tab. Offline, so that nothing reaches the server before the tab closes: only what the page saved can keep it.
 */
describe.runIf(chromiumAvailable)('Studio: a tab closed right after typing', () => {
  const h = new StudioHarness();

  beforeAll(() => h.start());
  afterAll(() => h.close());

  it('keeps every keystroke: the next tab sends what the closed one could not', async () => {
    const context = await h.context();
    const ben = await h.signIn(await h.context(), 'Ben');
    let ada = await h.signIn(context, 'Ada');
    const id = `closing-${Date.now().toString(36)}`;
    await openDocument(ada, h.url, id);
    await ada.getByRole('button', { name: 'Add zone' }).click();
    await openDocument(ben, h.url, id);
    const marks: string[] = [];
    for (let i = 0; i < 6; i++) {
      await context.setOffline(true);
      const zone = ada.getByLabel(/^Text of zone 1 /);
      await zone.focus();
      await ada.keyboard.press('Control+End');
      const mark = ` m${i}-closing-now`;
      await ada.keyboard.type(mark, { delay: 0 });
      marks.push(mark);
      // At once: the page unloads without the time for a round trip to the database.
      const closed = ada.waitForEvent('close');
      await ada.close({ runBeforeUnload: true });
      await closed;
      await context.setOffline(false);
      ada = await context.newPage();
      await openDocument(ada, h.url, id);
    }
    await eventually(
      () => zoneText(ben, 1),
      (text) => marks.every((m) => text.includes(m)),
      20_000,
      'every keystroke at Ben',
    );
  });
});
