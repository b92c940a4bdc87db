-- 0008_worker_lease — each worker row records the lease the server granted
-- it (`assay serve --lease`), so that whoever reads the row (`assay
-- workers`, `assay pool show`, the API) judges "online" and "lost" by the
-- lease the worker actually has, not by a guess of its own.
--
-- Milliseconds; set when the worker registers and on each heartbeat and
-- claim. NULL on rows written before this migration: readers then use the
-- default lease (model/orch.h: ORCH_DEFAULT_LEASE_MS).
ALTER TABLE workers ADD COLUMN lease_ms INTEGER;
