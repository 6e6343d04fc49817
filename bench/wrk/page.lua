-- GET the same list page (BENCH_PATH, query included) on every request.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

wrk.method = "GET"
wrk.path = bench.path
