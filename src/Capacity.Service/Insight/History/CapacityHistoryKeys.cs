using System.Globalization;
using Capacity.Service.Shared;
using StackExchange.Redis;

namespace Capacity.Service.Insight.History;

/// <summary>
/// Where capacity history lives (docs/INSIGHT-history.md). Every key of an area carries the area's
/// hash tag, <c>{1183}</c>, like its figures (<c>cap:{1183}</c>), so the write script that changes a
/// figure updates the history in the same step, on the same slot:
/// <list type="bullet">
/// <item><c>caphist:{1183}:now</c>: per care type "free|room|zeroSinceMs" (the contract with alerts).</item>
/// <item><c>caphist:{1183}:h:20261202</c>: hourly buckets of one UTC day, field "HH:careType".</item>
/// <item><c>caphist:{1183}:d:202612</c>: daily buckets of one Europe/Amsterdam month, field "DD:careType".</item>
/// <item><c>caphist:{zero}</c>: areas × care types at zero now (member "1183:1", score zeroSinceMs).</item>
/// </list>
/// A bucket holds "last|min|room|prevFree|prevRoom": free places and providers with room at the end
/// of the bucket, the lowest free during it, and the figures at its start (empty: none known before),
/// so a reader carries figures across buckets without a change without reading further back.
/// </summary>
public static class CapacityHistoryKeys
{
    /// <summary>Hourly buckets are kept 35 days; a UTC day's key lives a day longer so its last hour is kept that long too.</summary>
    public static readonly TimeSpan HourRetention = TimeSpan.FromDays(35);
    /// <summary>Daily buckets are kept 2 years; a month's key lives a month longer.</summary>
    public static readonly TimeSpan DayRetention = TimeSpan.FromDays(731);

    static readonly TimeSpan HourKeyTtl = HourRetention + TimeSpan.FromDays(1), DayKeyTtl = DayRetention + TimeSpan.FromDays(32);

    static readonly TimeZoneInfo Amsterdam = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");

    public static readonly RedisKey Zero = "caphist:{zero}";

    public static RedisKey Now(int pc4) => $"caphist:{{{Codes.Pc4(pc4)}}}:now";

    public static RedisKey Hours(int pc4, DateOnly utcDay) => $"caphist:{{{Codes.Pc4(pc4)}}}:h:{utcDay.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}";

    public static RedisKey Days(int pc4, int year, int month) => $"caphist:{{{Codes.Pc4(pc4)}}}:d:{year:D4}{month:D2}";

    public static string ZeroMember(int pc4, int careType) => $"{Codes.Pc4(pc4)}:{careType}";

    /// <summary>The UTC day and hour of an instant: the hourly bucket's key and field prefix.</summary>
    public static (DateOnly Day, int Hour) UtcHour(DateTimeOffset at) => (DateOnly.FromDateTime(at.UtcDateTime), at.UtcDateTime.Hour);

    /// <summary>The Europe/Amsterdam day of an instant: the daily bucket's month key and day field.</summary>
    public static DateOnly AmsterdamDay(DateTimeOffset at) => DutchCalendar.DateOf(at);

