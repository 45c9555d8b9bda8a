import {
  ConnectionStatus,
  UserPresence,
  useCollaboration,
  useDocumentUsers,
  useNotifications,
  useNotify,
  useRealTimeDocument,
  useWebSocketProgress,
} from '@syncline/react';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useStudio } from '../hooks/studio-context.js';
import { ApiError, fetchDocumentFile } from '../lib/api.js';
import { forgetBlank, rememberBlank } from '../lib/blank-documents.js';
import { type DocFailure, repeatsFailure } from '../lib/failure-toast.js';
import { hasPdf } from '../lib/has-pdf.js';
import { cachedDocument } from '../lib/kept-documents.js';
import { type LoadedPdf, loadPdf } from '../lib/pdf.js';
import { forgetPdf } from '../lib/pdf-cache.js';
import { BLANK_PAGE } from '../lib/zones.js';
import { fitZoom, stepZoom } from '../lib/zoom.js';
import { Banners } from './Banners.js';
import { DualPaneViewer } from './DualPaneViewer.js';
import { ExportPanel } from './ExportPanel.js';
import { HistoryPanel } from './HistoryPanel.js';
import { ProcessingPanel } from './ProcessingPanel.js';

/**
 * The banner tells why the document failed: the "Document error" toast of that same error would only repeat it
 * (toasts of other errors stay). A layout effect, so the toast goes before it is ever painted.
 */
function ToastShownAsBanner({ documentId, failure }: { documentId: string; failure: DocFailure }) {
  const { notifications, dismiss } = useNotifications();
  useLayoutEffect(() => {
    for (const n of notifications) if (repeatsFailure(n, documentId, failure)) dismiss(n.id);
  }, [notifications, dismiss, documentId, failure]);
  return null;
}

