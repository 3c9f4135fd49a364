-- sent: the reservation's request left for the provider; gives it the next fleet-wide send order.
-- ARGV: 2 reservation id. Reply: the send order, or nothing when the reservation is gone or already sent.
local rec = redis.call('HGET', R, ARGV[2])
if not rec then return {} end
local r = parse(rec)
if r.seq ~= 0 then return {} end
local seq = redis.call('HINCRBY', S, 'ns', 1)
local out = { tostring(seq) }
for _, d in ipairs(r.names) do
  set('u:' .. d, get('u:' .. d, 0) - r.amounts[d])
  out[#out + 1] = d
  out[#out + 1] = num(r.amounts[d])
end
redis.call('HSET', R, ARGV[2], table.concat(out, '|'))
redis.call('ZADD', SENT, seq, ARGV[2])
save()
return { tostring(seq) }
