// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { CollaborationUser } from '../use-collaboration.js';
import { UserPresence } from './user-presence.js';

const user = (userId: string, extra: Partial<CollaborationUser> = {}): CollaborationUser => ({
  userId,
  name: userId,
  color: 'hsl(0, 50%, 50%)',
  isSelf: false,
  connections: 1,
  ...extra,
});

describe('UserPresence', () => {
  afterEach(cleanup);

  it('counts a user’s connections as tabs or devices, in the label, tooltip and badge', () => {
    const { container } = render(
      <UserPresence
        users={[
          user('Ann', { connections: 2 }),
          user('Ben', { isSelf: true, connections: 3, status: 'idle' }),
        ]}
      />,
    );
    const [ann, ben] = Array.from(container.querySelectorAll('.syncline-presence__user'));
    expect(ann?.getAttribute('aria-label')).toBe('Ann, in 2 tabs or devices');
    expect(ann?.getAttribute('title')).toBe('Ann, in 2 tabs or devices');
    expect(ann?.querySelector('.syncline-presence__devices')?.textContent).toBe('2');
    expect(ben?.getAttribute('aria-label')).toBe('Ben (you), in 3 tabs or devices, idle');
  });

  it('says nothing of connections for a user with one, and counts who is not shown', () => {
    const { container } = render(<UserPresence users={[user('Ann'), user('Ben'), user('Cy')]} max={2} />);
    const list = container.querySelector('.syncline-presence');
    expect(list?.getAttribute('aria-label')).toBe('3 people here');
    const ann = container.querySelector('.syncline-presence__user');
    expect(ann?.getAttribute('aria-label')).toBe('Ann');
    expect(ann?.querySelector('.syncline-presence__devices')).toBeNull();
    expect(container.querySelector('.syncline-presence__more')?.getAttribute('aria-label')).toBe('1 more');
  });
});
