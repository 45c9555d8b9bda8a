import { useNotify } from '@syncline/react';
import { type DragEvent, useEffect, useId, useRef, useState } from 'react';
import { useStudio } from '../hooks/studio-context.js';
import { UploadCancelled, uploadDocument } from '../lib/api.js';
import { isPdfFile, mayTakeUserAway } from '../lib/upload-arrival.js';

/** The upload under way: which file (of how many chosen together) and how far. */
interface Uploading {
  name: string;
  index: number;
  count: number;
  progress: number;
}

/**
 * Upload PDFs by picking or dropping them here. One file opens once uploaded, if the user is still on the list and
 * has not started something else meanwhile (upload-arrival.ts); otherwise, and for several files, the list shows
 * them and a toast offers to open each. Several files go up one after the other. While an upload runs the input is
 * disabled (and says what it is uploading): a second choice would start a second race to open a document. Cancel
 * stops the upload under way, and the files chosen with it that have not gone up yet; it leaves no document behind
 * (`uploadDocument`), and the focus goes back to "Choose a PDF…".
 */
export function UploadDropzone({ onUploaded }: { onUploaded: () => void }) {
  const { auth, navigate } = useStudio();
  const notify = useNotify();
  const [over, setOver] = useState(false);
  const [uploading, setUploading] = useState<Uploading | null>(null);
  const busy = useRef(false);
  const mounted = useRef(true);
  const input = useRef<HTMLInputElement>(null);
  // Aborted by Cancel: the upload under way, and the rest of its files.
  const cancelling = useRef<AbortController | null>(null);
  const refocus = useRef(false);
  const id = useId();
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const upload = async (chosen: readonly File[]) => {
    if (chosen.length === 0 || busy.current) return;
    const files = chosen.filter((file) => {
      const problem = !isPdfFile(file) ? 'is not a PDF' : file.size === 0 ? 'is empty' : null;
      if (problem) notify({ kind: 'error', title: 'Not uploaded', message: `${file.name} ${problem}.` });
      return problem === null;
    });
    if (files.length === 0) {
      if (input.current) input.current.value = '';
      return;
    }
    busy.current = true;
    const controller = new AbortController();
    cancelling.current = controller;
    // Where the user started the upload, and what had the focus: a document opens by itself only if they are both
    // still so when it is done.
    const startedAt = location.pathname;
    const focusedAtStart = document.activeElement;
    try {
      for (const [index, file] of files.entries()) {
        setUploading({ name: file.name, index, count: files.length, progress: 0 });
        try {
          const { documentId } = await uploadDocument(
            auth,
            file,
            (progress) => setUploading({ name: file.name, index, count: files.length, progress }),
            controller.signal,
          );
          onUploaded();
          const open = () => navigate(`/documents/${encodeURIComponent(documentId)}`);
          const away = mayTakeUserAway({
            single: files.length === 1,
            mounted: mounted.current,
            startedAt,
            now: location.pathname,
            focusedAtStart,
            focused: document.activeElement,
          });
          if (away) open();
          else
            notify({
              kind: 'success',
              title: 'Uploaded',
              message: `${file.name} uploaded`,
              action: { label: 'Open', run: open },
            });
        } catch (e) {
          if (e instanceof UploadCancelled) {
            cancelled(file.name, files.length - index - 1, e.leftBehind !== null);
            break;
          }
          notify({ kind: 'error', title: 'Upload failed', message: `${file.name}: ${(e as Error).message}` });
        }
      }
    } finally {
      if (cancelling.current === controller) cancelling.current = null;
      busy.current = false;
      if (mounted.current) setUploading(null);
      if (input.current) input.current.value = '';
    }
  };
  // Said once the upload has stopped; the list is fetched again, so that it shows what the server has.
  const cancelled = (name: string, rest: number, leftBehind: boolean) => {
    onUploaded();
    const others =
      rest === 0 ? '' : rest === 1 ? ', nor the file after it' : `, nor the ${rest} files after it`;
    notify(
      leftBehind
        ? {
            kind: 'error',
            title: 'Upload cancelled too late',
            message: `${name} had reached the server and could not be deleted: delete it from the list${others === '' ? '' : ` (the files after it were not uploaded)`}.`,
          }
        : { kind: 'info', title: 'Upload cancelled', message: `${name} was not uploaded${others}.` },
    );
  };
  const cancel = () => {
    refocus.current = true;
    cancelling.current?.abort();
  };
  // The Cancel button goes with the upload: the focus goes to "Choose a PDF…" (enabled again) rather than to the page.
  useEffect(() => {
    if (uploading !== null || !refocus.current) return;
    refocus.current = false;
    input.current?.focus();
  }, [uploading]);
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    if (busy.current) {
      notify({
        kind: 'info',
        title: 'Upload under way',
        message: 'Wait for the current upload to finish, then drop more PDFs.',
      });
      return;
    }
    void upload([...e.dataTransfer.files]);
  };
  const percent = uploading ? Math.round(uploading.progress * 100) : 0;

  return (
    <section
      className={`dropzone${over ? ' over' : ''}${uploading ? ' uploading' : ''}`}
      aria-label="Upload a PDF"
      aria-busy={uploading !== null}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <p>Drop PDFs here, or</p>
      <label htmlFor={id} className="button" aria-disabled={uploading !== null || undefined}>
        {uploading ? 'Uploading…' : 'Choose a PDF…'}
      </label>
      <input
        id={id}
        ref={input}
        className="visually-hidden"
        type="file"
        multiple
        accept="application/pdf,.pdf"
        disabled={uploading !== null}
        onChange={(e) => void upload([...(e.target.files ?? [])])}
      />
      {uploading && (
        <p className="upload-status" role="status" data-testid="upload-status">
          Uploading {uploading.name}
          {uploading.count > 1 ? ` (${uploading.index + 1} of ${uploading.count})` : ''}…{' '}
          <progress max={100} value={percent} aria-label="Upload progress">
            {percent}%
          </progress>
        </p>
      )}
      {uploading && (
        <button type="button" className="upload-cancel" onClick={cancel}>
          Cancel<span className="visually-hidden"> the upload</span>
        </button>
      )}
    </section>
  );
}
