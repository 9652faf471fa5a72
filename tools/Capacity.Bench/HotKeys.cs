using System.Diagnostics;
using Capacity.Service.Audit;
using Capacity.Service.Capacity;
using Capacity.Service.Referrals;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Capacity.Bench;

/// <summary>
/// The keys every instance writes or polls that live in one slot, so on one shard of a cluster:
/// the audit chain (audit:{log}, appended through the service's own AuditLog, by one and by two
/// "instances" at once — they race for the chain's head), the holds' due index (holds:{due}) and
/// the pending steps (refs:{pending}), each entered and removed once per hold or step. Measured
/// against one Redis, at the rate they can go, to set beside what the country needs (docs/SCALING.md).
/// </summary>
static class HotKeys
{
    public sealed record Figure(string What, double PerSecond, string Unit);

    public static async Task<IReadOnlyList<Figure>> MeasureAsync(IConnectionMultiplexer redis, TimeSpan duration, int concurrency)
    {
        var figures = new List<Figure>
        {
            new("audit chain, one instance (AuditLog: batched, hash-chained appends)", await AuditAsync(redis, 1, duration, concurrency), "records/s"),
            new("audit chain, two instances appending at once", await AuditAsync(redis, 2, duration, concurrency), "records/s"),
            new("holds:{due}: enter and remove (ZADD + ZREM)", await IndexAsync(redis, HoldStore.Keys.Due, duration, concurrency), "holds/s"),
            new("refs:{pending}: enter and remove (ZADD + ZREM)", await IndexAsync(redis, ReferralStore.Keys.Pending, duration, concurrency), "steps/s"),
        };
        await redis.GetDatabase().KeyDeleteAsync([HoldStore.Keys.Due, ReferralStore.Keys.Pending]);
        return figures;
    }

    static async Task<double> AuditAsync(IConnectionMultiplexer redis, int instances, TimeSpan duration, int concurrency)
    {
        var logs = Enumerable.Range(0, instances)
            .Select(_ => new AuditLog(redis, Options.Create(new AuditOptions()), NullLogger<AuditLog>.Instance)).ToArray();
        foreach (var log in logs) await log.StartAsync(CancellationToken.None);
        long written = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async i =>
        {
            var log = logs[i % instances];
            while (clock.Elapsed < duration)
            {
                await log.WriteAsync(new AuditRecord(DateTimeOffset.UtcNow, $"bench-{i}", "transfer-nurse", "ziekenhuis-bench", null,
                    "capacity.v1.ReferralService/GetReferral", $"ref-{i}", "pt-bench", "OK"));
                Interlocked.Increment(ref written);
            }
        }));
        var rate = written / clock.Elapsed.TotalSeconds;
        foreach (var log in logs) await log.StopAsync(CancellationToken.None);
        return rate;
    }

    static async Task<double> IndexAsync(IConnectionMultiplexer redis, RedisKey key, TimeSpan duration, int concurrency)
    {
        var db = redis.GetDatabase();
        long done = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async i =>
        {
            for (var n = 0; clock.Elapsed < duration; n++)
            {
                var member = $"1011|h_{i}_{n}|ref_{i}|offer_{n}";
                await db.SortedSetAddAsync(key, member, DateTimeOffset.UtcNow.AddMinutes(30).ToUnixTimeMilliseconds());
                await db.SortedSetRemoveAsync(key, member);
                Interlocked.Increment(ref done);
            }
        }));
        return done / clock.Elapsed.TotalSeconds;
    }
}
