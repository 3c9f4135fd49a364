-- view: read-only picture. Reply: in-flight count, whole-key pause left (us), then per limited dimension
-- name, capacity, refill per microsecond, level, reserved, pause left (us).
local now = now_us()
refill(now) -- computed, never saved
local out = { redis.call('HLEN', R), num(math.max(0, get('pa', -1) - now)) }
for _, d in ipairs(dims()) do
  out[#out + 1] = d
  out[#out + 1] = num(get('c:' .. d))
  out[#out + 1] = num(get('r:' .. d))
  out[#out + 1] = num(get('l:' .. d))
  out[#out + 1] = num(get('x:' .. d, 0))
  out[#out + 1] = num(math.max(0, get('p:' .. d, -1) - now))
end
return out
