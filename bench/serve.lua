-- bench/serve.lua — the wrk script of bench/serve.sh. Environment:
--   TOKEN   the bearer token (every request carries it)
--   MODE    "one": POST one result per request, each with a new test name
--           "bulk": POST the array in BODY_FILE, its "@@" replaced by a
--                   per-request tag so every result is a new test
--           anything else: GET the URL's path
-- done() prints one line for serve.sh to read:
--   BENCH requests non2xx socket_errors p50_us p99_us seconds
local mode = os.getenv("MODE") or "get"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("TOKEN") or "")
local template
if mode == "one" or mode == "bulk" then
	wrk.method = "POST"
	wrk.headers["Content-Type"] = "application/json"
end
if mode == "bulk" then
	local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
	template = f:read("*a")
	f:close()
end

local threads = {}
local next_id = 1
function setup(thread)
	thread:set("tid", next_id)
	next_id = next_id + 1
	table.insert(threads, thread)
end

local n = 0
function request()
	if mode == "one" then
		n = n + 1
		return wrk.format(nil, nil, nil, string.format(
			'{"test":"bench/w%d/test_%07d","status":"passed","duration_ms":%d}',
			tid, n, n % 97))
	elseif mode == "bulk" then
		n = n + 1
		local tag = string.format("w%d_%06d", tid, n)
		return wrk.format(nil, nil, nil, (template:gsub("@@", tag)))
	end
	return wrk.format()
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("BENCH %d %d %d %d %d %.3f\n", summary.requests, e.status,
		e.connect + e.read + e.write + e.timeout, latency:percentile(50),
		latency:percentile(99), summary.duration / 1e6))
end
