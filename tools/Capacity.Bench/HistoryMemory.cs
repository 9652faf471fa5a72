using System.Diagnostics;
using System.Globalization;
using Capacity.Service.Capacity;
using Capacity.Service.Insight.History;
using Capacity.V1;
using StackExchange.Redis;

namespace Capacity.Bench;

/// <param name="Changes">Figure writes in the simulated day; <paramref name="Areas"/> × care types with a history.</param>
/// <param name="NewFiguresPerSecond">The service's write path (CapacityStore.WriteAsync, history in the same script).</param>
/// <param name="OldFiguresPerSecond">The same writes through the write script as it was before history was kept (a yardstick, on keys of its own).</param>
sealed record HistoryFigures(
    int ChangesPerFigure, long Changes, long Series, double NowMb, double HourDayMb, long HourFields, double DayMonthFullMb, long DayFieldsPerDay,
    double NewFiguresPerSecond, double OldFiguresPerSecond)
{
    /// <summary>36 UTC-day keys live at once (35 days kept, the last one a day longer).</summary>
    public double Hours35Mb => 36 * HourDayMb;

    /// <summary>Up to 26 month keys live at once (731 days kept, each month key a month longer); 25 on average.</summary>
    public double Days2YearsMb => 25 * DayMonthFullMb;

    public double TotalMb => NowMb + Hours35Mb + Days2YearsMb;
}

/// <summary>
/// The memory capacity history takes for a scenario: one simulated day of publishing (every figure
/// changes <c>changesPerFigure</c> times at random moments between 06:00 and 18:00 UTC, to a new free
/// count of 0-5) is written through the service's own CapacityStore with a clock set to each
/// moment, on a day 400 days back so its keys are apart from the load's; the day's hourly keys and
/// month keys are measured with MEMORY USAGE. A full month is measured by copying the day's daily
/// fields to the month's other 29 days (same encoding as 30 real days would have), and extrapolated
/// to 35 days hourly and 2 years daily. The same writes also go through the write script as it was
/// before history (on keys of its own), hour by hour in turn, for a side-by-side write rate. Every key
/// the step made is deleted afterwards (the figures it wrote stay: it runs last).
/// </summary>
static class HistoryMemory
{
    // CapacityStore's write script before history was kept: the yardstick for what history costs.
    const string OldWriteScript = """
        local out = {}
        local changed = {}
        for i = 2, #ARGV, 2 do
          local new = tonumber(string.match(ARGV[i + 1], '^(%d+)'))
          local cur = redis.call('HGET', KEYS[1], ARGV[i])
          local stored = 0
          if cur then stored = tonumber(string.match(cur, '^(%d+)')) end
          if new > stored then
            redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
            out[#out + 1] = new
            changed[#changed + 1] = ARGV[i]
          else
            out[#out + 1] = -stored
          end
        end
        if #changed > 0 then redis.call('SPUBLISH', ARGV[1], table.concat(changed, ' ')) end
        return out
        """;

    sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    public static async Task<HistoryFigures> RunAsync(IConnectionMultiplexer redis, Scenario.Scenario scenario, int changesPerFigure, Action<string> log)
    {
        var clock = new Clock();
        var store = new CapacityStore(redis, clock);
        var day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-400);
        var midnight = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var random = new Random(16);
        var version = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 + 50_000_000;

        var changes = new List<(DateTimeOffset At, CapacityWrite Write)>();
        foreach (var provider in scenario.Providers)
            foreach (var figure in scenario.CapacityOf(provider))
                for (var c = 0; c < changesPerFigure; c++)
                {
                    var at = midnight.AddHours(6).AddSeconds(random.Next(12 * 3600));
                    changes.Add((at, new CapacityWrite(figure.Agb, int.Parse(figure.Pc4, CultureInfo.InvariantCulture), figure.CareType,
                        new CapacityCell(0, at.ToUnixTimeMilliseconds(), random.Next(0, 6), day, null))));
                }
        changes.Sort((a, b) => a.At.CompareTo(b.At));
        log($"history: {changes.Count:N0} figure changes in one simulated day ({changesPerFigure} per figure), {day:yyyy-MM-dd}");

