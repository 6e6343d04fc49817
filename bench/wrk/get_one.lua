-- GET one ticket, a random id per request from BENCH_LO..BENCH_HI.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

local lo, hi = tonumber(os.getenv("BENCH_LO")), tonumber(os.getenv("BENCH_HI"))

function init(args)
   math.randomseed(os.time() + thread_index * 7919)
end

function request()
   return wrk.format("GET", bench.path .. "/" .. math.random(lo, hi))
end
