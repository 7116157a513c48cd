package checkpoints

// schema is applied at open; every statement is idempotent.
const schema = `
CREATE TABLE IF NOT EXISTS meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	kind    TEXT    NOT NULL,
	started INTEGER NOT NULL,
	ended   INTEGER NOT NULL DEFAULT 0,
	outcome TEXT    NOT NULL DEFAULT '',
	summary TEXT    NOT NULL DEFAULT '',
	pid     INTEGER NOT NULL DEFAULT 0,
	host    TEXT    NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS tickets (
	source_id      TEXT PRIMARY KEY,
	whmcs_id       INTEGER NOT NULL DEFAULT 0,
	tid            TEXT    NOT NULL DEFAULT '',
	c              TEXT    NOT NULL DEFAULT '',
	created_run    INTEGER NOT NULL DEFAULT 0,
	state          TEXT    NOT NULL DEFAULT 'pending',
	error          TEXT    NOT NULL DEFAULT '',
	source_updated INTEGER NOT NULL DEFAULT 0,
	status         TEXT    NOT NULL DEFAULT '',
	priority       TEXT    NOT NULL DEFAULT '',
	dept_id        INTEGER NOT NULL DEFAULT 0,
	changed        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS tickets_whmcs ON tickets (whmcs_id);
CREATE INDEX IF NOT EXISTS tickets_run ON tickets (created_run);
CREATE TABLE IF NOT EXISTS entries (
	source_id    TEXT    NOT NULL,
	entry_key    TEXT    NOT NULL,
	hash         TEXT    NOT NULL,
	kind         TEXT    NOT NULL,
	created      INTEGER NOT NULL,
	message_hash TEXT    NOT NULL,
	run_id       INTEGER NOT NULL,
	PRIMARY KEY (source_id, entry_key)
);
CREATE TABLE IF NOT EXISTS ticket_fields (
	source_id TEXT NOT NULL,
	name      TEXT NOT NULL,
	value     TEXT NOT NULL,
	PRIMARY KEY (source_id, name)
);
CREATE TABLE IF NOT EXISTS intents (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	run_id       INTEGER NOT NULL,
	source_id    TEXT    NOT NULL,
	step         TEXT    NOT NULL,
	action       TEXT    NOT NULL,
	whmcs_id     INTEGER NOT NULL DEFAULT 0,
	created      INTEGER NOT NULL DEFAULT 0,
	message_hash TEXT    NOT NULL DEFAULT '',
	subject      TEXT    NOT NULL DEFAULT '',
	client_id    INTEGER NOT NULL DEFAULT 0,
	email        TEXT    NOT NULL DEFAULT '',
	entry_key    TEXT    NOT NULL DEFAULT '',
	entry_hash   TEXT    NOT NULL DEFAULT '',
	kind         TEXT    NOT NULL DEFAULT '',
	began        INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS intents_ticket ON intents (source_id);
CREATE TABLE IF NOT EXISTS lock (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	pid     INTEGER NOT NULL,
	host    TEXT    NOT NULL,
	since   INTEGER NOT NULL,
	beat    INTEGER NOT NULL,
	token   TEXT    NOT NULL
);
`

// schemaRollbacks records what each rollback run set out to delete, so
// that a rollback killed part way can be named and resumed (Store.
// UnfinishedRollbacks). A checkpoint of an earlier version has no row for
// its rollbacks: they are read as of unknown target.
const schemaRollbacks = `
CREATE TABLE IF NOT EXISTS rollbacks (
	run_id     INTEGER PRIMARY KEY,
	target_run INTEGER NOT NULL,
	planned    INTEGER NOT NULL,
	deleted    INTEGER NOT NULL DEFAULT 0
);
`

// schemaAdoptions is the record of tickets adopted: found in WHMCS, where
// a run the checkpoint does not remember created them (see Store.Found).
const schemaAdoptions = `
CREATE TABLE IF NOT EXISTS adoptions (
	source_id TEXT PRIMARY KEY,
	whmcs_id  INTEGER NOT NULL,
	run_id    INTEGER NOT NULL,
	at        INTEGER NOT NULL
);
`
