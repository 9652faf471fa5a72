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
        var snapshot = registry.Current;
        var local = snapshot.ProvidersServing(query.PatientArea.Pc4);
        var agbs = new string[local.Count];
        for (var i = 0; i < agbs.Length; i++) agbs[i] = local[i].Agb;

        var cells = await capacity.GetAsync(query.PatientArea.Pc4, agbs, query.CareType);
        var reach = Reach(query.PatientArea, query.RadiusKm);
        return MatchRules.Evaluate(query, snapshot, reach, local, cells, postcodes, time.GetUtcNow(), options.CurrentValue.FreshnessWindow, requireContract);
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
