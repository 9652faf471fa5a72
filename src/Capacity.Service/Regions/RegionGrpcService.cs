using Capacity.Service.Geography;
using Capacity.Service.Shared;
using Capacity.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Capacity.Service.Regions;

public sealed class RegionGrpcService(RegionalAvailabilityService regions, PostcodeDirectory postcodes) : RegionService.RegionServiceBase
{
    public override async Task<V1.RegionalAvailability> GetRegionalAvailability(GetRegionalAvailabilityRequest request, ServerCallContext context)
    {
        var errors = new InputErrors();
        var scope = await regions.ResolveAsync(request.ToModel(), errors, pc4sField: "pc4s.pc4s");
        errors.ThrowIfAny();
        return (await regions.GetAsync(scope!)).ToProto();
    }

    public override Task<ListMunicipalitiesResponse> ListMunicipalities(ListMunicipalitiesRequest request, ServerCallContext context)
    {
        var errors = new InputErrors();
        var size = Paging.PageSize(request.PageSize, errors);
        errors.ThrowIfAny();
        var page = Paging.Of(postcodes.Municipalities, m => $"{m.Name.ToUpperInvariant()}\u0001{m.Code}", "municipalities", size, request.PageToken);
        return Task.FromResult(new ListMunicipalitiesResponse
        {
            Municipalities = { page.Items.Select(m => new V1.Municipality { Code = m.Code, Name = m.Name, Pc4S = { m.Pc4s.Select(Codes.Pc4) } }) },
            NextPageToken = page.NextPageToken,
        });
    }
}

/// <summary>Between the gRPC region messages and the region model.</summary>
public static class RegionMapping
{
    public static RegionRequest ToModel(this GetRegionalAvailabilityRequest r) => r.RegionCase switch
    {
        GetRegionalAvailabilityRequest.RegionOneofCase.Municipality => new(r.Municipality, null, r.CareTypes, r.InsurerUzovi),
        GetRegionalAvailabilityRequest.RegionOneofCase.Pc4S => new(null, r.Pc4S.Pc4S, r.CareTypes, r.InsurerUzovi),
        _ => new(null, null, r.CareTypes, r.InsurerUzovi),
    };

    public static V1.RegionalAvailability ToProto(this RegionAvailability a) => new()
    {
        MunicipalityCode = a.MunicipalityCode ?? "",
        Municipality = a.Municipality ?? "",
        EvaluatedAt = Timestamp.FromDateTimeOffset(a.EvaluatedAt),
        Areas = { a.Areas.Select(area => new V1.AreaAvailability { Pc4 = area.Pc4, Municipality = area.Municipality, CareTypes = { area.CareTypes.Select(ToProto) } }) },
        Totals = { a.Totals.Select(ToProto) },
        InsurerUzovi = a.Insurer?.Uzovi ?? "",
        InsurerName = a.Insurer?.Name ?? "",
    };

    static V1.CareTypeAvailability ToProto(CareTypeAvailability c) => new()
    {
        CareType = c.CareType,
        Unit = c.Unit,
        FreePlaces = c.FreePlaces,
        ProvidersWithRoom = c.ProvidersWithRoom,
        ProvidersServing = c.ProvidersServing,
        ProvidersWithClientStop = c.ProvidersWithClientStop,
        ProvidersStale = c.ProvidersStale,
        ProvidersWithRoomClosedByClientStop = c.ProvidersWithRoomClosedByClientStop,
        FreePlacesClosedByClientStop = c.FreePlacesClosedByClientStop,
        DistinctProvidersServing = c.Distinct.Serving,
        DistinctProvidersWithRoom = c.Distinct.WithRoom,
        DistinctProvidersWithClientStop = c.Distinct.WithClientStop,
        DistinctProvidersStale = c.Distinct.Stale,
        DistinctProvidersWithRoomClosedByClientStop = c.Distinct.WithRoomClosedByClientStop,
        ProvidersInView = c.ProvidersInView,
        DistinctProvidersInView = c.Distinct.InView,
        Outlook =
        {
            c.Outlook.Days.Select(d => new V1.DailyOutlook
            {
                Date = Registry.DateMapping.ToDate(d.Day), FreePlaces = d.FreePlaces, ProvidersExpecting = d.ProvidersExpecting, ProvidersWithRoom = d.ProvidersWithRoom,
            }),
        },
    };
}
