import { describe, expect, it } from 'vitest';
import { processingNotes, stageLabel, timeLeft } from './processing-notes.js';

const done = { finished: true, skippedPages: [], warnings: [], zones: 5, zonesWithText: 5 };

describe('processingNotes', () => {
  it('says which pages were skipped, and keeps the other warnings as details', () => {
    const r = processingNotes({
      ...done,
      skippedPages: [2],
      warnings: [
        'page 2: skipped: cannot be parsed (bad xref)',
        'page 3: 600 zones; only the first 500 were kept',
      ],
    });
    expect(r.notes).toEqual(['Page 2 could not be read and was skipped.']);
    expect(r.details).toEqual(['page 3: 600 zones; only the first 500 were kept']);
    expect(processingNotes({ ...done, skippedPages: [7, 2, 5] }).notes).toEqual([
      'Pages 2, 5 and 7 could not be read and were skipped.',
    ]);
  });

  it('says when nothing, or no text, was found once finished', () => {
    expect(processingNotes({ ...done, zones: 0, zonesWithText: 0 }).notes[0]).toMatch(/nothing was found/);
    expect(processingNotes({ ...done, zones: 3, zonesWithText: 0 }).notes).toEqual([
      'No text was found: this looks like a scanned document (its pages are pictures).',
    ]);
    expect(processingNotes({ ...done, finished: false, zones: 0, zonesWithText: 0 }).notes).toEqual([]);
    expect(processingNotes(done).notes).toEqual([]);
  });
});

describe('stageLabel and timeLeft', () => {
  it('never repeats "processing" nor says "about 0 s left"', () => {
    expect(stageLabel(null, 'processing')).toBe('starting');
    expect(stageLabel(null, 'queued')).toBe('waiting to start');
    expect(stageLabel('analyzing', 'processing')).toBe('reading pages');
    expect(timeLeft(400, () => '0 s')).toBe('almost done');
    expect(timeLeft(12_000, () => '12 s')).toBe('about 12 s left');
  });
});
