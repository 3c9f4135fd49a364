-- limit: sets or changes one dimension's limit; a new limit keeps what calls in flight hold.
-- ARGV: 2 dimension, 3 capacity, 4 refill per microsecond. Reply: none.
refill(now_us())
local d, cap, rate = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
if limited(d) and get('c:' .. d) == cap and get('r:' .. d) == rate then
  save()
  return {}
end
applyLimit(d, cap, rate)
save()
return {}
