import type { ExportFormat } from '@syncline/protocol';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useStudio } from './studio-context.js';

export interface ExportView {
  format: ExportFormat | null;
  exportId: string | null;
  progress: number;
  /** Set once done: the download URL (with the token as `?token=`). */
  href: string | null;
  busy: boolean;
  error: string | null;
  start: (format: ExportFormat) => Promise<void>;
}

/** Exports the document (`export.start`), follows `export_progress` and `export_completed`. */
export function useExport(documentId: string): ExportView {
  const { client, auth } = useStudio();
  const [state, setState] = useState<Omit<ExportView, 'start'>>({
    format: null,
    exportId: null,
    progress: 0,
    href: null,
    busy: false,
    error: null,
  });
  const current = useRef<string | null>(null);
  /** Completions that arrived before `export.start` answered. */
  const early = useRef(new Map<string, string>());

  const complete = useCallback(
    async (downloadUrl: string) => {
      const token = await auth.token();
      const sep = downloadUrl.includes('?') ? '&' : '?';
      setState((s) => ({ ...s, busy: false, progress: 1, href: `${downloadUrl}${sep}token=${token}` }));
    },
    [auth],
  );

  useEffect(() => {
    const offs = [
      client.subscribe('export_progress', (d) => {
        if (d.exportId === current.current) setState((s) => ({ ...s, progress: d.progress }));
      }),
      client.subscribe('export_completed', (d) => {
        if (d.exportId === current.current) void complete(d.downloadUrl);
        else early.current.set(d.exportId, d.downloadUrl);
      }),
    ];
    return () => {
      for (const off of offs) off();
    };
  }, [client, complete]);

  const start = useCallback(
    async (format: ExportFormat) => {
      current.current = null;
      setState({ format, exportId: null, progress: 0, href: null, busy: true, error: null });
      try {
        const { exportId } = await client.request<{ exportId: string; jobId: string }>('export.start', {
          documentId,
          format,
        });
        current.current = exportId;
        setState((s) => ({ ...s, exportId }));
        const done = early.current.get(exportId);
        if (done) void complete(done);
      } catch (e) {
        setState((s) => ({ ...s, busy: false, error: (e as Error).message }));
      }
    },
    [client, documentId, complete],
  );

  return { ...state, start };
}
