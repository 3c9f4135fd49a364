-- calibrate: the provider's view, applied to the shared levels (what is in flight fleet-wide is pending).
-- ARGV: 2 source reservation id ('' none), 3.. the snapshot as calibrate() reads it. Reply: events.
local src, inFlight = nil, false
if ARGV[2] ~= '' then
  local rec = redis.call('HGET', R, ARGV[2])
  if rec then
    src = parse(rec)
    inFlight = true
  end
end
refill(now_us())
local events = {}
calibrate(src, inFlight, 3, events)
save()
return events
