/* sqlite — the SQLite backend: opening and migrating the database file,
 * idempotency keys, API tokens, share links, transactions and the ops
 * table. Runs with their lifecycle events and suite outputs are in
 * sqlite_runs.c, results and the tests' history in sqlite_results.c; what
 * they share is in sqlite_int.h.
 *
 * Every value reaches SQL as a bound parameter. The only SQL text built at run
 * time is made of column names taken from model/status.c's fixed tables and
 * of filter clauses chosen by which filters are set. */
#include "util/base.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>

#include "store/run_sql.h"
#include "store/schema.h"
#include "store/sqlite_int.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"
#include "util/uuid.h"

#define BUSY_TIMEOUT_MS 5000

/* ---- helpers shared with sqlite_results.c ---- */

int sq_fail(struct sqlite_store *s, struct error *e, const char *fmt, ...)
{
	char step[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(step, sizeof(step), fmt, ap);
	va_end(ap);
	return err_set(e, RC_STORE, "%s: %s", step, sqlite3_errmsg(s->db));
}

sqlite3_stmt *sq_stmt(struct sqlite_store *s, enum sq_stmt which, const char *sql,
		      struct error *e)
{
	sqlite3_stmt *q = s->stmt[which];
	if (q) {
		sqlite3_reset(q);
		return q;
	}
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &q, NULL) != SQLITE_OK) {
		sq_fail(s, e, "preparing \"%.60s...\"", sql);
		return NULL;
	}
	s->stmt[which] = q;
	return q;
}

sqlite3_stmt *sq_prepare(struct sqlite_store *s, const char *sql, struct error *e)
{
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK) {
		sq_fail(s, e, "preparing \"%.60s...\"", sql);
		sqlite3_finalize(q);
		return NULL;
	}
	return q;
}

/* A whole transaction is a big unit of work (an import): its connection
 * keeps WHOLE_CACHE_KIB of pages instead of SQLite's 2 MiB until it ends,
 * so the b-trees' upper levels and the pages being filled stay in memory
 * rather than being read back from the WAL (a million-case import 12%
 * faster, peak RSS 17 -> 35 MiB). */
#define WHOLE_CACHE_KIB 16384
#define DEFAULT_CACHE_KIB 2000 /* SQLite's own default */

static void set_cache(struct sqlite_store *s, int kib)
{
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", kib);
	sqlite3_exec(s->db, sql, NULL, NULL, NULL); /* only ever costlier if refused */
}

/* The end of a store_begin_whole transaction, committed or not. */
static void whole_end(struct sqlite_store *s)
{
	if (!s->whole)
		return;
	s->whole = false;
	set_cache(s, DEFAULT_CACHE_KIB);
}

/* Transactions nest: the outermost is BEGIN IMMEDIATE ... COMMIT, inner ones
 * are savepoints, so an operation that fails inside a caller's transaction
 * undoes only its own part and the caller decides about the rest. Inside a
 * store_begin_whole transaction they are only counted: a part that fails
 * leaves it broken, to be rolled back. */
int sq_begin(struct sqlite_store *s, struct error *e)
{
	if (s->depth && s->whole) {
		s->depth++;
		return RC_OK;
	}
	const char *sql = s->depth ? "SAVEPOINT nested" : "BEGIN IMMEDIATE";
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return sq_fail(s, e, "starting a write transaction on %s", s->path);
	s->depth++;
	return RC_OK;
}

int sq_commit(struct sqlite_store *s, struct error *e)
{
	if (s->whole && s->depth > 1) {
		s->depth--;
		return RC_OK;
	}
	if (s->whole && s->broken)
		return err_set(e, RC_STORE, "committing to %s: a part of the transaction failed, "
			       "so it can only be rolled back", s->path);
	const char *sql = s->depth > 1 ? "RELEASE nested" : "COMMIT";
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return sq_fail(s, e, "committing to %s", s->path);
	if (--s->depth == 0)
		whole_end(s);
	return RC_OK;
}

