-- reserve: refills every dimension from the server's clock, checks them all, reserves all or none.
-- ARGV: 2 reservation timeout (us), 3 instance id, 4 heartbeat window (us), 5 wait when held (us),
--       6 the call's class (0 interactive, 1 normal, 2 bulk), 7.. dimension, amount pairs (every dimension
--       of the cost's width, zeros included).
-- Priority across the fleet: a refused call of a class above bulk claims the quota for its class until it
-- fits (at most 5 s ahead, plus the held wait), in q:<class>; while a higher class's claim holds, a call of
-- a lower class is refused until the claim ends, on every instance.
-- Reply: kind ('R' id | 'W' dimension wait-us | 'N' dimension amount capacity), fleet size, then levels().
local now = now_us()
-- A reservation that timed out ends first, as if at the last refill (like a settlement without a clock).
sweep(now)
refill(now)
redis.call('ZADD', FLEET, now, ARGV[3])
redis.call('ZREMRANGEBYSCORE', FLEET, '-inf', now - tonumber(ARGV[4]))
local fleet = redis.call('ZCARD', FLEET)
local names, amounts = {}, {}
local class = tonumber(ARGV[6])
for i = 7, #ARGV, 2 do
  names[#names + 1] = ARGV[i]
  amounts[ARGV[i]] = tonumber(ARGV[i + 1])
end

for _, d in ipairs(names) do
  if limited(d) and amounts[d] > get('c:' .. d) then
    save()
    return levels({ 'N', d, num(amounts[d]), num(get('c:' .. d)), fleet })
  end
end

local worst, worstDim = 0, ''
local pa = get('pa', -1)
if pa > now then worst = pa - now end
for _, d in ipairs(names) do
  local p = get('p:' .. d, -1)
  if p > now and p - now > worst then
    worst = p - now
    worstDim = d
  end
end
local claimed = 0
for h = 0, class - 1 do
  local q = get('q:' .. h, -1)
  if q > now and q - now > claimed then claimed = q - now end
end
local fits = worst == 0 and claimed == 0
if fits then
  for _, d in ipairs(names) do
    if limited(d) and get('l:' .. d) < amounts[d] then
      fits = false
      break
    end
  end
end

if fits then
  local id = tostring(redis.call('HINCRBY', S, 'nid', 1))
  local rec = { '0' }
  for _, d in ipairs(names) do
    local a = amounts[d]
    if a ~= 0 then
      set('x:' .. d, get('x:' .. d, 0) + a)
      set('u:' .. d, get('u:' .. d, 0) + a)
      if limited(d) then set('l:' .. d, get('l:' .. d) - a) end
      rec[#rec + 1] = d
      rec[#rec + 1] = num(a)
    end
  end
  redis.call('HSET', R, id, table.concat(rec, '|'))
  redis.call('ZADD', EXP, now + tonumber(ARGV[2]), id)
  save()
  return levels({ 'R', id, '', '', fleet })
end

local held = tonumber(ARGV[5])
for _, d in ipairs(names) do
  if limited(d) then
    local a, l, rate = amounts[d], get('l:' .. d), get('r:' .. d)
    local w = 0
    if a > get('c:' .. d) - get('x:' .. d, 0) then
      -- Held by reservations in flight somewhere in the fleet, whose settlements this instance does not
      -- hear: look again when refill alone would have made room, and not before the held wait.
      w = math.max(held, math.ceil((a - l) / rate))
    elseif a > l then
      w = math.ceil((a - l) / rate)
    end
    if w > worst then
      worst = w
      worstDim = d
    end
  end
end
if class < 2 and worst > 0 then
  local claim = now + math.min(worst, 5000000) + held
  if claim > get('q:' .. class, -1) then set('q:' .. class, claim) end
end
if claimed > worst then
  worst = claimed
  worstDim = ''
end
save()
return levels({ 'W', worstDim, num(worst), '', fleet })
