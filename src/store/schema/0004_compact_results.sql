-- 0004_compact_results — results in a third of the space, with a third of
-- the b-tree writes per result (issue 3: a million-case import was mostly
-- SQLite writing 450 MB).
--
-- Before, each result row carried its run's 36-character text id, its
-- test's full name and parent (again), its status by name and its id as
-- text, and was written to four b-trees: the table, the unique index on
-- the id, (run_id, seq) and (test_id, run_id), with text keys.
--
-- Now a result is a row of `result_rows`, keyed by a `seq` that holds its
-- run and its place in the run: (run_no << 32) + n, n = 1, 2, ... So a
-- run's results are one stretch of the table itself, in recording order,
-- and need no index of their own. The test's name and parent are read from
-- `tests` by id, the status is a small integer, the id its 16 bytes. The
-- two indexes left have short keys that grow at their end: the id (UUIDv7
-- sort by time) and a test's history (test_id, seq).

-- The view `results` shows the rows as they were (text ids, names,
-- status by name), for people and scripts reading the database; assay
-- itself reads and writes `result_rows`.
--
-- This file calls assay_uuid_blob(text) → 16-byte BLOB, which the SQLite
-- backend defines on its connection before migrating (SQLite 3.40 has no
-- unhex()).

-- Every run gets a number, 1, 2, ... in the order runs are recorded; results
-- refer to their run by it. The trigger numbers a run however it was inserted.
ALTER TABLE test_runs ADD COLUMN run_no INTEGER;
UPDATE test_runs SET run_no = rowid;
CREATE UNIQUE INDEX test_runs_run_no_idx ON test_runs(run_no);
CREATE TRIGGER test_runs_number AFTER INSERT ON test_runs WHEN NEW.run_no IS NULL
BEGIN
	UPDATE test_runs SET run_no = (SELECT coalesce(max(run_no), 0) + 1 FROM test_runs)
	WHERE rowid = NEW.rowid;
END;

-- One outcome of one test in one run (as `results` was). Retests add rows
-- (attempt 2, 3, ...), never overwrite. No foreign keys: the store is the
-- only writer and takes test_id from `tests` and the run from `test_runs`
-- in the same transaction; each check would cost a b-tree descent per row.
-- Whoever deletes a run deletes the stretch of its results with it.
CREATE TABLE result_rows (
	seq            INTEGER PRIMARY KEY,  -- (run_no << 32) + n: the run, then recording order
	id             BLOB NOT NULL,        -- UUIDv7, its 16 bytes
	test_id        INTEGER NOT NULL,     -- tests(id): the name, and the parent of a sub-result
	status         INTEGER NOT NULL,     -- 0 passed, 1 failed, 2 error, 3 blocked, 4 skipped,
	                                     -- 5 invalid, 6 untested, 7 retest
	duration_ms    INTEGER NOT NULL DEFAULT 0,
	attempt        INTEGER NOT NULL DEFAULT 1, -- 1 for a test's first result in the run
	superseded     INTEGER NOT NULL DEFAULT 0, -- a later attempt follows (see 0002)
	started_at     INTEGER,
	completed_at   INTEGER,
	exit_code      INTEGER,              -- NULL when it does not apply; 128+N for signal N
	stdout_dropped INTEGER NOT NULL DEFAULT 0, -- bytes left out of the middle
	stderr_dropped INTEGER NOT NULL DEFAULT 0,
	-- Text last: reading the columns above never steps over it.
	message        TEXT,                 -- why it is not passed; TAP YAML; JUnit failure text
	stdout_text    TEXT,                 -- captured output, bounded to head + tail
	stderr_text    TEXT
);

INSERT INTO result_rows (seq, id, test_id, status, duration_ms, attempt, superseded,
                         started_at, completed_at, exit_code, stdout_dropped, stderr_dropped,
                         message, stdout_text, stderr_text)
SELECT (t.run_no << 32) + row_number() OVER (PARTITION BY r.run_id ORDER BY r.seq),
       assay_uuid_blob(r.id), r.test_id,
       CASE r.status WHEN 'passed' THEN 0 WHEN 'failed' THEN 1 WHEN 'error' THEN 2
                     WHEN 'blocked' THEN 3 WHEN 'skipped' THEN 4 WHEN 'invalid' THEN 5
                     WHEN 'untested' THEN 6 WHEN 'retest' THEN 7 ELSE 6 END,
       r.duration_ms, r.attempt, r.superseded, r.started_at, r.completed_at, r.exit_code,
       r.stdout_dropped, r.stderr_dropped, r.message, r.stdout_text, r.stderr_text
FROM results r JOIN test_runs t ON t.id = r.run_id;

-- A test's history in run order, newest last: durations, last status, and
-- where a new attempt finds the result it supersedes.
CREATE INDEX result_rows_test_idx ON result_rows(test_id, seq);
-- Ids are made by assay (UUIDv7) or kept from an earlier record of the same
-- result; either way one id is one result.
CREATE UNIQUE INDEX result_rows_id_idx ON result_rows(id);

-- Attachments now point at result_rows by seq.
CREATE TABLE attachments_new (
	id         TEXT PRIMARY KEY,         -- UUIDv7
	result_seq INTEGER NOT NULL REFERENCES result_rows(seq) ON DELETE CASCADE,
	name       TEXT NOT NULL,            -- file name as the test gave it
	media_type TEXT,                     -- e.g. image/png
	size       INTEGER NOT NULL,         -- bytes
	data       BLOB,
	created_at INTEGER NOT NULL
);
INSERT INTO attachments_new (id, result_seq, name, media_type, size, data, created_at)
SELECT a.id, x.seq, a.name, a.media_type, a.size, a.data, a.created_at
FROM attachments a JOIN result_rows x ON x.id = assay_uuid_blob(a.result_id);
DROP TABLE attachments;
DROP TABLE results;
ALTER TABLE attachments_new RENAME TO attachments;
CREATE INDEX attachments_result_idx ON attachments(result_seq);

-- The results as 0001 described them, one row per result_rows row.
CREATE VIEW results AS
SELECT x.seq AS seq,
       lower(substr(hex(x.id), 1, 8) || '-' || substr(hex(x.id), 9, 4) || '-' ||
             substr(hex(x.id), 13, 4) || '-' || substr(hex(x.id), 17, 4) || '-' ||
             substr(hex(x.id), 21)) AS id,
       r.id AS run_id, x.test_id AS test_id, t.name AS test, t.parent AS parent,
       CASE x.status WHEN 0 THEN 'passed' WHEN 1 THEN 'failed' WHEN 2 THEN 'error'
                     WHEN 3 THEN 'blocked' WHEN 4 THEN 'skipped' WHEN 5 THEN 'invalid'
                     WHEN 6 THEN 'untested' WHEN 7 THEN 'retest' END AS status,
       x.duration_ms AS duration_ms, x.message AS message, x.stdout_text AS stdout_text,
       x.stderr_text AS stderr_text, x.stdout_dropped AS stdout_dropped,
       x.stderr_dropped AS stderr_dropped, x.attempt AS attempt, x.exit_code AS exit_code,
       x.started_at AS started_at, x.completed_at AS completed_at,
       x.superseded AS superseded
FROM result_rows x
-- The same run twice over: by run_no when the walk starts from the results,
-- by the stretch of seq when it starts from a run (WHERE run_id = ...).
JOIN test_runs r ON r.run_no = x.seq >> 32
                AND x.seq > r.run_no << 32 AND x.seq < (r.run_no + 1) << 32
JOIN tests t ON t.id = x.test_id;