void sq_rollback(struct sqlite_store *s)
{
	if (!s->depth)
		return;
	s->depth--;
	if (s->whole && s->depth) {
		s->broken = true;
		return;
	}
	/* After some errors (a full disk, an I/O error) SQLite has already rolled
	 * back the whole transaction; then there is nothing left to undo. */
	if (sqlite3_get_autocommit(s->db))
		s->depth = 0;
	else if (s->depth)
		sqlite3_exec(s->db, "ROLLBACK TO nested; RELEASE nested", NULL, NULL, NULL);
	else
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	if (!s->depth)
		whole_end(s);
}

void sq_bind_text(sqlite3_stmt *q, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

void sq_bind_opt(sqlite3_stmt *q, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(q, i, v);
	else
		sqlite3_bind_null(q, i);
}

char *sq_column_dup(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	return t ? xstrdup((const char *)t) : NULL;
}

/* ---- opening and migrating ---- */

/* Creates the directory the database file goes in (one level: `.assay/` in a
 * fresh checkout), since SQLite will not. */
static int make_parent_dir(const char *path, struct error *e)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return RC_OK;
	char *dir = xstrndup(path, (size_t)(slash - path));
	int rc = RC_OK;
	if (mkdir(dir, 0777) && errno != EEXIST)
		rc = err_set(e, RC_IO, "creating directory %s for database %s: %s", dir, path,
			     strerror(errno));
	free(dir);
	return rc;
}

/* The highest schema_version row, or 0 for a database assay never touched. */
static int read_version(struct sqlite_store *s, int *version, struct error *e)
{
	static const char exists[] =
		"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'";
	sqlite3_stmt *q = sq_prepare(s, exists, e);
	if (!q)
		return err_prefix(e, "database %s", s->path);
	int rc = sqlite3_step(q);
	bool has_table = rc == SQLITE_ROW && sqlite3_column_int(q, 0) > 0;
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW)
		return sq_fail(s, e, "database %s: reading its schema", s->path);
	*version = 0;
	if (!has_table)
		return RC_OK;
	q = sq_prepare(s, "SELECT coalesce(max(version), 0) FROM schema_version", e);
	if (!q)
		return err_prefix(e, "database %s", s->path);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW)
		return sq_fail(s, e, "database %s: reading schema_version", s->path);
	return RC_OK;
}

static int newest_migration(void)
{
	int v = 0;
	for (const struct schema_migration *m = schema_migrations; m->version; m++)
		if (m->version > v)
			v = m->version;
	return v;
}

static int refuse_newer(struct sqlite_store *s, int have, int known, struct error *e)
{
	return err_set(e, RC_SCHEMA,
		       "database %s is at schema version %d, this assay knows up to %d: "
		       "upgrade assay",
		       s->path, have, known);
}

/* Applies one migration in its own transaction. The version is read again
 * under the write lock: another assay opening the same new database at the
 * same moment may have applied it first. */
static int apply_migration(struct sqlite_store *s, const struct schema_migration *m, int known,
			   int *have, struct error *e)
{
	int rc = sq_begin(s, e);
	if (rc)
		return err_prefix(e, "migrating to %s", m->name);
	if ((rc = read_version(s, have, e)))
		goto fail;
	if (*have > known) {
		rc = refuse_newer(s, *have, known, e);
		goto fail;
	}
	if (*have >= m->version) {
		sq_rollback(s);
		return RC_OK;
	}
	if (sqlite3_exec(s->db, m->sql, NULL, NULL, NULL) != SQLITE_OK) {
		rc = sq_fail(s, e, "database %s: applying migration %s", s->path, m->name);
		goto fail;
	}
	sqlite3_stmt *q =
		sq_prepare(s, "INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)", e);
	if (!q) {
		rc = e->code;
		goto fail;
	}
	sqlite3_bind_int(q, 1, m->version);
	sqlite3_bind_int64(q, 2, time_now_ms());
	int step = sqlite3_step(q);
	sqlite3_finalize(q);
	if (step != SQLITE_DONE) {
		rc = sq_fail(s, e, "database %s: recording migration %s", s->path, m->name);
		goto fail;
	}
	if ((rc = sq_commit(s, e)))
		goto fail;
	*have = m->version;
	return RC_OK;
fail:
	sq_rollback(s);
	return rc;
}

/* assay_uuid_blob(text): a text UUID's 16 bytes, for 0004_compact_results
 * (SQLite 3.40 has no unhex()). Anything else is an error, which fails the
 * migration rather than store a wrong id. */
