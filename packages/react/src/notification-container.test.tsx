// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotificationContainer } from './components/notification-container.js';
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
