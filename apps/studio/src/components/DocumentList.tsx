import { ConnectionStatus, useWebSocketContext } from '@syncline/react';
import { type FormEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useStudio } from '../hooks/studio-context.js';
import { ApiError, createBlankDocument, type DocumentSummary, listDocuments } from '../lib/api.js';
import {
  type BlankDocument,
  blankDocuments,
  blankSummary,
  forgetBlank,
  rememberBlank,
} from '../lib/blank-documents.js';
import { migrateBlankDocuments } from '../lib/blank-migration.js';
import { blankRefusal } from '../lib/blank-refusal.js';
import { cachedDocument } from '../lib/kept-documents.js';
import { createOnServer } from '../lib/offline-blank.js';
import { Banners } from './Banners.js';
import { DeleteDocumentButton } from './DeleteDocumentButton.js';
import { UploadDropzone } from './UploadDropzone.js';

const STATUS_LABELS: Record<string, string> = {
  uploaded: 'queued',
  processing: 'processing',
  processed: 'ready',
  ready: 'ready',
  cancelled: 'cancelled',
  failed: 'failed',
  blank: 'blank',
};

const when = (ms: number) =>
  new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms));

/**
 * The documents: status, who created them, when they changed; upload; open or start a blank one. The server lists
 * them, uploaded and blank (a blank one started here is made in its catalogue), so every device shows the same list.
 * Blank ones this browser remembers from before (blank-documents.ts) are moved to the server's list once
 * (blank-migration.ts), and shown from here until they are.
 */
