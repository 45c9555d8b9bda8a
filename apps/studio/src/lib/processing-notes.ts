/** What processing a PDF left to say once it is done (or so far): pages skipped, other warnings, nothing found. */
export interface ProcessingOutcome {
  /** Processing finished (`completed`), or is still going. */
  finished: boolean;
  /** The pages the analysis could not read (the server's `skippedPages`). */
  skippedPages: readonly number[];
  /** The server's warnings, each `page N: …`. */
  warnings: readonly string[];
  /** The document's zones now, and how many of them hold text. */
  zones: number;
  zonesWithText: number;
}

export interface ProcessingNotes {
  /** Sentences for the user, most important first. */
  notes: string[];
  /** The warnings not said by `notes` (as the server words them), for a "Details" list. */
  details: string[];
}

/** "2", "2 and 5", "2, 5 and 7". */
function listOf(pages: readonly number[]): string {
  const all = pages.map(String);
  return all.length <= 1 ? (all[0] ?? '') : `${all.slice(0, -1).join(', ')} and ${all.at(-1)}`;
}

/**
 * The notes a document's processing leaves: the pages it skipped ("Page 2 could not be read and was skipped"), and,
 * once finished, that nothing was found, or that none of what was found holds text. The server says which pages it
 * skipped and why; it has no word for "scanned": a finished document whose zones are all without text (pictures of
 * pages are figures) is taken to be one.
 */
export function processingNotes(o: ProcessingOutcome): ProcessingNotes {
  const notes: string[] = [];
  const skipped = [...new Set(o.skippedPages)].sort((a, b) => a - b);
  if (skipped.length === 1) notes.push(`Page ${skipped[0]} could not be read and was skipped.`);
  else if (skipped.length > 1) notes.push(`Pages ${listOf(skipped)} could not be read and were skipped.`);
  if (o.finished && o.zones === 0 && skipped.length === 0) {
    notes.push('Processing finished: nothing was found in this PDF. You can draw zones on its pages.');
  } else if (o.finished && o.zones > 0 && o.zonesWithText === 0) {
    notes.push('No text was found: this looks like a scanned document (its pages are pictures).');
  }
  const skippedWarning = (w: string) => {
    const page = /^page (\d+): skipped:/.exec(w)?.[1];
    return page !== undefined && skipped.includes(Number(page));
  };
  return { notes, details: o.warnings.filter((w) => !skippedWarning(w)) };
}

/** The stage of a running job as a user would say it (the server's stage names are for programs). */
export function stageLabel(stage: string | null, status: string): string {
  if (status === 'queued' || stage === 'queued') return 'waiting to start';
  switch (stage) {
    case 'inspecting':
      return 'opening the PDF';
    case 'analyzing':
      return 'reading pages';
    case 'finishing':
      return 'finishing';
    default:
      return 'starting';
  }
}

/** The time left, or "almost done" under a second (never "about 0 s left"). */
export function timeLeft(etaMs: number, format: (ms: number) => string): string {
  return etaMs < 1_000 ? 'almost done' : `about ${format(etaMs)} left`;
}
