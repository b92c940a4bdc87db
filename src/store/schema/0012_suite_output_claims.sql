-- 0012_suite_output_claims — which worker claim sent a suite output. A pool
-- run whose worker lost it is queued again and run again from the start by
-- the next claim; that claim's output of a suite replaces what the lost
-- one sent for it (as its results supersede the lost one's), so the run
-- does not show a suite's log twice, stale beside fresh. 0: not a worker's
-- (an import, a local run, a reporter).
ALTER TABLE suite_outputs ADD COLUMN claim INTEGER NOT NULL DEFAULT 0;
