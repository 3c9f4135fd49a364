-- Shared by every script of the Redis QuotaStore (prepended to each). All keys of one quota share a hash tag.
-- KEYS: 1 state hash, 2 reservations in flight (id -> record), 3 sent order (zset seq -> id),
--       4 expiries (zset micros -> id), 5 fleet heartbeats (zset micros -> instance).
-- ARGV[1]: the operation, ':', then now in microseconds, or nothing for the Redis server's clock (TIME).
-- Every operation is in this one script (RedisLink joins the files), so the server holds all of them or none:
-- after it forgets scripts (a restart, a flush), no operation can run ahead of an earlier one being reloaded.
-- State fields: t last refill; per dimension d: c:d capacity, r:d refill per microsecond, l:d level,
-- x:d reserved by reservations in flight, u:d reserved and not yet sent, p:d paused until; pa paused
-- (whole key) until; dims the limited dimensions; nid, ns id and send counters; ls, la the last snapshot
-- applied (send order, observed millis).
local S, R, SENT, EXP, FLEET = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]

local OP, NOW = string.match(ARGV[1], '^([a-z]+):(.*)$')

local function now_us()
  if NOW ~= '' then return tonumber(NOW) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

local st, upd = {}, {}
do
  local h = redis.call('HGETALL', S)
  for i = 1, #h, 2 do st[h[i]] = h[i + 1] end
end

local function get(k, default)
  local v = st[k]
  if v == nil then return default end
  return tonumber(v)
end

local function set(k, v)
  st[k] = v
  upd[k] = true
end

local function num(x)
  return string.format('%.17g', x)
end