    /// <summary>Midnight of an Amsterdam day, as an instant.</summary>
    public static DateTimeOffset StartOf(DateOnly amsterdamDay)
    {
        var local = amsterdamDay.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, Amsterdam.GetUtcOffset(local));
    }

    /// <summary>KEYS after the area hash (now, hour bucket, day bucket) and the ARGV that follow the channel, for a write at <paramref name="at"/>.</summary>
    public static (RedisKey[] Keys, RedisValue[] Args) ScriptParts(int pc4, RedisKey area, DateTimeOffset at)
    {
        var (utcDay, hour) = UtcHour(at);
        var day = AmsterdamDay(at);
        RedisKey[] keys = [area, Now(pc4), Hours(pc4, utcDay), Days(pc4, day.Year, day.Month)];
        RedisValue[] args =
        [
            at.ToUnixTimeMilliseconds(),
            hour.ToString("D2", CultureInfo.InvariantCulture) + ":",
            day.Day.ToString("D2", CultureInfo.InvariantCulture) + ":",
            (long)HourKeyTtl.TotalSeconds,
            (long)DayKeyTtl.TotalSeconds,
        ];
        return (keys, args);
    }

    /// <summary>
    /// Lua shared by the capacity write, seed and forget scripts. KEYS[1] the area hash, KEYS[2] the
    /// now hash, KEYS[3] the hour bucket, KEYS[4] the day bucket; ARGV[2] now (ms), ARGV[3]/ARGV[4]
    /// the hour/day field prefixes, ARGV[5]/ARGV[6] their keys' lifetimes (s). A state is a table per
    /// care type of {free, room, zeroSinceMs}. Only published figures count (holds are not taken off):
    /// the sum of max(0, free) and the number of providers with free > 0.
    /// </summary>
    public const string Lua = """
        local function free_of(v)
          if not v then return nil end
          return tonumber(string.match(v, '^%-?%d+|%-?%d+|(%-?%d+)|'))
        end
        local function area_totals()
          local t = {}
          local all = redis.call('HGETALL', KEYS[1])
          for i = 1, #all, 2 do
            local ct = string.match(all[i], '^%d+:(%d+)$')
            local f = ct and free_of(all[i + 1])
            if f then
              local s = t[ct] or {0, 0, 0}
              if f > 0 then s[1] = s[1] + f; s[2] = s[2] + 1 end
              t[ct] = s
            end
          end
          return t
        end
        local function copy(t)
          local c = {}
          for ct, s in pairs(t) do c[ct] = {s[1], s[2], s[3]} end
          return c
        end
        local function bucket(key, field, old, s)
          local cur = redis.call('HGET', key, field)
          local min, prev, prevRoom
          if cur then
            local m, p, pr = string.match(cur, '^%-?%d+|(%-?%d+)|%d+|(%-?%d*)|(%d*)$')
            min, prev, prevRoom = math.min(tonumber(m), s[1]), p, pr
          elseif old then
            min, prev, prevRoom = math.min(old[1], s[1]), old[1], old[2]
          else
            min, prev, prevRoom = s[1], '', ''
          end
          return redis.call('HSET', key, field, s[1] .. '|' .. min .. '|' .. s[2] .. '|' .. prev .. '|' .. prevRoom) == 1
        end
        -- A key is made by a new field: only then does it need its lifetime (one EXPIRE, not one per write).
        local new_hour, new_day = false, false
        local function record(ct, old, s)
          if bucket(KEYS[3], ARGV[3] .. ct, old, s) then new_hour = true end
          if bucket(KEYS[4], ARGV[4] .. ct, old, s) then new_day = true end
        end
        -- The totals before this script: the now hash, or (areas written before history was kept, or
        -- emptied) rebuilt from the area's figures and stored, known from now on: points before this
        -- one have no data. Returns the state and the zero states to announce.
        local function load_now(zero)
          local t = {}
          local all = redis.call('HGETALL', KEYS[2])
          for i = 1, #all, 2 do
            local f, r, z = string.match(all[i + 1], '^(%-?%d+)|(%d+)|(%d+)$')
            t[all[i]] = {tonumber(f), tonumber(r), tonumber(z)}
          end
          if #all > 0 then return t end
          t = area_totals()
          for ct, s in pairs(t) do
            if s[1] == 0 then s[3] = tonumber(ARGV[2]); zero[#zero + 1] = ct .. ':' .. s[3] end
            redis.call('HSET', KEYS[2], ct, s[1] .. '|' .. s[2] .. '|' .. s[3])
            record(ct, nil, s)
          end
          return t
        end
        -- A figure of the area changed from old to new (stored values; nil: none).
        local function delta(t, field, old, new)
          local ct = string.match(field, ':(%d+)$')
          local o, n = free_of(old), free_of(new)
          local s = t[ct] or {0, 0, 0}
          s[1] = s[1] + math.max(0, n or 0) - math.max(0, o or 0)
          s[2] = s[2] + ((n and n > 0) and 1 or 0) - ((o and o > 0) and 1 or 0)
          t[ct] = s
        end
        -- Stores what changed between two states: the now hash, both buckets, and the zero states
        -- ("careType:zeroSinceMs", 0 when it left zero) for the caller to put in caphist:{zero}.
        local function commit(before, after, zero)
          for ct, o in pairs(before) do
            if not after[ct] then
              redis.call('HDEL', KEYS[2], ct)
              record(ct, o, {0, 0, 0})
              if o[1] == 0 then zero[#zero + 1] = ct .. ':0' end
            end
          end
          for ct, s in pairs(after) do
            local o = before[ct]
            if not o or o[1] ~= s[1] or o[2] ~= s[2] then
              if s[1] > 0 then s[3] = 0
              elseif o and o[1] == 0 and o[3] > 0 then s[3] = o[3]
              else s[3] = tonumber(ARGV[2]) end
              redis.call('HSET', KEYS[2], ct, s[1] .. '|' .. s[2] .. '|' .. s[3])
              record(ct, o, s)
              local was, is = o and o[1] == 0, s[1] == 0
              if was ~= is then zero[#zero + 1] = ct .. ':' .. s[3] end
            end
          end
          if new_hour then redis.call('EXPIRE', KEYS[3], ARGV[5], 'NX') end
          if new_day then redis.call('EXPIRE', KEYS[4], ARGV[6], 'NX') end
          return zero
        end
        """;
}
