namespace Capacity.Service.Matching;

public sealed class MatchingOptions
{
    /// <summary>A figure older than this is not trusted: the provider is excluded as STALE_CAPACITY.</summary>
    public TimeSpan FreshnessWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Radius used when a search gives none.</summary>
    public double DefaultRadiusKm { get; set; } = 15;

    /// <summary>Largest radius a search may ask for; bounds the work of one search.</summary>
    public double MaxRadiusKm { get; set; } = 100;

    /// <summary>How far ahead a start date may lie.</summary>
    public int MaxDaysAhead { get; set; } = 366;
}
