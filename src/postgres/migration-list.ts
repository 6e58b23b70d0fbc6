// The schema of `maracker`, as numbered migrations. Append only: a migration that shipped is
// never edited (daemons compare version numbers, not SQL); fix forward with a new one.
//
// Validation stays out of SQL on purpose: an invalid spec must be *accepted* and reported
// back in app_status with its JSON path, not refused with a constraint name. The few checks
// kept are cheap and certain, and named so that their error reads as a sentence.

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const APPS = `
CREATE SEQUENCE maracker.apps_revision_seq;

CREATE TABLE maracker.apps (
  id          text PRIMARY KEY,
  spec        jsonb NOT NULL,
  labels      jsonb,
  adopt       boolean NOT NULL DEFAULT false,
  revision    bigint NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT "id must be an absolute app id such as /demo/web" CHECK (id LIKE '/%'),
  CONSTRAINT "spec must be a JSON object" CHECK (jsonb_typeof(spec) = 'object'),
  CONSTRAINT "labels must be a JSON object or null" CHECK (labels IS NULL OR jsonb_typeof(labels) IN ('object', 'null'))
);

COMMENT ON TABLE maracker.apps IS 'Apps maracker deploys to Marathon: insert, update or delete a row; read the outcome in maracker.app_status';
COMMENT ON COLUMN maracker.apps.spec IS 'The spec object of a maracker manifest (cmd or image, instances, cpus, mem, ports, expose, ...)';
COMMENT ON COLUMN maracker.apps.revision IS 'Change counter, set on every insert and update; the database source reports the highest it read';

-- Every write gets a new revision and updated_at, whatever the statement says (the
-- NOT NULL revision is filled here, before the constraint is checked).
CREATE FUNCTION maracker.apps_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.revision := nextval('maracker.apps_revision_seq');
  NEW.updated_at := now();
  IF TG_OP = 'UPDATE' THEN
    NEW.created_at := OLD.created_at;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER apps_touch BEFORE INSERT OR UPDATE ON maracker.apps
  FOR EACH ROW EXECUTE FUNCTION maracker.apps_touch();

-- Only the id travels (payloads are limited to 8000 bytes); the daemon reads the row.
-- Identical payloads of one transaction are delivered once by PostgreSQL.
CREATE FUNCTION maracker.apps_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM pg_notify('maracker_apps', CASE WHEN octet_length(OLD.id) > 7000 THEN '*' ELSE OLD.id END);
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.id IS DISTINCT FROM OLD.id) THEN
    PERFORM pg_notify('maracker_apps', CASE WHEN octet_length(NEW.id) > 7000 THEN '*' ELSE NEW.id END);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER apps_notify AFTER INSERT OR UPDATE OR DELETE ON maracker.apps
  FOR EACH ROW EXECUTE FUNCTION maracker.apps_notify();

-- TRUNCATE fires no row trigger: tell listeners to re-read everything.
CREATE FUNCTION maracker.apps_notify_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('maracker_apps', '*');
  RETURN NULL;
END
$$;

CREATE TRIGGER apps_notify_truncate AFTER TRUNCATE ON maracker.apps
  FOR EACH STATEMENT EXECUTE FUNCTION maracker.apps_notify_all();
`;

const APP_STATUS = `
CREATE TABLE maracker.app_status (
  id               text PRIMARY KEY,
  sync             text NOT NULL,
  health           text NOT NULL,
  desired          integer NOT NULL,
  running          integer NOT NULL,
  healthy          integer NOT NULL,
  url              text,
  message          text,
  code             text,
  source           text,
  last_applied_at  timestamptz,
  pending_changes  text[] NOT NULL DEFAULT '{}',
  instance         text,
  updated_at       timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE maracker.app_status IS 'Kept by the writing maracker daemon: the same answers as GET /status (sync: Synced, OutOfSync, Invalid, Conflict, Unknown; health: Healthy, Progressing, Degraded, Missing, Suspended, Unknown)';
COMMENT ON COLUMN maracker.app_status.message IS 'Why the app is not Synced/Healthy, with where: "spec.instances: must be >= 0" for a row, "web.yaml:3:5: ..." for a file';
`;

const DAEMONS = `
CREATE TABLE maracker.daemons (
  instance      text PRIMARY KEY,
  role          text NOT NULL,
  host          text,
  pid           integer,
  started_at    timestamptz NOT NULL,
  heartbeat_at  timestamptz NOT NULL
);

COMMENT ON TABLE maracker.daemons IS 'maracker daemons using this database, with their role (leader, follower); a row whose heartbeat_at is older than 30 s belongs to a daemon that is gone';
`;

