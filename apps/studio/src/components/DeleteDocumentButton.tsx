import { useEffect, useRef, useState } from 'react';
import { useStudio } from '../hooks/studio-context.js';
import { ApiError, deleteDocument } from '../lib/api.js';

/**
 * Delete, then a confirmation in place ("Delete “report.pdf” for everyone?" Delete / Keep): deleting a document
 * takes its zones, history and files from everyone, so one click is not enough. Escape or Keep backs out, the focus
 * back on Delete (so too when the deletion failed); once deleted, the list puts it on a row nearby.
 */
export function DeleteDocumentButton({
  documentId,
  name,
  onDeleted,
}: {
  documentId: string;
  name: string;
  onDeleted: (documentId: string) => void;
}) {
  const { auth } = useStudio();
  const [state, setState] = useState<'idle' | 'confirming' | 'deleting'>('idle');
  const [problem, setProblem] = useState<string | null>(null);
  const keep = useRef<HTMLButtonElement>(null);
  const start = useRef<HTMLButtonElement>(null);
  // Back to Delete from the question: the focus goes with it (Keep and the question are gone).
  const backToStart = useRef(false);

  // The safe choice has the focus while the question is asked.
  useEffect(() => {
    if (state === 'confirming') keep.current?.focus();
    if (state === 'idle' && backToStart.current) {
      backToStart.current = false;
      start.current?.focus();
    }
  }, [state]);
  const backOut = () => {
    backToStart.current = true;
    setState('idle');
  };

  const confirm = () => {
    setState('deleting');
    setProblem(null);
    deleteDocument(auth, documentId).then(
      () => onDeleted(documentId),
      (e: Error) => {
        backOut();
        // The server's reason, or (offline) the browser's "Failed to fetch", which says nothing to a user.
        setProblem(
          `Not deleted: ${e instanceof ApiError ? e.message : 'no connection to the server; try again once online'}.`,
        );
      },
    );
  };

  if (state === 'idle') {
    return (
      <span className="delete-document">
        <button
          type="button"
          className="danger small"
          aria-label={`Delete ${name}`}
          ref={start}
          onClick={() => setState('confirming')}
        >
          Delete
        </button>
        {problem && (
          <span className="delete-problem" role="alert">
            {problem}
          </span>
        )}
      </span>
    );
  }
  return (
    // biome-ignore lint/a11y/useSemanticElements: an inline confirmation, not a modal dialog
    <span
      className="delete-document confirming"
      role="group"
      aria-label={`Delete ${name}?`}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && state === 'confirming') backOut();
      }}
    >
      <span className="delete-question">
        Delete “{name}” for everyone? Its zones, history and files are removed.
      </span>
      <button type="button" className="danger-solid small" onClick={confirm} disabled={state === 'deleting'}>
        {state === 'deleting' ? 'Deleting…' : 'Delete'}
      </button>
      <button type="button" className="small" ref={keep} onClick={backOut} disabled={state === 'deleting'}>
        Keep
      </button>
    </span>
  );
}