static void uuid_blob_fn(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const char *t = (const char *)sqlite3_value_text(argv[0]);
	unsigned char b[16];
	if (!t || !uuid_to_bytes(t, b)) {
		sqlite3_result_error(cx, "assay_uuid_blob: not a UUID", -1);
		return;
	}
	sqlite3_result_blob(cx, b, sizeof(b), SQLITE_TRANSIENT);
}

/* Brings the database up to the newest embedded migration, or refuses it if
 * a newer assay has been there. */
static int migrate(struct sqlite_store *s, struct error *e)
{
	int have, known = newest_migration();
	if (sqlite3_create_function(s->db, "assay_uuid_blob", 1,
				    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, NULL,
				    uuid_blob_fn, NULL, NULL) != SQLITE_OK)
		return sq_fail(s, e, "database %s: defining assay_uuid_blob", s->path);
	int rc = read_version(s, &have, e);
	if (rc)
		return rc;
	if (have > known)
		return refuse_newer(s, have, known, e);
	int64_t started = time_now_ms();
	int from = have;
	if (have && have < known)
		store_notice("database %s: upgrading its schema from version %d to %d", s->path,
			     have, known);
	for (const struct schema_migration *m = schema_migrations; m->version; m++) {
		if (m->version <= have)
			continue;
		if ((rc = apply_migration(s, m, known, &have, e)))
			return rc;
	}
	if (from && from < have)
		store_notice("database %s: upgraded to schema version %d in %.1f s", s->path, have,
			     (double)(time_now_ms() - started) / 1000);
	s->version = have;
	return RC_OK;
}


static const struct store_ops sqlite_ops;

/* Waits for another connection's write lock, in steps of 1 ms for up to
 * BUSY_TIMEOUT_MS. SQLite's own busy timeout backs off to sleeps of 100 ms,
 * so with a few writers taking turns (assay serve's threads, workers'
 * claims) a waiter often slept long after the lock was free. With 8
 * claimers (bench/orch.sh, loaded 2-core machine) the worst claim went from
 * 2-6 s to 0.3 s, p99 from 90-135 ms to 60-70 ms, throughput 3 times up. */
static int busy_wait(void *arg, int count)
{
	(void)arg;
	if (count >= BUSY_TIMEOUT_MS)
		return 0;
	struct timespec ts = { 0, 1000000L };
	nanosleep(&ts, NULL);
	return 1;
}

static void sqlite_close(struct store *st)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	for (int i = 0; i < SQ__COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	sq_results_release(s);
	/* The last connection to close checkpoints the WAL and removes it. */
	sqlite3_close(s->db);
	free(s->path);
	free(s->run_select);
	free(s->counters_sql);
	free(s);
}

/* Process-wide settings, made before SQLite initializes (else refused,
 * and then only costlier, never wrong):
 * - A savepoint or a statement inside a transaction keeps the original of
 *   each page it changes in a sub-journal, in memory up to this size, then
 *   in a temporary file. SQLite (3.40) keeps the in-memory part as one
 *   chunk of this size and, spilling, writes the chunk in one call that
 *   the unix VFS cuts to 128 KiB - 1 bytes: any larger setting fails every
 *   statement that outgrows it with "database or disk is full" (8 MiB did:
 *   a migration or a prune touching a million tests). 128 KiB is the most
 *   that works; imports, whose batches touched more, take no savepoints
 *   (store_begin_whole).
 * - No memory statistics: nothing reads them, and keeping them takes a
 *   global lock on every allocation. */
static void configure_sqlite(void)
{
	sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, 128 << 10);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int sqlite_store_open(const char *path, struct store **out, struct error *e)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, configure_sqlite);
	*out = NULL;
	int rc = make_parent_dir(path, e);
	if (rc)
		return rc;
	struct sqlite_store *s = xcalloc(1, sizeof(*s));
	s->base.ops = &sqlite_ops;
	s->path = xstrdup(path);
	run_sql_build('?', &s->run_select, &s->counters_sql);
	/* NOMUTEX: a store handle is used by one thread at a time (store.h). */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		rc = err_set(e, RC_STORE, "opening database %s: %s", path,
			     s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_handler(s->db, busy_wait, NULL);
	/* journal_mode is the first statement to read the file, so it is where a
	 * file that is not a database is found out. WAL lets readers (assay serve,
	 * assay list) go on while a run writes. */
	if (sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK) {
		rc = sq_fail(s, e, "opening database %s", path);
		goto fail;
	}
	/* NORMAL in WAL mode loses at most the last transactions on power loss,
	 * never consistency; FULL would fsync every result batch. */
	if (sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON", NULL,
			 NULL, NULL) != SQLITE_OK) {
		rc = sq_fail(s, e, "database %s: setting pragmas", path);
		goto fail;
	}
	if ((rc = migrate(s, e)))
		goto fail;
	*out = &s->base;
	return RC_OK;