const PRUNE_DELETIONS = `
CREATE TABLE maracker.prune_deletions (
  seq          bigserial PRIMARY KEY,
  app_id       text NOT NULL,
  deleted_at   timestamptz NOT NULL,
  instance     text NOT NULL,
  approved_by  text,
  episode      text
);

CREATE INDEX prune_deletions_deleted_at ON maracker.prune_deletions (deleted_at);

COMMENT ON TABLE maracker.prune_deletions IS 'Apps maracker deleted because no source declared them any more, kept for the prune guard: deletions without approval (approved_by null) within --prune-window count against its budget, across restarts; older rows are removed';
COMMENT ON COLUMN maracker.prune_deletions.approved_by IS 'Who approved the blocked episode that covered this deletion (remote address, and the user the CLI named); null: it came out of the budget';
`;

// One row, written once: the name of the installation every daemon sharing this database is,
// generated here so that it exists exactly once (migrations run under a lock, each in its
// own transaction) and every daemon of an HA group reads the same. md5(random()) rather than
// gen_random_uuid(): that needs PostgreSQL 13. The pattern is INSTALLATION_PATTERN
// (src/model/installation.ts): a label value Marathon selectors take unescaped.
const INSTALLATION = `
CREATE TABLE maracker.installation (
  name        text PRIMARY KEY,
  created_at  timestamptz NOT NULL DEFAULT now(),
  one_row     boolean NOT NULL DEFAULT true UNIQUE,
  CONSTRAINT "installation holds one row" CHECK (one_row),
  CONSTRAINT "name must be 1 to 63 letters, digits, -, _ or ., starting and ending with a letter or digit" CHECK (name ~ '^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$')
);

COMMENT ON TABLE maracker.installation IS 'The name of the maracker installation using this database (one row): its daemons write it into the ownership label of their apps (maracker.managed-by=maracker.<name>) and change or delete only apps carrying it. Renaming it makes every app of the installation look like another installation''s (Conflict, never written); --installation overrides it';

INSERT INTO maracker.installation (name) VALUES ('db-' || substr(md5(random()::text || clock_timestamp()::text), 1, 12));
`;

// Every problem of an invalid declaration, not only the first: a spec with two mistakes
// shows both at once (`message` joins them for psql users).
const APP_STATUS_PROBLEMS = `
ALTER TABLE maracker.app_status ADD COLUMN problems jsonb NOT NULL DEFAULT '[]'::jsonb;

COMMENT ON COLUMN maracker.app_status.problems IS 'Every problem of an invalid declaration: [{message, code, file, line, column, jsonPath, row}], as GET /status/apps/{id} shows them; message joins them with "; "';
`;

// Apps of a git source: the commit that last changed their manifest, as GET /status shows it.
const APP_STATUS_COMMIT = `
ALTER TABLE maracker.app_status ADD COLUMN source_commit text;

COMMENT ON COLUMN maracker.app_status.source_commit IS 'Apps of a git source (--git-url): the commit that last changed the manifest declaring the app; NULL for other sources';
`;

// The prune guard's budget is a share of the managed apps as they were before a window's
// deletions began; a restarted daemon (or a new leader) needs that count with each deletion.
const PRUNE_DELETIONS_MANAGED = `
ALTER TABLE maracker.prune_deletions ADD COLUMN managed_before integer;

COMMENT ON COLUMN maracker.prune_deletions.managed_before IS 'The managed apps just before this deletion (those deleted and still listed by Marathon left out): the prune budget of a window beginning with it is a share of them, so apps created while deleting do not raise it; NULL in rows written before this column existed';
`;

export const MIGRATIONS: readonly Migration[] = Object.freeze([
  { version: 1, name: 'apps table, change notifications', sql: APPS },
  { version: 2, name: 'app_status table', sql: APP_STATUS },
  { version: 3, name: 'daemons table', sql: DAEMONS },
  { version: 4, name: 'prune_deletions table', sql: PRUNE_DELETIONS },
  { version: 5, name: 'installation name', sql: INSTALLATION },
  { version: 6, name: 'app_status problems', sql: APP_STATUS_PROBLEMS },
  { version: 7, name: 'app_status source_commit', sql: APP_STATUS_COMMIT },
  { version: 8, name: 'prune_deletions managed_before', sql: PRUNE_DELETIONS_MANAGED },
]);
