/* pg — the PostgreSQL backend: connecting (and reconnecting) and
 * migrating, statements and pipelines, transactions, the results
 * partitions, idempotency keys, tokens and share links, and the table of
 * ops. Runs and their events are in pg_runs.c, results and the tests'
 * history in pg_results.c, orchestration in pg_orch.c; what they share (and
 * how this backend differs from the SQLite one) is in pg_int.h.
 *
 * Every value reaches SQL as a bound parameter. The only SQL text built at
 * run time is made of column names from model/status.c's fixed tables, of
 * "$N" placeholders, and of a partition's name and month bounds computed
 * here from a number (DDL takes no parameters). The URL is never put in a
 * message: it may carry a password. */
#include "util/base.h"

#include <ctype.h>
#include <poll.h>
#include <stdarg.h>
#include <time.h>

#include "store/pg_int.h"
#include "store/run_sql.h"
#include "store/schema.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"

/* Any number, the same in every assay: the advisory lock that serializes
 * migrations and partition creation across processes. */
#define PG_SCHEMA_LOCK 0x61737361790001LL

/* ---- parameters and statements ---- */

static const char **pp_slot(struct pg_params *p)
{
	if (p->n >= PG_MAX_PARAMS)
		abort(); /* a programming error: a statement with too many values */
	return &p->v[p->n++];
}

void pp_text(struct pg_params *p, const char *s)
{
	*pp_slot(p) = s;
}

void pp_text_clean(struct pg_params *p, const char *s)
{
	if (!s || str_utf8_valid(s)) {
		pp_text(p, s);
		return;
	}
	char *clean = str_utf8_clean(s);
	p->owned[p->n_owned++] = clean;
	pp_text(p, clean);
}

void pp_release(struct pg_params *p)
{
	for (int i = 0; i < p->n_owned; i++)
		free(p->owned[i]);
	p->n_owned = 0;
}

void pp_i64(struct pg_params *p, int64_t v)
{
	const char **slot = pp_slot(p);
	char *num = p->num[p->n - 1];
	snprintf(num, sizeof(p->num[0]), "%lld", (long long)v);
	*slot = num;
}

void pp_opt(struct pg_params *p, int64_t v)
{
	if (v)
		pp_i64(p, v);
	else
		pp_text(p, NULL);
}

void pp_bool(struct pg_params *p, bool v)
{
	pp_text(p, v ? "t" : "f");
}

/* Fills `e` with "<step>: <what the server or libpq said>" (one line). */
int pg_fail(struct pg_store *s, const PGresult *r, struct error *e, const char *step)
{
	const char *msg = r ? PQresultErrorMessage(r) : "";
	if (!msg || !*msg)
		msg = PQerrorMessage(s->conn);
	size_t len = strlen(msg);
	while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		len--;
	if (!len)
		return err_set(e, RC_STORE, "%s: the PostgreSQL server did not answer", step);
	return err_set(e, RC_STORE, "%s: %.*s", step, (int)len, msg);
}

/* Prepares statement `which` on this connection if it is not yet; NULL if
 * it is, else the failed result (the caller reports it and PQclear()s). */
