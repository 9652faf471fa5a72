using Capacity.V1;
using Google.Protobuf.WellKnownTypes;

namespace Capacity.Service.Insight;

/// <summary>
/// Counts and times as an answer shows them. In an aggregate (a municipality's or the regulator's
/// answer, the unmet-demand report) a count from 1 to <see cref="MinimumCellSize"/> − 1 is hidden,
/// and so are times and shares taken over fewer items, so that no patient or single provider can be
/// singled out. A desk's or provider's answer about its own is exact.
/// </summary>
public static class CellCounts
{
    public const int MinimumCellSize = 5;

    public static CellCount Of(long value, bool aggregate) =>
        aggregate && value is > 0 and < MinimumCellSize ? new CellCount { BelowMinimum = true } : new CellCount { Value = value };

    /// <summary>Median and 90th percentile (nearest rank) of <paramref name="durations"/>; none when hidden or empty.</summary>
    public static DurationStats Durations(IReadOnlyCollection<TimeSpan> durations, bool aggregate)
    {
        var stats = new DurationStats { Count = Of(durations.Count, aggregate) };
        if (durations.Count == 0 || stats.Count.BelowMinimum) return stats;
        var sorted = durations.Order().ToArray();
        stats.Median = Duration.FromTimeSpan(Rank(sorted, 0.5));
        stats.P90 = Duration.FromTimeSpan(Rank(sorted, 0.9));
        return stats;
    }

    /// <summary>Nearest rank: the smallest value with at least <paramref name="share"/> of the values at or below it.</summary>
    static TimeSpan Rank(TimeSpan[] sorted, double share) => sorted[Math.Max(0, (int)Math.Ceiling(share * sorted.Length) - 1)];
}
