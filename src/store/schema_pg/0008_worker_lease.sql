-- 0008_worker_lease — the lease each worker was granted, PostgreSQL dialect
-- (as SQLite's 0008: milliseconds, NULL = not recorded, the default applies).
ALTER TABLE workers ADD COLUMN lease_ms bigint;