export function DocumentList() {
  const { auth, navigate } = useStudio();
  const { client } = useWebSocketContext();
  const selfId = auth.identity.userId;
  const [documents, setDocuments] = useState<DocumentSummary[] | null>(null);
  const [blanks, setBlanks] = useState<BlankDocument[]>(() => blankDocuments(selfId));
  const [problem, setProblem] = useState<string | null>(null);
  const [blankName, setBlankName] = useState('');
  // Why the name asked for could not be made (a deleted document's, say), shown by the form until the next try.
  const [blankProblem, setBlankProblem] = useState<string | null>(null);

  const refresh = useCallback(() => {
    setBlanks(blankDocuments(selfId));
    listDocuments(auth).then(
      (docs) => {
        setDocuments(docs);
        setProblem(null);
        const listed = new Set(docs.map((d) => d.documentId));
        const register = (blank: BlankDocument) => createOnServer(auth, blank);
        void migrateBlankDocuments(selfId, listed, register).then((changed) => changed && refresh());
      },
      (e: Error) =>
        setProblem(
          e instanceof ApiError && e.status === 404
            ? 'This server does not store uploads: open a blank document below.'
            : `Could not load the documents: ${e.message}`,
        ),
    );
  }, [auth, selfId]);

  useEffect(() => {
    refresh();
    if (!client) return;
    // Status changes arrive on my user room (my documents' jobs); poll slowly for others' documents.
    const offs = [
      client.subscribe('processing_started', refresh),
      client.subscribe('processing_completed', refresh),
      client.subscribe('processing_error', refresh),
      // One of mine deleted (in another tab, or by an admin).
      client.subscribe('document_deleted', (d) => {
        forgetBlank(selfId, d.documentId);
        refresh();
      }),
      client.on('welcome', refresh),
    ];
    const timer = setInterval(refresh, 10_000);
    return () => {
      clearInterval(timer);
      for (const off of offs) off();
    };
  }, [client, refresh, selfId]);

  // The row a deleted document's focus goes to (its Delete's question had it): the next one's link, else the one before.
  const focusAfterRemoval = useRef<string | null>(null);
  const rowsRef = useRef<readonly DocumentSummary[]>([]);
  const removed = useCallback(
    (documentId: string) => {
      const list = rowsRef.current;
      const at = list.findIndex((d) => d.documentId === documentId);
      focusAfterRemoval.current = (list[at + 1] ?? list[at - 1])?.documentId ?? '';
      forgetBlank(selfId, documentId);
      setBlanks((list) => list.filter((d) => d.documentId !== documentId));
      setDocuments((docs) => docs?.filter((d) => d.documentId !== documentId) ?? null);
    },
    [selfId],
  );

  // Uploaded and blank together, newest first (a blank one the server also lists is the server's).
  const rows = useMemo(() => {
    const listed = new Set(documents?.map((d) => d.documentId));
    const all = [
      ...(documents ?? []),
      ...blanks.filter((b) => !listed.has(b.documentId)).map((b) => blankSummary(selfId, b)),
    ];
    return all.sort((a, b) => b.updatedAt - a.updatedAt);
  }, [documents, blanks, selfId]);
  rowsRef.current = rows;
  // biome-ignore lint/correctness/useExhaustiveDependencies: once the rows are drawn without the deleted one
  useEffect(() => {
    const next = focusAfterRemoval.current;
    if (next === null) return;
    focusAfterRemoval.current = null;
    const active = document.activeElement;
    if (active && active !== document.body) return; // the user is elsewhere already
    const link = next
      ? document.querySelector<HTMLElement>(`tr[data-document-id="${CSS.escape(next)}"] a`)
      : null;
    // None left: the upload ("Choose a PDF…"), where the empty list sends them.
    (link ?? document.querySelector<HTMLElement>('.dropzone input[type=file]'))?.focus();
  }, [rows]);

  // Made in the server's catalogue (so it is listed everywhere), then opened. Its id is the name's letters, so the same
  // name opens the same document: a name taken already (409) opens that one, as does a server without a catalogue
  // (404) or none reachable (this browser then remembers it, and registers it later); a deleted document's name is
  // refused, with why (blank-refusal.ts). A name without such letters gets an id from the server.
  const openBlank = async (e: FormEvent) => {
    e.preventDefault();
    const name = blankName.trim();
    const id = name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 100);
    if (!name) return;
    setBlankProblem(null);
    const open = (documentId: string) => navigate(`/documents/${encodeURIComponent(documentId)}`);
    const slug = /[A-Za-z0-9]/.test(id) ? id : undefined;
    try {
      open((await createBlankDocument(auth, { name, documentId: slug })).documentId);
    } catch (error) {
      const outcome = blankRefusal(error, name, slug);
      // Not made in the server's catalogue (offline, or a server without one): this browser remembers making it, so
      // the document opens as a blank one of mine (not as an address typed by chance: "not found"), the list shows
      // it, and registers it with the server later (blank-migration.ts). A name taken (409) is a document that exists.
      // Made offline (no answer, and not a document this browser knows already): it opens empty and takes edits at
      // once, and is made on the server, with its name, before it is opened (offline-blank.ts).
      if ('open' in outcome && !(error instanceof ApiError && error.code === 'conflict')) {
        const offline = !(error instanceof ApiError) && !cachedDocument(selfId, outcome.open);
        rememberBlank(selfId, {
          documentId: outcome.open,
          updatedAt: Date.now(),
          ...(offline ? { madeOffline: true, name } : {}),
        });
      }
      if ('open' in outcome) open(outcome.open);
      else setBlankProblem(outcome.problem);
    }
  };

  return (
    <div className="list-view">
      <header className="topbar">
        <h1>Syncline Studio</h1>
        <span className="whoami">
          Signed in as <strong>{auth.identity.name}</strong>
        </span>
        <ConnectionStatus className="connection" />
      </header>
      <Banners pending={0} />
      <main className="list-main">
        <UploadDropzone onUploaded={refresh} />
        <section aria-labelledby="docs-heading">
          <h2 id="docs-heading">Documents</h2>
          {problem && <p className="note">{problem}</p>}
          {documents && rows.length === 0 && <p className="empty">No documents yet: upload a PDF.</p>}
          {rows.length > 0 && (
            <table className="documents">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Pages</th>
                  <th scope="col">Created by</th>
                  <th scope="col">Updated</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((d) => (
                  <tr key={d.documentId} data-document-id={d.documentId}>
                    <td>
                      <a
                        href={`/documents/${encodeURIComponent(d.documentId)}`}
                        title={d.name}
                        onClick={(e) => {
                          // A new tab or window (Ctrl/Cmd/Shift/Alt, a middle click) is the browser's to open.
                          if (e.ctrlKey || e.metaKey || e.shiftKey || e.altKey || e.button !== 0) return;
                          e.preventDefault();
                          navigate(`/documents/${encodeURIComponent(d.documentId)}`);
                        }}
                      >
                        {d.name}
                      </a>
                    </td>
                    <td>
                      <span className={`status status-${STATUS_LABELS[d.status] ?? d.status}`}>
                        {STATUS_LABELS[d.status] ?? d.status}
                      </span>
                    </td>
                    <td>{d.pages ?? '–'}</td>
                    <td>{d.ownerId === selfId ? 'you' : d.ownerId.replace(/^dev-/, '')}</td>
                    <td>{when(d.updatedAt)}</td>
                    <td>
                      {/* The list holds what I may delete: my documents (an admin's: everyone's uploads). */}
                      <DeleteDocumentButton documentId={d.documentId} name={d.name} onDeleted={removed} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section aria-labelledby="blank-heading">
          <h2 id="blank-heading">Blank document</h2>
          <form className="inline-form" onSubmit={openBlank}>
            <label>
              Name
              <input
                value={blankName}
                onChange={(e) => setBlankName(e.target.value)}
                placeholder="meeting-notes"
              />
            </label>
            <button type="submit">Open</button>
          </form>
          {blankProblem && (
            <p className="note" role="alert" data-testid="blank-problem">
              {blankProblem}
            </p>
          )}
        </section>
      </main>
    </div>
  );
}
