import { describe, expect, it } from 'vitest';
import { isPdfFile, mayTakeUserAway, type UploadArrival } from './upload-arrival.js';

const fileInput = { tagName: 'INPUT', type: 'file' } as unknown as Element;
const nameField = { tagName: 'INPUT', type: 'text' } as unknown as Element;
const onList: UploadArrival = {
  single: true,
  mounted: true,
  startedAt: '/',
  now: '/',
  focusedAtStart: fileInput,
  focused: fileInput,
};

describe('mayTakeUserAway', () => {
  it('opens the document when the user is still on the list where the upload started', () => {
    expect(mayTakeUserAway(onList)).toBe(true);
  });

  it('stays when the user opened another document meanwhile (the list is gone, the path changed)', () => {
    expect(mayTakeUserAway({ ...onList, mounted: false })).toBe(false);
    expect(mayTakeUserAway({ ...onList, now: '/documents/other' })).toBe(false);
  });

  it('stays when the user started typing in a field since', () => {
    expect(mayTakeUserAway({ ...onList, focused: nameField })).toBe(false);
    // The field they were in already when they dropped the file is not "since".
    expect(mayTakeUserAway({ ...onList, focusedAtStart: nameField, focused: nameField })).toBe(true);
  });

  it('never opens one of several files uploaded together', () => {
    expect(mayTakeUserAway({ ...onList, single: false })).toBe(false);
  });
});

describe('isPdfFile', () => {
  it('takes the type, or the name when there is no type', () => {
    expect(isPdfFile({ type: 'application/pdf', name: 'x' })).toBe(true);
    expect(isPdfFile({ type: '', name: 'Report.PDF' })).toBe(true);
    expect(isPdfFile({ type: 'image/png', name: 'a.png' })).toBe(false);
  });
});
