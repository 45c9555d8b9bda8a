import { describe, expect, it } from 'vitest';
import { ApiError } from './api.js';
import { blankRefusal } from './blank-refusal.js';

describe('blankRefusal', () => {
  it('opens the document a taken name belongs to, and opens by name without a catalogue or a server', () => {
    const exists = new ApiError(409, 'conflict', 'the document notes exists already', 'exists');
    expect(blankRefusal(exists, 'Notes', 'Notes')).toEqual({ open: 'Notes' });
    expect(blankRefusal(new ApiError(404, 'not_found', 'no such route'), 'Notes', 'Notes')).toEqual({
      open: 'Notes',
    });
    expect(blankRefusal(new TypeError('Failed to fetch'), 'Notes', 'Notes')).toEqual({ open: 'Notes' });
    // A server that does not say why: as before, the document the name belongs to.
    expect(blankRefusal(new ApiError(409, 'conflict', 'taken'), 'Notes', 'Notes')).toEqual({ open: 'Notes' });
  });

  it('never opens a deleted document: says its name cannot be used again, whatever the message says', () => {
    const deleted = new ApiError(409, 'conflict', 'no longer available', 'deleted');
    const outcome = blankRefusal(deleted, 'Q3 plan', 'Q3-plan');
    expect(outcome).not.toHaveProperty('open');
    expect(outcome).toEqual({ problem: expect.stringMatching(/“Q3 plan” .*deleted.*cannot be used again/) });
  });

  it('reports other refusals, and a taken name without letters for an id', () => {
    expect(blankRefusal(new ApiError(400, 'invalid', 'name: 1-256 characters'), 'x', 'x')).toEqual({
      problem: 'Could not create the document: name: 1-256 characters',
    });
    expect(blankRefusal(new ApiError(409, 'conflict', 'taken', 'exists'), '…', undefined)).toEqual({
      problem: 'Could not create the document: taken',
    });
  });
});
