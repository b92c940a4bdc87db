/* assay — the command table and dispatch. Every subcommand is a row here:
 * its name, function, one-line summary and full help; tests/cli checks that
 * each answers --help. */
#include "util/base.h"

#include <signal.h>

#include "cli/cli.h"
#include "store/store.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *help;
};

#define COMMON_HELP                                                                    \
	"Common options:\n"                                                            \
	"  --db PATH        the database (default: $ASSAY_DB, else .assay/assay.db\n"    \
	"                   beside the catalog)\n"                                       \
	"  --catalog FILE   the catalog (default: assay.yaml here or in a parent folder)\n" \
	"  --json           print JSON objects (as the API returns them)\n"              \
	"  -h, --help       this help\n"

static const struct command commands[] = {
	{ "run", cmd_run, "run tests from the catalog and record the results",
	  "usage: assay run [options] [NAME...]\n"
	  "\n"
	  "Runs the named tests and suites (globs allowed; '.' or nothing = every test),\n"
	  "each once, in parallel, and records the run and every result in the database.\n"
	  "Prerequisites run first; a test whose prerequisite had another outcome than\n"
	  "the expected one is blocked. Ctrl-C cancels (clean-ups still run); a second\n"
	  "Ctrl-C kills at once.\n"
	  "\n"
	  "Options:\n"
	  "  -j, --jobs N          parallel tests (default: number of CPUs)\n"
	  "  -l, --label L         only tests with label L (repeatable: any of them)\n"
	  "  -x, --exclude NAME    leave out a test, suite or glob (repeatable)\n"
	  "      --no-tests WHAT   when the selection holds no test (labels or excludes\n"
	  "                        leave none, an empty suite or catalog): error (the\n"
	  "                        default: exit 2, nothing recorded; a run of nothing\n"
	  "                        would pass) or ignore (record the empty run)\n"
	  "  -c, --context K=V     context property, seen by tests as $ASSAY_CTX_K\n"
	  "  -C, --load-context F  context properties from a file of K=V lines\n"
	  "  -e, --environment E   dev, staging, prod, local, ci... (default: local,\n"
	  "                        or ci when $CI is set)\n"
	  "  -t, --timeout DUR     default per-test timeout (30s, 2m, 500ms; 0 = none)\n"
	  "      --grace DUR       SIGTERM to SIGKILL delay on timeout/cancel (default 5s)\n"
	  "      --title TEXT      run title (default: today's date)\n"
	  "      --description T   run description\n"
	  "      --output-limit N  bytes of stdout/stderr kept at each end (default 65536)\n"
	  "      --junit FILE      write the run as JUnit XML to FILE once it is recorded\n"
	  "      --report FILE     write the run as a self-contained HTML report to FILE\n"
	  "                        (a report that cannot be written gives exit 3; the\n"
	  "                        run stays recorded: 'assay export last' writes it later)\n"
	  "      --server URL      also send every result to this assay serve as it\n"
	  "                        finishes (in batches), so the run is visible there\n"
	  "                        while in progress; if the server cannot be reached\n"
	  "                        the run still completes here, and says so\n"
	  "      --token T         a write token for --server (default: $ASSAY_TOKEN)\n"
	  "\n" COMMON_HELP "\n"
	  "Exit status: 0 all passed (skips allowed), 1 some test did not pass, 2 usage or\n"
	  "catalog error or no test to run, 3 infrastructure failure, 130 cancelled.\n" },
	{ "list", cmd_list, "list runs, tests or suites",
	  "usage: assay list runs|tests|suites [options]\n"
	  "\n"
	  "  runs    newest first; filters: --status S (running, passed, failed,\n"
	  "          cancelled, error), --env E, --since WHEN (2026-11-01, 2d, 12h),\n"
	  "          --limit N (default 20; 0 = all)\n"
	  "  tests   the catalog's tests (or, without a catalog, every recorded test, by\n"
	  "          project) with their history: results, average duration, last\n"
	  "          status; --project P: every recorded test of project P\n"
	  "  suites  the catalog's suites with what they contain\n"
	  "\n" COMMON_HELP },
	{ "show", cmd_show, "show one run: summary, phases, slowest tests, failures",
	  "usage: assay show [options] RUN\n"
	  "\n"
	  "RUN is a run id, a unique prefix of one (4+ characters), 'last' or 'last~N'\n"
	  "(N runs before the last).\n"
	  "\n"
	  "Options:\n"
	  "  --slowest N   how many slowest tests to list (default 10)\n"
	  "  --tail N      lines of output shown per failure (default 20)\n"
	  "  --suite-output SUITE\n"
	  "                print what imported files said of SUITE as a whole (JUnit's\n"
	  "                <testsuite>-level system-out/err; '' for the top level),\n"
	  "                whole; the summary lists the suites that have some\n"
	  "\n" COMMON_HELP },
	{ "import", cmd_import, "record result files written by other tools (JUnit, TAP, CTRF)",
	  "usage: assay import [options] FILE|DIR|-...\n"
	  "\n"
	  "Records the results in JUnit XML, TAP or CTRF files as one run. The format is\n"
	  "told from each file's content; a directory is searched for result files; '-'\n"
	  "reads standard input. Every dialect of JUnit in real use is read (Ant/Jenkins,\n"
	  "Surefire with reruns, pytest, ctest, GoogleTest, go-junit-report, Bazel, Meson,\n"
	  "Kyua, Jest, Playwright). A TAP file is one test named after the file, its\n"
	  "points sub-results, unless assay exported it: then its points are the run's\n"
	  "tests again. Tests seen for the first time are created; a test that was\n"
	  "re-run is one result whose earlier attempts are kept (flaky when it passed\n"
	  "in the end after failing). Files of any size are read in one pass with\n"
	  "bounded memory. The import is all or nothing: a malformed file records\n"
	  "nothing and the error names the file, line and column.\n"
	  "\n"
	  "Options:\n"
	  "  -f, --format F        junit, tap or ctrf (default: from the content)\n"
	  "      --run RUN         add to this open run instead of recording a new one\n"
	  "      --project NAME    project of the new run (default: the catalog's, if\n"
	  "                        there is one here, else 'default')\n"
	  "  -e, --environment E   environment (default: local, or ci when $CI is set)\n"
	  "      --title TEXT      run title (default: today's date)\n"
	  "      --description T   run description\n"
	  "  -c, --context K=V     context property stored with the run (repeatable)\n"
	  "  -C, --load-context F  context properties from a file of K=V lines\n"
	  "      --no-create-tests tests the project does not have are an error\n"
	  "      --keep-partial    record what a malformed file held before the fault;\n"
	  "                        the run is then marked failed with the reason\n"
	  "      --no-tests WHAT   when the files hold no test: error (the default:\n"
	  "                        exit 2, nothing recorded; a run of nothing would\n"
	  "                        pass) or ignore (record the empty run); adding to\n"
	  "                        a run with --run is never refused for it\n"
	  "  -q, --quiet           no progress line\n"
	  "\n" COMMON_HELP "\n"
	  "Exit status: 0 recorded (whatever the tests' outcome), 2 bad input (no such\n"
	  "file, unknown format, malformed file, closed run, no test), 3 database\n"
	  "failure.\n" },
	{ "results", cmd_results, "list the results of one run",
	  "usage: assay results [options] RUN\n"
	  "\n"
	  "RUN is a run id, a unique prefix, 'last' or 'last~N'.\n"
	  "\n"
	  "Options:\n"
	  "  -s, --status S   only results with status S (passed, failed, error, blocked,\n"
	  "                   skipped, invalid, untested, retest)\n"
	  "  --top            only top-level results (no TAP/JUnit sub-results)\n"
	  "  --output         include captured stdout/stderr (with --json)\n"
	  "\n" COMMON_HELP },
	{ "export", cmd_export, "write one run as JUnit XML, TAP, CTRF JSON, CSV or HTML",
	  "usage: assay export [options] RUN [--format F] [-o FILE]\n"
	  "\n"
	  "Writes the run's results in another format, to FILE or standard output (no -o,\n"
	  "or -o -). RUN is a run id, a unique prefix, 'last' or 'last~N'. The results are\n"
	  "read and written one at a time: memory does not grow with the results.\n"
	  "\n"
	  "Formats:\n"
	  "  junit  JUnit XML for CI test tabs (Jenkins, GitLab, GitHub): one <testsuite>\n"
	  "         per suite (a test 'a/b/c' is case 'c' of suite 'a/b'; tests without\n"
	  "         '/' are in a suite named after the project), the run's context as\n"
	  "         <properties>, retried tests' earlier attempts as Surefire\n"
	  "         flakyFailure/rerunFailure elements; read back, it gives the same\n"
	  "         test names, statuses, durations and messages.\n"
	  "  tap    TAP version 14: one test point per result, YAML for failures\n"
	  "  ctrf   CTRF JSON (ctrf.io), with retries, flaky and retryAttempts\n"
	  "  csv    RFC 4180 CSV: id,title,suite,status,duration_ms,assignee,started_at,\n"
	  "         message (one row per result)\n"
	  "  html   one self-contained page: summary, chart by status, slowest tests,\n"
	  "         every failure with its output\n"
	  "\n"
	  "Options:\n"
	  "  -f, --format F       junit, tap, ctrf, csv or html (default: from FILE's\n"
	  "                       extension: .xml .tap .json .csv .html)\n"
	  "  -o, --output FILE    where to write (default: standard output); the file is\n"
	  "                       written beside and renamed into place when complete\n"
	  "      --top            only top-level results, not the TAP points or JUnit\n"
	  "                       cases recorded inside a test\n"
	  "      --max-failures N html: failures shown in full with their output\n"
	  "                       (default 1000); the rest are listed a line each\n"
	  "\n" COMMON_HELP "\n"
	  "Exit status: 0 written, 2 unknown run or format, 3 the output could not be\n"
	  "written.\n" },
	{ "serve", cmd_serve, "answer the JSON API over HTTP",
	  "usage: assay serve [options]\n"
	  "\n"
	  "Answers the JSON API (/api/v1/...) over HTTP from the database, for reporters\n"
	  "that send results from other machines and for dashboards that read them.\n"
	  "Clients send 'Authorization: Bearer TOKEN' (see assay token): reads need a\n"
	  "token of any role, writes a write token; /healthz and the OpenAPI document\n"
	  "need none. Prints 'listening on ADDR:PORT' once it answers. With a catalog\n"
	  "(--catalog FILE, or assay.yaml here or above), /api/v1/suites lists its suites.\n"
	  "\n"
	  "SIGTERM or SIGINT stops it: it stops accepting, finishes the requests in\n"
	  "flight, and closes the database; every answer it gave (2xx) was committed\n"
	  "before it was sent.\n"
	  "\n"
	  "Routes (GET /api/v1/openapi.json lists them all):\n"
	  "  GET  /healthz, /metrics (Prometheus)\n"
	  "  GET  /api/v1/runs            runs, newest first (filters, cursor pages)\n"
	  "  POST /api/v1/runs            open a run for a reporter\n"
	  "  GET  /api/v1/runs/{id}       one run with its counts\n"
	  "  POST /api/v1/runs/{id}/complete, /api/v1/runs/{id}/cancel\n"
	  "  GET  /api/v1/runs/{id}/results, .../events, .../outputs (suites' own output)\n"
	  "  POST /api/v1/runs/{id}/results   one result or an array (Idempotency-Key)\n"
	  "  POST /api/v1/runs/{id}/outputs   suites' own output, as results are added\n"
	  "  POST /api/v1/imports         a JUnit XML, TAP or CTRF report as a new run\n"
	  "  GET  /api/v1/tests           recorded tests with their history (cursor pages)\n"
	  "  POST|DELETE /api/v1/runs/{id}/share   make or revoke read-only links\n"
	  "  GET|POST /api/v1/pools, GET|DELETE /api/v1/pools/{name}, POST .../{name}/runs\n"
	  "  GET|POST /api/v1/packages, POST /api/v1/artifacts, GET /api/v1/blobs/{digest}\n"
	  "  GET|POST /api/v1/workers and the worker protocol under /api/v1/workers/{name}\n"
	  "  GET  /api/v1/shared/{token}[/results|/outputs]  what a link shows (no token)\n"
	  "\n"
	  "Options:\n"
	  "  -l, --listen ADDR:PORT  address to answer on (default 127.0.0.1:8080;\n"
	  "                          [::1]:8080 for IPv6; port 0 picks a free one)\n"
	  "      --max-body BYTES    largest request body (default 64M; K, M, G suffixes)\n"
	  "      --public-read       reads need no token (writes still need one)\n"
	  "      --threads N         worker threads (default: 2 per CPU, at least 4)\n"
	  "      --cors-origin ORIGIN\n"
	  "                          let browser pages from ORIGIN call the API:\n"
	  "                          https://dash.example.com, or * for any;\n"
	  "                          repeatable; none by default\n"
	  "      --lease DUR         the lease granted to workers (default 30s): a worker\n"
	  "                          silent this long loses its run, and so does a run\n"
	  "                          claimed this long ago that its worker's heartbeat\n"
	  "                          no longer names; each worker's row records it\n"
	  "  --db PATH               the database (default: $ASSAY_DB, else .assay/assay.db\n"
	  "                          beside the catalog)\n"
	  "  -h, --help              this help\n"
	  "\n"
	  "Exit status: 0 stopped by a signal, 2 usage error, 3 the address or the\n"
	  "database could not be opened.\n" },
	{ "report", cmd_report, "upload result files to an assay server",
	  "usage: assay report --server URL [options] FILE|-...\n"
	  "\n"
	  "Uploads JUnit XML, TAP or CTRF files (what 'assay import' reads) to an\n"
	  "'assay serve', where they become one run. One file is one import; several\n"
	  "are imported one by one into a run opened for them, which is then completed,\n"
	  "or aborted with the reason if the server refuses a file. '-' is standard\n"
	  "input. Files are streamed, whatever their size (up to the server's\n"
	  "--max-body).\n"
	  "\n"
	  "Options:\n"
	  "  -s, --server URL      the server, e.g. http://ci-box:8080 (default:\n"
	  "                        $ASSAY_SERVER)\n"
	  "  -t, --token T         a write token (default: $ASSAY_TOKEN, which keeps it\n"
	  "                        out of the process list)\n"
	  "  -f, --format F        junit, tap or ctrf (default: from the content)\n"
	  "  -e, --environment E   the run's environment\n"
	  "      --title TEXT      the run's title (default: today's date)\n"
	  "      --description T   the run's description\n"
	  "      --project NAME    the run's project (default: 'default')\n"
	  "      --no-tests WHAT   when the files hold no test: error (the default:\n"
	  "                        exit 2, no run is left completed; a run of nothing\n"
	  "                        would pass) or ignore (record the empty run)\n"
	  "      --json            print the run as the server answered it\n"
	  "  -h, --help            this help\n"
	  "\n"
	  "Exit status: 0 recorded (whatever the tests' outcome), 2 refused (bad file,\n"
	  "bad token, no test), 3 the server could not be reached or failed.\n" },
	{ "token", cmd_token, "create, list and revoke API tokens for assay serve",
	  "usage: assay token create --name NAME --role read|write|admin\n"
	  "       assay token list [--json]\n"
	  "       assay token revoke NAME\n"
	  "\n"
	  "Clients of 'assay serve' send 'Authorization: Bearer TOKEN'. Reads need a\n"
	  "token of any role (unless the server runs with --public-read); writes need\n"
	  "write or admin. 'create' prints the token once, alone on its last line; the\n"
	  "database keeps only its hash, so a lost token is revoked and made again.\n"
	  "Revoked tokens stay listed with the time they were revoked.\n"
	  "\n"
	  "Options:\n"
	  "  -n, --name NAME   the token's name: 1-64 of letters, digits, . _ @ -\n"
	  "  -r, --role ROLE   read, write or admin\n"
	  "\n" COMMON_HELP },
	{ "pool", cmd_pool, "add, list, show and remove pools of servers",
	  "usage: assay pool add NAME [options]\n"
	  "       assay pool list | show NAME | rm NAME\n"
	  "\n"
	  "A pool (a QAOps configuration) is a named kind of server; runs started on it\n"
	  "(assay start) wait in its queue until one of its workers (assay worker) is\n"
	  "free. 'show' gives the queue length and the expected wait.\n"
	  "\n"
	  "Options of add:\n"
	  "  -d, --description T   what the pool is\n"
	  "  -s, --servers N       servers expected (default 1)\n"
	  "  -l, --label L         a label (repeatable)\n"
	  "      --suite S         a suite the pool offers (repeatable; none = any)\n"
	  "  -k, --keep N          maximum finished runs to keep (0 = all): older ones are\n"
	  "                        deleted with their results as new ones finish\n"
	  "      --provision CMD   hook run on the server before each run\n"
	  "      --upgrade CMD     hook applying a run's upgrade artifact\n"
	  "                        ($ASSAY_UPGRADE_FILE)\n"
	  "      --teardown CMD    hook run after each run\n"
	  "      --health CMD      hook run while idle; 3 provision/health failures in a\n"
	  "                        row take a worker offline\n"
	  "      --hook-timeout DUR  how long each hook may run (default 10m; 90s, 1h;\n"
	  "                        a plain number is seconds): then its process group\n"
	  "                        gets SIGTERM, 5 s later SIGKILL; a timed-out upgrade\n"
	  "                        fails the run (99), a timed-out provision or health\n"
	  "                        hook counts as a health failure\n"
	  "      --lease DUR       list/show: count a worker online when it heartbeated\n"
	  "                        within DUR, instead of within the lease its server\n"
	  "                        granted it (default; 30s for a row recording none)\n"
	  "\n" COMMON_HELP },
	{ "package", cmd_package, "push and list test packages",
	  "usage: assay package push FILE.tar.gz...\n"
	  "       assay package list\n"
	  "\n"
	  "A test package is a .tar.gz with an assay.yaml at its root:\n"
	  "  name: smoke\n"
	  "  version: 1.0.0\n"
	  "  install: ./install.sh    # phase 4, run in the unpacked folder\n"
	  "  run: ./run-tests.sh      # phase 6, the package's test\n"
	  "  protocol: tap            # exit (default), tap or junit\n"
	  "  suites:                  # optional: the command for a suite instead of run\n"
	  "    smoke: ./run-tests.sh --quick\n"
	  "A hook may carry a timeout (default 10m for install, 1h for run):\n"
	  "  run: {command: ./run-tests.sh, timeout: 2h}\n"
	  "Hooks get $ASSAY_SUITE, $ASSAY_RUN_ID, $ASSAY_POOL and $ASSAY_ENVIRONMENT.\n"
	  "It is stored by its SHA-256 digest; workers download it from assay serve and\n"
	  "check the digest. The same name@version with other content is refused.\n"
	  "\n" COMMON_HELP },
	{ "start", cmd_start, "queue a run of a suite on a pool",
	  "usage: assay start SUITE --pool POOL [options]\n"
	  "\n"
	  "Queues a run and prints its id. The run waits (queued) until a worker of the\n"
	  "pool claims it; then it goes through the QAOps phases (0 initializing .. 6 in\n"
	  "progress, 7/8 completed, 99 failed). When the pool has no online worker the\n"
	  "run still queues and a warning says so, unless --require-online.\n"
	  "\n"
	  "Options:\n"
	  "  -p, --pool POOL        the pool (required)\n"
	  "  -P, --package N@V      a test package to install and run (repeatable)\n"
	  "  -u, --upgrade FILE     an upgrade artifact for the pool's upgrade hook\n"
	  "      --priority N       higher runs first (default 0)\n"
	  "      --require-online   refuse when no worker of the pool is online\n"
	  "      --lease DUR        with --require-online: online means a heartbeat\n"
	  "                         within DUR, instead of within the lease each worker\n"
	  "                         was granted (default)\n"
	  "  -e, --environment E    the run's environment\n"
	  "      --title T, --description T, --project NAME\n"
	  "  -c, --context K=V      context property (repeatable)\n"
	  "\n" COMMON_HELP "\n"
	  "Exit status: 0 queued, 2 unknown pool/package/suite or refused, 3 database.\n" },
	{ "wait", cmd_wait, "follow a run to its end",
	  "usage: assay wait [options] RUN\n"
	  "\n"
	  "Prints the run's lifecycle transitions as they happen and its counts at the\n"
	  "end. RUN is an id, a unique prefix, 'last' or 'last~N'.\n"
	  "\n"
	  "Options:\n"
	  "  -q, --quiet      only the end\n"
	  "      --poll DUR   how often to look (default 200ms)\n"
	  "\n" COMMON_HELP "\n"
	  "Exit status (as assay run): 0 completed, 1 completed with failures, 3 failed\n"
	  "(99), 130 cancelled, 2 no such run.\n" },
	{ "cancel", cmd_cancel, "cancel a queued or running run",
	  "usage: assay cancel [--reason TEXT] RUN\n"
	  "\n"
	  "A queued run is cancelled (10) at once; a run a worker holds moves to\n"
	  "cancelling (9), and the worker stops its tests, runs the clean-ups and ends it\n"
	  "cancelled (10). An open run of a reporter is cancelled at once.\n"
	  "\n" COMMON_HELP },
	{ "worker", cmd_worker, "serve a pool: claim queued runs and run them",
	  "usage: assay worker --server URL --token T --pool POOL [options]\n"
	  "       assay worker enable NAME\n"
	  "\n"
	  "Registers with assay serve as a server of POOL, heartbeats, and claims the\n"
	  "pool's queued runs (highest priority, oldest first) one at a time. For each:\n"
	  "the pool's provision hook; 0 download the packages and upgrade artifact and\n"
	  "check their digests; 2 the upgrade hook (with an artifact); 4 each package's\n"
	  "install hook; 6 each package's run hook as a test, results streamed to the\n"
	  "server; then 7/8, or 99 with the phase, command, exit status and log tail when\n"
	  "a phase fails; the teardown hook. A cancelled run stops its tests and ends 10.\n"
	  "While idle it runs the pool's health hook. SIGTERM or SIGINT stops it once\n"
	  "the run in progress has ended. 'enable' brings a worker taken offline back.\n"
	  "\n"
	  "Options:\n"
	  "  -s, --server URL     the assay serve (default: $ASSAY_SERVER)\n"
	  "  -t, --token T        a write token (default: $ASSAY_TOKEN)\n"
	  "  -p, --pool POOL      the pool it serves\n"
	  "  -n, --name NAME      its name (default: the host name and pid)\n"
	  "      --slots N        parallel tests in a run (default: number of CPUs)\n"
	  "      --workdir DIR    where packages are unpacked (default: a temporary folder)\n"
	  "      --poll DUR       how often an idle worker asks for a run (default 500ms)\n"
	  "      --health-every DUR  how often the health hook runs while idle (default 60s)\n"
	  "      --keep-runs N    run folders kept for looking into (WORKDIR/run-ID-CLAIM:\n"
	  "                       packages as the run left them, hooks.log); older ones\n"
	  "                       are removed as runs end (default 20)\n"
	  "      --once           stop after one run (for scripts)\n"
	  "      --timings FILE   append a line per claim (\"claim MS run|empty|error\",\n"
	  "                       the request's round trip) and per run (\"run MS ID\")\n"
	  "                       to FILE (benchmarks: bench/orch_workers.sh)\n"
	  "\n" COMMON_HELP },
	{ "workers", cmd_workers, "list the workers of every pool",
	  "usage: assay workers [--pool POOL] [--lease DUR]\n"
	  "\n"
	  "Each worker with its pool, state (idle, busy, offline, lost: no heartbeat\n"
	  "within its lease), lease, health, current run and last heartbeat. A worker's\n"
	  "lease is the one its server granted it (assay serve --lease), recorded at its\n"
	  "last heartbeat; 30s for a worker that records none.\n"
	  "\n"
	  "Options:\n"
	  "  -p, --pool POOL       only this pool's workers\n"
	  "      --lease DUR       judge every worker by DUR instead of its own lease\n"
	  "\n" COMMON_HELP },
	{ "prune", cmd_prune, "delete old finished runs with their results",
	  "usage: assay prune --older-than DURATION [--pool POOL]\n"
	  "       assay prune --pool POOL --keep N\n"
	  "\n"
	  "Deletes finished runs (completed, cancelled, failed) with their results and\n"
	  "events, in batches of 200, each one transaction: those created more than\n"
	  "DURATION ago (30d, 12h), and/or all but the newest N of a pool. A run that is\n"
	  "not finished is never touched.\n"
	  "\n" COMMON_HELP },
	{ "help", cmd_help, "show help for assay or one command",
	  "usage: assay help [COMMAND]\n" },
	{ "version", cmd_version, "print the version", "usage: assay version\n" },
};

