-- rejoin: an instance returns from degraded mode. Limits it knows are restored where Redis lost them (a
-- restart), then what it admitted on its own meanwhile is charged, so the shared bucket, refilled while
-- nobody wrote to it, cannot let a burst through.
-- ARGV: 2 limit count n, 3.. n triples dimension, capacity, rate; then charge count m, m pairs dimension, amount.
refill(now_us())
local n = tonumber(ARGV[2])
local i = 3
for _ = 1, n do
  if not limited(ARGV[i]) then applyLimit(ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])) end
  i = i + 3
end
local m = tonumber(ARGV[i])
i = i + 1
for _ = 1, m do
  local d, a = ARGV[i], tonumber(ARGV[i + 1])
  if limited(d) and a > 0 then set('l:' .. d, get('l:' .. d) - a) end
  i = i + 2
end
save()
return {}
