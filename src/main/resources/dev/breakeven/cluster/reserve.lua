-- Counters.reserveAll, atomically: brings every counter to now, checks every claim, then holds
-- all of them or none. KEYS: the counters. ARGV[1]: now; then six per counter: kind ('b' bucket,
-- 'u' calendar period), scale (a bucket's period in ms, else 1), amount, limit, and the start and
-- end of now's calendar period (0 for a bucket).
-- Returns {1 if held else 0, then per counter: its time, its level (after holding), its mark}.
-- A denied group holds nothing; its buckets keep the refill they were brought to and the limit
-- they were checked against as their rate, as InProcessCounters's do.
local now = tonumber(ARGV[1])
local counters = {}
local fits = true
for i = 1, #KEYS do
    local a = 1 + (i - 1) * 6
    local c = {
        kind = ARGV[a + 1], scale = tonumber(ARGV[a + 2]), amount = tonumber(ARGV[a + 3]),
        limit = tonumber(ARGV[a + 4]), start = tonumber(ARGV[a + 5]), periodEnd = tonumber(ARGV[a + 6])
    }
    c.level, c.mark, c.rate, c.t = advance(KEYS[i], c.kind, now, c.start)
    if c.kind == 'b' then c.rate = c.limit end
    if c.amount > c.limit or c.level > c.limit * c.scale - c.amount * c.scale then fits = false end
    counters[i] = c
end
local out = { fits and 1 or 0 }
for i = 1, #KEYS do
    local c = counters[i]
    if fits then c.level = c.level + c.amount * c.scale end
    if fits or c.kind == 'b' then
        store(KEYS[i], c.kind, c.level, c.mark, c.rate, c.t, now, c.start, c.periodEnd)
    end
    out[#out + 1] = c.t
    out[#out + 1] = c.level
    out[#out + 1] = c.mark
end
return out
