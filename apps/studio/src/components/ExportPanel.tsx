import type { ExportFormat } from '@syncline/protocol';
import { useId, useState } from 'react';
import { useExport } from '../hooks/use-export.js';

const FORMATS: { value: ExportFormat; label: string; ext: string }[] = [
  { value: 'rag', label: 'RAG chunks', ext: 'jsonl' },
  { value: 'markdown', label: 'Markdown', ext: 'md' },
  { value: 'json', label: 'JSON', ext: 'json' },
];

/** Export as RAG / Markdown / JSON with progress, then a download link. */
export function ExportPanel({ documentId, name }: { documentId: string; name: string }) {
  const exp = useExport(documentId);
  const [format, setFormat] = useState<ExportFormat>('rag');
  const id = useId();
  const ext = FORMATS.find((f) => f.value === exp.format)?.ext ?? 'txt';
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
      <button type="button" onClick={() => void exp.start(format)} disabled={exp.busy}>
        {exp.busy ? 'Exporting…' : 'Export'}
      </button>
      {exp.busy && (
        <progress max={100} value={Math.round(exp.progress * 100)} aria-label="Export progress">
          {Math.round(exp.progress * 100)}%
        </progress>
      )}
      {exp.href && (
        <a className="download" href={exp.href} download={`${name.replace(/\.pdf$/i, '')}.${ext}`}>
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
