import type { ExportFormat } from '@syncline/protocol';
import { useExport } from '@syncline/react';
import { useEffect, useId, useState } from 'react';
import { useStudio } from '../hooks/studio-context.js';

const FORMATS: { value: ExportFormat; label: string; ext: string }[] = [
  { value: 'rag', label: 'RAG chunks', ext: 'jsonl' },
  { value: 'markdown', label: 'Markdown', ext: 'md' },
  { value: 'json', label: 'JSON', ext: 'json' },
];

/** Export as RAG / Markdown / JSON with progress, then a download link. */
export function ExportPanel({ documentId, name }: { documentId: string; name: string }) {
  const { auth } = useStudio();
  const exp = useExport(documentId);
  const [format, setFormat] = useState<ExportFormat>('rag');
  const [href, setHref] = useState<string | null>(null);
  const id = useId();
  const busy = exp.status === 'starting' || exp.status === 'running';
  const ext = FORMATS.find((f) => f.value === exp.format)?.ext ?? 'txt';

  // A link cannot send headers: the download URL carries the token as `?token=`.
  useEffect(() => {
    setHref(null);
    const url = exp.downloadUrl;
    if (!url) return;
    let live = true;
    auth.token().then(
      (token) => live && setHref(`${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`),
      () => live && setHref(url),
    );
    return () => {
      live = false;
    };
  }, [auth, exp.downloadUrl]);

  return (
    <div className="export" data-testid="export">
      <label htmlFor={id} className="visually-hidden">
        Export format
      </label>
      <select id={id} value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)}>
        {FORMATS.map((f) => (
          <option key={f.value} value={f.value}>
            {f.label}
          </option>
        ))}
      </select>
      <button type="button" onClick={() => void exp.start(format).catch(() => {})} disabled={busy}>
        {busy ? 'Exporting…' : 'Export'}
      </button>
      {busy && (
        <progress max={100} value={Math.round(exp.progress * 100)} aria-label="Export progress">
          {Math.round(exp.progress * 100)}%
        </progress>
      )}
      {href && (
        <a className="download" href={href} download={`${name.replace(/\.pdf$/i, '')}.${ext}`}>
          Download {exp.format?.toUpperCase()}
        </a>
      )}
      {exp.error && (
        <span className="error" role="alert">
          Export failed: {exp.error}
        </span>
      )}
    </div>
  );
}
