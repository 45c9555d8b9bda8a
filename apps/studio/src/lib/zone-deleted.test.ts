import type { Zone } from '@syncline/doc';
import { describe, expect, it } from 'vitest';
import { zoneDeletedMessage } from './zone-deleted.js';

const zone = { id: 'z1', page: 0, type: 'paragraph', label: '', text: 'Quarterly report.' } as Zone;

describe('zoneDeletedMessage', () => {
  it('names who deleted the zone I was working on from the names known, never by their id', () => {
    const presence = new Map([['u-ada', 'Ada']]);
    const documents = new Map([['u-ben', 'Ben']]);
    const viewer = new Map([['u-zed', 'someone']]); // a stand-in, as the viewer's map holds for someone unnamed
    const sources = [presence, viewer, documents, (id: string) => (id === 'u-cy' ? 'Cy' : undefined)];
    const said = (by: string | undefined) => zoneDeletedMessage(by, 'u-me', zone, sources);
    expect(said('u-ada')).toBe(
      'Ada deleted the paragraph on page 1 (“Quarterly report.”), which you were working on.',
    );
    expect(said('u-ben')).toMatch(/^Ben deleted /);
    expect(said('u-cy')).toMatch(/^Cy deleted /);
    // Nobody has a name for them: "Someone", at the start of the sentence; the pipeline by what it is.
    expect(said('u-8f3a2c')).toBe(
      'Someone deleted the paragraph on page 1 (“Quarterly report.”), which you were working on.',
    );
    expect(said('u-zed')).toMatch(/^Someone deleted /);
    expect(said('system:pipeline')).toMatch(/^Pipeline deleted /);
    expect(said(undefined)).toMatch(/^Someone deleted /);
    expect(zoneDeletedMessage('u-ada', 'u-me', undefined, sources)).toBe(
      'Ada deleted the zone, which you were working on.',
    );
  });

  it('says I deleted it myself, in another tab or on another device, not by my own name', () => {
    expect(zoneDeletedMessage('u-me', 'u-me', zone, [new Map([['u-me', 'Me']])])).toBe(
      'You deleted the paragraph on page 1 (“Quarterly report.”) in another tab or on another device.',
    );
  });
});
