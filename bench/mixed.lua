-- Mixed load: a day's requests of several logged-in users of different scopes, in proportion
-- (bench/run.py writes the mix, one request a line, repeated by its weight), with varied ids,
-- static files and writes (scans, bulk steps). Any response but 2xx counts as an error, except
-- the redirect a step's POST answers with (never one to the login page).
--
-- Mix file (BENCH_MIX), tab-separated: METHOD, session cookie ("-" for none), path, body.
-- In a body, {serial} becomes a serial never sent before, {device} the next device of this
-- thread's pool (BENCH_POOL: ids separated by commas, shared out between the threads).

local threads = {}
local thread_id = 0

setup = function(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
  table.insert(threads, thread)
end

local mix = {}
local pool = {}
local pool_next = 1
local counter = 0
errors, redirects, posts, steps, login_redirects = 0, 0, 0, 0, 0
local csrf = "benchcsrftokenbenchcsrftokenbenc"

init = function(args)
  for line in io.lines(os.getenv("BENCH_MIX")) do
    local method, cookie, path, body = line:match("^(%S+)\t(%S+)\t(%S+)\t?(.*)$")
    if method then
      mix[#mix + 1] = {method = method, cookie = cookie, path = path, body = body}
    end
  end
  local all = {}
  for pk in string.gmatch(os.getenv("BENCH_POOL") or "", "%d+") do all[#all + 1] = pk end
  local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
  for i = id, #all, nthreads do pool[#pool + 1] = all[i] end
  math.randomseed(id * 7919)
end

request = function()
  counter = counter + 1
  local entry = mix[math.random(#mix)]
  local headers = {}
  if entry.cookie ~= "-" then
    headers["Cookie"] = "sessionid=" .. entry.cookie .. "; csrftoken=" .. csrf
  end
  if entry.method == "GET" then
    return wrk.format("GET", entry.path, headers)
  end
  local body = entry.body
  if body:find("{device}", 1, true) then
    if pool_next > #pool then
      return wrk.format("GET", "/", headers)  -- the pool is spent: no step twice on a device
    end
    body = body:gsub("{device}", pool[pool_next])
    pool_next = pool_next + 1
    steps = steps + 1
  end
  body = body:gsub("{serial}", string.format("MIX%d-%d-%d", id, os.time(), counter))
  posts = posts + 1
  headers["X-CSRFToken"] = csrf
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  if entry.path:find("/saisie/", 1, true) then headers["HX-Request"] = "true" end
  return wrk.format("POST", entry.path, headers, body)
end

response = function(status, headers, body)
  if status >= 300 and status < 400 then
    local location = headers["Location"] or headers["location"] or ""
    if location:find("/connexion/", 1, true) then
      login_redirects = login_redirects + 1
      errors = errors + 1
    else
      redirects = redirects + 1
    end
  elseif status < 200 or status >= 300 then
    errors = errors + 1
  end
end

done = function(summary, latency, requests)
  local errs, reds, nposts, nsteps, logins = 0, 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    errs = errs + thread:get("errors")
    reds = reds + thread:get("redirects")
    nposts = nposts + thread:get("posts")
    nsteps = nsteps + thread:get("steps")
    logins = logins + thread:get("login_redirects")
  end
  -- Only the steps' POSTs may answer with a redirect: any other one is an error too.
  local unexpected = math.max(0, reds - nsteps)
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.1f p95_ms=%.1f p50_ms=%.1f errors=%d non2xx=%d " ..
    "redirects=%d posts=%d steps=%d login_redirects=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(95) / 1000, latency:percentile(50) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    errs + unexpected, reds, nposts, nsteps, logins))
end
