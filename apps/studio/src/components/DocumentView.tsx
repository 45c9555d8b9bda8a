import type { Zone } from '@syncline/doc';
import { isValidRoom } from '@syncline/protocol';
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
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useStudio } from '../hooks/studio-context.js';
import { ApiError, fetchDocumentFile, listDocuments } from '../lib/api.js';
import {
  cachedNames,
  isName,
  knownName,
  nameAuthors,
  namePeople,
  rememberNames,
} from '../lib/author-names.js';
import { blankDocuments, forgetBlank, rememberBlank } from '../lib/blank-documents.js';
import { persistenceFor } from '../lib/doc-persistence.js';
import {
  type DocumentShown,
  documentShown,
  existenceOf,
  keptShowsDocument,
} from '../lib/document-existence.js';
import { emptyNote } from '../lib/empty-note.js';
import { type DocFailure, repeatsFailure } from '../lib/failure-toast.js';
import { hasPdf } from '../lib/has-pdf.js';
import { cachedDocument } from '../lib/kept-documents.js';
import { onBlankCreation } from '../lib/offline-blank.js';
import { type LoadedPdf, loadPdf } from '../lib/pdf.js';
import { forgetPdf } from '../lib/pdf-cache.js';
import { pdfProblem, pdfRetryDelay, processingFailure, unreadablePdfNote } from '../lib/pdf-problem.js';
import { BLANK_PAGE } from '../lib/zones.js';
import { fitZoom, stepZoom } from '../lib/zoom.js';
import { anchorAt, scrollToAnchor, type ZoomAnchor } from '../lib/zoom-anchor.js';
import { Banners } from './Banners.js';
import { DualPaneViewer } from './DualPaneViewer.js';
import { ExportPanel } from './ExportPanel.js';
import { HistoryPanel } from './HistoryPanel.js';
import { ProcessingAnnouncer, ProcessingPanel } from './ProcessingPanel.js';

const NO_PDF_NOTE = 'No PDF for this document: zones are shown on blank pages.';
const NO_NUMBERS: ReadonlyMap<string, number> = new Map();

/** The kinds of `<input>` one types text into: the browser's own undo works in them. */
const TEXT_INPUTS = new Set(['text', 'search', 'url', 'tel', 'email', 'password', 'number']);

/**
 * Whether `target` is a text field with the browser's own undo (a zone's label, say), where Ctrl+Z is the field's and
 * must not undo an edit of the document elsewhere. Not a zone's text (`.zone-text`): its undo is the document's. So is
 * a zone's Type showing a choice stepped to from the keyboard and not applied yet (`data-pending`): Ctrl+Z puts it back
 * (see `TypeField`), not the edit before.
 */
function hasOwnUndo(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement) || target.classList.contains('zone-text')) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement) return true;
  if (target instanceof HTMLSelectElement) return target.hasAttribute('data-pending');
  return target instanceof HTMLInputElement && TEXT_INPUTS.has(target.type);
}

