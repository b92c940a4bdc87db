-- 0007_hook_timeouts — hook timeouts and per-suite run commands, PostgreSQL
-- dialect (as SQLite's 0007: milliseconds, 0 = the default).
ALTER TABLE pools ADD COLUMN hook_timeout_ms bigint NOT NULL DEFAULT 0;
ALTER TABLE packages ADD COLUMN install_timeout_ms bigint NOT NULL DEFAULT 0;
ALTER TABLE packages ADD COLUMN run_timeout_ms bigint NOT NULL DEFAULT 0;
ALTER TABLE packages ADD COLUMN suites_json text;
