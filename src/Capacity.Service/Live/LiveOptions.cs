namespace Capacity.Service.Live;

public sealed class LiveOptions
{
    /// <summary>
    /// Changes arriving within this window are handled together, so a provider publishing 50 areas
    /// at once causes one recomputation per affected subscription, not 50.
    /// </summary>
    public TimeSpan CoalesceWindow { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How often subscriptions are checked for figures that have turned stale with time.</summary>
    public TimeSpan StaleCheckInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Per connection, to bound the work one browser can cause.</summary>
    public int MaxSubscriptionsPerConnection { get; set; } = 20;

    /// <summary>How many subscriptions are recomputed at once.</summary>
    public int RecomputeParallelism { get; set; } = 8;
}
