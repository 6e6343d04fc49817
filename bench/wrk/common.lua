-- Shared by the bench/wrk scripts: settings from BENCH_* variables, one connection per thread
-- (wrk -t N -c N), per-thread outcome counters, and one BENCH_RESULT line for bench/tickets.py.

bench = {
   auth = os.getenv("BENCH_AUTH") or "",
   path = os.getenv("BENCH_PATH") or "/",
   threads = tonumber(os.getenv("BENCH_THREADS") or "1"),
}

-- Every script sends these; wrk.format() uses them when given no headers of its own.
wrk.headers["Content-Type"] = "application/json"
if bench.auth ~= "" then
   wrk.headers["Authorization"] = bench.auth
end

-- Outcomes, kept per thread and summed in done(). Scripts without a response() callback
-- leave them at zero; bench/tickets.py then counts wrk's non-2xx figure instead.
ok, stale, failed = 0, 0, 0

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("thread_index", #threads)   -- 1-based; init() sees it as a global
end

function bench.headers(extra)
   local h = {}
   for k, v in pairs(wrk.headers) do h[k] = v end
   for k, v in pairs(extra or {}) do h[k] = v end
   return h
end

function bench.count(status)
   if status >= 200 and status < 300 then
      ok = ok + 1
   elseif status == 412 then
      stale = stale + 1
   else
      failed = failed + 1
   end
end

function done(summary, latency, requests)
   local counted = response ~= nil
   local sum = { ok = 0, stale = 0, failed = 0 }
   for _, t in ipairs(threads) do
      for k in pairs(sum) do sum[k] = sum[k] + (t:get(k) or 0) end
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
      '"non2xx": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, ' ..
      '"counted": %s, "ok": %d, "stale": %d, "failed": %d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      e.status, e.connect, e.read, e.write, e.timeout,
      tostring(counted), sum.ok, sum.stale, sum.failed))
end
