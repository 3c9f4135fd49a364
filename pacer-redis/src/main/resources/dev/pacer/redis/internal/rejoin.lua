-- rejoin: an instance returns from degraded mode. Limits it knows are restored where Redis lost them (a
-- restart). Then its own level decides: while Redis did not answer, each instance spent its share of the
-- provider's bucket alone, so the provider now holds the sum of the instances' own levels. The first to
-- return in a round (no rejoin within the window) sets the shared level to at most its own level, and each
-- later one adds its own: while some are still degraded, the shared level holds only the part of those
-- that have returned, so the return makes no burst, whether Redis kept its state (its bucket refilled while
-- nobody wrote to it) or lost it (a restart: a full bucket).
-- ARGV: 2 limit count n, 3.. n triples dimension, capacity, rate; then the window (us), then own level
-- count m and m pairs dimension, level (none in fail-closed mode: nothing was spent alone).
local now = now_us()
refill(now)
local n = tonumber(ARGV[2])
local i = 3
for _ = 1, n do
  if not limited(ARGV[i]) then applyLimit(ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])) end
  i = i + 3
end
local window = tonumber(ARGV[i])
local m = tonumber(ARGV[i + 1])
i = i + 2
if m > 0 then
  local first = get('rj', -1) < now - window
  set('rj', now)
  for _ = 1, m do
    local d, own = ARGV[i], tonumber(ARGV[i + 1])
    if limited(d) then
      local l = get('l:' .. d)
      if first then
        l = math.min(l, own)
      else
        l = math.min(get('c:' .. d) - get('x:' .. d, 0), l + own)
      end
      set('l:' .. d, l)
    end
    i = i + 2
  end
end
save()
return {}
