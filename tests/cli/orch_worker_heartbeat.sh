# A worker's heartbeat answer is about the run it asked about, which the
# worker may have finished meanwhile: "lost" said of run A (just finished)
# must not make the worker abandon run B that it claimed after. Abandoned,
# B would stay held on the server by a worker that is alive and still
# heartbeating, so its lease would never expire and the queue never drain
# (seen in bench/orch_workers.sh: 2 runs of 10,000 stuck).
#
# The server here is a stand-in (python3, on 127.0.0.1) that orders the
# race deterministically instead of hoping for it: it holds the answer to
# A's last phase until a heartbeat about A has come in, holds that
# heartbeat's answer ("lost") until B's first phase has come in (so the
# worker holds B), and answers that phase only after the heartbeat.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 is not installed"; exit 0; }
cat >"$T/fake.py" <<'PY'
import json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
A, B = "01a20000-0000-7000-8000-00000000000a", "01a20000-0000-7000-8000-00000000000b"
hb_about_a = threading.Event()    # a heartbeat carrying run A arrived
b_phase = threading.Event()       # B's first phase arrived: the worker holds B
lost_sent = threading.Event()     # the "lost" answer about A went out
lock = threading.Lock()
claims = []
log = open(sys.argv[1], "a", buffering=1)

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def reply(self, obj):
        body = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        self.reply({"name": "p", "hooks": {}})
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        b = json.loads(self.rfile.read(n) or b"{}")
        p = self.path
        if p == "/api/v1/workers":
            return self.reply({"name": b.get("name"), "lease_ms": 200})
        if p.endswith("/heartbeat"):
            if b.get("run") == A and not lost_sent.is_set():
                hb_about_a.set()
                b_phase.wait()
                self.reply({"lost": True, "cancel": False, "offline": False})
                log.write("heartbeat: A lost\n")
                lost_sent.set()
                return
            return self.reply({"lost": False, "cancel": False, "offline": False})
        if p.endswith("/claim"):
            with lock:
                claims.append(1)
                k = len(claims)
            if k > 2:
                return self.reply({"run": None})
            run = A if k == 1 else B
            log.write("claim: %s\n" % ("A" if k == 1 else "B"))
            return self.reply({"run": {"id": run}, "order": {"claim": 1, "suite": "s", "packages": []},
                               "pool": {"name": "p", "hooks": {}}})
        which = "A" if A in p else "B"
        if p.endswith("/phase"):
            lc = b.get("lifecycle")
            if which == "A" and lc == 6:
                hb_about_a.wait()
            if which == "B" and lc == 1:
                b_phase.set()
                lost_sent.wait()
            log.write("phase %s %d\n" % (which, lc))
            return self.reply({})
        if p.endswith("/finish"):
            log.write("finish %s %d\n" % (which, b.get("lifecycle")))
            return self.reply({"lifecycle": "completed", "lifecycle_code": 7})
        self.send_error(404)

s = ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
mkfifo "$T/port.fifo"
python3 "$T/fake.py" "$T/fake.log" >"$T/port.fifo" 2>"$T/fake.err" &
FAKE=$!
read -r port <"$T/port.fifo" || true
ok_if "the stand-in server started" "[ -n '$port' ]"

"$ASSAY" worker --server "http://127.0.0.1:$port" --token t --pool p --name w1 --workdir "$T/wd" \
	--poll 20ms 2>"$T/w1.err" &
W=$!
# Until B ends either way: finished, or abandoned (no clock: gives up only
# if the worker died).
until grep -q '^finish B' "$T/fake.log" 2>/dev/null || grep -q 'lost its lease' "$T/w1.err"; do
	kill -0 $W 2>/dev/null || break
	sleep 0.05
done
ok_if "the heartbeat about A said lost while the worker held B" \
	"grep -q '^heartbeat: A lost' '$T/fake.log' && grep -q '^phase B 1' '$T/fake.log'"
ok_if "the worker did not abandon B" "! grep 'lost its lease' '$T/w1.err'"
ok_if "it went through B's phases and ended it completed" \
	"[ \"\$(grep -c '^phase B' '$T/fake.log')\" = 6 ] && grep -q '^finish B 7' '$T/fake.log'"
kill -TERM $W
wait $W
ok_if "the worker stops cleanly" "[ $? = 0 ]"
ok_if "no sanitizer report from the worker" "! grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' '$T/w1.err'"
kill $FAKE
wait $FAKE 2>/dev/null
done_testing
