using Capacity.Service.Capacity;
using Capacity.Service.Geography;
using Capacity.Service.Matching;
using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Regions;

/// <summary>
/// Aggregated availability per area and care type for municipalities and coordination points.
/// Reads one capacity hash per area (all pipelined); counts only figures of providers that still
/// serve the area, only fresh ones as free, and client stops of any insurer in force today. In an
/// insurer's view a provider has room only as a search for that insurer would offer it
/// (<see cref="MatchRules.RegistryReason"/>: contract, stop, qualification), and room a stop for
/// the insurer takes away is counted apart, so a map can mark exactly where a stop costs places.
/// </summary>
public sealed class RegionalAvailabilityService(
    RegistryCache registry,
    CapacityStore capacity,
    Capacity.Outlook.OutlookStore outlooks,
    PostcodeDirectory postcodes,
    IOptionsMonitor<MatchingOptions> options,
    TimeProvider time)
{
    /// <summary>Validates a request against the registry, caught up first if it names an insurer this instance does not know yet.</summary>
    public async Task<RegionScope?> ResolveAsync(RegionRequest request, InputErrors errors, string pc4sField = "pc4s")
    {
        var snapshot = Codes.IsUzovi(request.InsurerUzovi) ? await registry.KnowingAsync(uzovi: request.InsurerUzovi) : registry.Current;
        return RegionValidation.Validate(request, snapshot, postcodes, errors, pc4sField);
    }

    public async Task<RegionAvailability> GetAsync(RegionScope scope)
    {
        var snapshot = registry.Current;
        // The insurer as the registry names it now (a live view outlives a rename).
        var viewer = scope.Insurer is { } named ? snapshot.Insurers.GetValueOrDefault(named.Uzovi) ?? named : null;
        var figuresRead = capacity.GetAreasAsync(scope.Pc4s);
        var outlooksRead = outlooks.GetAreasAsync(scope.Pc4s); // beside the figures: the same round trip
        var (figures, outlookOf) = (await figuresRead, await outlooksRead);
        var now = time.GetUtcNow();
        var today = time.Today();
        var freshness = options.CurrentValue.FreshnessWindow;
        DateTimeOffset? staleAt = null;
        var distinct = scope.CareTypes.ToDictionary(t => t, _ => new DistinctCount());

        var areas = new List<AreaAvailability>(scope.Pc4s.Count);
        foreach (var pc4 in scope.Pc4s)
        {
            var serving = snapshot.ProvidersServing(pc4);
            var servingAgbs = serving.Select(p => p.Agb).ToHashSet();
            var cells = new Dictionary<(string, CareType), CapacityCell>();
            var held = new Dictionary<(string, CareType), int>();
            foreach (var entry in figures[pc4])
            {
                if (CapacityStore.Keys.ParseField(entry.Name!) is not { } key || !servingAgbs.Contains(key.Agb)) continue;
                if (key.Held) held[(key.Agb, key.CareType)] = (int)entry.Value;
                else if (CapacityCell.Decode(entry.Value) is { } cell) cells[(key.Agb, key.CareType)] = cell;
            }
            foreach (var (key, count) in held)
                if (cells.TryGetValue(key, out var cell)) cells[key] = cell with { Held = count };

            var perType = new List<CareTypeAvailability>(scope.CareTypes.Count);
            foreach (var careType in scope.CareTypes)
            {
                var area = new DistinctCount();
                int free = 0, closedFree = 0;
                var week = new WeekSums(today);
                foreach (var provider in serving)
                {
                    area.Serving.Add(provider.Agb);
                    var stoppedHere = snapshot.StopsOf(provider.Agb).Any(s => s.CoversArea(careType, pc4, today));
                    if (stoppedHere) area.WithClientStop.Add(provider.Agb);

                    // Who this view considers (contracted and qualified, as a search checks it), and
                    // whether a stop for the insurer is what keeps it from offering its room.
                    var closedByStop = false;
                    if (viewer is { } insurer)
                    {
                        if (MatchRules.RegistryReason(provider, insurer.Uzovi, careType, pc4, today, urgent: false, snapshot, out _, out _, applyStops: false) is not null) continue;
                        closedByStop = MatchRules.RegistryReason(provider, insurer.Uzovi, careType, pc4, today, urgent: false, snapshot, out _, out _) == ExclusionReason.ClientStop;
                    }
                    // Serving the area without giving this care (and without a figure for it): not
                    // a provider whose absence of room makes the area "vol".
                    else if (!snapshot.Gives(provider, careType, today.Year) && !cells.ContainsKey((provider.Agb, careType))) continue;
                    else closedByStop = stoppedHere && !CareTypes.PassesClientStops(careType, urgent: false);
                    area.InView.Add(provider.Agb);

                    if (!cells.TryGetValue((provider.Agb, careType), out var cell)) continue;
                    if (now - cell.PublishedAt > freshness)
                    {
                        if (viewer is null || !closedByStop) area.Stale.Add(provider.Agb);
                        continue;
                    }
                    var expires = cell.PublishedAt + freshness;
                    if (staleAt is null || expires < staleAt) staleAt = expires;
                    // The coming week counts the providers whose places today's figure counts (in
                    // the insurer view not those a stop closes), also those full today.
                    if (viewer is null || !closedByStop)
                        week.Add(cell, outlookOf[pc4].GetValueOrDefault((provider.Agb, careType)));
                    if (cell.Available <= 0 || cell.AvailableFrom > today) continue;

                    if (closedByStop)
                    {
                        area.ClosedByStop.Add(provider.Agb);
                        closedFree += cell.Available;
                        if (viewer is not null) continue; // in the insurer's view the stop takes the room away
                    }
                    free += cell.Available;
                    area.WithRoom.Add(provider.Agb);
                }
                distinct[careType].Add(area);
                perType.Add(area.ToAvailability(careType, free, closedFree, sums: null) with { Outlook = week.ToWeek() });
            }
            areas.Add(new AreaAvailability(Codes.Pc4(pc4), postcodes.Find(pc4)!.Municipality, perType));
        }

        // Per-area counts summed (their old meaning, a provider once per area) beside distinct providers.
        var totals = scope.CareTypes.Select(careType =>
        {
            var all = areas.Select(a => a.CareTypes.First(c => c.CareType == careType)).ToArray();
            return distinct[careType].ToAvailability(careType, all.Sum(a => a.FreePlaces), all.Sum(a => a.FreePlacesClosedByClientStop), all)
                with { Outlook = WeekSums.Total(today, all.Select(a => a.Outlook)) };
        }).ToArray();

        // Stops in force and places "free from" a date also change at midnight.
        var midnight = time.NextMidnight();
        if (staleAt is null || midnight < staleAt) staleAt = midnight;
        return new RegionAvailability(scope.MunicipalityCode, scope.Municipality, areas, totals, now, viewer) { StaleAt = staleAt };
    }

    /// <summary>
    /// An area's coming week for one care type: per day, a provider's expectation for the day when
    /// its outlook (of the figure's version) names it, else its published figure if free by that
    /// day; places held for open offers come off either (docs/INSIGHT-outlook.md).
    /// </summary>
    sealed class WeekSums(DateOnly today)
    {
        readonly int[] _free = new int[Capacity.Outlook.Outlook.WindowDays];
        readonly int[] _expecting = new int[Capacity.Outlook.Outlook.WindowDays];
        readonly int[] _withRoom = new int[Capacity.Outlook.Outlook.WindowDays];

        public void Add(CapacityCell cell, Capacity.Outlook.Outlook? outlook)
        {
            for (var i = 0; i < _free.Length; i++)
            {
                var day = today.AddDays(i + 1);
                var expected = outlook?.ExpectedOn(day, cell.Version, today);
                var places = expected is { } e ? Math.Max(0, e - cell.Held) : cell.AvailableFrom <= day ? cell.Available : 0;
                if (expected is not null) _expecting[i]++;
                if (places <= 0) continue;
                _free[i] += places;
                _withRoom[i]++;
            }
        }

        public OutlookWeek ToWeek() =>
            new([.. Enumerable.Range(0, _free.Length).Select(i => new DailyOutlook(today.AddDays(i + 1), _free[i], _expecting[i], _withRoom[i]))]);

        /// <summary>Areas' weeks summed day by day.</summary>
        public static OutlookWeek Total(DateOnly today, IEnumerable<OutlookWeek> weeks)
        {
            var all = weeks.Where(w => w.Days.Count > 0).ToArray();
            return new([.. Enumerable.Range(0, Capacity.Outlook.Outlook.WindowDays).Select(i => new DailyOutlook(today.AddDays(i + 1),
                all.Sum(w => w.Days[i].FreePlaces), all.Sum(w => w.Days[i].ProvidersExpecting), all.Sum(w => w.Days[i].ProvidersWithRoom)))]);
        }
    }

    /// <summary>The providers in each count, by AGB: an area's, or (added up) a region's, each provider once.</summary>
    sealed class DistinctCount
    {
        public HashSet<string> Serving { get; } = [];
        public HashSet<string> WithRoom { get; } = [];
        public HashSet<string> WithClientStop { get; } = [];
        public HashSet<string> Stale { get; } = [];
        public HashSet<string> ClosedByStop { get; } = [];
        public HashSet<string> InView { get; } = [];

        public void Add(DistinctCount other)
        {
            Serving.UnionWith(other.Serving);
            WithRoom.UnionWith(other.WithRoom);
            WithClientStop.UnionWith(other.WithClientStop);
            Stale.UnionWith(other.Stale);
            ClosedByStop.UnionWith(other.ClosedByStop);
            InView.UnionWith(other.InView);
        }

        /// <param name="sums">For totals: the areas whose per-area counts are summed; null for one area (its own counts).</param>
        public CareTypeAvailability ToAvailability(CareType careType, int free, int closedFree, IReadOnlyList<CareTypeAvailability>? sums)
        {
            var once = new DistinctProviders(Serving.Count, WithRoom.Count, WithClientStop.Count, Stale.Count, ClosedByStop.Count, InView.Count);
            return sums is null
                ? new(careType, CareTypes.UnitOf(careType), free, WithRoom.Count, Serving.Count, WithClientStop.Count, Stale.Count, ClosedByStop.Count, closedFree, InView.Count, once)
                : new(careType, CareTypes.UnitOf(careType), free, sums.Sum(a => a.ProvidersWithRoom), sums.Sum(a => a.ProvidersServing),
                    sums.Sum(a => a.ProvidersWithClientStop), sums.Sum(a => a.ProvidersStale), sums.Sum(a => a.ProvidersWithRoomClosedByClientStop), closedFree, sums.Sum(a => a.ProvidersInView), once);
        }
    }
}
