using System.Text.Json.Serialization;
using Capacity.V1;

namespace Capacity.Service.Regions;

/// <summary>
/// A region as a municipality or coordination point asks for it: a municipality (CBS code or
/// name) or a list of PC4 areas, optionally limited to some care types.
/// </summary>
public sealed record RegionRequest(string? Municipality = null, IReadOnlyList<string>? Pc4s = null, IReadOnlyList<CareType>? CareTypes = null);

/// <summary>Aggregates for one care type in one area (or summed over a region). Never per provider or per insurer.</summary>
public sealed record CareTypeAvailability(
    CareType CareType,
    CapacityUnit Unit,
    int FreePlaces,
    int ProvidersWithRoom,
    int ProvidersServing,
    int ProvidersWithClientStop,
    int ProvidersStale);

public sealed record AreaAvailability(string Pc4, string Municipality, IReadOnlyList<CareTypeAvailability> CareTypes);

public sealed record RegionAvailability(
    string? MunicipalityCode,
    string? Municipality,
    IReadOnlyList<AreaAvailability> Areas,
    IReadOnlyList<CareTypeAvailability> Totals,
    DateTimeOffset EvaluatedAt)
{
    /// <summary>When the aggregates change by time alone: a figure turns stale, or the day changes.</summary>
    [JsonIgnore]
    public DateTimeOffset? StaleAt { get; init; }

    /// <summary>Identifies what a viewer sees, without the evaluation moment.</summary>
    public int Fingerprint()
    {
        var hash = new HashCode();
        foreach (var total in Totals) hash.Add(total);
        foreach (var area in Areas)
        {
            hash.Add(area.Pc4);
            foreach (var careType in area.CareTypes) hash.Add(careType);
        }
        return hash.ToHashCode();
    }
}

/// <summary>A region resolved to its areas.</summary>
public sealed record RegionScope(string? MunicipalityCode, string? Municipality, IReadOnlyList<int> Pc4s, IReadOnlyList<CareType> CareTypes);
