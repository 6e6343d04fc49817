-- POST an interaction: BENCH_KIND "note" (internal, private) or "email" (public, outbound).
-- Thread k (one connection) walks ids BENCH_LO + k - 1, then every BENCH_THREADS-th one, so no two
-- connections lock the same ticket.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

local lo, hi = tonumber(os.getenv("BENCH_LO")), tonumber(os.getenv("BENCH_HI"))
local bodies = {
   note = '{"kind": "note", "direction": "internal", "public": false, ' ..
      '"body": "Checked the spooler log: paper feed sensor 2 reports a jam on every second sheet."}',
   email = '{"kind": "email", "direction": "outbound", "public": true, ' ..
      '"body": "Hello, a technician will replace the feed roller this afternoon. Regards, the help desk."}',
}
local body = bodies[os.getenv("BENCH_KIND") or "note"]
local id

function init(args)
   id = lo + thread_index - 1 - bench.threads
end

function request()
   id = id + bench.threads
   if id > hi then id = lo + thread_index - 1 end
   return wrk.format("POST", bench.path .. "/" .. id .. "/interactions", nil, body)
end
