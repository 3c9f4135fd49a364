-- pause: holds one dimension (ARGV[2], '' for the whole key) for ARGV[3] microseconds from the server's now;
-- pauses only lengthen.
local now = now_us()
local until_us = now + tonumber(ARGV[3])
local k = 'pa'
if ARGV[2] ~= '' then k = 'p:' .. ARGV[2] end
if until_us > get(k, -1) then set(k, until_us) end
save()
return {}
