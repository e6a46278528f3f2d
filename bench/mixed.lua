-- Mixed load: the pages a workshop uses most, in proportion, with the session cookie.
local paths = {}
local cookie = os.getenv("BENCH_COOKIE")

init = function(args)
  for i, p in ipairs(args) do paths[#paths + 1] = p end
end

local counter = 0
request = function()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  return wrk.format("GET", path, {["Cookie"] = "sessionid=" .. cookie})
end

done = function(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format("RESULT requests=%d seconds=%.2f rps=%.1f p95_ms=%.1f errors=%d non2xx=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(95) / 1000, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, non2xx))
end