fail:
	sqlite_close(&s->base);
	return rc;
}

static int sqlite_schema_version(struct store *st)
{
	return ((struct sqlite_store *)st)->version;
}

/* ---- idempotency keys ---- */

static int sqlite_idem_get(struct store *st, const char *scope, const char *key,
			   struct idem_answer *out, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_stmt(s, SQ_IDEM_GET,
				  "SELECT status, body, request_hash FROM idempotency_keys "
				  "WHERE scope = ?1 AND key = ?2",
				  e);
	if (!q)
		return err_prefix(e, "reading idempotency key");
	sq_bind_text(q, 1, scope);
	sq_bind_text(q, 2, key);
	int step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		out->status = sqlite3_column_int(q, 0);
		out->body = sq_column_dup(q, 1);
		out->request_hash = sq_column_dup(q, 2);
	}
	sqlite3_reset(q);
	if (step == SQLITE_DONE)
		return err_set(e, RC_NOTFOUND, "no idempotency key '%s'", key);
	if (step != SQLITE_ROW)
		return sq_fail(s, e, "reading idempotency key '%s'", key);
	return RC_OK;
}

static int sqlite_idem_put(struct store *st, const char *scope, const char *key,
			   const struct idem_answer *a, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_stmt(s, SQ_IDEM_PUT,
				  "INSERT INTO idempotency_keys (scope, key, request_hash, status, "
				  "body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
				  e);
	if (!q)
		return err_prefix(e, "storing idempotency key");
	sq_bind_text(q, 1, scope);
	sq_bind_text(q, 2, key);
	sq_bind_text(q, 3, a->request_hash ? a->request_hash : "");
	sqlite3_bind_int(q, 4, a->status);
	sq_bind_text(q, 5, a->body);
	sqlite3_bind_int64(q, 6, time_now_ms());
	int step = sqlite3_step(q);
	sqlite3_reset(q);
	if (step == SQLITE_CONSTRAINT_PRIMARYKEY)
		return err_set(e, RC_EXISTS, "idempotency key '%s' is already used", key);
	if (step != SQLITE_DONE)
		return sq_fail(s, e, "storing idempotency key '%s'", key);
	return RC_OK;
}

static int sqlite_idem_expire(struct store *st, int64_t before, int64_t *n, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q =
		sq_prepare(s, "DELETE FROM idempotency_keys WHERE created_at < ?1", e);
	if (!q)
		return err_prefix(e, "expiring idempotency keys");
	sqlite3_bind_int64(q, 1, before);
	int step = sqlite3_step(q);
	sqlite3_finalize(q);
	if (step != SQLITE_DONE)
		return sq_fail(s, e, "expiring idempotency keys");
	*n = sqlite3_changes(s->db);
	return RC_OK;
}

/* ---- API tokens ---- */

static int sqlite_token_add(struct store *st, const char *name, enum role role,
			    const char *hash, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(s,
				     "INSERT INTO tokens (name, role, hash, created_at) "
				     "VALUES (?1, ?2, ?3, ?4)",
				     e);
	if (!q)
		return err_prefix(e, "adding token '%s'", name);
	sq_bind_text(q, 1, name);
	sq_bind_text(q, 2, role_name(role));
	sq_bind_text(q, 3, hash);
	sqlite3_bind_int64(q, 4, time_now_ms());
	int step = sqlite3_step(q);
	sqlite3_finalize(q);
	if (step == SQLITE_CONSTRAINT_UNIQUE)
		return err_set(e, RC_EXISTS, "a token named '%s' exists already (revoke it first)",
			       name);
	if (step != SQLITE_DONE)
		return sq_fail(s, e, "adding token '%s'", name);
	return RC_OK;
}