static PGresult *prepare(struct pg_store *s, enum pg_stmt which, const char *sql, int n)
{
	if (s->prepared[which])
		return NULL;
	char name[16];
	snprintf(name, sizeof(name), "s%d", (int)which);
	PGresult *r = PQprepare(s->conn, name, sql, n, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return r;
	s->prepared[which] = true;
	PQclear(r);
	return NULL;
}

/* ---- a connection the server dropped ----
 *
 * A long-lived `assay serve` outlives PostgreSQL restarts and backends
 * terminated by an administrator. The connection is reset (PQreset: the
 * same parameters) when it is found broken *between* transactions, and the
 * statement that found it is then sent again: at depth 0 nothing of a
 * transaction is lost with the old session. Inside a transaction nothing is
 * retried: the transaction is gone with the session, the statement fails
 * (RC_STORE: 503 to an API client, who may retry the whole request), the
 * caller rolls back, and the next statement resets the connection. */

/* What the old session held: prepared statements, pipeline state, and the
 * caches of rows it may have made uncommitted. */
static void forget_session(struct pg_store *s)
{
	memset(s->prepared, 0, sizeof(s->prepared));
	s->pipe.on = false;
	s->pipe.pending = 0;
	s->depth = 0;
	pg_results_forget(s);
	s->months_n = 0;
}

static int reconnect(struct pg_store *s, struct error *e)
{
	PQreset(s->conn);
	forget_session(s);
	char step[300];
	snprintf(step, sizeof(step), "reconnecting to %s", s->label);
	if (PQstatus(s->conn) != CONNECTION_OK)
		return pg_fail(s, NULL, e, step);
	PGresult *r = PQexec(s->conn, "SET application_name = 'assay'");
	int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? RC_OK : pg_fail(s, r, e, step);
	PQclear(r);
	return rc;
}

int pg_ready(struct pg_store *s, struct error *e)
{
	if (s->depth || s->pipe.on)
		return RC_OK;
	if (PQstatus(s->conn) == CONNECTION_OK) {
		/* An idle session has nothing to read unless the server is
		 * closing it (its last message, then EOF): one poll tells,
		 * without waiting, before anything is sent. */
		struct pollfd pfd = { .fd = PQsocket(s->conn), .events = POLLIN };
		if (poll(&pfd, 1, 0) <= 0)
			return RC_OK;
		PQconsumeInput(s->conn);
		if (PQstatus(s->conn) == CONNECTION_OK)
			return RC_OK;
	}
	return reconnect(s, e);
}

/* Whether a statement that failed with `r` is to be sent again on a new
 * connection: the connection broke, and no transaction was open. */
static bool retry_after(struct pg_store *s, bool in_tx, struct error *e)
{
	if (in_tx || PQstatus(s->conn) != CONNECTION_BAD)
		return false;
	return reconnect(s, e) == RC_OK;
}

static PGresult *exec_once(struct pg_store *s, enum pg_stmt which, const char *sql,
			   const struct pg_params *p)
{
	int n = p ? p->n : 0;
	const char *const *v = p ? p->v : NULL;
	PGresult *r;
	if (which == PG_ONCE) {
		r = PQexecParams(s->conn, sql, n, NULL, v, NULL, NULL, 0);
	} else if (!(r = prepare(s, which, sql, n))) {
		char name[16];
		snprintf(name, sizeof(name), "s%d", (int)which);
		r = PQexecPrepared(s->conn, name, n, v, NULL, NULL, 0);
	}
	return r;
}

PGresult *pg_exec(struct pg_store *s, enum pg_stmt which, const char *sql,
		  const struct pg_params *p, struct error *e, const char *fmt, ...)
{
	if (pg_ready(s, e) || pg_pipe_flush(s, e))
		return NULL;
	bool in_tx = s->depth > 0;
	PGresult *r = exec_once(s, which, sql, p);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && retry_after(s, in_tx, e)) {
		PQclear(r);
		r = exec_once(s, which, sql, p);
		st = PQresultStatus(r);
	}
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	char step[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(step, sizeof(step), fmt, ap);
	va_end(ap);
	pg_fail(s, r, e, step);
	PQclear(r);
	return NULL;
}

/* One line of a server message, its trailing newlines cut. */
static int message_len(const char *msg)
{
	size_t len = strlen(msg);
	while (len && msg[len - 1] == '\n')
		len--;
	return (int)len;
}

int pg_pipe_flush(struct pg_store *s, struct error *e)
{
	struct pg_pipe *pp = &s->pipe;
	if (!pp->on)
		return RC_OK;
	int rc = RC_OK;
	if (!PQpipelineSync(s->conn))
		rc = err_set(e, RC_STORE, "%s: %s", pp->doing, PQerrorMessage(s->conn));
	/* Each statement's answer ends with a NULL; then comes the sync. After
	 * a failure the rest answer PGRES_PIPELINE_ABORTED. */
	for (int i = 0; !rc && i < pp->pending; i++) {
		PGresult *r;
		while ((r = PQgetResult(s->conn))) {
			ExecStatusType st = PQresultStatus(r);
			if (st != PGRES_COMMAND_OK && st != PGRES_PIPELINE_ABORTED && !rc) {
				const char *msg = PQresultErrorMessage(r);
				rc = err_set(e, RC_STORE, "%s '%s': %.*s", pp->doings[i], pp->what[i],
					     message_len(msg), msg);
			}
			PQclear(r);
		}
		if (rc) /* read what is left up to the sync, without looking */
			for (int k = i + 1; k < pp->pending; k++)
				while ((r = PQgetResult(s->conn)))
					PQclear(r);
	}
	PGresult *r;
	while ((r = PQgetResult(s->conn))) {
		bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
		PQclear(r);
		if (sync)
			break;
	}
	if (!PQexitPipelineMode(s->conn) && !rc)
		rc = err_set(e, RC_STORE, "leaving pipeline mode: %s", PQerrorMessage(s->conn));
	pp->on = false;
	pp->pending = 0;
	return rc;
}

int pg_pipe_cmd(struct pg_store *s, enum pg_stmt which, const char *sql,
		const struct pg_params *p, const char *doing, const char *what, struct error *e)
{
	struct pg_pipe *pp = &s->pipe;
	/* Answers are read every PG_PIPE_MAX statements: they then fit in the
	 * socket buffers, so the server never blocks on a client that is
	 * still writing. And a statement is prepared outside the pipeline,
	 * once per session: one not prepared yet drains the pipeline first. */
	if (pp->pending == PG_PIPE_MAX || (pp->on && !s->prepared[which])) {
		int rc = pg_pipe_flush(s, e);
		if (rc)
			return rc;
	}
	if (!pp->on) {
		PGresult *r = prepare(s, which, sql, p->n);
		if (r) {
			int rc = pg_fail(s, r, e, doing);
			PQclear(r);
			return rc;
		}
		if (!PQenterPipelineMode(s->conn))
			return err_set(e, RC_STORE, "%s: %s", doing, PQerrorMessage(s->conn));
		pp->on = true;
		pp->doing = doing;
	}
	char name[16];
	snprintf(name, sizeof(name), "s%d", (int)which);
	if (!PQsendQueryPrepared(s->conn, name, p->n, p->v, NULL, NULL, 0))
		return err_set(e, RC_STORE, "%s '%s': %s", doing, what, PQerrorMessage(s->conn));
	pp->doings[pp->pending] = doing;
	pp->what[pp->pending++] = what;
	return RC_OK;
}

int pg_cmd(struct pg_store *s, enum pg_stmt which, const char *sql, const struct pg_params *p,
	   int64_t *changed, struct error *e, const char *fmt, ...)
{
	char step[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(step, sizeof(step), fmt, ap);
	va_end(ap);
	PGresult *r = pg_exec(s, which, sql, p, e, "%s", step);
	if (!r)
		return e->code;
	if (changed)
		*changed = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return RC_OK;
}

const char *pg_str(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

char *pg_dup(const PGresult *r, int row, int col)
{
	return xstrdup(pg_str(r, row, col));
}

int64_t pg_i64(const PGresult *r, int row, int col)
{
	const char *v = pg_str(r, row, col);
	return v ? strtoll(v, NULL, 10) : 0;
}

bool pg_bool(const PGresult *r, int row, int col)
{
	const char *v = pg_str(r, row, col);
	return v && v[0] == 't';
}

bool pg_is_uuid(const char *s)
{
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !(isdigit((unsigned char)s[i]) || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return s[36] == '\0';
}

/* ---- transactions ---- */

/* Runs a statement with no parameters and no rows (BEGIN, SAVEPOINT...). */
static int simple(struct pg_store *s, const char *sql, struct error *e, const char *step)
{
	if (pg_ready(s, e) || pg_pipe_flush(s, e))
		return e->code;
	bool in_tx = s->depth > 0;
	PGresult *r = PQexec(s->conn, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && retry_after(s, in_tx, e)) {
		PQclear(r);
		r = PQexec(s->conn, sql);
	}
	int rc = RC_OK;
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = pg_fail(s, r, e, step);
	PQclear(r);
	return rc;
}

/* As in SQLite: the outermost is BEGIN ... COMMIT, inner ones are
 * savepoints, so an operation that fails inside a caller's transaction
 * undoes only its own part. */
int pg_begin(struct pg_store *s, struct error *e)
{
	if (s->depth && s->whole) { /* store_begin_whole: parts take no savepoint */
		s->depth++;
		return RC_OK;
	}
	char step[300];
	snprintf(step, sizeof(step), "starting a transaction on %s", s->label);
	int rc = simple(s, s->depth ? "SAVEPOINT nested" : "BEGIN", e, step);
	if (!rc)
		s->depth++;
	return rc;
}

int pg_commit(struct pg_store *s, struct error *e)
{
	char step[300];
	snprintf(step, sizeof(step), "committing to %s", s->label);
	int rc = pg_pipe_flush(s, e);
	if (rc)
		return rc;
	if (s->whole && s->depth > 1) {
		s->depth--;
		return RC_OK;
	}
	if (s->whole && s->broken)
		return err_set(e, RC_STORE, "%s: a part of the transaction failed, so it can only "
			       "be rolled back", step);
	/* COMMIT of a failed transaction "succeeds" as a ROLLBACK: say so. */
	if (PQtransactionStatus(s->conn) == PQTRANS_INERROR)
		return err_set(e, RC_STORE, "%s: an earlier statement of the transaction failed",
			       step);
	rc = simple(s, s->depth > 1 ? "RELEASE SAVEPOINT nested" : "COMMIT", e, step);
	if (!rc && --s->depth == 0)
		s->whole = false;
	return rc;
}

void pg_rollback(struct pg_store *s)
{
	struct error ignored = ERROR_INIT;
	pg_pipe_flush(s, &ignored); /* what was sent is undone with the rest */
	if (!s->depth)
		return;
	s->depth--;
	if (s->whole && s->depth) {
		s->broken = true; /* a part failed: only the whole can be rolled back */
		return;
	}
	s->whole = false;
	PGTransactionStatusType ts = PQtransactionStatus(s->conn);
	if (ts == PQTRANS_IDLE || ts == PQTRANS_UNKNOWN) {
		s->depth = 0; /* the connection broke: there is nothing left to undo */
		return;
	}
	PGresult *r = PQexec(s->conn, s->depth ? "ROLLBACK TO SAVEPOINT nested; "
						 "RELEASE SAVEPOINT nested"
					       : "ROLLBACK");
	PQclear(r);
	/* Tests and partitions made in the rolled-back part are gone again. */
	pg_results_forget(s);
	s->months_n = 0;
}

/* ---- opening and migrating ---- */

static int newest_migration(void)
{
	int v = 0;
	for (const struct schema_migration *m = pg_schema_migrations; m->version; m++)
		if (m->version > v)
			v = m->version;
	return v;
}

/* The highest schema_version row, or 0 for a database assay never touched. */
static int read_version(struct pg_store *s, int *version, struct error *e)
{
	PGresult *r = pg_exec(s, PG_ONCE, "SELECT to_regclass('schema_version') IS NOT NULL", NULL,
			      e, "%s: reading its schema", s->label);
	if (!r)
		return e->code;
	bool has = pg_bool(r, 0, 0);
	PQclear(r);
	*version = 0;
	if (!has)
		return RC_OK;
	r = pg_exec(s, PG_ONCE, "SELECT coalesce(max(version), 0) FROM schema_version", NULL, e,
		    "%s: reading schema_version", s->label);
	if (!r)
		return e->code;
	*version = (int)pg_i64(r, 0, 0);
	PQclear(r);
	return RC_OK;
}

/* Brings the database up to the newest embedded migration in one
 * transaction, under an advisory lock so that two assays opening a new
 * database at once apply each migration once; or refuses the database if
 * a newer assay has been there. */
static int migrate(struct pg_store *s, struct error *e)
{
	int have = 0, known = newest_migration();
	int rc = pg_begin(s, e);
	if (rc)
		return rc;
	struct pg_params p = { 0 };
	pp_i64(&p, PG_SCHEMA_LOCK);
	if ((rc = pg_cmd(s, PG_ONCE, "SELECT pg_advisory_xact_lock($1)", &p, NULL, e,
			 "%s: waiting for the schema lock", s->label)))
		goto fail;
	if ((rc = read_version(s, &have, e)))
		goto fail;
	if (have > known) {
		rc = err_set(e, RC_SCHEMA,
			     "%s is at schema version %d, this assay knows up to %d: upgrade assay",
			     s->label, have, known);
		goto fail;
	}
	int64_t started = time_now_ms();
	int from = have;
	if (have && have < known)
		store_notice("%s: upgrading its schema from version %d to %d", s->label, have,
			     known);
	for (const struct schema_migration *m = pg_schema_migrations; m->version; m++) {
		if (m->version <= have)
			continue;
		char step[300];
		snprintf(step, sizeof(step), "%s: applying migration %s", s->label, m->name);
		if ((rc = simple(s, m->sql, e, step)))
			goto fail;
		p = (struct pg_params){ 0 };
		pp_i64(&p, m->version);
		pp_i64(&p, time_now_ms());
		if ((rc = pg_cmd(s, PG_ONCE,
				 "INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)", &p,
				 NULL, e, "%s: recording migration %s", s->label, m->name)))
			goto fail;
		have = m->version;
	}
	if ((rc = pg_commit(s, e)))
		goto fail;
	if (from && from < have)
		store_notice("%s: upgraded to schema version %d in %.1f s", s->label, have,
			     (double)(time_now_ms() - started) / 1000);
	s->version = have;
	return RC_OK;
fail:
	pg_rollback(s);
	return rc;
}

/* The month (year * 12 + month - 1, UTC) of `ms`, and its bounds in ms. */
static int month_of(int64_t ms, int64_t *lo, int64_t *hi)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	struct tm first = { .tm_year = tm.tm_year, .tm_mon = tm.tm_mon, .tm_mday = 1 };
	struct tm next = first;
	next.tm_mon++;
	*lo = (int64_t)timegm(&first) * 1000;
	*hi = (int64_t)timegm(&next) * 1000;
	return (tm.tm_year + 1900) * 12 + tm.tm_mon;
}

int pg_partition_for(struct pg_store *s, int64_t created_at, struct error *e)
{
	int64_t lo, hi;
	int month = month_of(created_at, &lo, &hi);
	for (int i = 0; i < s->months_n; i++)
		if (s->months[i] == month)
			return RC_OK;
	char name[40];
	snprintf(name, sizeof(name), "results_y%04dm%02d", month / 12, month % 12 + 1);
	struct pg_params p = { 0 };
	pp_text(&p, name);
	PGresult *r = pg_exec(s, PG_ONCE, "SELECT to_regclass($1) IS NOT NULL", &p, e,
			      "looking for results partition %s", name);
	if (!r)
		return e->code;
	bool exists = pg_bool(r, 0, 0);
	PQclear(r);
	if (!exists) {
		/* Creating a partition locks `results` until the transaction ends;
		 * the advisory lock makes a second creator wait for the first and
		 * then find the table there (IF NOT EXISTS). */
		bool own = s->depth == 0;
		int rc = own ? pg_begin(s, e) : RC_OK;
		if (rc)
			return rc;
		p = (struct pg_params){ 0 };
		pp_i64(&p, PG_SCHEMA_LOCK);
		rc = pg_cmd(s, PG_ONCE, "SELECT pg_advisory_xact_lock($1)", &p, NULL, e,
			    "creating results partition %s", name);
		if (!rc) {
			char *ddl = xasprintf("CREATE TABLE IF NOT EXISTS %s PARTITION OF results "
					      "FOR VALUES FROM (%lld) TO (%lld)",
					      name, (long long)lo, (long long)hi);
			char step[80];
			snprintf(step, sizeof(step), "creating results partition %s", name);
			rc = simple(s, ddl, e, step);
			free(ddl);
		}
		if (own && !rc)
			rc = pg_commit(s, e);
		if (rc) {
			if (own)
				pg_rollback(s);
			return rc;
		}
	}
	if (s->months_n == PG_MONTHS_KNOWN)
		s->months_n = 0; /* forget them all: each costs one lookup to learn again */
	s->months[s->months_n++] = month;
	return RC_OK;
}


/* Notices (CREATE ... IF NOT EXISTS that existed) are not for the user. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Replaces every `secret` in e's message with "***". */
static void mask(struct error *e, const char *secret)
{
	struct buf b = BUF_INIT;
	size_t n = strlen(secret);
	for (const char *p = e->msg; *p;) {
		if (!strncmp(p, secret, n)) {
			buf_adds(&b, "***");
			p += n;
		} else {
			buf_addc(&b, *p++);
		}
	}
	snprintf(e->msg, sizeof(e->msg), "%s", b.data ? b.data : "");
	buf_release(&b);
}

static const struct store_ops pg_ops;

static void pg_close(struct store *st)
{
	struct pg_store *s = (struct pg_store *)st;
	pg_results_release(s);
	PQfinish(s->conn);
	free(s->label);
	free(s->run_select);
	free(s->counters_sql);
	free(s);
}

int pg_store_open(const char *url, struct store **out, struct error *e)
{
	*out = NULL;
	struct pg_store *s = xcalloc(1, sizeof(*s));
	s->base.ops = &pg_ops;
	run_sql_build('$', &s->run_select, &s->counters_sql);
	int rc;
	/* libpq's own messages about a URL it cannot parse quote the part at
	 * fault, which may be the password: such a URL is refused unquoted. */
	char *why = NULL;
	PQconninfoOption *opts = PQconninfoParse(url, &why);
	PQfreemem(why);
	if (!opts) {
		rc = err_set(e, RC_USAGE, "the PostgreSQL URL is malformed (not shown: it may hold "
					  "a password); see libpq's connection URIs");
		goto fail;
	}
	char *password = NULL;
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (!strcmp(o->keyword, "password") && o->val && *o->val)
			password = xstrdup(o->val);
	PQconninfoFree(opts);
	s->conn = PQconnectdb(url);
	if (!s->conn) {
		free(password);
		rc = err_set(e, RC_STORE, "connecting to PostgreSQL: out of memory");
		goto fail;
	}
	if (PQstatus(s->conn) != CONNECTION_OK) {
		/* libpq names the host and user; the password, should a message
		 * ever quote it, is masked. */
		rc = pg_fail(s, NULL, e, "connecting to PostgreSQL");
		if (password)
			mask(e, password);
		free(password);
		goto fail;
	}
	free(password);
	s->label = xasprintf("PostgreSQL database %s on %s:%s", PQdb(s->conn), PQhost(s->conn),
			     PQport(s->conn));
	PQsetNoticeProcessor(s->conn, quiet, NULL);
	if ((rc = simple(s, "SET application_name = 'assay'", e, "setting up the connection")))
		goto fail;
	if ((rc = migrate(s, e)))
		goto fail;
	/* This month's and next month's partitions, made ahead so that
	 * recording a run seldom has to (see pg_partition_for). */
	int64_t now = time_now_ms();
	if ((rc = pg_partition_for(s, now, e)) ||
	    (rc = pg_partition_for(s, now + 32LL * 24 * 3600 * 1000, e)))
		goto fail;
	*out = &s->base;
	return RC_OK;
fail:
	pg_close(&s->base);
	return rc;
}

static int pg_schema_version(struct store *st)
{
	return ((struct pg_store *)st)->version;
}

/* ---- idempotency keys ---- */

/* Inside a transaction, a lock on the key (until the transaction ends) makes
 * a racing retry wait here and then read the answer the first one stored:
 * what SQLite's one write lock gives for free. */
static int pg_idem_get(struct store *st, const char *scope, const char *key,
		       struct idem_answer *out, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params p = { 0 };
	pp_text_clean(&p, scope);
	pp_text_clean(&p, key);
	if (s->depth > 0) {
		int rc = pg_cmd(s, PG_IDEM_LOCK,
				"SELECT pg_advisory_xact_lock(hashtextextended($1::text || chr(10) || "
				"$2::text, 0))",
				&p, NULL, e, "locking idempotency key '%s'", key);
		if (rc) {
			pp_release(&p);
			return rc;
		}
	}
	PGresult *r = pg_exec(s, PG_IDEM_GET,
			      "SELECT status, body, request_hash FROM idempotency_keys "
			      "WHERE scope = $1 AND key = $2",
			      &p, e, "reading idempotency key '%s'", key);
	pp_release(&p);
	if (!r)
		return e->code;
	int rc = RC_OK;
	if (PQntuples(r) == 1) {
		out->status = (int)pg_i64(r, 0, 0);
		out->body = pg_dup(r, 0, 1);
		out->request_hash = pg_dup(r, 0, 2);
	} else {
		rc = err_set(e, RC_NOTFOUND, "no idempotency key '%s'", key);
	}
	PQclear(r);
	return rc;
}

static int pg_idem_put(struct store *st, const char *scope, const char *key,
		       const struct idem_answer *a, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params p = { 0 };
	pp_text_clean(&p, scope);
	pp_text_clean(&p, key);
	pp_text(&p, a->request_hash ? a->request_hash : "");
	pp_i64(&p, a->status);
	pp_text(&p, a->body);
	pp_i64(&p, time_now_ms());
	int64_t added = 0;
	int rc = pg_cmd(s, PG_IDEM_PUT,
			"INSERT INTO idempotency_keys (scope, key, request_hash, status, body, "
			"created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
			&p, &added, e, "storing idempotency key '%s'", key);
	pp_release(&p);
	if (rc)
		return rc;
	if (!added)
		return err_set(e, RC_EXISTS, "idempotency key '%s' is already used", key);
	return RC_OK;
}

static int pg_idem_expire(struct store *st, int64_t before, int64_t *n, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params p = { 0 };
	pp_i64(&p, before);
	return pg_cmd(s, PG_ONCE, "DELETE FROM idempotency_keys WHERE created_at < $1", &p, n, e,
		      "expiring idempotency keys");
}

/* ---- API tokens ---- */

static int pg_token_add(struct store *st, const char *name, enum role role, const char *hash,
			struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params p = { 0 };
	pp_text(&p, name);
	pp_text(&p, role_name(role));
	pp_text(&p, hash);
	pp_i64(&p, time_now_ms());
	int64_t added = 0;
	/* No conflict target: both the hash and the valid name are unique. */
	int rc = pg_cmd(s, PG_ONCE,
			"INSERT INTO tokens (name, role, hash, created_at) VALUES ($1, $2, $3, $4) "
			"ON CONFLICT DO NOTHING",
			&p, &added, e, "adding token '%s'", name);
	if (rc)
		return rc;
	if (!added)
		return err_set(e, RC_EXISTS, "a token named '%s' exists already (revoke it first)",
			       name);
	return RC_OK;
}

static void read_token(const PGresult *r, int row, struct token *t)
{
	t->name = pg_dup(r, row, 0);
	const char *role = pg_str(r, row, 1);
	if (!role || !role_parse(role, &t->role))
		t->role = ROLE_READ; /* an unknown role allows the least */
	t->created_at = pg_i64(r, row, 2);
	t->revoked_at = pg_i64(r, row, 3);
}

static int pg_token_find(struct store *st, const char *hash, struct token *out,
			 struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params p = { 0 };
	pp_text(&p, hash);
	PGresult *r = pg_exec(s, PG_TOKEN_FIND,
			      "SELECT name, role, created_at, revoked_at FROM tokens "
			      "WHERE hash = $1 AND revoked_at IS NULL",
			      &p, e, "looking up a token");
	if (!r)
		return e->code;
	int rc = RC_OK;
	if (PQntuples(r) == 1)
		read_token(r, 0, out);
	else
		rc = err_set(e, RC_NOTFOUND, "no such token (or it was revoked)");
	PQclear(r);
	return rc;
}

static int pg_tokens_list(struct store *st, struct token **out, size_t *n, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	PGresult *r = pg_exec(s, PG_ONCE,
			      "SELECT name, role, created_at, revoked_at FROM tokens ORDER BY id",
			      NULL, e, "listing tokens");
	if (!r)
		return e->code;
	size_t count = (size_t)PQntuples(r);
	struct token *ts = count ? xcalloc(count, sizeof(*ts)) : NULL;
	for (size_t i = 0; i < count; i++)
		read_token(r, (int)i, &ts[i]);
	PQclear(r);
	*out = ts;
	*n = count;
	return RC_OK;
}

static int pg_token_revoke(struct store *st, const char *name, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params p = { 0 };
	pp_text(&p, name);
	pp_i64(&p, time_now_ms());
	int64_t changed = 0;
	int rc = pg_cmd(s, PG_ONCE,
			"UPDATE tokens SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL",
			&p, &changed, e, "revoking token '%s'", name);
	if (rc)
		return rc;
	if (changed == 0)
		return err_set(e, RC_NOTFOUND, "no valid token named '%s'", name);
	return RC_OK;
}

/* ---- share links ---- */

static int pg_share_add(struct store *st, const char *run_id, const char *hash,
			struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	if (!pg_is_uuid(run_id))
		return err_set(e, RC_NOTFOUND, "no run %s", run_id);
	struct pg_params p = { 0 };
	pp_text(&p, run_id);
	pp_text(&p, hash);
	pp_i64(&p, time_now_ms());
	int64_t added = 0;
	int rc = pg_cmd(s, PG_ONCE,
			"INSERT INTO share_links (run_id, hash, created_at) "
			"SELECT $1::uuid, $2::text, $3::bigint "
			"WHERE EXISTS (SELECT 1 FROM test_runs WHERE id = $1::uuid)",
			&p, &added, e, "sharing run %s", run_id);
	if (rc)
		return rc;
	if (!added)
		return err_set(e, RC_NOTFOUND, "no run %s", run_id);
	return RC_OK;
}

static int pg_share_find(struct store *st, const char *hash, char run_id[UUID_STR_LEN],
			 struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_params p = { 0 };
	pp_text(&p, hash);
	PGresult *r = pg_exec(s, PG_SHARE_FIND,
			      "SELECT run_id FROM share_links WHERE hash = $1 AND revoked_at IS NULL",
			      &p, e, "looking up a share link");
	if (!r)
		return e->code;
	int rc = RC_OK;
	if (PQntuples(r) == 1)
		snprintf(run_id, UUID_STR_LEN, "%s", pg_str(r, 0, 0));
	else
		rc = err_set(e, RC_NOTFOUND, "no such share link (or it was revoked)");
	PQclear(r);
	return rc;
}

static int pg_share_revoke(struct store *st, const char *run_id, int64_t *n, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	if (!pg_is_uuid(run_id))
		return RC_OK; /* no such run, so no links: *n stays 0 */
	struct pg_params p = { 0 };
	pp_text(&p, run_id);
	pp_i64(&p, time_now_ms());
	return pg_cmd(s, PG_ONCE,
		      "UPDATE share_links SET revoked_at = $2 WHERE run_id = $1 AND revoked_at IS NULL",
		      &p, n, e, "unsharing run %s", run_id);
}

static int pg_begin_op(struct store *st, struct error *e)
{
	return pg_begin((struct pg_store *)st, e);
}

/* As on SQLite, the parts take no savepoints: each was a subtransaction,
 * and the run's row, locked by every one of them (the results' foreign
 * key), came to carry a MultiXact of them all, checked again for each
 * result inserted. */
static int pg_begin_whole_op(struct store *st, struct error *e)
{
	struct pg_store *s = (struct pg_store *)st;
	int rc = pg_begin(s, e);
	if (!rc && s->depth == 1) {
		s->whole = true;
		s->broken = false;
	}
	return rc;
}

static int pg_commit_op(struct store *st, struct error *e)
{
	return pg_commit((struct pg_store *)st, e);
}

static void pg_rollback_op(struct store *st)
{
	pg_rollback((struct pg_store *)st);
}

static const struct store_ops pg_ops = {
	.name = "postgresql",
	.close = pg_close,
	.schema_version = pg_schema_version,
	.run_insert = pg_run_insert,
	.run_update = pg_run_update,
	.run_get = pg_run_get,
	.run_back = pg_run_back,
	.run_ids_prefix = pg_run_ids_prefix,
	.runs_list = pg_runs_list,
	.runs_by_lifecycle = pg_runs_by_lifecycle,
	.idem_get = pg_idem_get,
	.idem_put = pg_idem_put,
	.idem_expire = pg_idem_expire,
	.token_add = pg_token_add,
	.token_find = pg_token_find,
	.tokens_list = pg_tokens_list,
	.token_revoke = pg_token_revoke,
	.share_add = pg_share_add,
	.share_find = pg_share_find,
	.share_revoke = pg_share_revoke,
	.run_event_add = pg_run_event_add,
	.run_events = pg_run_events,
	.suite_outputs_add = pg_suite_outputs_add,
	.suite_outputs_drop_older = pg_suite_outputs_drop_older,
	.suite_outputs = pg_suite_outputs,
	.results_insert = pg_results_insert,
	.run_orphan_failures = pg_run_orphan_failures,
	.results_each = pg_results_each,
	.test_exists = pg_test_exists,
	.projects_list = pg_projects_list,
	.tests_list = pg_tests_list,
	.test_durations = pg_test_durations,
	.begin = pg_begin_op,
	.begin_whole = pg_begin_whole_op,
	.commit = pg_commit_op,
	.rollback = pg_rollback_op,
	.pool_add = pg_pool_add,
	.pool_get = pg_pool_get,
	.pools_list = pg_pools_list,
	.pool_delete = pg_pool_delete,
	.pool_stat = pg_pool_stat,
	.blob_put = pg_blob_put,
	.blob_get = pg_blob_get,
	.package_add = pg_package_add,
	.package_get = pg_package_get,
	.packages_list = pg_packages_list,
	.worker_register = pg_worker_register,
	.worker_get = pg_worker_get,
	.workers_list = pg_workers_list,
	.worker_heartbeat = pg_worker_heartbeat,
	.worker_update = pg_worker_update,
	.order_add = pg_order_add,
	.order_get = pg_order_get,
	.order_update = pg_order_update,
	.order_claim = pg_order_claim,
	.orders_waiting = pg_orders_waiting,
	.orders_stale = pg_orders_stale,
	.orders_held = pg_orders_held,
	.runs_prunable = pg_runs_prunable,
	.runs_delete = pg_runs_delete,
};
