-- settle: ends a reservation once; the difference between reserved and actual goes back (or is taken) at once;
-- with a snapshot, the provider's view is applied in the same step (after refilling to now).
-- ARGV: 2 reservation id, 3 actual pair count n, 4.. n dimension, amount pairs, then (optional) the snapshot
-- as calibrate() reads it. Reply: events (see calibrate), or nothing when the reservation was already ended.
local rec = redis.call('HGET', R, ARGV[2])
if not rec then return {} end
local r = parse(rec)
local n = tonumber(ARGV[3])
local actual = {}
for i = 4, 3 + 2 * n, 2 do actual[ARGV[i]] = tonumber(ARGV[i + 1]) end
local base = 4 + 2 * n
local events = {}
if #ARGV >= base then
  refill(now_us())
  finish(ARGV[2], r, actual)
  calibrate(r, false, base, events)
else
  -- Without a snapshot, at the model's last instant (as the in-memory store: a valid history, no clock).
  finish(ARGV[2], r, actual)
end
save()
return events
