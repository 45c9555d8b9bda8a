/**
 * "Show zone" from anywhere (a toast lives outside the document view): the viewer of a document registers here
 * what it can show, and a toast's action asks it. One viewer per document on screen.
 */
export interface ZoneShower {
  /** The zone is in the document (a deleted zone cannot be shown). */
  has(zoneId: string): boolean;
  /** Selects the zone and scrolls it into view in both panes; with `focus`, puts the caret in its text. */
  show(zoneId: string, options?: ShowOptions): void;
}

export interface ShowOptions {
  /** Put the caret in the zone's text too (its editor may come in only once the zone is selected). */
  focus?: boolean;
}

const showers = new Map<string, ZoneShower>();

/** Registers the viewer of `documentId`; returns the unregistration. */
export function registerZoneShower(documentId: string, shower: ZoneShower): () => void {
  showers.set(documentId, shower);
  return () => {
    if (showers.get(documentId) === shower) showers.delete(documentId);
  };
}

/** Whether `zoneId` of `documentId` is on screen to be shown. */
export function canShowZone(documentId: string, zoneId: string): boolean {
  return showers.get(documentId)?.has(zoneId) ?? false;
}

/** Shows `zoneId` if its document is on screen and still has it; says whether it did. */
export function showZone(documentId: string, zoneId: string, options?: ShowOptions): boolean {
  const shower = showers.get(documentId);
  if (!shower?.has(zoneId)) return false;
  shower.show(zoneId, options);
  return true;
}
