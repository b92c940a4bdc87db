-- 0004_compact_results — nothing changes on PostgreSQL. SQLite's 0004
-- moves its results into a compact physical layout (result_rows keyed by
-- run number); PostgreSQL's `results` already has what that buys (uuid
-- ids, an enum status, a partition per month of runs). This file exists so
-- that schema version 4 names the same logical schema on both backends.
--
-- The one statement below only documents that: the migration runner sends
-- a file as one PQexec and wants a command's answer (a file of comments
-- alone is an "empty query" and would be refused), and a table comment
-- changes nothing that assay reads or writes.
COMMENT ON TABLE results IS
	'One outcome of one test in one run (schema 0001, 0002; 0004 left it as it was)';
