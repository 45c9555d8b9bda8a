import type { ExportFormat } from '@syncline/protocol';
import { useExport, useNotify } from '@syncline/react';
import { useId, useState } from 'react';
import { useStudio } from '../hooks/studio-context.js';
import { ApiError, downloadLink, saveFrom } from '../lib/api.js';

const FORMATS: { value: ExportFormat; label: string; ext: string }[] = [
  { value: 'rag', label: 'RAG chunks', ext: 'jsonl' },
  { value: 'markdown', label: 'Markdown', ext: 'md' },
  { value: 'json', label: 'JSON', ext: 'json' },
];

/**
 * Export as RAG / Markdown / JSON with progress, then a Download button. `disabled` when the document is gone (deleted,
 * refused): an export would fail, and a finished one's file went with it. The Download says what its file may lack:
 * the pages not processed yet when it was made (an export during processing), and the edits made since (the
 * document's `version` moved on): the file stays there to download, and Export makes a fresh one. Both need the
 * server: `offline`, they are disabled, and a note beside them says so (a download that finds no server says so too,
 * not the browser's "Failed to fetch").
 */
export function ExportPanel({
  documentId,
  name,
  disabled = false,
  offline = false,
  version,
  processing,
}: {
  documentId: string;
  name: string;
  disabled?: boolean;
  /** No connection to the server (offline, reconnecting): an export cannot start, nor a download be fetched. */
  offline?: boolean;
  /** The document's version now. */
  version: number;
  /** While the PDF is being processed: the pages done so far, of how many (when known). */
  processing: { page: number | null; pages: number | null } | null;
}) {
  const { auth } = useStudio();
  const notify = useNotify();
  const exp = useExport(documentId);
  const [format, setFormat] = useState<ExportFormat>('rag');
  const [fetching, setFetching] = useState(false);
  // What the document was when the export on show was started.
  const [made, setMade] = useState<{ version: number; processing: typeof processing } | null>(null);
  const id = useId();
  const offlineNoteId = useId();
  // Offline, the buttons say why they are disabled (the note, by aria-describedby); a gone document's say nothing more.
  const needsConnection = offline && !disabled;
  const busy = exp.status === 'starting' || exp.status === 'running';
  const shown = FORMATS.find((f) => f.value === exp.format);
  const ext = shown?.ext ?? 'txt';
  const exportId = exp.downloadUrl ? exp.exportId : null;

  // A link cannot send the Authorization header, and the token must not go in a URL: each click asks for a signed
  // URL of this one export (valid for a minute), then downloads from it.
  const download = async () => {
    if (!exportId || fetching) return;
    setFetching(true);
    try {
      const { url } = await downloadLink(auth, { exportId });
      saveFrom(url, `${name.replace(/\.pdf$/i, '')}.${ext}`);
    } catch (e) {
      // No answer at all (fetch's TypeError): the connection, not the file.
      const message =
        e instanceof ApiError
          ? e.message
          : 'No connection to the server: downloading needs one. Try again once the connection is back.';
      notify({ kind: 'error', title: 'Could not download', message });
    } finally {
      setFetching(false);
    }
  };

  return (
    <div className="export" data-testid="export">
      <label htmlFor={id} className="visually-hidden">
        Export format
      </label>
      <select
        id={id}
        value={format}
        onChange={(e) => setFormat(e.target.value as ExportFormat)}
        disabled={disabled}
      >
        {FORMATS.map((f) => (
          <option key={f.value} value={f.value}>
            {f.label}
          </option>
        ))}
      </select>
      {/* While it works, Export (and Download while it asks for its link) is unavailable but keeps the focus: disabled,
          it dropped the focus of the keyboard that pressed it to the page's body. */}
      <button
        type="button"
        onClick={() => {
          if (busy) return;
          setMade({ version, processing });
          void exp.start(format).catch(() => {});
        }}
        disabled={disabled || offline}
        aria-disabled={busy || undefined}
        aria-describedby={needsConnection ? offlineNoteId : undefined}
      >
        {busy ? 'Exporting…' : 'Export'}
      </button>
      {busy && (
        <progress max={100} value={Math.round(exp.progress * 100)} aria-label="Export progress">
          {Math.round(exp.progress * 100)}%
        </progress>
      )}
      {exportId && (
        <button
          type="button"
          className="download"
          onClick={() => void download()}
          disabled={disabled || offline}
          aria-disabled={fetching || undefined}
          aria-describedby={needsConnection ? offlineNoteId : undefined}
        >
          Download {shown?.label ?? exp.format}
        </button>
      )}
      {needsConnection && (
        <span className="export-note" id={offlineNoteId} data-testid="export-offline">
          {exportId ? 'Export and download need' : 'Export needs'} a connection to the server.
        </span>
      )}
      {exportId && made?.processing && (
        <span className="export-note" data-testid="export-partial">
          Made during processing: it covers only the pages done by then
          {made.processing.page != null && made.processing.pages
            ? ` (${made.processing.page} of ${made.processing.pages})`
            : ''}
          .
        </span>
      )}
      {exportId && made && version > made.version && (
        <span className="export-note" data-testid="export-stale">
          Older than the latest edits: export again to include them.
        </span>
      )}
      {exp.error && (
        <span className="error" role="alert">
          Export failed: {exp.error}
        </span>
      )}
    </div>
  );
}
