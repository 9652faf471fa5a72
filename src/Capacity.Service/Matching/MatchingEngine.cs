using System.Collections.Concurrent;
using Capacity.Service.Capacity;
using Capacity.Service.Geography;
using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Matching;

/// <summary>
/// Answers a search with one Redis round trip: the registry comes from the in-process snapshot,
/// the areas in reach from the postcode index, and the only remote read is one HMGET on the
/// patient's area hash for the providers that serve it. The cost does not grow with the number
/// of providers in the country, only with those near the patient.
/// </summary>
public sealed class MatchingEngine(
    RegistryCache registry,
    CapacityStore capacity,
    Capacity.Outlook.OutlookStore outlooks,
    PostcodeDirectory postcodes,
    IOptionsMonitor<MatchingOptions> options,
    TimeProvider time)
{
    // The areas within a radius of an area never change (the postcode table is part of the build),
    // so each (area, radius) is looked up in the spatial index once and kept: walking the index and
    // growing a list of a few hundred areas was a tenth of a search's CPU. Bounded by the areas held
    // (16 bytes each, so at most ~16 MB; every area of the country at the default 15 km is a few
    // hundred thousand): past the bound it starts over.
    const long MaxAreasHeld = 1_000_000;
    readonly ConcurrentDictionary<(int Pc4, double RadiusKm), IReadOnlyList<(PostcodeArea Area, double DistanceKm)>> _reach = new();
    long _areasHeld;

    /// <summary>Validates the request; throws nothing, reports bad fields in <paramref name="errors"/>.</summary>
    public async Task<MatchQuery?> ValidateAsync(SearchRequest request, InputErrors errors)
    {
        var snapshot = Shared.Codes.IsUzovi(request.InsurerUzovi) ? await registry.KnowingAsync(uzovi: request.InsurerUzovi) : registry.Current;
        return SearchValidation.Validate(request, snapshot, postcodes, options.CurrentValue, time.Today(), errors);
    }

    /// <param name="requireContract">False only for a mediation desk looking for uncontracted providers as a last resort.</param>
    public async Task<MatchResult> FindAsync(MatchQuery query, bool requireContract = true)
    {
        using var span = Telemetry.CapacityMetrics.Source.StartActivity("capacity.search"); // null unless spans are on
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var snapshot = registry.Current;
        var local = snapshot.ProvidersServing(query.PatientArea.Pc4);
        var today = time.Today();
        // A start date in the coming week also reads the area's outlooks, beside the figures (one
        // round trip still); a search for today reads what it always read.
        var future = Capacity.Outlook.Outlook.InWindow(today, query.StartDate);
        var read = capacity.GetAsync(query.PatientArea.Pc4, local, query.CareType);
        var outlooksRead = future ? outlooks.GetAsync(query.PatientArea.Pc4, local, query.CareType) : null;
        var cells = await read;
        var expected = outlooksRead is null ? null : ExpectedOn(query.StartDate, cells, await outlooksRead, today);
        var reach = Reach(query.PatientArea, query.RadiusKm);
        var result = MatchRules.Evaluate(query, snapshot, reach, local, cells, postcodes, time.GetUtcNow(), options.CurrentValue.FreshnessWindow, requireContract,
            ProvidersInReach(snapshot, query.PatientArea, query.RadiusKm, reach), expected);
        // At midnight the window moves: the start date may become today (its figure counts then,
        // not the expectation) and the day a search's expectation is for may have passed.
        if (expected is not null && Array.Exists(expected, e => e is not null) && time.NextMidnight() is var midnight && (result.StaleAt is null || midnight < result.StaleAt))
            result = result with { StaleAt = midnight };
        Telemetry.CapacityMetrics.Searched(query.CareType, started);
        return result;
    }

    /// <summary>Per local provider, the places it expects on <paramref name="day"/> in the outlook of its stored figure's version; null where it has none.</summary>
    static int?[] ExpectedOn(DateOnly day, IReadOnlyList<CapacityCell?> cells, IReadOnlyList<Capacity.Outlook.Outlook?> outlooks, DateOnly today)
    {
        var expected = new int?[cells.Count];
        for (var i = 0; i < expected.Length && i < outlooks.Count; i++)
            if (cells[i] is { } cell && outlooks[i] is { } outlook) expected[i] = outlook.ExpectedOn(day, cell.Version, today);
        return expected;
    }

    // Which providers are in reach of an (area, radius), and how far their bases are, follows from
    // the registry snapshot alone: worked out on the first search of that area and radius after a
    // registry change, and kept with the snapshot (8 bytes a provider, at most ~16 MB; the next snapshot starts
    // empty). Walking every area in reach and its providers on every search was most of the rules'
    // own time (a 15 km search in a city visits thousands of area-provider pairs for tens of providers).
    const long MaxProvidersInReachHeld = 2_000_000;
    sealed class InReachHeld(RegistrySnapshot snapshot)
    {
        public RegistrySnapshot Snapshot { get; } = snapshot;
        public readonly ConcurrentDictionary<(int Pc4, double RadiusKm), ProviderInReach[]> ByArea = new();
        public long Held;
    }
    InReachHeld? _inReach;

    ProviderInReach[] ProvidersInReach(RegistrySnapshot snapshot, PostcodeArea area, double radiusKm, IReadOnlyList<(PostcodeArea Area, double DistanceKm)> reach)
    {
        var held = Volatile.Read(ref _inReach);
        if (held is null || !ReferenceEquals(held.Snapshot, snapshot))
        {
            // A search that still holds a snapshot the cache has since replaced works its list out
            // without keeping it (a registry whose version went down, flushed or replaced, is current
            // all the same, and gets its own).
            if (!ReferenceEquals(snapshot, registry.Current))
                return MatchRules.ProvidersInReach(snapshot, area, radiusKm, reach, postcodes);
            held = new InReachHeld(snapshot);
            Volatile.Write(ref _inReach, held);
        }
        if (held.ByArea.TryGetValue((area.Pc4, radiusKm), out var known)) return known;
        var inReach = MatchRules.ProvidersInReach(snapshot, area, radiusKm, reach, postcodes);
        // Counted in 8-byte units, an entry's own dictionary node as 8 more: a radius is any number a
        // request gives, so empty lists must count too.
        var cost = inReach.Length + 8;
        if (Interlocked.Add(ref held.Held, cost) > MaxProvidersInReachHeld)
        {
            held.ByArea.Clear();
            Interlocked.Exchange(ref held.Held, cost);
        }
        held.ByArea.TryAdd((area.Pc4, radiusKm), inReach);
        return inReach;
    }

    IReadOnlyList<(PostcodeArea Area, double DistanceKm)> Reach(PostcodeArea area, double radiusKm)
    {
        if (_reach.TryGetValue((area.Pc4, radiusKm), out var known)) return known;
        IReadOnlyList<(PostcodeArea Area, double DistanceKm)> reach = [.. postcodes.Within(area, radiusKm)];
        if (Interlocked.Add(ref _areasHeld, reach.Count) > MaxAreasHeld)
        {
            _reach.Clear();
            Interlocked.Exchange(ref _areasHeld, reach.Count);
        }
        _reach.TryAdd((area.Pc4, radiusKm), reach);
        return reach;
    }
}
