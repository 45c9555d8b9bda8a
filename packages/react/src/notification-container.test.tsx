// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NotificationContainer } from './components/notification-container.js';
import { SynclineContext } from './context.js';
import { EventBus } from './event-bus.js';
import { AFTER_HOLD_MS, NotificationCenter } from './notification-center.js';
import { TestWorld, until } from './testing/server.js';
import { useMaintenance, useNotify } from './use-notifications.js';

function Banner() {
  const m = useMaintenance();
  return m.enabled ? <p data-testid="banner">{m.message}</p> : null;
}

/** Hands the provider's `notify` to the test. */
function Notifier({ onReady }: { onReady: (notify: ReturnType<typeof useNotify>) => void }) {
  onReady(useNotify());
  return null;
}

describe('NotificationContainer and useMaintenance', () => {
  let world: TestWorld;
  beforeEach(async () => {
    world = await new TestWorld().start();
  });
  afterEach(async () => {
    cleanup();
    await world.close();
  });

  it('shows maintenance announcements until they end, and dismisses toasts', async () => {
    const client = world.client('ann');
    const Wrapper = world.wrapper(client);
    render(
      <Wrapper>
        <Banner />
        <NotificationContainer />
      </Wrapper>,
    );
    await until(() => client.state === 'open');
    await world.server.setMaintenance(true, 'Down for 5 minutes at 22:00');
    await until(() => screen.queryByTestId('banner'));
    expect(screen.getByTestId('banner').textContent).toBe('Down for 5 minutes at 22:00');
    const toast = screen.getByRole('alert');
    expect(toast.getAttribute('data-kind')).toBe('maintenance');
    expect(toast.textContent).toContain('Down for 5 minutes');

    await world.server.setMaintenance(false);
    await until(() => !screen.queryByTestId('banner') && !screen.queryByRole('alert'));

    await world.server.setMaintenance(true, 'again');
    await until(() => screen.queryByRole('alert'));
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss: Maintenance' }));
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByTestId('banner').textContent).toBe('again'); // the banner stays while it lasts
  });

  it('offers the action a toast is given, which dismisses it', async () => {
    const client = world.client('ann');
    const Wrapper = world.wrapper(client);
    let notify: ReturnType<typeof useNotify> = () => '';
    const shown: string[] = [];
    render(
      <Wrapper>
        <Notifier onReady={(n) => (notify = n)} />
        <NotificationContainer
          action={(n) =>
            n.zoneIds?.length === 1
              ? { label: 'Show zone', run: () => shown.push(`${n.documentId}/${n.zoneIds?.[0]}`) }
              : null
          }
        />
      </Wrapper>,
    );
    act(() => {
      notify({
        kind: 'conflict',
        title: 'Edit conflict',
        message: 'Ada deleted…',
        documentId: 'd1',
        zoneIds: ['z7'],
      });
      notify({ kind: 'info', title: 'Saved', message: 'All saved' });
    });
    expect(screen.getAllByRole('button', { name: 'Show zone' })).toHaveLength(1); // not on the one without zones
    fireEvent.click(screen.getByRole('button', { name: 'Show zone' }));
    expect(shown).toEqual(['d1/z7']);
    expect(screen.queryByText('Edit conflict')).toBeNull();
    expect(screen.getByText('Saved')).toBeTruthy();
  });

  it('offers the action a toast carries itself, before the container’s', async () => {
    const client = world.client('ann');
    const Wrapper = world.wrapper(client);
    let notify: ReturnType<typeof useNotify> = () => '';
    const opened: string[] = [];
    render(
      <Wrapper>
        <Notifier onReady={(n) => (notify = n)} />
        <NotificationContainer action={() => ({ label: 'Show zone', run: () => {} })} />
      </Wrapper>,
    );
    act(() => {
      notify({
        kind: 'success',
        title: 'Uploaded',
        message: 'report.pdf uploaded',
        action: { label: 'Open', run: () => opened.push('report') },
      });
    });
    expect(screen.queryByRole('button', { name: 'Show zone' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Open' }));
    expect(opened).toEqual(['report']);
    expect(screen.queryByText('report.pdf uploaded')).toBeNull();
  });

  it('gives the focus of a toast that goes to the next one, and with none left, back to where it came from', async () => {
    const client = world.client('ann');
    const Wrapper = world.wrapper(client);
    let notify: ReturnType<typeof useNotify> = () => '';
    render(
      <Wrapper>
        <Notifier onReady={(n) => (notify = n)} />
        <input aria-label="Field" />
        <NotificationContainer />
      </Wrapper>,
    );
    act(() => {
      for (const title of ['One', 'Two', 'Three'])
        notify({ kind: 'info', title, message: title, sticky: true });
    });
    const dismiss = (title: string) => screen.getByRole('button', { name: `Dismiss: ${title}` });
    act(() => screen.getByLabelText('Field').focus());
    act(() => dismiss('Two').focus());
    fireEvent.click(dismiss('Two'));
    expect(document.activeElement).toBe(dismiss('Three')); // the next one
    fireEvent.click(dismiss('Three'));
    expect(document.activeElement).toBe(dismiss('One')); // none after it: the one before
    fireEvent.click(dismiss('One'));
    expect(document.activeElement).toBe(screen.getByLabelText('Field')); // none left: where it came from
  });
});

describe('NotificationContainer: toasts stay while read', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  /** The container on a center of its own (no connection), with a field outside it. */
  function renderToasts() {
    const center = new NotificationCenter({ durationMs: 6000 });
    render(
      <SynclineContext.Provider
        value={{ runtime: null, bus: new EventBus(), notifications: center, presenceEnabled: false }}
      >
        <input aria-label="Field" />
        <NotificationContainer />
      </SynclineContext.Provider>,
    );
    const toast = (title: string) => screen.queryByText(title);
    return { center, toast };
  }

  it('times no toast out while the keyboard is on it, nor under the pointer', () => {
    const { center, toast } = renderToasts();
    act(() => void center.notify({ kind: 'conflict', title: 'Ben deleted it', message: 'm' }));
    act(() => void vi.advanceTimersByTime(5000));
    // The keyboard reaches it with a second to go, and stays a minute.
    act(() => screen.getByRole('button', { name: 'Dismiss: Ben deleted it' }).focus());
    act(() => void vi.advanceTimersByTime(60_000));
    expect(toast('Ben deleted it')).not.toBeNull();
    // Left: it goes a moment later, not at once.
    act(() => screen.getByLabelText('Field').focus());
    expect(toast('Ben deleted it')).not.toBeNull();
    act(() => void vi.advanceTimersByTime(AFTER_HOLD_MS));
    expect(toast('Ben deleted it')).toBeNull();

    act(() => void center.notify({ kind: 'error', title: 'Not uploaded', message: 'm' }));
    const region = screen.getByRole('region', { name: 'Notifications' });
    fireEvent.pointerEnter(region);
    act(() => void vi.advanceTimersByTime(60_000));
    expect(toast('Not uploaded')).not.toBeNull();
    fireEvent.pointerLeave(region);
    act(() => void vi.advanceTimersByTime(6000));
    expect(toast('Not uploaded')).toBeNull();
  });
});
