-- What reserve.lua and settle.lua share (RedisCounters puts it in front of each). The arithmetic
-- is InProcessCounters's, in Lua numbers: doubles, exact for the integers below 2^53 that
-- Claim.MAX_UNITS keeps every level, limit and product to.
--
-- A counter is a hash: a bucket {level, mark, rate} (level in units of amount x period ms, mark
-- the time it was last brought up to date, rate the limit it refills at, per ms); a calendar
-- period {level, mark} (mark: the period's start). Times are the caller's epoch millis.

-- Reads counter `key` and brings it to `now`: a bucket refills; a calendar period that has ended
-- (`start`, the start of now's period, is later than its own) starts again from zero. A counter
-- never goes back in time. Returns level, mark, rate and the counter's time.
local function advance(key, kind, now, start)
    local h = redis.call('HMGET', key, 'level', 'mark', 'rate')
    local level = tonumber(h[1]) or 0
    local mark = tonumber(h[2])
    local rate = tonumber(h[3]) or 0
    if kind == 'b' then
        if mark == nil then return 0, now, 0, now end
        local t = math.max(now, mark)
        local elapsed = t - mark
        if level > 0 and elapsed > 0 then
            -- refilled at `rate` units per ms; rate * elapsed is exact whenever it is below level
            if rate * elapsed >= level then level = 0 else level = level - rate * elapsed end
        end
        return level, t, rate, t
    end
    if mark == nil or start > mark then return 0, start, 0, now end
    return level, mark, 0, math.max(now, mark)
end

-- ceil(a / b) for integers 0 <= a <= 2^53, b >= 1, exactly (not math.ceil of a rounded quotient)
local function ceildiv(a, b)
    local q = math.floor(a / b)
    if q * b < a then q = q + 1 end
    return q
end

-- Stores a counter brought to time t, to expire when it holds nothing: a bucket once refilled, a
-- period at its end (`periodEnd`, the end of now's period; a counter in a later period, written
-- by a node whose clock is ahead, keeps the expiry that node gave it). The expiry is relative
-- (PEXPIRE), measured on the caller's clock. A counter at zero is deleted at once.
local function store(key, kind, level, mark, rate, t, now, start, periodEnd)
    if level <= 0 then
        redis.call('DEL', key)
        return
    end
    if kind == 'b' then
        redis.call('HSET', key, 'level', level, 'mark', mark, 'rate', rate)
        redis.call('PEXPIRE', key, t + ceildiv(level, rate) - now)
    else
        redis.call('HSET', key, 'level', level, 'mark', mark)
        if mark == start then redis.call('PEXPIRE', key, periodEnd - now) end
    end
end
