using Capacity.Service.Telemetry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Capacity.Service.Insight.Alerts;

/// <summary>
/// Looks for situations that became or stopped being alerts, every CheckInterval. Every instance
/// runs the timer; the one that takes the short lease in Redis checks, the others skip that round,
/// so the country is checked about once per interval however many instances run. Raising is
/// idempotent by the alert's id all the same, so a check that overlaps another (a lease that ran
/// out mid-check, a test's own <see cref="CheckAsync"/>) raises and pushes each situation once.
/// </summary>
public sealed class AlertChecker : BackgroundService
{
    public static readonly RedisKey Lease = "alerts:{check}:lease";

    readonly IConnectionMultiplexer _redis;
    readonly ReferralAlerts _referrals;
    readonly FigureAlerts _figures;
    readonly IOptionsMonitor<AlertsOptions> _options;
    readonly TimeProvider _time;
    readonly ILogger<AlertChecker> _logger;
    readonly string _holder = Guid.NewGuid().ToString("N");

    public AlertChecker(IConnectionMultiplexer redis, ReferralAlerts referrals, FigureAlerts figures, IOptionsMonitor<AlertsOptions> options,
        TimeProvider time, ILogger<AlertChecker> logger)
    {
        (_redis, _referrals, _figures, _options, _time, _logger) = (redis, referrals, figures, options, time, logger);
        // FIGURES_GOING_STALE reads each provider's latest publication, which is otherwise kept only while metrics are collected.
        if (options.CurrentValue.Enabled) StaleProviders.KeepForAlerts = true;
    }

    /// <summary>One check of every kind, without the lease; public so tests can take one without waiting for the timer.</summary>
    public async Task CheckAsync()
    {
        await _referrals.CheckAsync();
        await _figures.CheckStaleAsync();
        await _figures.CheckZeroAsync();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.CurrentValue.Enabled) return;
        var interval = _options.CurrentValue.CheckInterval;
        using var timer = new PeriodicTimer(interval, _time);
        while (await WaitAsync(timer, stoppingToken))
        {
            try
            {
                // The lease runs out by itself before the next round, so an instance that stops mid-check holds nobody up.
                if (await _redis.GetDatabase().StringSetAsync(Lease, _holder, interval * 0.9, When.NotExists)) await CheckAsync();
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                _logger.LogWarning(e, "Could not check for alerts; trying again in {Interval}", interval);
            }
        }
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
