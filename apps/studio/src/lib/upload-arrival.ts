/** Whether a chosen or dropped file is taken for a PDF (its type, or its name when the browser gives no type). */
export function isPdfFile(file: { type: string; name: string }): boolean {
  return file.type === 'application/pdf' || file.name.toLowerCase().endsWith('.pdf');
}

/** What an upload that just finished knows of where the user is. */
export interface UploadArrival {
  /** It was the only file of its choice (several go up one after the other, and none takes the user away). */
  single: boolean;
  /** The upload's dropzone is still on screen (the documents list was not left). */
  mounted: boolean;
  /** The page's path when the upload started, and now. */
  startedAt: string;
  now: string;
  /** The element with the focus when the upload started, and now. */
  focusedAtStart: Element | null;
  focused: Element | null;
}

const typingInto = (el: Element | null) =>
  el !== null &&
  ((el.tagName === 'INPUT' && (el as HTMLInputElement).type !== 'file') ||
    el.tagName === 'TEXTAREA' ||
    el.tagName === 'SELECT' ||
    (el as HTMLElement).isContentEditable === true);

/**
 * Whether a finished upload may open its document by itself: only a single file, when the user is still where they
 * started it (the list on screen, the same path) and has not moved on to typing somewhere (a field that got the focus
 * since). Otherwise the list shows it, and a toast offers to open it.
 */
export function mayTakeUserAway(a: UploadArrival): boolean {
  if (!a.single || !a.mounted || a.now !== a.startedAt) return false;
  return !(typingInto(a.focused) && a.focused !== a.focusedAtStart);
}
