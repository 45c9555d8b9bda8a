/**
 * The PostgreSQL schema, as ordered migrations. `PostgresPool` applies the ones a database lacks at start, each in
 * its own transaction, and records them in `syncline_migrations`. Append a migration, never edit or reorder one
 * that has shipped: a database remembers which versions it ran, not what they contained.
 *
 * Every table and function is prefixed `syncline_`, so Syncline can share a schema with an application's tables.
 */
export interface PostgresMigration {
  /** 1, 2, 3, … in order, without gaps. */
  version: number;
  name: string;
  /** One or more statements, run as one script in one transaction. */
  sql: string;
}

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'room log',
    // - `syncline_rooms` keeps each room's bounds, so lastSeq survives trimming every event of the room, and its
    //   row is the lock that makes a room's seqs gap-free across nodes (see `syncline_log_append`).
    // - `COLLATE "C"` orders rooms by bytes, so a trim prefix (`room LIKE 'doc:%'`) is an index range scan.
    // - `data` is JSON text, not jsonb: it must read back exactly as written (jsonb reorders keys).
    // - `ts` is a double: the interface takes any finite number of ms.
    // - dedup keys are unique per room among retained events; the partial index skips events without a key.
    sql: `
      CREATE TABLE syncline_rooms (
        room      text COLLATE "C" PRIMARY KEY,
        last_seq  bigint NOT NULL,
        first_seq bigint NOT NULL
      );
      CREATE TABLE syncline_events (
        room      text COLLATE "C" NOT NULL,
        seq       bigint           NOT NULL,
        type      text             NOT NULL,
        data      text,
        ts        double precision NOT NULL,
        from_user text,
        dedup_key text,
        PRIMARY KEY (room, seq)
      );
      CREATE UNIQUE INDEX syncline_events_room_dedup_key ON syncline_events (room, dedup_key)
        WHERE dedup_key IS NOT NULL;

      -- Appends a batch to one room in one round trip. The room's row is locked first, so appends to a room from
      -- every node queue here; each later statement takes a fresh snapshot (READ COMMITTED) and so sees what the
      -- previous holder committed: the dedup lookup cannot miss a key, and seqs continue from the true last_seq.
      CREATE FUNCTION syncline_log_append(
        p_room text, p_types text[], p_data text[], p_ts double precision[], p_from text[], p_keys text[]
      ) RETURNS TABLE (out_seq bigint, out_duplicate boolean) LANGUAGE plpgsql AS $$
      DECLARE
        v_last bigint;
        v_seq  bigint;
      BEGIN
        SELECT r.last_seq INTO v_last FROM syncline_rooms r WHERE r.room = p_room FOR UPDATE;
        IF NOT FOUND THEN
          -- A concurrent first append waits here for the other transaction, then finds its row below.
          INSERT INTO syncline_rooms (room, last_seq, first_seq) VALUES (p_room, 0, 1) ON CONFLICT (room) DO NOTHING;
          SELECT r.last_seq INTO v_last FROM syncline_rooms r WHERE r.room = p_room FOR UPDATE;
        END IF;
        FOR i IN 1 .. coalesce(array_length(p_types, 1), 0) LOOP
          v_seq := NULL;
          IF p_keys[i] IS NOT NULL THEN
            -- Also sees rows inserted earlier in this call, so duplicates within one batch are caught too.
            SELECT e.seq INTO v_seq FROM syncline_events e WHERE e.room = p_room AND e.dedup_key = p_keys[i];
          END IF;
          IF v_seq IS NOT NULL THEN
            out_seq := v_seq;
            out_duplicate := true;
          ELSE
            v_last := v_last + 1;
            INSERT INTO syncline_events (room, seq, type, data, ts, from_user, dedup_key)
              VALUES (p_room, v_last, p_types[i], p_data[i], p_ts[i], p_from[i], p_keys[i]);
            out_seq := v_last;
            out_duplicate := false;
          END IF;
          RETURN NEXT;
        END LOOP;
        UPDATE syncline_rooms r SET last_seq = v_last WHERE r.room = p_room AND r.last_seq <> v_last;
        RETURN;
      END
      $$;
    `,
  },
  {
    version: 2,
    name: 'documents',
    // - `syncline_doc_documents.version` is the latest committed version: the authority appendOp checks against,
    //   under the document row's lock, so two nodes cannot both commit a version.
    // - the (document, version) primary key of `syncline_doc_ops` is the backstop of that check; the unique
    //   (document, user, op id) index the backstop against committing a re-sent op twice.
    sql: `
      CREATE TABLE syncline_doc_documents (
        document_id text             PRIMARY KEY,
        version     bigint           NOT NULL,
        owner_id    text,
        created_at  double precision NOT NULL
      );
      CREATE TABLE syncline_doc_ops (
        document_id text             NOT NULL,
        version     bigint           NOT NULL,
        op          text             NOT NULL,
        user_id     text             NOT NULL,
        op_id       text             NOT NULL,
        ts          double precision NOT NULL,
        PRIMARY KEY (document_id, version)
      );
      CREATE UNIQUE INDEX syncline_doc_ops_user_op_id ON syncline_doc_ops (document_id, user_id, op_id);
      CREATE TABLE syncline_doc_snapshots (
        document_id text             NOT NULL,
        version     bigint           NOT NULL,
        data        text             NOT NULL,
        ts          double precision NOT NULL,
        PRIMARY KEY (document_id, version)
      );

      -- Commits one op if p_version is the document's version + 1. Returns 'committed', 'conflict' (the version is
      -- taken or would leave a gap), 'duplicate' (this user's op id is already committed) or 'unknown' (no such
      -- document). The version check comes before the duplicate check: a re-sent op at a taken version is a lost race.
      CREATE FUNCTION syncline_doc_append_op(
        p_document text, p_version bigint, p_op text, p_user text, p_op_id text, p_ts double precision
      ) RETURNS text LANGUAGE plpgsql AS $$
      DECLARE
        v_current bigint;
      BEGIN
        SELECT d.version INTO v_current FROM syncline_doc_documents d WHERE d.document_id = p_document FOR UPDATE;
        IF NOT FOUND THEN
          RETURN 'unknown';
        END IF;
        IF p_version <> v_current + 1 THEN
          RETURN 'conflict';
        END IF;
        IF EXISTS (SELECT 1 FROM syncline_doc_ops o
                   WHERE o.document_id = p_document AND o.user_id = p_user AND o.op_id = p_op_id) THEN
          RETURN 'duplicate';
        END IF;
        INSERT INTO syncline_doc_ops (document_id, version, op, user_id, op_id, ts)
          VALUES (p_document, p_version, p_op, p_user, p_op_id, p_ts);
        UPDATE syncline_doc_documents d SET version = p_version WHERE d.document_id = p_document;
        RETURN 'committed';
      END
      $$;
    `,
  },
  {
    version: 3,
    name: 'jobs',
    // - `seq` breaks ties between jobs (and uploads) created in the same millisecond, as in the SQLite store.
    // - the partial indexes serve claiming: the oldest due queued job, and running jobs by heartbeat (stale ones are
    //   claimed again). A claim locks its row with FOR UPDATE SKIP LOCKED, so nodes claiming at once take
    //   different jobs without waiting for each other.
    // - params, result and error are JSON text (read back exactly as written).
    sql: `
      CREATE TABLE syncline_jobs (
        seq          bigint GENERATED ALWAYS AS IDENTITY,
        id           text             PRIMARY KEY,
        kind         text             NOT NULL,
        state        text             NOT NULL,
        owner_id     text             NOT NULL,
        document_id  text             NOT NULL,
        params       text             NOT NULL,
        progress     double precision NOT NULL,
        stage        text,
        page         integer,
        pages        integer,
        created_at   double precision NOT NULL,
        updated_at   double precision NOT NULL,
        started_at   double precision,
        finished_at  double precision,
        attempts     integer          NOT NULL,
        run_after    double precision NOT NULL,
        heartbeat_at double precision,
        error        text,
        result       text             NOT NULL
      );
      CREATE INDEX syncline_jobs_queued ON syncline_jobs (created_at, seq) WHERE state = 'queued';
      CREATE INDEX syncline_jobs_running ON syncline_jobs (heartbeat_at) WHERE state = 'running';
      CREATE INDEX syncline_jobs_document ON syncline_jobs (document_id, created_at);
      CREATE INDEX syncline_jobs_owner ON syncline_jobs (owner_id, created_at);
      CREATE TABLE syncline_uploaded_documents (
        seq         bigint GENERATED ALWAYS AS IDENTITY,
        document_id text             PRIMARY KEY,
        name        text             NOT NULL,
        owner_id    text             NOT NULL,
        size        bigint           NOT NULL,
        created_at  double precision NOT NULL,
        updated_at  double precision NOT NULL,
        status      text             NOT NULL,
        pages       integer,
        job_id      text
      );
      CREATE INDEX syncline_uploaded_documents_owner ON syncline_uploaded_documents (owner_id, created_at);
    `,
  },
  {
    version: 4,
    name: 'job claim counter',
    // \`run\`: +1 on every claim, never reset (a retry resets \`attempts\`), so a runner's writes are fenced by a
    // number no later run can have. A job claimed before counts its attempts as its claims.
    sql: `
      ALTER TABLE syncline_jobs ADD COLUMN run integer NOT NULL DEFAULT 0;
      UPDATE syncline_jobs SET run = attempts;
    `,
  },
  {
    version: 5,
    name: 'document users',
    // Who opened each document under which name (\`saveUser\`), so its history can name people no longer around.
    sql: `
      CREATE TABLE syncline_doc_users (
        document_id text             NOT NULL,
        user_id     text             NOT NULL,
        name        text,
        avatar      text,
        seen_at     double precision NOT NULL,
        PRIMARY KEY (document_id, user_id)
      );
    `,
  },
  {
    version: 6,
    name: 'deleted documents',
    // The ids of deleted documents (\`delete\`): \`ensure\` refuses to create one again, so a client still holding the
    // id gets \`not_found\` instead of a new empty document.
    sql: `
      CREATE TABLE syncline_doc_deleted (
        document_id text             PRIMARY KEY,
        deleted_at  double precision NOT NULL
      );
    `,
  },
  {
    version: 7,
    name: 'owner of a deleted document',
    // The owner the document had (\`delete\`), so its owner can ask again for a deletion that failed half-way.
    sql: `
      ALTER TABLE syncline_doc_deleted ADD COLUMN owner_id text;
    `,
  },
];
