-- heartbeat: this instance uses the quota. ARGV: 2 instance id, 3 window (us). Reply: fleet size, then levels().
local now = now_us()
-- A reservation that timed out ends first, as if at the last refill (like a settlement without a clock).
sweep(now)
refill(now)
redis.call('ZADD', FLEET, now, ARGV[2])
redis.call('ZREMRANGEBYSCORE', FLEET, '-inf', now - tonumber(ARGV[3]))
local fleet = redis.call('ZCARD', FLEET)
save()
return levels({ fleet })
