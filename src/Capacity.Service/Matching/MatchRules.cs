using System.Buffers;
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
    /// Rules 1–3 and the served area, which need no capacity figure: null when only the figure
    /// can still exclude the provider (an offer checks these before it holds a place). Without
    /// <paramref name="requireContract"/> rule 1 is skipped: a mediation desk may, as a last
    /// resort, offer to a provider the insurer has not contracted (DOMAIN.md rule 6).
    /// </summary>
    public static Exclusion? ExcludeByRegistry(MatchQuery query, ProviderInfo provider, double distanceKm, RegistrySnapshot registry,
        out ContractInfo? contract, bool requireContract = true) =>
        ExcludeByRegistry(query, provider, ProviderRef.Of(provider), distanceKm,
            registry.ContractOf(provider.Agb, query.Insurer.Uzovi, query.StartDate.Year), registry.StopsOf(provider.Agb),
            out contract, requireContract, new Details(query));

    /// <summary>Rules 4 (room on the start date) and 5 (fresh), on the provider's figure in the patient's area.</summary>
    public static Exclusion? ExcludeByCapacity(MatchQuery query, ProviderInfo provider, double distanceKm, CapacityCell? cell, DateTimeOffset now, TimeSpan freshness) =>
        ExcludeByCapacity(query, ProviderRef.Of(provider), distanceKm, cell, now, freshness, new Details(query), expected: false);

    /// <summary>
    /// The texts an exclusion gives that depend only on the search, made once per search rather
    /// than once per excluded provider (a wide search excludes hundreds).
    /// </summary>
    internal sealed class Details(MatchQuery query)
    {
        string? _notContracted, _notQualified, _outsideArea, _noneFigure, _full;

        public string NotContracted => _notContracted ??=
            $"no contract with {query.Insurer.Name} for {Describe(query.CareType)} in {query.StartDate.Year}";

        public string NotQualified(QualificationFlags required) => _notQualified ??=
            $"not qualified for {Describe(query.CareType)} ({Describe(required)})";

        public string OutsideArea => _outsideArea ??= $"does not serve {query.PatientArea.Code}; serves nearby areas";

        public string NoFigure => _noneFigure ??= $"no capacity published for {Describe(query.CareType)} in {query.PatientArea.Code}";

        public string Full => _full ??= "full: no free " + (CareTypes.UnitOf(query.CareType) == CapacityUnit.Beds ? "beds" : "places");
    }

    static Exclusion? ExcludeByRegistry(
        MatchQuery query, ProviderInfo provider, ProviderRef providerRef, double distanceKm,
        ContractInfo? insurerContract, IReadOnlyList<ClientStopInfo> stops,
        out ContractInfo? contract, bool requireContract, Details details)
    {
        var reason = RegistryReason(provider, insurerContract, stops, query.Insurer.Uzovi, query.CareType, query.PatientArea.Pc4, query.StartDate, query.Urgent,
            out contract, out var stop, requireContract, applyStops: true);
        return reason switch
        {
            null => null,
            ExclusionReason.NotContracted => Excluded(reason.Value, details.NotContracted),
            ExclusionReason.ClientStop => Excluded(reason.Value,
                    $"client stop for {query.Insurer.Name} " + (stop!.Until is { } u ? $"until {u.Iso()}" : "until further notice"))
                with { ClientStopId = stop.Id, ClientStopUntil = stop.Until },
            ExclusionReason.NotQualified => Excluded(reason.Value, details.NotQualified(RequiredQualification(query.CareType)!.Value)),
            _ => Excluded(reason.Value, details.OutsideArea),
        };

        Exclusion Excluded(ExclusionReason r, string detail) => new(providerRef, distanceKm, r, detail);
    }

    /// <summary>
    /// Rules 1–3 and the served area as a reason alone, for counts that need no texts (a region's
    /// insurer view); searches and offers give their texts on top of it, so there is one copy of
    /// the rules. Without <paramref name="applyStops"/> rule 2 is skipped: what a provider would
    /// offer were it not for a client stop.
    /// </summary>
    public static ExclusionReason? RegistryReason(
        ProviderInfo provider, string uzovi, CareType careType, int pc4, DateOnly start, bool urgent, RegistrySnapshot registry,
        out ContractInfo? contract, out ClientStopInfo? stop, bool requireContract = true, bool applyStops = true) =>
        RegistryReason(provider, registry.ContractOf(provider.Agb, uzovi, start.Year), registry.StopsOf(provider.Agb), uzovi, careType, pc4, start, urgent,
            out contract, out stop, requireContract, applyStops);

    // The same, given the provider's contract with the insurer for the start date's year and its
    // client stops (a search looks them up by provider number).
    static ExclusionReason? RegistryReason(
        ProviderInfo provider, ContractInfo? insurerContract, IReadOnlyList<ClientStopInfo> stops,
        string uzovi, CareType careType, int pc4, DateOnly start, bool urgent,
        out ContractInfo? contract, out ClientStopInfo? stop, bool requireContract, bool applyStops)
    {
        stop = null;

        // 1. Contracted by the patient's insurer for this care type in the start date's year.
        contract = insurerContract;
        if (contract is not null && !contract.CareTypes.Contains(careType)) contract = null;
        if (contract is null && requireContract) return ExclusionReason.NotContracted;

        // 2. No client stop for this insurer, care type, area and day — unless PTZ or urgent.
        if (applyStops && !CareTypes.PassesClientStops(careType, urgent))
        {
            foreach (var s in stops)
            {
                if (!s.Covers(uzovi, careType, pc4, start)) continue;
                stop = s;
                return ExclusionReason.ClientStop;
            }
        }

        // 3. Qualified for special care.
        if (RequiredQualification(careType) is { } required && !provider.Qualifications.HasFlag(required))
            return ExclusionReason.NotQualified;

        // 4. Serves the patient's own area ...
        // An inactive provider serves no area (ProviderInfo.ServedPc4s), so it is outside every area.
        return provider.Serves(pc4) ? null : ExclusionReason.OutsideArea;
    }

    static Exclusion? ExcludeByCapacity(
        MatchQuery query, ProviderRef providerRef, double distanceKm, CapacityCell? cell, DateTimeOffset now, TimeSpan freshness, Details details, bool expected)
    {
        var start = query.StartDate;

        // ... with free capacity on the start date (for a coming day with an expectation, the
        // places expected that day: its figure then is the expectation, free on that day) ...
        if (cell is not { } c)
            return Excluded(ExclusionReason.NoCapacity, details.NoFigure);
        if (c.Available <= 0)
        {
            var full = expected ? $"expected full on {start.Iso()}: no free places expected" : details.Full;
            return Excluded(ExclusionReason.NoCapacity, c.Held > 0 ? $"{full} ({c.Held} held for referrals awaiting an answer)" : full);
        }
        if (!expected && c.AvailableFrom > start)
            return Excluded(ExclusionReason.NoCapacity, $"free only from {c.AvailableFrom.Iso()}") with { AvailableFrom = c.AvailableFrom };

        // ... published recently enough to be trusted.
        if (now - c.PublishedAt > freshness)
            return Excluded(ExclusionReason.StaleCapacity, $"figure last updated {Ago(now - c.PublishedAt)} ago")
                with { CapacityPublishedAt = c.PublishedAt };

        return null;

        Exclusion Excluded(ExclusionReason reason, string detail) => new(providerRef, distanceKm, reason, detail);
    }

    public static QualificationFlags? RequiredQualification(CareType careType) => careType switch
    {
        CareType.PalliativeTerminal => QualificationFlags.PalliativeNetwork,
        CareType.MedicalChildCare => QualificationFlags.PaediatricNurse,
        CareType.DementiaCaseManagement => QualificationFlags.DementiaNetwork,
        CareType.NightCare => QualificationFlags.NightService,
        _ => null,
    };

    [ThreadStatic] static int[]? t_seenAt;
    [ThreadStatic] static int[]? t_cellAt;
    [ThreadStatic] static CapacityCell?[]? t_cells;
    [ThreadStatic] static bool[]? t_expected;
    [ThreadStatic] static int t_stamp;

    // Per-thread arrays indexed by provider number, marked with a stamp instead of cleared: no
    // per-search set. Neither method below awaits, so a thread's arrays are its own while in use.
    static int NextStamp(RegistrySnapshot registry, out int[] seenAt, out int[] cellAt, out CapacityCell?[] cellsByNumber)
    {
        seenAt = t_seenAt is { } stamps && stamps.Length >= registry.ProviderCount ? stamps : t_seenAt = new int[registry.ProviderCount + 256];
        cellAt = t_cellAt is { } cellStamps && cellStamps.Length >= registry.ProviderCount ? cellStamps : t_cellAt = new int[registry.ProviderCount + 256];
        cellsByNumber = t_cells is { } held && held.Length >= registry.ProviderCount ? held : t_cells = new CapacityCell?[registry.ProviderCount + 256];
        if (++t_stamp == int.MaxValue)
        {
            Array.Clear(seenAt);
            Array.Clear(cellAt);
            t_stamp = 1;
        }
        return t_stamp;
    }

    /// <summary>
    /// The providers in reach of a search, each once: those serving the patient's area, and those
    /// serving an area within the radius whose base is within the radius too (an area in reach
    /// brought them, but the distance shown is their base's: else a 15 km search would list
    /// exclusions at 19 km). Depends only on the snapshot, the patient's area and the radius, so
    /// the engine keeps it per snapshot rather than walking every area in reach on every search.
    /// </summary>
    public static ProviderInReach[] ProvidersInReach(
        RegistrySnapshot registry, PostcodeArea patientArea, double radiusKm,
        IReadOnlyList<(PostcodeArea Area, double DistanceKm)> areasInReach, PostcodeDirectory postcodes)
    {
        var stamp = NextStamp(registry, out var seenAt, out _, out _);
        var found = ArrayPool<ProviderInReach>.Shared.Rent(registry.ProviderCount);
        var count = 0;
        foreach (var (area, _) in areasInReach)
        {
            foreach (var number in registry.ProviderNumbersServing(area.Pc4))
            {
                if (seenAt[number] == stamp) continue;
                seenAt[number] = stamp;
                var provider = registry.ProviderAt(number);
                var exactKm = PostcodeDirectory.DistanceKm(postcodes.Find(provider.BasePc4)!, patientArea);
                if (exactKm > radiusKm && !provider.Serves(patientArea.Pc4)) continue;
                found[count++] = new ProviderInReach(number, exactKm);
            }
        }
        var inReach = found.AsSpan(0, count).ToArray();
        ArrayPool<ProviderInReach>.Shared.Return(found);
        return inReach;
    }

    /// <summary>
    /// Evaluates every provider in reach and ranks the result. <paramref name="providersInReach"/>
    /// is what <see cref="ProvidersInReach"/> gives for this snapshot, area and radius (worked out
    /// here when not given).
    /// </summary>
    public static MatchResult Evaluate(
        MatchQuery query,
        RegistrySnapshot registry,
        IReadOnlyList<(PostcodeArea Area, double DistanceKm)> areasInReach,
        IReadOnlyList<ProviderInfo> localProviders,
        IReadOnlyList<CapacityCell?> localCells,
        PostcodeDirectory postcodes,
        DateTimeOffset now,
        TimeSpan freshness,
        bool requireContract = true,
        ProviderInReach[]? providersInReach = null,
        IReadOnlyList<int?>? expectedFree = null)
    {
        var inReach = providersInReach ?? ProvidersInReach(registry, query.PatientArea, query.RadiusKm, areasInReach, postcodes);
        var stamp = NextStamp(registry, out _, out var cellAt, out var cellsByNumber);
        var expectedAt = t_expected is { } marks && marks.Length >= registry.ProviderCount ? marks : t_expected = new bool[registry.ProviderCount + 256];

        // The figures by provider number: the local providers are the snapshot's own list for the
        // patient's area, numbered in its order (no per-search dictionary keyed by AGB). Lists from
        // elsewhere (tests) are matched by AGB once.
        var numbers = registry.ProviderNumbersServing(query.PatientArea.Pc4);
        var numbered = ReferenceEquals(localProviders, registry.ProvidersServing(query.PatientArea.Pc4)) && numbers.Length == localProviders.Count;
        for (var i = 0; i < localProviders.Count; i++)
        {
            var number = numbered ? numbers[i] : registry.NumberOf(localProviders[i].Agb);
            if (number < 0) continue;
            cellAt[number] = stamp;
            cellsByNumber[number] = localCells[i];
            // An expectation for the start date stands in for the figure's free places (same
            // version, so the same publication time and holds): rule 4 on the expected day.
            var expects = expectedFree is not null && i < expectedFree.Count && expectedFree[i] is not null && localCells[i] is not null;
            expectedAt[number] = expects;
            if (expects) cellsByNumber[number] = localCells[i]!.Value with { FreePlaces = expectedFree![i]!.Value };
        }

        var details = new Details(query);
        var contracts = registry.ContractsOf(query.Insurer.Uzovi);
        var year = query.StartDate.Year;
        var candidates = new List<Candidate>(Math.Min(inReach.Length, localProviders.Count));
        var exclusions = new List<Exclusion>(inReach.Length);
        DateTimeOffset? staleAt = null;
        foreach (var (number, distance) in inReach)
        {
            var provider = registry.ProviderAt(number);
            var local = cellAt[number] == stamp;
            var cell = local ? cellsByNumber[number] : null;
            var expected = local && expectedAt[number];
            var providerRef = registry.RefOf(number);
            if ((ExcludeByRegistry(query, provider, providerRef, distance, contracts.Of(number, year), registry.StopsAt(number), out var contract, requireContract, details)
                 ?? ExcludeByCapacity(query, providerRef, distance, cell, now, freshness, details, expected)) is { } exclusion)
            {
                exclusions.Add(exclusion);
                continue;
            }
            var c = cell!.Value;
            candidates.Add(new Candidate(providerRef, distance, c.Available, CareTypes.UnitOf(query.CareType),
                c.HoursPerWeek, expected ? query.StartDate : c.AvailableFrom, c.PublishedAt, now - c.PublishedAt, contract?.Type ?? ContractType.Unspecified)
                { ExpectedFor = expected ? query.StartDate : null });
            var expires = c.PublishedAt + freshness;
            if (staleAt is null || expires < staleAt) staleAt = expires;
        }

        // Nearest first, then most room, then the freshest figure; AGB makes ties deterministic.
        candidates.Sort((a, b) =>
            a.DistanceKm != b.DistanceKm ? a.DistanceKm.CompareTo(b.DistanceKm)
            : a.FreePlaces != b.FreePlaces ? b.FreePlaces.CompareTo(a.FreePlaces)
            : a.CapacityPublishedAt != b.CapacityPublishedAt ? b.CapacityPublishedAt.CompareTo(a.CapacityPublishedAt)
            : string.CompareOrdinal(a.Provider.Agb, b.Provider.Agb));
        exclusions.Sort((a, b) =>
            // As numbers: Enum.CompareTo takes an object, and boxed both reasons on every comparison.
            a.Reason != b.Reason ? ((int)a.Reason).CompareTo((int)b.Reason)
            : a.DistanceKm != b.DistanceKm ? a.DistanceKm.CompareTo(b.DistanceKm)
            : string.CompareOrdinal(a.Provider.Agb, b.Provider.Agb));

        return new MatchResult(query.PatientArea.Code, query.PatientArea.Municipality, query.RadiusKm, candidates, exclusions, now)
        {
            StaleAt = staleAt,
            AreasInReach = new Pc4sOf(areasInReach), // only live subscriptions look, rarely: a view, not a copy per search
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
