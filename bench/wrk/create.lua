-- POST a new ticket (the same body shape for the service and the reference).
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

local impacts = { "user", "department" }
local urgencies = { "low", "medium", "high" }
local description = string.rep("Since this morning the printer on floor 3 jams. ", 4)
local n = 0

function init(args)
   math.randomseed(os.time() + thread_index * 7919)
end

function request()
   n = n + 1
   local i = n * bench.threads + thread_index   -- distinct across threads
   local body = string.format(
      '{"subject": "Printer %d jams on every second page", "description": "%s", ' ..
      '"impact": "%s", "urgency": "%s", "channel": "email", "tags": ["printer", "floor-3"], ' ..
      '"customer": {"name": "Customer %d", "email": "customer%d@example.com"}}',
      i, description, impacts[math.random(#impacts)], urgencies[math.random(#urgencies)],
      i % 500, i % 500)
   return wrk.format("POST", bench.path, nil, body)
end