/** Whether a zone has text other than blanks; kept per zone object (a keystroke changes one zone, not thousands). */
const textful = new WeakMap<Zone, boolean>();
function hasText(z: Zone): boolean {
  let has = textful.get(z);
  if (has === undefined) textful.set(z, (has = z.text.trim() !== ''));
  return has;
}

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
  // How processing's failure is said, by its cause: not at all when the PDF's note says it (see ProcessingPanel).
  const jobFailure = processingFailure(progress.errorCode, pdfNote);
  // No PDF: a blank document (the server's list has it when it was made there; see below for one opened by name).
  const [isBlank, setIsBlank] = useState(false);
  const [zoom, setZoom] = useState<number | null>(null);
  const [showHistory, setShowHistory] = useState(false);
  const summary = cachedDocument(auth.identity.userId, documentId);
  const selfId = auth.identity.userId;
  // A blank document of mine this browser remembers (blank-documents.ts): one made here offline is not on the server
  // yet, and is named by what was typed for it until the server's list names it.
  const blank = blankDocuments(selfId).find((d) => d.documentId === documentId);
  const metaName = rt.document.meta.name;
  const name = summary?.name ?? (typeof metaName === 'string' ? metaName : (blank?.name ?? documentId));
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
  const deleted = failure?.code === 'not_found';

  // A blank document I created that the server does not list (made offline, on a server without a catalogue, or
  // remembered by an older Studio) goes on (or up) this browser's list once it is open, with when it last changed as I
  // saw it, until the documents list registers it with the server (blank-migration.ts); off it once it turns out
  // deleted. Only one known to exist (document-existence.ts): an address typed or made up is "not found", never made
  // into a document of mine.
  // The zones as now, for when the document last changed (read when it is remembered, not at every keystroke).
  const zonesNow = useRef(rt.zones);
  zonesNow.current = rt.zones;
  const isOpen = rt.status === 'open';
  const listed = summary !== undefined;
  const failed = rt.status === 'failed';
  const disconnected = ['offline', 'reconnecting', 'failed'].includes(rt.connectionStatus);
  const onRecord = listed || blank !== undefined;
  const clue =
    isOpen && doc
      ? existenceOf({
          onRecord,
          ownerId: doc.ownerId ?? null,
          selfId,
          version: rt.version,
          zones: rt.zones.length,
          metaKeys: Object.keys(rt.document.meta).length,
        })
      : null;
  // `known` once told; `missing` when the server's list has no such document of mine (asked once).
  const [existence, setExistence] = useState<'known' | 'missing' | null>(null);
  if (existence === null && clue === 'known') setExistence('known');
  const asking = clue === 'ask' && existence === null;
  useEffect(() => {
    if (!asking) return;
    let live = true;
    listDocuments(auth).then(
      (docs) => live && setExistence(docs.some((d) => d.documentId === documentId) ? 'known' : 'missing'),
      // The list cannot be had (a server without a catalogue): shown as it is, as before.
      () => live && setExistence('known'),
    );
    return () => {
      live = false;
    };
  }, [asking, auth, documentId]);
  // This browser's copy of the document (its client's records, per user in IndexedDB): one it had open before, which
  // shows offline too. Looked at only while nothing else tells that the document exists.
  const [kept, setKept] = useState<boolean | null>(null);
  const lookHere = !onRecord && existence === null;
  useEffect(() => {
    if (!lookHere) return;
    const persistence = persistenceFor(selfId);
    if (!persistence) {
      setKept(false);
      return;
    }
    let live = true;
    persistence.loadAll(documentId).then(
      (records) => live && setKept(keptShowsDocument(records)),
      () => live && setKept(false),
    );
    return () => {
      live = false;
    };
  }, [lookHere, selfId, documentId]);
  // The document, or a page that says why there is none: not found, or (offline, an address this browser knows nothing
  // of) that it cannot be checked until the connection is back, when it is checked by itself (the client opens it).
  // Whether the document was open on this page (a failure after that keeps it shown, under the banner).
  const opened = useRef(false);
  if (isOpen) opened.current = true;
  const shown = documentShown({
    // An id no document can have (a mistyped address, `50%`): not found, without asking anyone.
    existence: isValidRoom(`doc:${documentId}`) ? existence : 'missing',
    onRecord,
    kept,
    failed,
    opened: opened.current,
    reachable: !disconnected,
  });
  useEffect(() => {
    if (!isBlank || !isOpen || !doc || doc.ownerId !== selfId || listed || existence !== 'known') return;
    const remember = () =>
      rememberBlank(selfId, {
        documentId,
        updatedAt: zonesNow.current.reduce((t, z) => Math.max(t, z.updatedAt), 0) || Date.now(),
      });
    remember();
    return () => {
      if (doc.status !== 'failed') remember();
    };
  }, [isBlank, isOpen, doc, selfId, documentId, listed, existence]);
  useEffect(() => {
    if (deleted) forgetBlank(selfId, documentId);
  }, [deleted, selfId, documentId]);
  // Made offline, and its id turned out to be a document already once the server could be asked: that document is
  // the one opened, and what was done here offline is added to it (its own content stays). Said, not left to surprise.
  useEffect(
    () =>
      onBlankCreation(selfId, documentId, (outcome, madeAs) => {
        if (outcome !== 'existed') return;
        notify({
          kind: 'info',
          title: 'Added to an existing document',
          message: `A document named “${madeAs}” existed already: what you did offline is added to it.`,
          documentId,
        });
      }),
    [selfId, documentId, notify],
  );

  // Whether there is a PDF to ask for (has-pdf.ts): a blank document has none, and its file is never asked for. Once
  // told, it stays: the PDF is asked for once.
  const pdfExpected = hasPdf({
    summary,
    blank: blank !== undefined,
    known: rt.isReady || rt.isRestored,
    meta: rt.document.meta,
    unreachable: failed || disconnected,
  });
  const [withPdf, setWithPdf] = useState(pdfExpected);
  if (withPdf === undefined && pdfExpected !== undefined) setWithPdf(pdfExpected);
  // The PDF is asked for again (`pdfAttempt`) while it could not be had from the server (unreachable, or only this
  // browser's copy shown: `pdfTries` such answers in a row), once the connection is back, with a growing wait.
  const [pdfAttempt, setPdfAttempt] = useState(0);
  const [pdfTries, setPdfTries] = useState(0);
  const connected = rt.connectionStatus === 'open';
  useEffect(() => {
    if (!connected || pdfTries === 0 || failed) return;
    const timer = setTimeout(() => setPdfAttempt((n) => n + 1), pdfRetryDelay(pdfTries));
    return () => clearTimeout(timer);
  }, [connected, pdfTries, failed]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `pdfAttempt` asks again once the connection is back
  useEffect(() => {
    if (!doc || withPdf === undefined) return;
    if (!withPdf) {
      setPdfNote(NO_PDF_NOTE);
      setIsBlank(true);
      return;
    }
    let live = true;
    let fromCache = false;
    // Access to a shared document's file comes with being in its room: after a refusal, try again once
    // the document is open.
    // Offline, the PDF comes from the copy this browser kept when it was last opened (pdf-cache.ts).
    const options = {
      onCachedCopy: () => {
        fromCache = true;
        if (live) setPdfNote('No connection to the server: showing the PDF as this browser kept it.');
      },
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
            setPdfNote(NO_PDF_NOTE);
            setIsBlank(true);
            setPdfTries(0);
          }
          return;
        }
        let loaded: LoadedPdf;
        try {
          loaded = await loadPdf(bytes);
        } catch (e) {
          // pdf.js cannot read it (damaged, or protected by a password): blank pages, not an uncaught error.
          if (live) {
            setPdfNote(unreadablePdfNote(e));
            setPdfTries(0);
          }
          return;
        }
        if (!live) return;
        setPdf(loaded);
        // This browser's copy: the server's is asked for once the connection is back.
        setPdfTries((n) => (fromCache ? n + 1 : 0));
        if (!fromCache) setPdfNote(null);
      },
      (e: unknown) => {
        if (!live) return;
        const problem = pdfProblem(e);
        setPdfNote(problem.note);
        setPdfTries((n) => (problem.unreachable ? n + 1 : 0));
      },
    );
    return () => {
      live = false;
      offError();
    };
  }, [auth, documentId, doc, withPdf, pdfAttempt]);

  // Fit the width of the widest page to the pages pane until the user picks a zoom (pages of a PDF may differ: a
  // landscape one among portrait ones; fitting a narrower one left the others, the first too, partly out of the pane):
  // measured on the pane itself, once it is there (the viewer shows it once the document client is), and again whenever
  // its width changes (the window, a phone turned). A fit the pane's new width changes keeps the place in the pages as
  // the zoom buttons do (`zoomAnchor`): the point that was at the centre of the pane as it was is at its centre again.
  const pageWidth = pdf?.sizes.reduce((w, s) => Math.max(w, s.width), 0) || BLANK_PAGE.width;
  const [pagesPane, setPagesPane] = useState<HTMLElement | null>(null);
  const [fit, setFit] = useState(1);
  // Zoomed in, out or to fit, the point of the pages at the centre of the pane stays there (see `scrollToAnchor`).
  const zoomAnchor = useRef<ZoomAnchor | null>(null);
  const chosenZoom = useRef(zoom);
  chosenZoom.current = zoom;
  useEffect(() => {
    if (!pagesPane) return;
    // The pane's size and fit when last measured: by the time the observer tells, the pane has its new size, the pages
    // still their old zoom, and the place is where the centre of the pane as it was falls on them.
    let was: { width: number; height: number; fit: number } | null = null;
    const measure = () => {
      const next = fitZoom(pagesPane.clientWidth, pageWidth);
      if (was && chosenZoom.current === null && next !== was.fit)
        zoomAnchor.current = anchorAt(pagesPane, was);
      was = { width: pagesPane.clientWidth, height: pagesPane.clientHeight, fit: next };
      setFit(next);
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(pagesPane);
    return () => ro.disconnect();
  }, [pagesPane, pageWidth]);
  const effectiveZoom = zoom ?? fit;

  // Ctrl/Cmd+Z undoes my last edit, Shift+Ctrl/Cmd+Z (or Ctrl+Y) redoes it: the document's, also in a zone's text (it
  // has no undo of its own, see ZoneText). In another text field (a zone's label) they are the field's own. A failure
  // says which of the two failed, from the keys as from the buttons.
  const { undo, redo } = rt;
  const step = useCallback(
    (action: 'undo' | 'redo') => {
      try {
        if (action === 'redo') redo();
        else undo();
      } catch (error) {
        notify({ kind: 'error', title: `Could not ${action}`, message: (error as Error).message });
      }
    },
    [undo, redo, notify],
  );
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || hasOwnUndo(e.target)) return;
      // The letter the layout gives (AZERTY's Z is where QWERTY's W is); a layout without Latin letters (Russian,
      // Greek, Hebrew: Ctrl+Я) says it by the key's place, as browsers' own Ctrl+Z does.
      const key = /^[a-z]$/i.test(e.key)
        ? e.key.toLowerCase()
        : e.code === 'KeyZ'
          ? 'z'
          : e.code === 'KeyY'
            ? 'y'
            : '';
      if (key === 'z' || key === 'y') {
        e.preventDefault();
        step(key === 'y' || e.shiftKey ? 'redo' : 'undo');
      }
    };
    // The textarea's own undo, asked for another way (the context menu, the Edit menu, a key the handler above
    // missed), would take back some of my typing locally and send that as a new edit: it is the document's undo
    // instead. A native listener: React's onBeforeInput is made from other events and never sees these.
    const onBeforeInput = (e: InputEvent) => {
      if (e.inputType !== 'historyUndo' && e.inputType !== 'historyRedo') return;
      if (!(e.target instanceof HTMLElement) || !e.target.classList.contains('zone-text')) return;
      e.preventDefault();
      step(e.inputType === 'historyRedo' ? 'redo' : 'undo');
    };
    window.addEventListener('keydown', onKey, true);
    window.addEventListener('beforeinput', onBeforeInput, true);
    return () => {
      window.removeEventListener('keydown', onKey, true);
      window.removeEventListener('beforeinput', onBeforeInput, true);
    };
  }, [step]);

  // Names change rarely (cursors often): the map keeps its identity until someone joins or leaves. A lock's holder
  // without a name has none here (see `shownNames`).
  const namesKey = [
    ...collaboration.users.map((u) => `${u.userId}\t${u.name}`),
    ...Object.values(rt.locks).flatMap((l) =>
      isName(l.userId, l.userName) ? [`${l.userId}\t${l.userName}`] : [],
    ),
  ].join('\n');
  const names = useMemo(
    () => new Map(namesKey ? namesKey.split('\n').map((line) => line.split('\t') as [string, string]) : []),
    [namesKey],
  );
  // The history names people who may have left: every name seen here stays known while the page is open (a lock's
  // holder without a name is not a name).
  const seenNames = useRef(new Map<string, string>());
  const knownNames = useMemo(() => {
    for (const [id, n] of names) if (isName(id, n)) seenNames.current.set(id, n);
    return new Map(seenNames.current);
  }, [names]);
  // Who last changed each zone, named also when they have left (the names the document remembers) and offline (the
  // names this browser kept from before, author-names.ts); a server-side author by what it is, never by its id.
  // The people the viewer names (present, with a caret, holding a lock): those without a name heard here are looked
  // up as the zones' authors are.
  const shownKey = [...new Set([...names.keys(), ...Object.values(rt.locks).map((l) => l.userId)])]
    .sort()
    .join('\n');
  const authorIds = [
    ...rt.zones.flatMap((z) => (z.updatedBy && !knownNames.has(z.updatedBy) ? [z.updatedBy] : [])),
    ...(shownKey ? shownKey.split('\n').filter((id) => !knownNames.has(id)) : []),
  ];
  const remembered = useDocumentUsers(documentId, authorIds);
  const rememberedNames = useMemo(
    () =>
      new Map([...remembered].flatMap(([id, u]) => (u.name === undefined ? [] : [[id, u.name] as const]))),
    [remembered],
  );
  const keptNames = useMemo(() => cachedNames(selfId), [selfId]);
  useEffect(() => {
    rememberNames(selfId, [...knownNames, ...rememberedNames]);
  }, [selfId, knownNames, rememberedNames]);
  const authorKey = [...new Set(authorIds)].sort().join('\n');
  const authorNames = useMemo(
    () => nameAuthors(authorKey ? authorKey.split('\n') : [], knownNames, rememberedNames, keptNames),
    [authorKey, knownNames, rememberedNames, keptNames],
  );
  // For History: the names not heard here (History's own come between these and them).
  const otherNames = useMemo(() => nameAuthors([], rememberedNames, keptNames), [rememberedNames, keptNames]);
  // The viewer's names of the people it shows (lock holders in lock badges and titles, carets, editors): by the
  // names heard here, the document's, then those kept here; else "someone" ("Pipeline"), never an id.
  const shownNames = useMemo(
    () => namePeople(shownKey ? shownKey.split('\n') : [], [knownNames, rememberedNames, keptNames]),
    [shownKey, knownNames, rememberedNames, keptNames],
  );
  // Deleted while open here: by whom, as the user would say it. By me (another tab or device of mine): so said, not
  // by my own name; by someone else: by name when one is known (never an id); the server does not say who to one
  // that finds it deleted on opening.
  const deletion = deleted ? (doc?.deletion ?? null) : null;
  const deletedBy =
    deletion?.byUserId === undefined || deletion.byMe
      ? undefined
      : knownName(deletion.byUserId, [() => deletion.byUserName, knownNames, rememberedNames, keptNames]);
  const deletedWords = deletion?.byMe
    ? 'You deleted this document (in another tab or on another device)'
    : `This document was deleted${deletedBy ? ` by ${deletedBy}` : ''}`;
  // Only History names zones by number: not made again at every keystroke while it is closed.
  const zoneNumbers = useMemo(
    () => (showHistory ? new Map(rt.zones.map((z, i) => [z.id, i + 1])) : NO_NUMBERS),
    [showHistory, rt.zones],
  );
  // Me first, then the others as the server lists them.
  const users = useMemo(
    () => [...collaboration.users].sort((a, b) => Number(b.isSelf) - Number(a.isSelf)),
    [collaboration.users],
  );

  const zoomAt = (next: number | null) => {
    if ((next ?? fit) !== effectiveZoom) zoomAnchor.current = pagesPane && anchorAt(pagesPane);
    setZoom(next);
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once the pages are shown at the new zoom
  useLayoutEffect(() => {
    const anchor = zoomAnchor.current;
    zoomAnchor.current = null;
    if (anchor && pagesPane) scrollToAnchor(pagesPane, anchor);
  }, [effectiveZoom, pagesPane]);
  const zoomTo = (step: number) => zoomAt(stepZoom(effectiveZoom, step));
  // An export made now covers the pages processed so far.
  const exportDuring = useMemo(
    () => (progress.isProcessing ? { page: progress.page, pages: progress.pages } : null),
    [progress.isProcessing, progress.page, progress.pages],
  );
  // What processing found, for its notes (nothing, or no text: a scanned document), once the content is known.
  let withText = 0;
  for (const z of rt.zones) if (hasText(z)) withText++;
  const zoneCounts = useMemo(
    () => (rt.isReady ? { count: rt.zones.length, withText } : null),
    [rt.isReady, rt.zones.length, withText],
  );

  if (shown !== 'document')
    return <NoDocument shown={shown} documentId={documentId} failure={failure} deletedWords={deletedWords} />;

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
        {/* Unavailable, not disabled: the last undo (or redo) pressed from the keyboard keeps the focus on its button
            instead of dropping it to the page's body. */}
        <div className="toolbar" role="toolbar" aria-label="Edit">
          <button
            type="button"
            onClick={() => rt.canUndo && step('undo')}
            aria-disabled={!rt.canUndo}
            aria-keyshortcuts="Control+Z Meta+Z"
          >
            Undo
          </button>
          <button
            type="button"
            onClick={() => rt.canRedo && step('redo')}
            aria-disabled={!rt.canRedo}
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
          <button type="button" onClick={() => zoomAt(null)}>
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
        <ExportPanel
          documentId={documentId}
          name={name}
          disabled={failed}
          offline={disconnected}
          version={rt.version}
          processing={exportDuring}
        />
        <ConnectionStatus className="connection" />
      </header>
      <Banners pending={rt.pendingCount} />
      {/* A deleted document's job ended with it: its "cancelled" would only confuse. */}
      {!deleted && (
        <ProcessingAnnouncer
          progress={progress}
          failureSaid={jobFailure.said}
          failureMessage={jobFailure.message}
        />
      )}
      {!deleted && (
        <ProcessingPanel
          progress={progress}
          zones={zoneCounts}
          // A PDF protected by a password: its note says it all, the failed processing only the same again. Matched by
          // the job's error code: a failure of another cause is shown, and one of the password is said so.
          failureSaid={jobFailure.said}
          failureMessage={jobFailure.message}
        />
      )}
      {rt.status === 'failed' && (
        <div className="banner banner-error" role="alert" data-failure={failure?.code}>
          {deleted ? (
            <>
              <strong>{deletedWords}.</strong> Its zones, history and files are gone; nothing more can be
              changed here.{' '}
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
      {/* Made here offline: not on the server yet, kept in this browser meanwhile. */}
      {rt.isRestored && disconnected && blank?.madeOffline && (
        <p className="note" data-testid="made-offline-note">
          No connection to the server: this new document is kept in this browser, and made on the server, with
          what you do in it, once the connection is back.
        </p>
      )}
      {/* Shown from this browser's copy (offline after a reload): as the PDF note and the offline banner say. */}
      {rt.isRestored && disconnected && !blank?.madeOffline && (
        <p className="note" data-testid="restored-note">
          No connection to the server: showing the document as this browser kept it. It catches up when the
          connection is back.
        </p>
      )}
      {/* Not under the banner of a document that failed (deleted, refused): it has no pages to speak of. */}
      {pdfNote && !failed && !asking && (
        <p className="note" data-testid="pdf-note">
          {pdfNote}
        </p>
      )}
      <div
        className="viewer"
        data-doc-status={rt.status}
        data-restored={rt.isRestored || undefined}
        data-version={rt.version}
      >
        {doc && !asking && (
          <DualPaneViewer
            doc={doc}
            state={rt.snapshot}
            zones={rt.zones}
            updateCursor={collaboration.updateCursor}
            cursors={collaboration.cursors}
            names={shownNames}
            authorNames={authorNames}
            selfId={selfId}
            pdf={pdf?.pdf ?? null}
            sizes={pdf?.sizes ?? (summary?.pages ? Array(summary.pages).fill(BLANK_PAGE) : [])}
            zoom={effectiveZoom}
            pagesPaneRef={setPagesPane}
            emptyNote={emptyNote(isBlank, progress.processingStatus)}
          />
        )}
        {showHistory && !failed && (
          <HistoryPanel
            documentId={documentId}
            zones={rt.document.zones}
            numbers={zoneNumbers}
            names={knownNames}
            otherNames={otherNames}
            selfId={selfId}
            offline={disconnected}
            onClose={() => setShowHistory(false)}
          />
        )}
      </div>
    </main>
  );
}

/**
 * The page of a document address with no document to show, without the document's toolbar (nothing to edit, export
 * or browse): not found; offline, at an address this browser knows nothing of (it cannot be checked: it opens by
 * itself once the connection is back); still being looked up; or failed on opening (deleted, refused). Each with the
 * way back to the list.
 */
function NoDocument({
  shown,
  documentId,
  failure,
  deletedWords,
}: {
  shown: Exclude<DocumentShown, 'document'>;
  documentId: string;
  failure: DocFailure | null;
  /** What the page says of a deleted document ("This document was deleted by Olga"). */
  deletedWords: string;
}) {
  const { navigate } = useStudio();
  const back = (
    <button type="button" className="button" onClick={() => navigate('/')}>
      Back to documents
    </button>
  );
  return (
    <main className="document-view no-document" data-shown={shown}>
      <header className="topbar">
        <button type="button" className="link" onClick={() => navigate('/')}>
          ← Documents
        </button>
        {shown !== 'not-found' && <ConnectionStatus className="connection" />}
      </header>
      {shown === 'not-found' && (
        <section className="no-document-card" role="alert" data-failure="not_found" data-testid="not-found">
          <h1>Document not found</h1>
          <p>
            There is no document at this address: check the link, or start a blank document from the list.
          </p>
          {back}
        </section>
      )}
      {shown === 'unverifiable' && (
        <section className="no-document-card" role="status" data-testid="offline-unknown">
          <h1>This document can’t be checked offline</h1>
          <p>
            There is no connection to the server, and this browser has no copy of a document at this address,
            so it cannot tell whether there is one. It opens here by itself once the connection is back.
          </p>
          {back}
        </section>
      )}
      {shown === 'checking' && (
        <section className="no-document-card" role="status" data-testid="opening">
          <p>Opening the document…</p>
        </section>
      )}
      {shown === 'failed' && (
        <section className="no-document-card" role="alert" data-failure={failure?.code}>
          <h1>{failure?.code === 'not_found' ? deletedWords : 'This document could not be opened'}</h1>
          <p>
            {failure?.code === 'not_found'
              ? 'Its zones, history and files are gone.'
              : failure?.message || 'The server refused to open it.'}
          </p>
          {back}
          {failure && <ToastShownAsBanner documentId={documentId} failure={failure} />}
        </section>
      )}
    </main>
  );
}
