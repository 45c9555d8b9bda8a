// @vitest-environment jsdom
import type { Zone } from '@syncline/doc';
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ZoneBox, type ZoneBoxProps } from './ZoneBox.js';

const zone: Zone = {
  id: 'z1',
  page: 1,
  bbox: { x: 60, y: 80, w: 400, h: 60 },
  type: 'paragraph',
  label: '',
  confidence: 1,
  text: 'Revenue grew',
  updatedBy: 'dev-ada',
  updatedAt: 0,
};

const box = (lock: ZoneBoxProps['lock']) =>
  render(
    <ZoneBox
      zone={zone}
      n={1}
      page={{ width: 612, height: 792 }}
      lock={lock}
      selfId="dev-ada"
      names={new Map([['dev-ben', 'Ben']])}
      editors={[]}
      selected={false}
      onSelect={() => {}}
      onDelete={() => {}}
    />,
  );

describe('ZoneBox', () => {
  afterEach(cleanup);

  it('names the holder of its lock to a screen reader as its badge does: "you" for mine, else by name', () => {
    box({ zoneId: 'z1', userId: 'dev-ada', userName: 'Ada', expiresAt: 0 });
    expect(screen.getByRole('button').getAttribute('aria-label')).toBe('Zone 1: paragraph, locked by you');
    cleanup();
    box({ zoneId: 'z1', userId: 'dev-ben', userName: 'Ben', expiresAt: 0 });
    expect(screen.getByRole('button').getAttribute('aria-label')).toBe('Zone 1: paragraph, locked by Ben');
  });
});
