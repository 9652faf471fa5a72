using Capacity.Service.Capacity;
using Capacity.Service.Matching;
using Capacity.Service.Registry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Capacity.Service.Telemetry;

/// <summary>
/// Counts the active providers (not <see cref="ProviderInfo.Inactive"/>) whose figures have all
/// gone stale, for the <c>capacity.providers.stale</c> gauge. Every applied write records the provider's latest publication time in one sorted set
/// (<see cref="Key"/>: AGB → ms, only ever raised), so a sample is one ZRANGE BYSCORE of the
/// providers published within the freshness window, checked against the registry snapshot: no scan
/// of the area hashes, one small read a minute per instance whatever the size of the country.
/// The record is fire-and-forget: a lost one only makes the gauge count a provider as stale until
/// its next write. It is made only while metrics are collected or alerts are on (neither: no extra
/// write), and the sampler runs only while metrics are collected. Without alerts each sample first
/// drops the records older than the window, so the set holds only the providers that published
/// within it; with alerts (FIGURES_GOING_STALE, Insight/Alerts) every provider's record is kept, so
/// a provider stays warned while its figures stay stale: at most one member per provider.
/// </summary>
public sealed class StaleProviders(
    IConnectionMultiplexer redis, RegistryCache registry, IOptionsMonitor<MatchingOptions> matching, IOptions<TelemetryOptions> options,
    TimeProvider time, ILogger<StaleProviders> logger) : BackgroundService
{
    /// <summary>One key for the whole country: one small write per publishing call, a few thousand members at most.</summary>
    public static readonly RedisKey Key = "providers:{published}";

    /// <summary>Set once the alerts checker runs (Insight:Alerts:Enabled): the record is kept for it as well.</summary>
    public static bool KeepForAlerts { get; set; }

    /// <summary>
    /// Records when each provider in <paramref name="writes"/> last published (the newest applied
    /// figure each; <paramref name="outcomes"/> in the order of the writes, null when all were
    /// applied); only while metrics are collected or alerts read it.
    /// </summary>
    public static void Published(IDatabase db, IReadOnlyList<CapacityWrite> writes, IReadOnlyList<CapacityWriteOutcome>? outcomes = null)
    {
        if (writes.Count == 0 || !(CapacityMetrics.Collecting || KeepForAlerts)) return;
        var latest = new Dictionary<string, long>();
        for (var i = 0; i < writes.Count; i++)
        {
            var w = writes[i];
            if (outcomes is not null && !outcomes[i].Applied) continue;
            if (!latest.TryGetValue(w.Agb, out var at) || w.Cell.PublishedAtMs > at) latest[w.Agb] = w.Cell.PublishedAtMs;
        }
        foreach (var (agb, at) in latest)
            db.SortedSetAdd(Key, agb, at, SortedSetWhen.GreaterThan, CommandFlags.FireAndForget);
    }

    /// <summary>
    /// One sample; public so tests can take one without waiting for the timer. Null, and the gauge
    /// left as it was, while the registry snapshot is still empty (at start-up every provider would
    /// otherwise count as fresh, or the country as stale).
    /// </summary>
    public async Task<long?> SampleAsync()
    {
        var providers = registry.Current.Providers;
        if (providers.Count == 0) return null;
        var since = (time.GetUtcNow() - matching.CurrentValue.FreshnessWindow).ToUnixTimeMilliseconds();
        var db = redis.GetDatabase();
        // Records older than the window count as stale anyway: dropping them keeps the set to the
        // providers that published within it (same connection, so before the read). Alerts need
        // them still: a stale provider's warning lasts until it publishes again.
        if (!KeepForAlerts) _ = db.SortedSetRemoveRangeByScoreAsync(Key, double.NegativeInfinity, since, Exclude.Stop, CommandFlags.FireAndForget);
        var fresh = await db.SortedSetRangeByScoreAsync(Key, since, double.PositiveInfinity);
        var active = providers.Values.Count(p => !p.Inactive);
        var freshActive = fresh.Count(agb => providers.TryGetValue(agb!, out var p) && !p.Inactive);
        var stale = active - freshActive;
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
