-- 0010_test_names_bytewise — nothing changes on SQLite, where text
-- compares byte-wise (BINARY) unless told otherwise, so tests(name) and its
-- UNIQUE (project_id, name) index already sort as the tests listing pages
-- through them. PostgreSQL's 0010 gives its `tests.name` the same order
-- (COLLATE "C"); this file keeps schema version 10 naming one logical
-- schema on both backends, as 0009 does the other way round.
SELECT 1;