static void read_token(sqlite3_stmt *q, struct token *t)
{
	t->name = sq_column_dup(q, 0);
	const unsigned char *role = sqlite3_column_text(q, 1);
	if (!role || !role_parse((const char *)role, &t->role))
		t->role = ROLE_READ; /* an unknown role allows the least */
	t->created_at = sqlite3_column_int64(q, 2);
	t->revoked_at = sqlite3_column_int64(q, 3);
}

static int sqlite_token_find(struct store *st, const char *hash, struct token *out,
			     struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_stmt(s, SQ_TOKEN_FIND,
				  "SELECT name, role, created_at, revoked_at FROM tokens "
				  "WHERE hash = ?1 AND revoked_at IS NULL",
				  e);
	if (!q)
		return err_prefix(e, "looking up a token");
	sq_bind_text(q, 1, hash);
	int step = sqlite3_step(q);
	if (step == SQLITE_ROW)
		read_token(q, out);
	sqlite3_reset(q);
	if (step == SQLITE_DONE)
		return err_set(e, RC_NOTFOUND, "no such token (or it was revoked)");
	if (step != SQLITE_ROW)
		return sq_fail(s, e, "looking up a token");
	return RC_OK;
}

static int sqlite_tokens_list(struct store *st, struct token **out, size_t *n, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(
		s, "SELECT name, role, created_at, revoked_at FROM tokens ORDER BY id", e);
	if (!q)
		return err_prefix(e, "listing tokens");
	struct token *ts = NULL;
	size_t cap = 0, count = 0;
	int step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		GROW(ts, cap, count + 1);
		memset(&ts[count], 0, sizeof(ts[count]));
		read_token(q, &ts[count++]);
	}
	sqlite3_finalize(q);
	if (step != SQLITE_DONE) {
		tokens_free(ts, count);
		return sq_fail(s, e, "listing tokens");
	}
	*out = ts;
	*n = count;
	return RC_OK;
}

static int sqlite_token_revoke(struct store *st, const char *name, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(s,
				     "UPDATE tokens SET revoked_at = ?2 "
				     "WHERE name = ?1 AND revoked_at IS NULL",
				     e);
	if (!q)
		return err_prefix(e, "revoking token '%s'", name);
	sq_bind_text(q, 1, name);
	sqlite3_bind_int64(q, 2, time_now_ms());
	int step = sqlite3_step(q);
	sqlite3_finalize(q);
	if (step != SQLITE_DONE)
		return sq_fail(s, e, "revoking token '%s'", name);
	if (sqlite3_changes(s->db) == 0)
		return err_set(e, RC_NOTFOUND, "no valid token named '%s'", name);
	return RC_OK;
}

/* ---- share links ---- */

static int sqlite_share_add(struct store *st, const char *run_id, const char *hash,
			    struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(
		s, "INSERT INTO share_links (run_id, hash, created_at) VALUES (?1, ?2, ?3)", e);
	if (!q)
		return err_prefix(e, "sharing run %s", run_id);
	sq_bind_text(q, 1, run_id);
	sq_bind_text(q, 2, hash);
	sqlite3_bind_int64(q, 3, time_now_ms());
	int step = sqlite3_step(q);
	sqlite3_finalize(q);
	if (step == SQLITE_CONSTRAINT_FOREIGNKEY)
		return err_set(e, RC_NOTFOUND, "no run %s", run_id);
	if (step != SQLITE_DONE)
		return sq_fail(s, e, "sharing run %s", run_id);
	return RC_OK;
}

static int sqlite_share_find(struct store *st, const char *hash, char run_id[UUID_STR_LEN],
			     struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_stmt(s, SQ_SHARE_FIND,
				  "SELECT run_id FROM share_links WHERE hash = ?1 AND revoked_at IS NULL",
				  e);
	if (!q)
		return err_prefix(e, "looking up a share link");
	sq_bind_text(q, 1, hash);
	int step = sqlite3_step(q);
	if (step == SQLITE_ROW)
		snprintf(run_id, UUID_STR_LEN, "%s", (const char *)sqlite3_column_text(q, 0));
	sqlite3_reset(q);
	if (step == SQLITE_DONE)
		return err_set(e, RC_NOTFOUND, "no such share link (or it was revoked)");
	if (step != SQLITE_ROW)
		return sq_fail(s, e, "looking up a share link");
	return RC_OK;
}

