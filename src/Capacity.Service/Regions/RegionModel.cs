using System.Text.Json.Serialization;
using Capacity.Service.Registry;
using Capacity.V1;

namespace Capacity.Service.Regions;

/// <summary>
/// A region as a municipality or coordination point asks for it: a municipality (CBS code or
/// name) or a list of PC4 areas, optionally limited to some care types; for all providers or, with
/// an insurer's UZOVI code, as that insurer's insured see it (contracted providers without a stop for it).
/// </summary>
public sealed record RegionRequest(string? Municipality = null, IReadOnlyList<string>? Pc4s = null, IReadOnlyList<CareType>? CareTypes = null, string? InsurerUzovi = null);

/// <summary>
/// Aggregates for one care type in one area (or summed over a region), for all providers or one
/// insurer's view; never per provider. The fields mean what regions.proto says of CareTypeAvailability.
/// </summary>
public sealed record CareTypeAvailability(
    CareType CareType,
    CapacityUnit Unit,
    int FreePlaces,
    int ProvidersWithRoom,
    int ProvidersServing,
    int ProvidersWithClientStop,
    int ProvidersStale,
    int ProvidersWithRoomClosedByClientStop,
    int FreePlacesClosedByClientStop,
    int ProvidersInView,
    DistinctProviders Distinct)
{
    /// <summary>The coming 7 days, tomorrow first (regions.proto's outlook); empty in a model made without it.</summary>
    public OutlookWeek Outlook { get; init; } = OutlookWeek.None;
}

/// <summary>Expected free places on one coming day, summed over providers (regions.proto's DailyOutlook).</summary>
public sealed record DailyOutlook(DateOnly Day, int FreePlaces, int ProvidersExpecting, int ProvidersWithRoom);

/// <summary>The days of an outlook, compared by value (a fingerprint of what a viewer sees must not change with a new list of the same days).</summary>
public sealed record OutlookWeek(IReadOnlyList<DailyOutlook> Days)
{
    public static readonly OutlookWeek None = new([]);

    public bool Equals(OutlookWeek? other) => other is not null && Days.SequenceEqual(other.Days);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var day in Days) hash.Add(day);
        return hash.ToHashCode();
    }
}

/// <summary>Each provider once, however many of the areas it serves (in one area: the per-area counts).</summary>
public sealed record DistinctProviders(int Serving, int WithRoom, int WithClientStop, int Stale, int WithRoomClosedByClientStop, int InView);

public sealed record AreaAvailability(string Pc4, string Municipality, IReadOnlyList<CareTypeAvailability> CareTypes);

/// <param name="Insurer">The insurer of the view; null: all providers.</param>
public sealed record RegionAvailability(
    string? MunicipalityCode,
    string? Municipality,
    IReadOnlyList<AreaAvailability> Areas,
    IReadOnlyList<CareTypeAvailability> Totals,
    DateTimeOffset EvaluatedAt,
    InsurerInfo? Insurer = null)
{
    /// <summary>When the aggregates change by time alone: a figure turns stale, or the day changes.</summary>
    [JsonIgnore]
    public DateTimeOffset? StaleAt { get; init; }

    /// <summary>Identifies what a viewer sees, without the evaluation moment.</summary>
    public int Fingerprint()
    {
        var hash = new HashCode();
        hash.Add(Insurer);
        foreach (var total in Totals) hash.Add(total);
        foreach (var area in Areas)
        {
            hash.Add(area.Pc4);
            foreach (var careType in area.CareTypes) hash.Add(careType);
        }
        return hash.ToHashCode();
    }
}

/// <summary>A region resolved to its areas; <paramref name="Insurer"/> null for all providers.</summary>
public sealed record RegionScope(string? MunicipalityCode, string? Municipality, IReadOnlyList<int> Pc4s, IReadOnlyList<CareType> CareTypes, InsurerInfo? Insurer = null);