local function save()
  local args = {}
  for k, _ in pairs(upd) do
    args[#args + 1] = k
    if k == 'dims' then args[#args + 1] = st[k] else args[#args + 1] = num(tonumber(st[k])) end
  end
  if #args > 0 then redis.call('HSET', S, unpack(args)) end
end

local function dims()
  local out = {}
  if st.dims then
    for d in string.gmatch(st.dims, '[^ ]+') do out[#out + 1] = d end
  end
  return out
end

local function limited(d)
  return st['c:' .. d] ~= nil
end

-- Refills every limited dimension up to capacity - reserved (a late refund can then never make a burst).
local function refill(now)
  local last = get('t', nil)
  if last == nil then
    set('t', now)
    return
  end
  local elapsed = now - last
  if elapsed <= 0 then return end
  set('t', now)
  for _, d in ipairs(dims()) do
    local ceiling = get('c:' .. d) - get('x:' .. d, 0)
    local l = get('l:' .. d)
    if l < ceiling then
      l = l + get('r:' .. d) * elapsed
      if l > ceiling then l = ceiling end
      set('l:' .. d, l)
    end
  end
end

-- A reservation record: "seq|d1|a1|d2|a2..." (seq 0: not sent yet).
local function parse(rec)
  local parts = {}
  for p in string.gmatch(rec, '[^|]+') do parts[#parts + 1] = p end
  local r = { seq = tonumber(parts[1]), names = {}, amounts = {} }
  for i = 2, #parts, 2 do
    r.names[#r.names + 1] = parts[i]
    r.amounts[parts[i]] = tonumber(parts[i + 1])
  end
  return r
end

local function applyLimit(d, cap, rate)
  local unknown = not limited(d)
  if unknown then
    -- Calls admitted while the limit was unknown still hold their part.
    set('l:' .. d, cap - get('x:' .. d, 0))
    if st.dims then st.dims = st.dims .. ' ' .. d else st.dims = d end
    upd.dims = true
  elseif get('l:' .. d) > cap then
    set('l:' .. d, cap)
  end
  set('c:' .. d, cap)
  set('r:' .. d, rate)
  return unknown
end

-- Ends a reservation. actual: what it cost per dimension, or nil when it expired unsettled (it keeps what it took).
local function finish(id, r, actual)
  for _, d in ipairs(r.names) do
    local took = r.amounts[d]
    local x = get('x:' .. d, 0) - took
    set('x:' .. d, x)
    if r.seq == 0 then set('u:' .. d, get('u:' .. d, 0) - took) end
    if actual ~= nil and limited(d) then
      local diff = took - (actual[d] or 0)
      if diff ~= 0 then
        local old = get('l:' .. d)
        local l = old + diff
        local ceiling = get('c:' .. d) - x
        if l > ceiling then l = math.max(old, ceiling) end
        set('l:' .. d, l)
      end
    end
  end
  if actual ~= nil then
    for d, a in pairs(actual) do
      if r.amounts[d] == nil and a ~= 0 and limited(d) then
        set('l:' .. d, get('l:' .. d) - a) -- charged beyond what was reserved: debt at once
      end
    end
  end
  redis.call('HDEL', R, id)
  redis.call('ZREM', SENT, id)
  redis.call('ZREM', EXP, id)
end

-- Reservations whose holder never settled them (a crashed instance) end after their timeout, keeping what they took.
local function sweep(now)
  local ids = redis.call('ZRANGEBYSCORE', EXP, '-inf', now, 'LIMIT', 0, 16)
  for _, id in ipairs(ids) do
    local rec = redis.call('HGET', R, id)
    if rec then
      finish(id, parse(rec), nil)
    else
      redis.call('ZREM', EXP, id)
      redis.call('ZREM', SENT, id)
    end
  end
end

-- What the provider could not have counted when it answered src (see Calibrator in pacer-core), fleet-wide.
local laterCache = nil
local function pending(d, src, srcInFlight, generated)
  local x = get('x:' .. d, 0)
  if generated then return x end
  if src == nil or src.seq == 0 then
    if src ~= nil and srcInFlight then return x - (src.amounts[d] or 0) end
    return x
  end
  if laterCache == nil then
    laterCache = {}
    for _, id in ipairs(redis.call('ZRANGEBYSCORE', SENT, '(' .. src.seq, '+inf')) do
      local rec = redis.call('HGET', R, id)
      if rec then laterCache[#laterCache + 1] = parse(rec) end
    end
  end
  local sum = get('u:' .. d, 0)
  for _, r in ipairs(laterCache) do sum = sum + (r.amounts[d] or 0) end
  return sum
end

-- Applies a provider snapshot from ARGV[base]: observed millis, entry count, then per entry
-- name, learned capacity (-1: none), learned refill per microsecond, remaining (-1: none), precision, generated (1/0).
-- Appends to events: 'L', d, capacity, rate for a limit learned; 'C', d, before, after for a level moved.
local function calibrate(src, srcInFlight, base, events)
  local observed = tonumber(ARGV[base])
  local seq = src and src.seq or 0
  if seq ~= 0 then
    -- Judged by the fleet-wide send order: instances' clocks differ, the order does not.
    if seq < get('ls', 0) then return end
    set('ls', seq)
  elseif observed < get('la', -1) then
    return
  end
  if observed > get('la', -1) then set('la', observed) end
  local n = tonumber(ARGV[base + 1])
  local i = base + 2
  for _ = 1, n do
    local d = ARGV[i]
    local lcap, lrate = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
    local remaining, precision, generated = tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4]), ARGV[i + 5] == '1'
    i = i + 6
    local learnedNow = false
    if lcap > 0 then
      if not limited(d) or get('c:' .. d) ~= lcap or math.abs(get('r:' .. d) - lrate) > 1e-15 then
        learnedNow = applyLimit(d, lcap, lrate)
        events[#events + 1] = 'L'; events[#events + 1] = d
        events[#events + 1] = num(lcap); events[#events + 1] = num(lrate)
      end
    end
    if remaining >= 0 and limited(d) then
      local cap = get('c:' .. d)
      local left = math.min(remaining, cap)
      local target = left - pending(d, src, srcInFlight, generated)
      local before = get('l:' .. d)
      local diff = target - before
      if learnedNow or diff < -precision then
        set('l:' .. d, target)
      elseif diff > precision and left > 0 then
        set('l:' .. d, math.min(cap, before + diff / 2))
      end
      local after = get('l:' .. d)
      if after ~= before then
        events[#events + 1] = 'C'; events[#events + 1] = d
        events[#events + 1] = num(before); events[#events + 1] = num(after)
      end
    end
  end
end

-- Every limited dimension: name, capacity, refill per microsecond, level (for the instance's cache).
local function levels(out)
  for _, d in ipairs(dims()) do
    out[#out + 1] = d
    out[#out + 1] = num(get('c:' .. d))
    out[#out + 1] = num(get('r:' .. d))
    out[#out + 1] = num(get('l:' .. d))
  end
  return out
end