static void print_overview(FILE *f)
{
	fprintf(f, "usage: assay [--version] [--help] COMMAND [ARGS]\n\n"
		   "assay runs tests in parallel, records every run and result in a database,\n"
		   "and shows them.\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'assay help COMMAND' or 'assay COMMAND --help' for a command's options.\n");
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

void cli_print_help(const char *cmd)
{
	const struct command *c = find(cmd);
	if (c)
		fputs(c->help, stdout);
	else
		print_overview(stdout);
}

int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		print_overview(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		cli_print_help("help");
		return EXIT_OK;
	}
	if (!find(argv[1])) {
		fprintf(stderr, "assay: no command named '%s'\n", argv[1]);
		return EXIT_USAGE;
	}
	cli_print_help(argv[1]);
	return EXIT_OK;
}

int cmd_version(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		cli_print_help("version");
		return EXIT_OK;
	}
	printf("assay %s\n", ASSAY_VERSION);
	return EXIT_OK;
}

/* What the store says while opening (a schema upgrade): on stderr, even
 * with -q, as it happens once and may take a while. */
static void store_says(const char *msg)
{
	fprintf(stderr, "assay: %s\n", msg);
}

int main(int argc, char **argv)
{
	store_set_notice(store_says);
	/* A closed pipe (assay list | head) must not kill assay mid-write of
	 * the database; writes to it fail with EPIPE instead. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		print_overview(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h"))
		name = "help";
	if (!strcmp(name, "--version") || !strcmp(name, "-V"))
		name = "version";
	const struct command *c = find(name);
	if (!c) {
		fprintf(stderr, "assay: '%s' is not an assay command; see 'assay --help'\n", name);
		return EXIT_USAGE;
	}
	int rc = c->fn(argc - 1, argv + 1);
	if (fflush(stdout) != 0 && rc == EXIT_OK)
		rc = EXIT_INFRA;
	return rc;
}
