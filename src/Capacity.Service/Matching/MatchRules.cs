using Capacity.Service.Capacity;
using Capacity.Service.Geography;
using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;

namespace Capacity.Service.Matching;

/// <summary>
/// Rules 1–5 of DOMAIN.md, applied to one provider in reach. The order of the checks is the order
/// of <see cref="ExclusionReason"/>, so the first rule that fails is the reason reported.
/// Pure: everything it needs is passed in, so the same inputs always give the same verdict.
/// </summary>
public static class MatchRules
{
    /// <summary>
    /// Null when the provider can take the patient; else why not. Without
    /// <paramref name="requireContract"/> rule 1 is skipped: a mediation desk may, as a last
    /// resort, offer to a provider the insurer has not contracted (DOMAIN.md rule 6).
    /// </summary>
    public static Exclusion? Exclude(
        MatchQuery query, ProviderInfo provider, double distanceKm, RegistrySnapshot registry, CapacityCell? cell,
        DateTimeOffset now, TimeSpan freshness, out ContractInfo? contract, bool requireContract = true)
    {
        var careType = query.CareType;
        var pc4 = query.PatientArea.Pc4;
        var start = query.StartDate;

        // 1. Contracted by the patient's insurer for this care type in the start date's year.
        contract = registry.ContractOf(provider.Agb, query.Insurer.Uzovi, start.Year);
        if (contract is not null && !contract.CareTypes.Contains(careType)) contract = null;
        if (contract is null && requireContract)
            return Excluded(ExclusionReason.NotContracted,
                $"no contract with {query.Insurer.Name} for {Describe(careType)} in {start.Year}");

        // 2. No client stop for this insurer, care type, area and day — unless PTZ or urgent.
        if (!CareTypes.PassesClientStops(careType, query.Urgent))
        {
            foreach (var stop in registry.StopsOf(provider.Agb))
            {
                if (!stop.Covers(query.Insurer.Uzovi, careType, pc4, start)) continue;
                return Excluded(ExclusionReason.ClientStop,
                    $"client stop for {query.Insurer.Name} " + (stop.Until is { } u ? $"until {u.Iso()}" : "until further notice"))
                    with { ClientStopId = stop.Id, ClientStopUntil = stop.Until };
            }
        }

        // 3. Qualified for special care.
        if (RequiredQualification(careType) is { } required && !provider.Qualifications.HasFlag(required))
            return Excluded(ExclusionReason.NotQualified, $"not qualified for {Describe(careType)} ({Describe(required)})");

        // 4. Serves the patient's own area ...
        if (!provider.Serves(pc4))
            return Excluded(ExclusionReason.OutsideArea, $"does not serve {query.PatientArea.Code}; serves nearby areas");

        // ... with free capacity on the start date ...
        if (cell is not { } c)
            return Excluded(ExclusionReason.NoCapacity, $"no capacity published for {Describe(careType)} in {query.PatientArea.Code}");
        if (c.Available <= 0)
            return Excluded(ExclusionReason.NoCapacity, "full: no free " + (CareTypes.UnitOf(careType) == CapacityUnit.Beds ? "beds" : "places")
                + (c.Held > 0 ? $" ({c.Held} held for referrals awaiting an answer)" : ""));
        if (c.AvailableFrom > start)
            return Excluded(ExclusionReason.NoCapacity, $"free only from {c.AvailableFrom.Iso()}") with { AvailableFrom = c.AvailableFrom };

        // ... published recently enough to be trusted.
        if (now - c.PublishedAt > freshness)
            return Excluded(ExclusionReason.StaleCapacity, $"figure last updated {Ago(now - c.PublishedAt)} ago")
                with { CapacityPublishedAt = c.PublishedAt };

        return null;

        Exclusion Excluded(ExclusionReason reason, string detail) => new(ProviderRef.Of(provider), distanceKm, reason, detail);
    }

    public static QualificationFlags? RequiredQualification(CareType careType) => careType switch
    {
        CareType.PalliativeTerminal => QualificationFlags.PalliativeNetwork,
        CareType.MedicalChildCare => QualificationFlags.PaediatricNurse,
        CareType.DementiaCaseManagement => QualificationFlags.DementiaNetwork,
        CareType.NightCare => QualificationFlags.NightService,
        _ => null,
    };

