using System.Text.Json.Serialization;
using Capacity.Service.Geography;
using Capacity.Service.Registry;
using Capacity.V1;

namespace Capacity.Service.Matching;

/// <summary>
/// A search as a coordinator asks it: the same fields as the gRPC FindProvidersRequest, also the
/// message a browser sends over SignalR to follow a search live.
/// </summary>
public sealed record SearchRequest(
    string PatientPostcode,
    string InsurerUzovi,
    CareType CareType,
    DateOnly? StartDate,
    bool Urgent = false,
    int? PatientAge = null,
    double RadiusKm = 0);

/// <summary>A validated search, resolved against geography and registry.</summary>
public sealed record MatchQuery(
    PostcodeArea PatientArea,
    InsurerInfo Insurer,
    CareType CareType,
    DateOnly StartDate,
    bool Urgent,
    int? PatientAge,
    double RadiusKm);

public sealed record ProviderRef(string Agb, string Name, string BasePc4)
{
    public static ProviderRef Of(ProviderInfo p) => new(p.Agb, p.Name, Shared.Codes.Pc4(p.BasePc4));

    ProviderSummary? _summary;

    /// <summary>
    /// The provider as answers show it, made once per reference (the registry snapshot keeps one
    /// per provider, so a search's answer does not make one per candidate and exclusion). Shared
    /// between answers: never change it; clone it to build on it.
    /// </summary>
    [JsonIgnore]
    public ProviderSummary Summary => _summary ??= new ProviderSummary { Agb = Agb, Name = Name, BasePc4 = BasePc4 };

    // A copy (`with`) makes its own summary from its own values.
    ProviderRef(ProviderRef original)
    {
        Agb = original.Agb;
        Name = original.Name;
        BasePc4 = original.BasePc4;
    }

    // Equality is the three values only: the summary made from them is a cache.
    public bool Equals(ProviderRef? other) =>
        other is not null && (ReferenceEquals(this, other) || Agb == other.Agb && Name == other.Name && BasePc4 == other.BasePc4);

    public override int GetHashCode() => HashCode.Combine(Agb, Name, BasePc4);
}

public sealed record Candidate(
    ProviderRef Provider,
    double DistanceKm,
    int FreePlaces,
    CapacityUnit Unit,
    double? HoursPerWeek,
    DateOnly AvailableFrom,
    DateTimeOffset CapacityPublishedAt,
    TimeSpan CapacityAge,
    ContractType ContractType)
{
    /// <summary>
    /// Set when <see cref="FreePlaces"/> is what the provider expects on this day (the search's
    /// start date, from tomorrow to today + 7) in its 7-day outlook, not places free now.
    /// </summary>
    public DateOnly? ExpectedFor { get; init; }
}

public sealed record Exclusion(
    ProviderRef Provider,
    double DistanceKm,
    ExclusionReason Reason,
    string Detail,
    string? ClientStopId = null,
    DateOnly? ClientStopUntil = null,
    DateOnly? AvailableFrom = null,
    DateTimeOffset? CapacityPublishedAt = null);

public sealed record MatchResult(
    string PatientPc4,
    string Municipality,
    double RadiusKm,
    IReadOnlyList<Candidate> Candidates,
    IReadOnlyList<Exclusion> Exclusions,
    DateTimeOffset EvaluatedAt)
{
    /// <summary>When the first candidate's figure turns stale; the result must be recomputed then.</summary>
    [JsonIgnore]
    public DateTimeOffset? StaleAt { get; init; }

    /// <summary>Whether a provider is in the result, for deciding whether a registry change can affect it.</summary>
    public bool Includes(string agb)
    {
        foreach (var c in Candidates) if (c.Provider.Agb == agb) return true;
        foreach (var e in Exclusions) if (e.Provider.Agb == agb) return true;
        return false;
    }

    /// <summary>The areas within the radius, for deciding whether a new provider can enter it.</summary>
    [JsonIgnore]
    public IReadOnlyList<int> AreasInReach { get; init; } = [];

    /// <summary>
    /// Identifies what a coordinator sees, without the evaluation moment and the ages that follow
    /// from it: two results with the same fingerprint need not both be pushed.
    /// </summary>
    public int Fingerprint()
    {
        var hash = new HashCode();
        foreach (var c in Candidates)
        {
            hash.Add(c.Provider);
            hash.Add(c.FreePlaces);
            hash.Add(c.HoursPerWeek);
            hash.Add(c.AvailableFrom);
            hash.Add(c.CapacityPublishedAt);
            hash.Add(c.ContractType);
            hash.Add(c.ExpectedFor);
        }
        hash.Add(-1);
        // Not the detail text: for stale figures it states an age, which changes by itself.
        foreach (var e in Exclusions)
        {
            hash.Add(e.Provider);
            hash.Add(e.Reason);
            hash.Add(e.ClientStopId);
            hash.Add(e.ClientStopUntil);
            hash.Add(e.AvailableFrom);
            hash.Add(e.CapacityPublishedAt);
        }
        return hash.ToHashCode();
    }
}
