namespace Capacity.Service.Live;

public sealed class LiveOptions
{
    /// <summary>
    /// Changes arriving within this window are handled together, so a provider publishing 50 areas
    /// at once causes one recomputation per affected subscription, not 50. Changes that arrive
    /// while a batch is being recomputed wait for it and form the next batch. Short, because it is
    /// part of every push's latency: one publication's announcements arrive within a millisecond
    /// or two of each other (measured with ./bench.sh: 50 ms gave a push p50 of 58 ms).
    /// </summary>
    public TimeSpan CoalesceWindow { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>How often subscriptions are checked for figures that have turned stale with time.</summary>
    public TimeSpan StaleCheckInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Per connection, to bound the work one browser can cause.</summary>
    public int MaxSubscriptionsPerConnection { get; set; } = 20;

    /// <summary>How many subscriptions are recomputed at once.</summary>
    public int RecomputeParallelism { get; set; } = 8;
}