        var db = redis.GetDatabase();
        TimeSpan newTime = TimeSpan.Zero, oldTime = TimeSpan.Zero;
        var hour = 0;
        foreach (var slot in changes.GroupBy(c => c.At.UtcDateTime.Hour))
        {
            var batches = slot.Select(c => c.Write with { Cell = c.Write.Cell with { Version = ++version } }).Chunk(512).ToArray();
            // Take turns on which goes first, so other work on a shared machine falls on both alike.
            for (var turn = 0; turn < 2; turn++)
                if ((turn + hour) % 2 == 0)
                {
                    var started = Stopwatch.GetTimestamp();
                    foreach (var batch in batches)
                    {
                        clock.Now = DateTimeOffset.FromUnixTimeMilliseconds(batch[^1].Cell.PublishedAtMs);
                        await store.WriteAsync(batch);
                    }
                    newTime += Stopwatch.GetElapsedTime(started);
                }
                else
                {
                    var started = Stopwatch.GetTimestamp();
                    foreach (var batch in batches) await OldWriteAsync(db, batch);
                    oldTime += Stopwatch.GetElapsedTime(started);
                }
            hour++;
        }

        var hourKeys = await KeysAsync(redis, $"caphist:*:h:{day:yyyyMMdd}");
        var monthKeys = await KeysAsync(redis, $"caphist:*:d:{CapacityHistoryKeys.AmsterdamDay(midnight.AddHours(12)):yyyyMM}");
        var nowKeys = await KeysAsync(redis, "caphist:*:now");
        var hourBytes = await BytesAsync(db, hourKeys);
        long hourFields = 0, dayFields = 0, series = 0;
        foreach (var k in hourKeys) hourFields += await db.HashLengthAsync(k);
        foreach (var k in nowKeys) series += await db.HashLengthAsync(k);
        // A full month: the day's daily fields copied to the other 29 days.
        var dd = CapacityHistoryKeys.AmsterdamDay(midnight.AddHours(12)).Day.ToString("D2", CultureInfo.InvariantCulture) + ":";
        foreach (var k in monthKeys)
        {
            var fields = await db.HashGetAllAsync(k);
            dayFields += fields.Length;
            var copies = new List<HashEntry>();
            foreach (var f in fields.Where(f => ((string)f.Name!).StartsWith(dd, StringComparison.Ordinal)))
                for (var d = 1; d <= 30; d++)
                    if (d.ToString("D2", CultureInfo.InvariantCulture) + ":" != dd)
                        copies.Add(new HashEntry($"{d:D2}:{((string)f.Name!)[3..]}", f.Value));
            _ = db.HashSetAsync(k, [.. copies], CommandFlags.FireAndForget);
        }
        var monthBytes = await BytesAsync(db, monthKeys);
        var nowBytes = await BytesAsync(db, nowKeys);

        foreach (var k in hourKeys.Concat(monthKeys)) _ = db.KeyDeleteAsync(k, CommandFlags.FireAndForget);
        foreach (var k in await KeysAsync(redis, "benchhist:*")) _ = db.KeyDeleteAsync(k, CommandFlags.FireAndForget);
        await db.PingAsync();

        return new HistoryFigures(changesPerFigure, changes.Count, series, Mb(nowBytes), Mb(hourBytes), hourFields, Mb(monthBytes), dayFields,
            changes.Count / newTime.TotalSeconds, changes.Count / oldTime.TotalSeconds);

        static double Mb(long bytes) => bytes / (1024.0 * 1024.0);
    }

    /// <summary>The old write path: one script call per area, every area of the batch in flight at once.</summary>
    static async Task OldWriteAsync(IDatabase db, CapacityWrite[] writes) =>
        await Task.WhenAll(writes.GroupBy(w => w.Pc4).Select(area =>
        {
            RedisValue[] args = [$"benchhist:cap:{{{area.Key:D4}}}:changed", .. area.SelectMany(w => new RedisValue[] { CapacityStore.Keys.Field(w.Agb, w.CareType), w.Cell.Encode() })];
            return db.ScriptEvaluateAsync(OldWriteScript, [$"benchhist:cap:{{{area.Key:D4}}}"], args);
        }));

    /// <summary>A tool's SCAN over every master (never on a request path).</summary>
    static async Task<List<RedisKey>> KeysAsync(IConnectionMultiplexer redis, string pattern)
    {
        var keys = new List<RedisKey>();
        foreach (var server in redis.GetServers().Where(s => !s.IsReplica))
            await foreach (var key in server.KeysAsync(pattern: pattern, pageSize: 1000)) keys.Add(key);
        return keys;
    }

    static async Task<long> BytesAsync(IDatabase db, IEnumerable<RedisKey> keys)
    {
        var sizes = keys.Select(k => db.ExecuteAsync("MEMORY", "USAGE", k, "SAMPLES", "0")).ToArray();
        long total = 0;
        foreach (var s in sizes) total += (long)await s;
        return total;
    }
}
