-- 0002_attempts — every attempt of a retried test is kept (see the SQLite
-- file of the same name for the why).
ALTER TABLE results ADD COLUMN superseded boolean NOT NULL DEFAULT false;
ALTER TABLE test_runs ADD COLUMN n_flaky bigint NOT NULL DEFAULT 0;
