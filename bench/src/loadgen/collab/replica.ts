/**
 * One client's copy of the shared text in a collab workload, whatever the system: insert locally (the
 * op goes to the server the way that system's client sends it), hear about remote inserts once they are
 * applied to this copy, tell when the server has everything of ours. One adapter per system.
 */
export interface CollabReplica {
  /** Inserts `text` at `pos` (0 ≤ pos ≤ length) and submits it; `acked` runs once the server acknowledged it. */
  insert(pos: number, text: string, acked?: () => void): void;
  /** Length of the local text in characters (all inserted characters are in the Basic Multilingual Plane). */
  readonly length: number;
  /** The local text. */
  text(): string;
  /** Whether ops of this replica wait for the server's acknowledgement. */
  readonly unconfirmed: boolean;
  close(): void;
}

export interface ReplicaOptions {
  port: number;
  userId: string;
  /** HS256 token (for the systems that check one). */
  token: string;
  documentId: string;
  /** The first replica creates the document (an empty text); the others wait until they see it. */
  create: boolean;
  /** Text inserted by someone else, called once it is applied to this replica. */
  onRemoteInsert(text: string): void;
}

export type ReplicaOpener = (o: ReplicaOptions) => Promise<CollabReplica>;

/** The one zone whose text the json1 replicas (Syncline, `sharedb-json1`) edit. */
export const BENCH_ZONE = {
  id: 'z1',
  page: 0,
  bbox: { x: 0, y: 0, w: 1, h: 1 },
  type: 'paragraph' as const,
  label: '',
  confidence: 1,
  text: '',
};

/** Calls `onText` for every inserted string of a text op (`ot-text-unicode`: numbers skip, strings insert). */
export function textOpInserts(op: unknown, onText: (s: string) => void): void {
  if (!Array.isArray(op)) return;
  for (const c of op) if (typeof c === 'string') onText(c);
}

/** Rejects after `ms` with `what` in the message, unless `p` settles first. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/** Inserted strings of the text edits (`{es: [...]}` components) anywhere in a json1 op. */
export function editInserts(op: unknown, onText: (s: string) => void): void {
  if (!Array.isArray(op)) return;
  for (const c of op) {
    if (Array.isArray(c)) editInserts(c, onText);
    else if (c !== null && typeof c === 'object') {
      const es = (c as { es?: unknown }).es;
      if (Array.isArray(es)) for (const x of es) if (typeof x === 'string') onText(x);
    }
  }
}
