using System.Globalization;
using Capacity.Service.Geography;
using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;
using Grpc.Core;

namespace Capacity.Service.Insight.History;

/// <summary>
/// GetClientStopAnalytics: client stops per month × insurer × municipality × care type, from the
/// stop history (declared and lifted times, kept by the registry's write scripts) and the stops in
/// force now. A stop with no insurers counts for every registered insurer; with no areas, for every
/// area its provider serves (registry as it is now); with no care types, for every care type a stop
/// can hold back (palliative terminal care never is). Months are Europe/Amsterdam months. Exact for
/// an insurer's or provider's own; aggregates (small counts hidden) for a municipality and the
/// regulator. <c>referrals_met_stop</c> is not answered yet: it needs the referral analytics.
/// </summary>
public sealed class ClientStopAnalytics(RegistryCache registry, PostcodeDirectory postcodes, StopHistory stopHistory, TimeProvider time)
{
    public const int DefaultPageSize = 100, MaxPageSize = 500, MaxMonths = 24;

    static readonly CareType[] Stoppable = [.. CareTypes.All.Where(t => !CareTypes.PassesClientStops(t, urgent: false))];

    public async Task<GetClientStopAnalyticsResponse> GetAsync(GetClientStopAnalyticsRequest request, ServerCallContext context)
    {
        var (scope, from, to, pageSize) = Validate(request);
        var now = time.GetUtcNow();
        var snapshot = registry.Current;
        var aggregate = request.ScopeCase is GetClientStopAnalyticsRequest.ScopeOneofCase.Municipality or GetClientStopAnalyticsRequest.ScopeOneofCase.National;
        var municipality = request.ScopeCase == GetClientStopAnalyticsRequest.ScopeOneofCase.Municipality ? postcodes.FindMunicipality(request.Municipality) : null;

        var months = new List<(string Name, DateTimeOffset From, DateTimeOffset To)>();
        var periodStart = CapacityHistoryKeys.StartOf(from);
        var periodEnd = CapacityHistoryKeys.StartOf(to.AddDays(1));
        for (var m = new DateOnly(from.Year, from.Month, 1); m <= to; m = m.AddMonths(1))
        {
            var start = CapacityHistoryKeys.StartOf(m);
            var end = CapacityHistoryKeys.StartOf(m.AddMonths(1));
            months.Add((m.ToString("yyyy-MM", CultureInfo.InvariantCulture), start > periodStart ? start : periodStart, end < periodEnd ? end : periodEnd));
        }

        var cells = new Dictionary<(string Month, string Uzovi, string Municipality, CareType CareType), Cell>();
        foreach (var record in await stopHistory.LoadAsync())
        {
            var stop = record.Stop;
            if (request.ScopeCase == GetClientStopAnalyticsRequest.ScopeOneofCase.ProviderAgb && stop.Agb != request.ProviderAgb) continue;
            IEnumerable<string> insurers = stop.Uzovis.Count > 0 ? stop.Uzovis : snapshot.Insurers.Keys;
            if (request.ScopeCase == GetClientStopAnalyticsRequest.ScopeOneofCase.InsurerUzovi) insurers = insurers.Where(u => u == request.InsurerUzovi);
            var areas = stop.Pc4s.Count > 0 ? stop.Pc4s : snapshot.Providers.GetValueOrDefault(stop.Agb)?.ServedPc4s ?? [];
            var municipalities = areas.Select(pc4 => postcodes.Find(pc4)?.MunicipalityCode).OfType<string>()
                .Where(code => municipality is null || code == municipality.Code).Distinct().ToArray();
            var careTypes = stop.CareTypes.IsEmpty ? Stoppable : Stoppable.Where(stop.CareTypes.Contains).ToArray();
            var uzovis = insurers.ToArray();
            if (municipalities.Length == 0 || careTypes.Length == 0 || uzovis.Length == 0) continue;

            foreach (var (month, start, end) in months)
            {
                if (!record.InForceDuring(start, end)) continue;
                var begun = record.Start >= start && record.Start < end;
                var ended = record.End is { } e && e >= start && e < end && e <= now ? record.Duration : null;
                foreach (var uzovi in uzovis)
                    foreach (var code in municipalities)
                        foreach (var ct in careTypes)
                        {
                            var key = (month, uzovi, code, ct);
                            if (!cells.TryGetValue(key, out var cell)) cells[key] = cell = new Cell();
                            cell.InForce++;
                            if (begun) cell.Begun++;
                            cell.Providers.Add(stop.Agb);
                            if (ended is { } d) cell.Durations.Add(d);
                        }
            }
        }

        var list = $"stops|{request.ScopeCase}|{request.InsurerUzovi}{request.ProviderAgb}{municipality?.Code}|{from.Iso()}|{to.Iso()}";
        var page = Paging.Of(cells, c => $"{c.Key.Month}|{c.Key.Uzovi}|{c.Key.Municipality}|{(int)c.Key.CareType:D2}", list, pageSize, request.PageToken);
        var response = new GetClientStopAnalyticsResponse { NextPageToken = page.NextPageToken };
        foreach (var (key, cell) in page.Items)
            response.Cells.Add(new ClientStopCell
            {
                Month = key.Month,
                InsurerUzovi = key.Uzovi,
                MunicipalityCode = key.Municipality,
                Municipality = postcodes.FindMunicipality(key.Municipality)?.Name ?? "",
                CareType = key.CareType,
                StopsInForce = CellCounts.Of(cell.InForce, aggregate),
                StopsBegun = CellCounts.Of(cell.Begun, aggregate),
                ProvidersStopped = CellCounts.Of(cell.Providers.Count, aggregate),
                Duration = CellCounts.Durations(cell.Durations, aggregate),
                // referrals_met_stop: left unset until the referral analytics can count it.
            });
        return response;
    }

