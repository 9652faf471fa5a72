using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Capacity.Service.Matching;

public sealed class MatchingGrpcService(MatchingEngine engine) : MatchingService.MatchingServiceBase
{
    public override async Task<FindProvidersResponse> FindProviders(FindProvidersRequest request, ServerCallContext context)
    {
        var errors = new InputErrors();
        var search = request.ToSearch(errors);
        var query = await engine.ValidateAsync(search, errors);
        errors.ThrowIfAny();
        return (await engine.FindAsync(query!)).ToProto();
    }
}

/// <summary>Between the gRPC matching messages and the matching model.</summary>
public static class MatchingMapping
{
    public static SearchRequest ToSearch(this FindProvidersRequest r, InputErrors errors)
    {
        DateOnly? start = null;
        if (r.StartDate is not null)
        {
            start = r.StartDate.TryToDateOnly();
            if (start is null) errors.Add("start_date", Reasons.DateInvalid, "is not a valid date");
        }
        return new SearchRequest(r.PatientPostcode, r.InsurerUzovi, r.CareType, start,
            r.Urgent, r.HasPatientAge ? r.PatientAge : null, r.RadiusKm);
    }

    public static FindProvidersResponse ToProto(this MatchResult m)
    {
        var response = new FindProvidersResponse
        {
            PatientPc4 = m.PatientPc4,
            Municipality = m.Municipality,
            RadiusKm = m.RadiusKm,
            EvaluatedAt = Timestamp.FromDateTimeOffset(m.EvaluatedAt),
        };
        // Sized up front: a wide search lists hundreds of exclusions, and growing the repeated
        // field step by step showed up as a large share of the service's CPU (copies and GC).
        response.Candidates.Capacity = m.Candidates.Count;
        foreach (var c in m.Candidates) response.Candidates.Add(ToProto(c));
        response.Exclusions.Capacity = m.Exclusions.Count;
        foreach (var e in m.Exclusions) response.Exclusions.Add(ToProto(e));
        return response;
    }

    static V1.Candidate ToProto(Candidate c)
    {
        var proto = new V1.Candidate
        {
            Provider = c.Provider.Summary,
            DistanceKm = c.DistanceKm,
            FreePlaces = c.FreePlaces,
            Unit = c.Unit,
            AvailableFrom = c.AvailableFrom.ToDate(),
            CapacityPublishedAt = Timestamp.FromDateTimeOffset(c.CapacityPublishedAt),
            CapacityAge = Duration.FromTimeSpan(c.CapacityAge),
            ContractType = c.ContractType,
        };
        if (c.HoursPerWeek is { } h) proto.HoursPerWeek = h;
        if (c.ExpectedFor is { } day)
        {
            proto.Expected = true;
            proto.ExpectedFor = day.ToDate();
        }
        return proto;
    }

    static V1.Exclusion ToProto(Exclusion e)
    {
        var proto = new V1.Exclusion
        {
            Provider = e.Provider.Summary,
            DistanceKm = e.DistanceKm,
            Reason = e.Reason,
            Detail = e.Detail,
            ClientStopId = e.ClientStopId ?? "",
        };
        if (e.ClientStopUntil is { } until) proto.ClientStopUntil = until.ToDate();
        if (e.AvailableFrom is { } from) proto.AvailableFrom = from.ToDate();
        if (e.CapacityPublishedAt is { } at) proto.CapacityPublishedAt = Timestamp.FromDateTimeOffset(at);
        return proto;
    }
}
