using Capacity.Service.Capacity;
using Capacity.Service.Matching;
using Capacity.Service.Registry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Capacity.Service.Telemetry;

/// <summary>
/// Counts the providers whose figures have all gone stale, for the <c>capacity.providers.stale</c>
/// gauge. Every write records the provider's latest publication time in one sorted set
/// (<see cref="Key"/>: AGB → ms, only ever raised), so a sample is one ZRANGE BYSCORE of the
/// providers published within the freshness window, checked against the registry snapshot: no scan
/// of the area hashes, one small read a minute per instance whatever the size of the country.
/// The record is fire-and-forget: a lost one only makes the gauge count a provider as stale until
/// its next write. It is made only while metrics are collected (no exporter: no extra write).
/// </summary>
public sealed class StaleProviders(
    IConnectionMultiplexer redis, RegistryCache registry, IOptionsMonitor<MatchingOptions> matching, IOptions<TelemetryOptions> options,
    TimeProvider time, ILogger<StaleProviders> logger) : BackgroundService
{
    /// <summary>One key for the whole country: one small write per publishing call, a few thousand members at most.</summary>
    public static readonly RedisKey Key = "providers:{published}";

    /// <summary>Records when each provider in <paramref name="writes"/> last published (the newest figure each); only while metrics are collected.</summary>
    public static void Published(IDatabase db, IReadOnlyList<CapacityWrite> writes)
    {
        if (writes.Count == 0 || !CapacityMetrics.Collecting) return;
        var latest = new Dictionary<string, long>();
        foreach (var w in writes)
            if (!latest.TryGetValue(w.Agb, out var at) || w.Cell.PublishedAtMs > at) latest[w.Agb] = w.Cell.PublishedAtMs;
        foreach (var (agb, at) in latest)
            db.SortedSetAdd(Key, agb, at, SortedSetWhen.GreaterThan, CommandFlags.FireAndForget);
    }

    /// <summary>One sample; public so tests can take one without waiting for the timer.</summary>
    public async Task<long> SampleAsync()
    {
        var since = (time.GetUtcNow() - matching.CurrentValue.FreshnessWindow).ToUnixTimeMilliseconds();
        var fresh = await redis.GetDatabase().SortedSetRangeByScoreAsync(Key, since, double.PositiveInfinity);
        var providers = registry.Current.Providers;
        var freshKnown = fresh.Count(agb => providers.ContainsKey(agb!));
        var stale = providers.Count - freshKnown;
        CapacityMetrics.StaleProvidersSampled(stale);
        return stale;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.StaleSampleInterval, time);
        do
        {
            try
            {
                await SampleAsync();
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                logger.LogDebug(e, "Could not sample stale providers");
            }
        } while (await WaitAsync(timer, stoppingToken));
    }

    static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
