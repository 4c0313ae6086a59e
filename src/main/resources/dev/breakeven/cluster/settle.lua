-- Lease.settle, at most once per lease however often it is sent: the lease's marker KEYS[2] is
-- set first (NX), and a marker already there means this lease was settled; nothing changes.
-- KEYS[1]: the counter. ARGV: now, kind, scale, amount, actual, limit, reservedAt, the lease's
-- mark (a bucket: the level it left; a period: the period's start), the start and end of now's
-- period, the marker's time to live in ms.
-- A bucket gives back at most what of the lease it has not refilled yet (the lease's units are
-- the newest of the level it left; the bucket refills the oldest first); a period that has ended
-- is not touched. Returns 1 if this call settled the lease, 0 if it had been settled before.
if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[11]) then return 0 end
local now, kind, scale = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local amount, actual, limit = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local reservedAt, leaseMark = tonumber(ARGV[7]), tonumber(ARGV[8])
local start, periodEnd = tonumber(ARGV[9]), tonumber(ARGV[10])
if actual < amount and redis.call('EXISTS', KEYS[1]) == 0 then return 1 end -- nothing left to give back
local level, mark, rate, t = advance(KEYS[1], kind, now, start)
if kind == 'b' then
    if rate == 0 then rate = limit end
    if actual < amount then
        local elapsed = math.max(0, t - reservedAt)
        local unrefilled = 0
        if limit * elapsed < leaseMark then unrefilled = leaseMark - limit * elapsed end
        local refund = math.min((amount - actual) * scale, unrefilled, level)
        if refund > 0 then level = level - refund end
    else
        level = level + (actual - amount) * scale
    end
elseif mark == leaseMark then
    level = math.max(0, level + actual - amount)
else
    return 1 -- its period has ended
end
store(KEYS[1], kind, level, mark, rate, t, now, start, periodEnd)
return 1
