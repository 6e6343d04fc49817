-- PATCH tickets with If-Match. BENCH_VERSIONS is a file of "id etag" lines read beforehand;
-- thread k (one connection) owns every line i with i % threads == k - 1, so no two connections
-- ever change the same ticket. Each connection visits its tickets in turn and keeps the ETag the
-- last 200 returned; a 412 (stale read) takes that ticket out of the rotation.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

local ids, etags, dropped = {}, {}, {}
local turn, visits, current = 0, {}, nil

function init(args)
   local i = 0
   for line in io.lines(os.getenv("BENCH_VERSIONS")) do
      local id, etag = line:match("^(%d+) (.+)$")
      if id and i % bench.threads == thread_index - 1 then
         table.insert(ids, id)
         etags[id] = etag
      end
      i = i + 1
   end
   if #ids == 0 then error("no tickets in " .. os.getenv("BENCH_VERSIONS") .. " for thread " .. thread_index) end
end

local function next_ticket()
   for _ = 1, #ids do
      turn = turn % #ids + 1
      if not dropped[ids[turn]] then return ids[turn] end
   end
   return ids[turn % #ids + 1]   -- every ticket went stale: send anyway, each answer counts as one
end

function request()
   current = next_ticket()
   local v = (visits[current] or 0) + 1
   visits[current] = v
   local body = string.format('{"urgency": "%s", "subject": "Printer jams on floor 3 (edit %d)"}',
      v % 2 == 1 and "high" or "low", v)
   return wrk.format("PATCH", bench.path .. "/" .. current, bench.headers({ ["If-Match"] = etags[current] }), body)
end

function response(status, headers, body)
   bench.count(status)
   if status == 200 then
      etags[current] = headers["etag"] or headers["ETag"] or etags[current]
   elseif status == 412 then
      dropped[current] = true
   end
end
