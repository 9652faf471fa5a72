using Capacity.Service.Geography;
using Capacity.Service.Shared;
using Capacity.V1;
using Grpc.Core;
using StackExchange.Redis;

namespace Capacity.Service.Insight.Placements;

/// <summary>
/// GetPlacementAnalytics: the facts of the scope's months read in one pipelined round
/// (<see cref="PlacementStore.ReadAsync"/>), those created within the period and of the care types
/// asked for counted into cells (<see cref="PlacementCells"/>), a page of them answered with the
/// totals. A desk's and a provider's answers are exact; a municipality's and the national one are
/// aggregates (small counts hidden). Who may ask for which scope is the permission table's.
/// </summary>
public sealed class PlacementAnalytics(PlacementStore store, PostcodeDirectory postcodes, PagedAnswers answers)
{
    public async Task<GetPlacementAnalyticsResponse> GetAsync(GetPlacementAnalyticsRequest request, ServerCallContext context)
    {
        var errors = new InputErrors();
        var period = PlacementValidation.PeriodOf(request.Period, errors);
        var careTypes = PlacementValidation.CareTypes(request.CareTypes, errors);
        var size = PlacementValidation.PageSize(request.PageSize, errors);
        if (!Enum.IsDefined(request.Grouping)) errors.Add("grouping", Reasons.ValueUnknown, "must be MUNICIPALITY, PC4 or NONE");
        var grouping = request.Grouping == RegionGrouping.Unspecified ? RegionGrouping.Municipality : request.Grouping;
        string owner;
        switch (request.ScopeCase)
        {
            case GetPlacementAnalyticsRequest.ScopeOneofCase.InsurerUzovi:
                if (!Codes.IsUzovi(request.InsurerUzovi)) errors.Add("insurer_uzovi", Codes.UzoviRule);
                owner = request.InsurerUzovi;
                break;
            case GetPlacementAnalyticsRequest.ScopeOneofCase.ProviderAgb:
                if (!Codes.IsAgb(request.ProviderAgb)) errors.Add("provider_agb", Codes.AgbRule);
                owner = request.ProviderAgb;
                break;
            case GetPlacementAnalyticsRequest.ScopeOneofCase.Municipality:
                owner = postcodes.FindMunicipality(request.Municipality)?.Code ?? "";
                if (owner.Length == 0) errors.Add("municipality", Reasons.MunicipalityUnknown, $"'{InputErrors.Cut(request.Municipality, 40)}' is not a municipality (CBS code like GM0362 or name)");
                break;
            case GetPlacementAnalyticsRequest.ScopeOneofCase.National when request.National:
                owner = "NL";
                break;
            default:
                errors.Add("scope", Reasons.ChoiceRequired, "set insurer_uzovi, provider_agb, municipality or national");
                owner = "";
                break;
        }
        errors.ThrowIfAny();

        var list = $"placements|{request.ScopeCase}|{owner}|{period!.From.Iso()}|{period.To.Iso()}|{careTypes.Bits}|{grouping}";
        var (cells, totals) = await answers.GetAsync(list, request.PageToken, () => CountAsync(request, owner, period, careTypes, grouping), a => a.Cells.Count + a.Totals.Count);
        var page = Paging.Of(cells, c => $"{c.Month}|{c.MunicipalityCode}:{c.Pc4}|{(int)c.CareType:D3}", list, size, request.PageToken);
        var response = new GetPlacementAnalyticsResponse { NextPageToken = page.NextPageToken };
        response.Cells.AddRange(page.Items);
        response.Totals.AddRange(totals);
        return response;
    }

    async Task<CountedCells> CountAsync(GetPlacementAnalyticsRequest request, string owner,
        PlacementValidation.Period period, CareTypeSet careTypes, RegionGrouping grouping)
    {
        var months = period.Months;
        IReadOnlyList<RedisKey> keys = request.ScopeCase switch
        {
            GetPlacementAnalyticsRequest.ScopeOneofCase.InsurerUzovi => [.. months.Select(m => PlacementStore.Keys.Insurer(owner, m))],
            GetPlacementAnalyticsRequest.ScopeOneofCase.ProviderAgb => [.. months.Select(m => PlacementStore.Keys.Provider(owner, m))],
            GetPlacementAnalyticsRequest.ScopeOneofCase.Municipality => [.. months.Select(m => PlacementStore.Keys.Municipality(owner, m))],
            _ => [.. (await store.InsurersAsync()).SelectMany(i => months.Select(m => PlacementStore.Keys.Insurer(i, m)))],
        };
        var facts = (await store.ReadAsync(keys)).Where(f => period.Contains(f.Created) && careTypes.Contains(f.CareType));
        var aggregate = request.ScopeCase is GetPlacementAnalyticsRequest.ScopeOneofCase.Municipality or GetPlacementAnalyticsRequest.ScopeOneofCase.National;
        var provider = request.ScopeCase == GetPlacementAnalyticsRequest.ScopeOneofCase.ProviderAgb;
        return new PlacementCells(provider, aggregate, grouping, code => postcodes.FindMunicipality(code)?.Name ?? "").Of(facts);
    }
}
