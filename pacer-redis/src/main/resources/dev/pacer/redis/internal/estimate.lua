-- estimate: read-only; when a cost fits after what waits ahead of it, by refill alone.
-- ARGV: 2.. triples dimension, cost, cost + ahead.
-- Reply: 'F' (fits now) | 'W' dimension wait-us | 'N' dimension amount capacity.
local now = now_us()
refill(now) -- computed, never saved
local worst, worstDim = 0, ''
local pa = get('pa', -1)
if pa > now then worst = pa - now end
for i = 2, #ARGV, 3 do
  local d, cost, total = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  if limited(d) and cost > get('c:' .. d) then
    return { 'N', d, num(cost), num(get('c:' .. d)) }
  end
  local p = get('p:' .. d, -1)
  if p > now and p - now > worst then
    worst = p - now
    worstDim = d
  end
  if limited(d) and total > get('l:' .. d) then
    local w = math.ceil((total - get('l:' .. d)) / get('r:' .. d))
    if w > worst then
      worst = w
      worstDim = d
    end
  end
end
if worst == 0 then return { 'F' } end
return { 'W', worstDim, num(worst) }
