-- 0007_hook_timeouts — hooks that cannot hang a server forever, and test
-- packages that run a different command per suite (issue 5).
--
-- Timeouts are milliseconds; 0 means "the default" (model/orch.h:
-- ORCH_DEFAULT_HOOK_TIMEOUT_MS for pool hooks and install hooks,
-- ORCH_DEFAULT_RUN_TIMEOUT_MS for run hooks), so rows written before this
-- migration keep working unchanged.

-- Applies to each of the pool's hooks (provision, upgrade, teardown, health).
ALTER TABLE pools ADD COLUMN hook_timeout_ms INTEGER NOT NULL DEFAULT 0;

-- The package's `install:` and `run:` timeouts from its assay.yaml.
ALTER TABLE packages ADD COLUMN install_timeout_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE packages ADD COLUMN run_timeout_ms INTEGER NOT NULL DEFAULT 0;
-- `suites:` of its assay.yaml: a JSON object, suite name -> the command run
-- instead of `run:` for that suite; NULL when the package declares none.
ALTER TABLE packages ADD COLUMN suites_json TEXT;