static int sqlite_share_revoke(struct store *st, const char *run_id, int64_t *n,
			       struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sqlite3_stmt *q = sq_prepare(s,
				     "UPDATE share_links SET revoked_at = ?2 "
				     "WHERE run_id = ?1 AND revoked_at IS NULL",
				     e);
	if (!q)
		return err_prefix(e, "unsharing run %s", run_id);
	sq_bind_text(q, 1, run_id);
	sqlite3_bind_int64(q, 2, time_now_ms());
	int step = sqlite3_step(q);
	sqlite3_finalize(q);
	if (step != SQLITE_DONE)
		return sq_fail(s, e, "unsharing run %s", run_id);
	*n = sqlite3_changes(s->db);
	return RC_OK;
}

static int sqlite_begin(struct store *st, struct error *e)
{
	return sq_begin((struct sqlite_store *)st, e);
}

static int sqlite_begin_whole(struct store *st, struct error *e)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	int rc = sq_begin(s, e);
	if (!rc && s->depth == 1) {
		s->whole = true;
		s->broken = false;
		set_cache(s, WHOLE_CACHE_KIB);
	}
	return rc;
}

static int sqlite_commit(struct store *st, struct error *e)
{
	return sq_commit((struct sqlite_store *)st, e);
}

static void sqlite_rollback(struct store *st)
{
	struct sqlite_store *s = (struct sqlite_store *)st;
	sq_rollback(s);
	/* Tests added in the rolled-back transaction are gone again. */
	sq_results_forget(s);
}

static const struct store_ops sqlite_ops = {
	.name = "sqlite",
	.close = sqlite_close,
	.schema_version = sqlite_schema_version,
	.run_insert = sqlite_run_insert,
	.run_update = sqlite_run_update,
	.run_get = sqlite_run_get,
	.run_back = sqlite_run_back,
	.run_ids_prefix = sqlite_run_ids_prefix,
	.runs_list = sqlite_runs_list,
	.runs_by_lifecycle = sqlite_runs_by_lifecycle,
	.idem_get = sqlite_idem_get,
	.idem_put = sqlite_idem_put,
	.idem_expire = sqlite_idem_expire,
	.token_add = sqlite_token_add,
	.token_find = sqlite_token_find,
	.tokens_list = sqlite_tokens_list,
	.token_revoke = sqlite_token_revoke,
	.share_add = sqlite_share_add,
	.share_find = sqlite_share_find,
	.share_revoke = sqlite_share_revoke,
	.run_event_add = sqlite_run_event_add,
	.run_events = sqlite_run_events,
	.suite_outputs_add = sqlite_suite_outputs_add,
	.suite_outputs_drop_older = sqlite_suite_outputs_drop_older,
	.suite_outputs = sqlite_suite_outputs,
	.results_insert = sq_results_insert,
	.run_orphan_failures = sq_run_orphan_failures,
	.results_each = sq_results_each,
	.test_exists = sq_test_exists,
	.projects_list = sq_projects_list,
	.tests_list = sq_tests_list,
	.test_durations = sq_test_durations,
	.pool_add = sq_pool_add,
	.pool_get = sq_pool_get,
	.pools_list = sq_pools_list,
	.pool_delete = sq_pool_delete,
	.pool_stat = sq_pool_stat,
	.blob_put = sq_blob_put,
	.blob_get = sq_blob_get,
	.package_add = sq_package_add,
	.package_get = sq_package_get,
	.packages_list = sq_packages_list,
	.worker_register = sq_worker_register,
	.worker_get = sq_worker_get,
	.workers_list = sq_workers_list,
	.worker_heartbeat = sq_worker_heartbeat,
	.worker_update = sq_worker_update,
	.order_add = sq_order_add,
	.order_get = sq_order_get,
	.order_update = sq_order_update,
	.order_claim = sq_order_claim,
	.orders_waiting = sq_orders_waiting,
	.orders_stale = sq_orders_stale,
	.orders_held = sq_orders_held,
	.runs_prunable = sq_runs_prunable,
	.runs_delete = sq_runs_delete,
	.begin = sqlite_begin,
	.begin_whole = sqlite_begin_whole,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
};