/** One document: its PDF and zones side by side, who is here, processing, undo/redo, export. */
export function DocumentView({ documentId }: { documentId: string }) {
  const { auth, navigate } = useStudio();
  const notify = useNotify();
  const rt = useRealTimeDocument(documentId);
  const collaboration = useCollaboration(documentId);
  const progress = useWebSocketProgress(documentId);
  const doc = rt.client;
  const [pdf, setPdf] = useState<LoadedPdf | null>(null);
  const [pdfNote, setPdfNote] = useState<string | null>(null);
  // No PDF: a blank document (the server's list has it when it was made there; see below for one opened by name).
  const [isBlank, setIsBlank] = useState(false);
  const [zoom, setZoom] = useState<number | null>(null);
  const [showHistory, setShowHistory] = useState(false);
  const summary = cachedDocument(auth.identity.userId, documentId);
  const metaName = rt.document.meta.name;
  const name = summary?.name ?? (typeof metaName === 'string' ? metaName : documentId);
  const selfId = auth.identity.userId;
  // Why the document failed (deleted, refused), from the error it failed with.
  const [failedWith, setFailedWith] = useState<DocFailure | null>(null);
  useEffect(() => {
    if (rt.status !== 'failed' || !doc) return;
    let live = true;
    doc.whenSynced().catch((e: { code?: string; message?: string }) => {
      if (live) setFailedWith({ code: e.code ?? 'internal', message: e.message ?? '' });
    });
    return () => {
      live = false;
    };
  }, [rt.status, doc]);
  // Until `whenSynced` answers, the error the document just reported (it reports the error it fails with last):
  // the banner says the right thing from the first frame.
  const lastError = rt.lastError?.kind === 'error' ? rt.lastError : null;
  const failure =
    rt.status !== 'failed'
      ? null
      : (failedWith ?? (lastError ? { code: lastError.code, message: lastError.message } : null));
  // The client says who: "the document was deleted by Olga".
  const deleted = failure?.code === 'not_found';
  const deletedBy = deleted ? / by (.+)$/.exec(failure.message)?.[1] : undefined;

  // A blank document I created that the server does not list (opened by URL, or on a server without a catalogue)
  // goes on (or up) this browser's list once it is open, with when it last changed as I saw it, until the documents
  // list registers it with the server (blank-migration.ts); off it once it turns out deleted.
  const latestChange = useRef(0);
  latestChange.current = rt.zones.reduce((t, z) => Math.max(t, z.updatedAt), 0);
  const isOpen = rt.status === 'open';
  const listed = summary !== undefined;
  const failed = rt.status === 'failed';
  const disconnected = ['offline', 'reconnecting', 'failed'].includes(rt.connectionStatus);
  useEffect(() => {
    if (!isBlank || !isOpen || !doc || doc.ownerId !== selfId || listed) return;
    const remember = () =>
      rememberBlank(selfId, { documentId, updatedAt: latestChange.current || Date.now() });
    remember();
    return () => {
      if (doc.status !== 'failed') remember();
    };
  }, [isBlank, isOpen, doc, selfId, documentId, listed]);
  useEffect(() => {
    if (deleted) forgetBlank(selfId, documentId);
  }, [deleted, selfId, documentId]);

  // Whether there is a PDF to ask for (has-pdf.ts): a blank document has none, and its file is never asked for. Once
  // told, it stays: the PDF is asked for once.
  const pdfExpected = hasPdf({
    summary,
    known: rt.isReady || rt.isRestored,
    meta: rt.document.meta,
    unreachable: failed || disconnected,
  });
  const [withPdf, setWithPdf] = useState(pdfExpected);
  if (withPdf === undefined && pdfExpected !== undefined) setWithPdf(pdfExpected);
  useEffect(() => {
    if (!doc || withPdf === undefined) return;
    if (!withPdf) {
      setPdfNote('No PDF for this document: zones are shown on blank pages.');
      setIsBlank(true);
      return;
    }
    let live = true;
    // Access to a shared document's file comes with being in its room: after a refusal, try again once
    // the document is open.
    // Offline, the PDF comes from the copy this browser kept when it was last opened (pdf-cache.ts).
    const options = {
      onCachedCopy: () =>
        live && setPdfNote('No connection to the server: showing the PDF as this browser kept it.'),
    };
    const fetchFile = () =>
      // The first refusal keeps the kept copy (asked again below); a second one drops it.
      fetchDocumentFile(auth, documentId, { ...options, keepOnRefusal: true }).catch(async (e: unknown) => {
        if (!(e instanceof ApiError) || e.status !== 403) throw e;
        await doc.ready;
        return fetchDocumentFile(auth, documentId, options);
      });
    // Deleted (while open, or found so on opening after an offline spell): its kept PDF goes with it.
    const userId = auth.identity.userId;
    const forgetIfDeleted = (e: { code?: string }) => {
      if (e.code === 'not_found' && doc.status === 'failed') void forgetPdf(userId, documentId);
    };
    if (doc.status === 'failed') doc.whenSynced().catch(forgetIfDeleted);
    const offError = doc.on('error', forgetIfDeleted);
    fetchFile().then(
      async (bytes) => {
        if (!bytes) {
          if (live) {
            setPdfNote('No PDF for this document: zones are shown on blank pages.');
            setIsBlank(true);
          }
          return;
        }
        const loaded = await loadPdf(bytes);
        if (live) setPdf(loaded);
      },
      (e: Error) => live && setPdfNote(`The PDF could not be loaded (${e.message}): showing blank pages.`),
    );
    return () => {
      live = false;
      offError();
    };
  }, [auth, documentId, doc, withPdf]);

  // Fit the page width to the pages pane until the user picks a zoom: measured on the pane itself, once it is there
  // (the viewer shows it once the document client is), and again whenever its width changes (the window, a phone
  // turned).
  const pageWidth = pdf?.sizes[0]?.width ?? BLANK_PAGE.width;
  const [pagesPane, setPagesPane] = useState<HTMLElement | null>(null);
  const [fit, setFit] = useState(1);
  useEffect(() => {
    if (!pagesPane) return;
    const measure = () => setFit(fitZoom(pagesPane.clientWidth, pageWidth));
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(pagesPane);
    return () => ro.disconnect();
  }, [pagesPane, pageWidth]);
  const effectiveZoom = zoom ?? fit;

  // Ctrl/Cmd+Z undoes my last edit, Shift+Ctrl/Cmd+Z (or Ctrl+Y) redoes it: the document's, not the field's.
  const { undo, redo } = rt;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
      const key = e.key.toLowerCase();
      if (key === 'z' || key === 'y') {
        e.preventDefault();
        try {
          if (key === 'y' || e.shiftKey) redo();
          else undo();
        } catch (error) {
          notify({ kind: 'error', title: 'Could not undo', message: (error as Error).message });
        }
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [undo, redo, notify]);

  // Names change rarely (cursors often): the map keeps its identity until someone joins or leaves.
  const namesKey = [
    ...collaboration.users.map((u) => `${u.userId}\t${u.name}`),
    ...Object.values(rt.locks).map((l) => `${l.userId}\t${l.userName ?? l.userId}`),
  ].join('\n');
  const names = useMemo(
    () => new Map(namesKey ? namesKey.split('\n').map((line) => line.split('\t') as [string, string]) : []),
    [namesKey],
  );
  // The history names people who may have left: every name seen here stays known while the page is open.
  const seenNames = useRef(new Map<string, string>());
  const knownNames = useMemo(() => {
    for (const [id, n] of names) seenNames.current.set(id, n);
    return new Map(seenNames.current);
  }, [names]);
  // Who last changed each zone, named also when they have left (the names the document remembers).
  const authorIds = rt.zones.flatMap((z) =>
    z.updatedBy && !knownNames.has(z.updatedBy) ? [z.updatedBy] : [],
  );
  const remembered = useDocumentUsers(documentId, authorIds);
  const authorNames = useMemo(() => {
    const all = new Map(knownNames);
    for (const [id, u] of remembered) if (u.name !== undefined && !all.has(id)) all.set(id, u.name);
    return all;
  }, [knownNames, remembered]);
  const zoneNumbers = useMemo(() => new Map(rt.zones.map((z, i) => [z.id, i + 1])), [rt.zones]);
  // Me first, then the others as the server lists them.
  const users = useMemo(
    () => [...collaboration.users].sort((a, b) => Number(b.isSelf) - Number(a.isSelf)),
    [collaboration.users],
  );

  const zoomTo = (step: number) => setZoom(stepZoom(effectiveZoom, step));

  return (
    <main className="document-view">
      <header className="topbar">
        <button type="button" className="link" onClick={() => navigate('/')}>
          ← Documents
        </button>
        <h1 className="doc-title" title={name}>
          {name}
        </h1>
        <UserPresence users={users} />
        <div className="toolbar" role="toolbar" aria-label="Edit">
          <button type="button" onClick={undo} disabled={!rt.canUndo} aria-keyshortcuts="Control+Z Meta+Z">
            Undo
          </button>
          <button
            type="button"
            onClick={redo}
            disabled={!rt.canRedo}
            aria-keyshortcuts="Control+Shift+Z Meta+Shift+Z"
          >
            Redo
          </button>
        </div>
        <div className="toolbar" role="toolbar" aria-label="Zoom">
          <button type="button" onClick={() => zoomTo(-1)} aria-label="Zoom out">
            −
          </button>
          <output className="zoom-value" aria-label="Zoom level">
            {Math.round(effectiveZoom * 100)}%
          </output>
          <button type="button" onClick={() => zoomTo(1)} aria-label="Zoom in">
            +
          </button>
          <button type="button" onClick={() => setZoom(null)}>
            Fit
          </button>
        </div>
        {/* A failed document's history and exports cannot be had (a deleted one's are gone). */}
        <button
          type="button"
          aria-pressed={showHistory && !failed}
          onClick={() => setShowHistory((v) => !v)}
          disabled={failed}
        >
          History
        </button>
        <ExportPanel documentId={documentId} name={name} disabled={failed} />
        <ConnectionStatus className="connection" />
      </header>
      <Banners pending={rt.pendingCount} />
      {/* A deleted document's job ended with it: its "cancelled" would only confuse. */}
      {!deleted && <ProcessingPanel progress={progress} />}
      {rt.status === 'failed' && (
        <div className="banner banner-error" role="alert" data-failure={failure?.code}>
          {deleted ? (
            <>
              <strong>This document was deleted{deletedBy ? ` by ${deletedBy}` : ''}.</strong> Its zones,
              history and files are gone; nothing more can be changed here.{' '}
            </>
          ) : (
            <>This document could not be opened{failure?.message ? `: ${failure.message}` : ''}. </>
          )}
          <button type="button" className="link" onClick={() => navigate('/')}>
            Back to documents
          </button>
          {failure && <ToastShownAsBanner documentId={documentId} failure={failure} />}
        </div>
      )}
      {/* Shown from this browser's copy (offline after a reload): as the PDF note and the offline banner say. */}
      {rt.isRestored && disconnected && (
        <p className="note" data-testid="restored-note">
          No connection to the server: showing the document as this browser kept it. It catches up when the
          connection is back.
        </p>
      )}
      {pdfNote && <p className="note">{pdfNote}</p>}
      <div
        className="viewer"
        data-doc-status={rt.status}
        data-restored={rt.isRestored || undefined}
        data-version={rt.version}
      >
        {doc && (
          <DualPaneViewer
            doc={doc}
            state={rt.snapshot}
            zones={rt.zones}
            updateCursor={collaboration.updateCursor}
            cursors={collaboration.cursors}
            names={names}
            authorNames={authorNames}
            selfId={selfId}
            pdf={pdf?.pdf ?? null}
            sizes={pdf?.sizes ?? (summary?.pages ? Array(summary.pages).fill(BLANK_PAGE) : [])}
            zoom={effectiveZoom}
            pagesPaneRef={setPagesPane}
          />
        )}
        {showHistory && !failed && (
          <HistoryPanel
            documentId={documentId}
            zones={rt.document.zones}
            numbers={zoneNumbers}
            names={knownNames}
            selfId={selfId}
            onClose={() => setShowHistory(false)}
          />
        )}
      </div>
    </main>
  );
}
