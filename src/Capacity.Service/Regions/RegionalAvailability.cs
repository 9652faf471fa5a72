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
/// serve the area, only fresh ones as free, and client stops of any insurer in force today.
/// </summary>
public sealed class RegionalAvailabilityService(
    RegistryCache registry,
    CapacityStore capacity,
    PostcodeDirectory postcodes,
    IOptionsMonitor<MatchingOptions> options,
    TimeProvider time)
{
    public const int MaxAreas = 500;

    /// <param name="pc4sField">How the PC4 list is named in error details (gRPC nests it: pc4s.pc4s).</param>
    public RegionScope? Resolve(RegionRequest request, InputErrors errors, string pc4sField = "pc4s")
    {
        var careTypes = request.CareTypes is { Count: > 0 } ? request.CareTypes.Distinct().Order().ToArray() : CareTypes.All;
        if (careTypes.Any(t => !CareTypes.IsKnown(t))) errors.Add("care_types", Reasons.CareTypeUnknown, "contains an unknown care type");

        var hasMunicipality = !string.IsNullOrWhiteSpace(request.Municipality);
        var hasPc4s = request.Pc4s is { Count: > 0 };
        if (hasMunicipality == hasPc4s)
        {
            errors.Add("region", Reasons.ChoiceRequired, "set either municipality or pc4s");
            return null;
        }
        if (hasMunicipality)
        {
            var municipality = postcodes.FindMunicipality(request.Municipality!);
            if (municipality is null)
            {
                errors.Add("municipality", Reasons.MunicipalityUnknown, $"'{request.Municipality}' is not a municipality (CBS code like GM0362 or name)");
                return null;
            }
            return errors.Any ? null : new RegionScope(municipality.Code, municipality.Name, municipality.Pc4s, careTypes);
        }

        if (request.Pc4s!.Count > MaxAreas) errors.Add(pc4sField, Reasons.ListTooLong, $"at most {MaxAreas} areas");
        var unknown = request.Pc4s.Where(p => !RegistryValidation.IsKnownPc4(p, postcodes)).Take(5).ToArray();
        if (unknown.Length > 0) errors.Add(pc4sField, Reasons.PostcodeUnknown, $"unknown PC4 area(s): {string.Join(", ", unknown)}");
        return errors.Any ? null : new RegionScope(null, null, request.Pc4s.Select(int.Parse).Distinct().Order().ToArray(), careTypes);
    }

    public async Task<RegionAvailability> GetAsync(RegionScope scope)
    {
        var snapshot = registry.Current;
        var figures = await capacity.GetAreasAsync(scope.Pc4s);
        var now = time.GetUtcNow();
        var today = time.Today();
        var freshness = options.CurrentValue.FreshnessWindow;
        DateTimeOffset? staleAt = null;

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
                int free = 0, withRoom = 0, stopped = 0, stale = 0;
                foreach (var provider in serving)
                {
                    if (snapshot.StopsOf(provider.Agb).Any(s => s.CoversArea(careType, pc4, today))) stopped++;
                    if (!cells.TryGetValue((provider.Agb, careType), out var cell)) continue;
                    if (now - cell.PublishedAt > freshness)
                    {
                        stale++;
                        continue;
                    }
                    if (cell.Available > 0 && cell.AvailableFrom <= today)
                    {
                        free += cell.Available;
                        withRoom++;
                    }
                    var expires = cell.PublishedAt + freshness;
                    if (staleAt is null || expires < staleAt) staleAt = expires;
                }
                perType.Add(new CareTypeAvailability(careType, CareTypes.UnitOf(careType), free, withRoom, serving.Count, stopped, stale));
            }
            areas.Add(new AreaAvailability(Codes.Pc4(pc4), postcodes.Find(pc4)!.Municipality, perType));
        }

        var totals = scope.CareTypes.Select(careType =>
        {
            var all = areas.Select(a => a.CareTypes.First(c => c.CareType == careType)).ToArray();
            return new CareTypeAvailability(careType, CareTypes.UnitOf(careType), all.Sum(a => a.FreePlaces), all.Sum(a => a.ProvidersWithRoom),
                all.Sum(a => a.ProvidersServing), all.Sum(a => a.ProvidersWithClientStop), all.Sum(a => a.ProvidersStale));
        }).ToArray();

        // Stops in force and places "free from" a date also change at midnight.
        var midnight = time.NextMidnight();
        if (staleAt is null || midnight < staleAt) staleAt = midnight;
        return new RegionAvailability(scope.MunicipalityCode, scope.Municipality, areas, totals, now) { StaleAt = staleAt };
    }
}