    /// <summary>Evaluates every provider in reach and ranks the result.</summary>
    public static MatchResult Evaluate(
        MatchQuery query,
        RegistrySnapshot registry,
        IReadOnlyList<(PostcodeArea Area, double DistanceKm)> areasInReach,
        IReadOnlyList<ProviderInfo> localProviders,
        IReadOnlyList<CapacityCell?> localCells,
        PostcodeDirectory postcodes,
        DateTimeOffset now,
        TimeSpan freshness,
        bool requireContract = true)
    {
        var cells = new Dictionary<string, CapacityCell?>(localProviders.Count);
        for (var i = 0; i < localProviders.Count; i++) cells[localProviders[i].Agb] = localCells[i];

        var seen = new HashSet<string>();
        var candidates = new List<Candidate>();
        var exclusions = new List<Exclusion>();
        DateTimeOffset? staleAt = null;
        foreach (var (area, _) in areasInReach)
        {
            foreach (var provider in registry.ProvidersServing(area.Pc4))
            {
                if (!seen.Add(provider.Agb)) continue;
                var distance = Math.Round(PostcodeDirectory.DistanceKm(postcodes.Find(provider.BasePc4)!, query.PatientArea), 2);
                var cell = cells.GetValueOrDefault(provider.Agb);
                if (Exclude(query, provider, distance, registry, cell, now, freshness, out var contract, requireContract) is { } exclusion)
                {
                    exclusions.Add(exclusion);
                    continue;
                }
                var c = cell!.Value;
                candidates.Add(new Candidate(ProviderRef.Of(provider), distance, c.Available, CareTypes.UnitOf(query.CareType),
                    c.HoursPerWeek, c.AvailableFrom, c.PublishedAt, now - c.PublishedAt, contract?.Type ?? ContractType.Unspecified));
                var expires = c.PublishedAt + freshness;
                if (staleAt is null || expires < staleAt) staleAt = expires;
            }
        }

        // Nearest first, then most room, then the freshest figure; AGB makes ties deterministic.
        candidates.Sort((a, b) =>
            a.DistanceKm != b.DistanceKm ? a.DistanceKm.CompareTo(b.DistanceKm)
            : a.FreePlaces != b.FreePlaces ? b.FreePlaces.CompareTo(a.FreePlaces)
            : a.CapacityPublishedAt != b.CapacityPublishedAt ? b.CapacityPublishedAt.CompareTo(a.CapacityPublishedAt)
            : string.CompareOrdinal(a.Provider.Agb, b.Provider.Agb));
        exclusions.Sort((a, b) =>
            a.Reason != b.Reason ? a.Reason.CompareTo(b.Reason)
            : a.DistanceKm != b.DistanceKm ? a.DistanceKm.CompareTo(b.DistanceKm)
            : string.CompareOrdinal(a.Provider.Agb, b.Provider.Agb));

        return new MatchResult(query.PatientArea.Code, query.PatientArea.Municipality, query.RadiusKm, candidates, exclusions, now)
        {
            StaleAt = staleAt,
            ProviderAgbs = seen,
            AreasInReach = areasInReach.Select(a => a.Area.Pc4).ToArray(), // only live subscriptions look, rarely
        };
    }

    static string Describe(CareType careType) => careType switch
    {
        CareType.DistrictNursing => "district nursing",
        CareType.PalliativeTerminal => "palliative terminal care",
        CareType.MedicalChildCare => "medical child care",
        CareType.DementiaCaseManagement => "dementia case management",
        CareType.NightCare => "unplannable night care",
        CareType.ShortTermStay => "short-term stay",
        _ => careType.ToString(),
    };

    static string Describe(QualificationFlags q) => q switch
    {
        QualificationFlags.PalliativeNetwork => "not in a palliative network",
        QualificationFlags.PaediatricNurse => "no paediatric nurse on staff",
        QualificationFlags.DementiaNetwork => "not in the dementia network",
        QualificationFlags.NightService => "not in the regional night service",
        _ => q.ToString(),
    };

    static string Ago(TimeSpan age) =>
        age.TotalDays >= 2 ? $"{(int)age.TotalDays} days" : age.TotalHours >= 1 ? $"{(int)age.TotalHours} hours" : $"{(int)age.TotalMinutes} minutes";
}