    sealed class Cell
    {
        public int InForce, Begun;
        public readonly HashSet<string> Providers = new(StringComparer.Ordinal);
        public readonly List<TimeSpan> Durations = [];
    }

    (GetClientStopAnalyticsRequest.ScopeOneofCase Scope, DateOnly From, DateOnly To, int PageSize) Validate(GetClientStopAnalyticsRequest request)
    {
        var errors = new InputErrors();
        switch (request.ScopeCase)
        {
            case GetClientStopAnalyticsRequest.ScopeOneofCase.InsurerUzovi when !Codes.IsUzovi(request.InsurerUzovi):
                errors.Add("insurer_uzovi", Codes.UzoviRule);
                break;
            case GetClientStopAnalyticsRequest.ScopeOneofCase.ProviderAgb when !Codes.IsAgb(request.ProviderAgb):
                errors.Add("provider_agb", Codes.AgbRule);
                break;
            case GetClientStopAnalyticsRequest.ScopeOneofCase.Municipality when postcodes.FindMunicipality(request.Municipality) is null:
                errors.Add("municipality", Reasons.MunicipalityUnknown, $"'{InputErrors.Cut(request.Municipality, 60)}' is not a municipality (CBS code like GM0362 or name)");
                break;
            case GetClientStopAnalyticsRequest.ScopeOneofCase.National when !request.National:
            case GetClientStopAnalyticsRequest.ScopeOneofCase.None:
                errors.Add("scope", Reasons.ChoiceRequired, "set insurer_uzovi, provider_agb, municipality or national (true)");
                break;
        }
        DateOnly? from = null, to = null;
        if (request.Period is null) errors.Add("period", Reasons.Required, "is required");
        else
        {
            from = request.Period.From.TryToDateOnly();
            to = request.Period.To.TryToDateOnly();
            if (from is null) errors.Add("period.from", request.Period.From is null ? Reasons.Required : Reasons.DateInvalid, request.Period.From is null ? "is required" : "is not a valid date");
            if (to is null) errors.Add("period.to", request.Period.To is null ? Reasons.Required : Reasons.DateInvalid, request.Period.To is null ? "is required" : "is not a valid date");
            if (from is { } f && to is { } t)
            {
                if (t < f) errors.Add("period.to", Reasons.DateBeforeStart, "must not be before period.from");
                else if ((t.Year - f.Year) * 12 + t.Month - f.Month >= MaxMonths) errors.Add("period.to", Reasons.DateTooFar, $"at most {MaxMonths} months");
            }
        }
        if (request.PageSize is < 0 or > MaxPageSize) errors.Add("page_size", Reasons.NumberRange, $"must be between 1 and {MaxPageSize} (0 for {DefaultPageSize})");
        errors.ThrowIfAny();
        return (request.ScopeCase, from!.Value, to!.Value, request.PageSize == 0 ? DefaultPageSize : request.PageSize);
    }
}
