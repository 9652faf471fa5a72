using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Capacity.Pull;

/// <summary>Registering a provider's capacity.json and reading how its pulls went (who may: Security/Permissions.cs).</summary>
public sealed class CapacityEndpointGrpcService(PullStore endpoints, RegistryCache registry, TimeProvider time, IOptions<PullOptions> options)
    : CapacityEndpointService.CapacityEndpointServiceBase
{
    /// <summary>"Pull now" asks for a fetch no sooner than this after the last one.</summary>
    public static readonly TimeSpan CoolDown = TimeSpan.FromSeconds(30);

    public override async Task<CapacityEndpoint> SetCapacityEndpoint(SetCapacityEndpointRequest request, ServerCallContext context)
    {
        var errors = new InputErrors();
        if (!Codes.IsAgb(request.Agb)) errors.Add("agb", Codes.AgbRule);
        if (EndpointAddress.Problem(request.Url, options.Value.AllowLoopback) is { } problem) errors.Add("url", problem);
        errors.ThrowIfAny();
        if (!(await registry.KnowingAsync(agb: request.Agb)).Providers.ContainsKey(request.Agb))
            throw InputErrors.Single("agb", Reasons.ProviderUnknown, $"provider {request.Agb} is not registered");

        await endpoints.RegisterAsync(request.Agb, request.Url, time.GetUtcNow());
        return await StatusAsync(request.Agb);
    }

    public override async Task<RemoveCapacityEndpointResponse> RemoveCapacityEndpoint(RemoveCapacityEndpointRequest request, ServerCallContext context)
    {
        if (!Codes.IsAgb(request.Agb)) throw InputErrors.Single("agb", Codes.AgbRule);
        return new RemoveCapacityEndpointResponse { Removed = await endpoints.RemoveAsync(request.Agb) };
    }

    public override async Task<CapacityEndpoint> GetCapacityEndpoint(GetCapacityEndpointRequest request, ServerCallContext context)
    {
        if (!Codes.IsAgb(request.Agb)) throw InputErrors.Single("agb", Codes.AgbRule);
        return await endpoints.GetAsync(request.Agb) is { } state
            ? ToProto(state, await endpoints.NextPullAsync(request.Agb))
            : new CapacityEndpoint { Agb = request.Agb };
    }

    public override async Task<CapacityEndpoint> PullCapacityNow(PullCapacityNowRequest request, ServerCallContext context)
    {
        if (!Codes.IsAgb(request.Agb)) throw InputErrors.Single("agb", Codes.AgbRule);
        var status = await StatusAsync(request.Agb);
        // At most one pull per endpoint every CoolDown, however often it is asked for; none while one is under way.
        var now = time.GetUtcNow();
        var at = status.LastAttemptAt?.ToDateTimeOffset() + CoolDown is { } earliest && earliest > now ? earliest : now;
        await endpoints.ScheduleAsync(request.Agb, at, now);
        return status;
    }

    public override async Task<ListCapacityEndpointsResponse> ListCapacityEndpoints(ListCapacityEndpointsRequest request, ServerCallContext context)
    {
        var errors = new InputErrors();
        var size = Paging.PageSize(request.PageSize, errors);
        errors.ThrowIfAny();
        const string list = "capacity-endpoints";
        var after = request.PageToken.Length == 0 ? null
            : Paging.Decode(list, request.PageToken) ?? throw InputErrors.Single("page_token", Reasons.PageTokenInvalid, "not a page token of this list");
        var (page, last) = await endpoints.PageAsync(after, size);
        var response = new ListCapacityEndpointsResponse { NextPageToken = last is null ? "" : Paging.Encode(list, last) };
        foreach (var (state, next) in page) response.Endpoints.Add(ToProto(state, next));
        return response;
    }

    async Task<CapacityEndpoint> StatusAsync(string agb) =>
        await endpoints.GetAsync(agb) is { } state
            ? ToProto(state, await endpoints.NextPullAsync(agb))
            : throw Reasons.Refuse(StatusCode.NotFound, Reasons.EndpointNotFound, $"Provider {agb} has no capacity endpoint registered.");

    static CapacityEndpoint ToProto(EndpointState s, DateTimeOffset? next)
    {
        var proto = new CapacityEndpoint
        {
            Agb = s.Agb,
            Url = s.Url,
            RegisteredAt = Timestamp.FromDateTimeOffset(s.RegisteredAt),
            LastErrorCode = s.LastErrorCode,
            LastError = s.LastError,
            ConsecutiveFailures = s.ConsecutiveFailures,
            FiguresPublished = s.FiguresPublished,
            FiguresOutdated = s.FiguresOutdated,
            SkippedCount = s.SkippedCount,
            Skipped = { s.Skipped.Select(k => new SkippedEntry { Path = k.Path, Reason = k.Reason, Value = k.Value }) },
        };
        if (s.LastAttemptAt is { } attempt) proto.LastAttemptAt = Timestamp.FromDateTimeOffset(attempt);
        if (s.LastSuccessAt is { } success) proto.LastSuccessAt = Timestamp.FromDateTimeOffset(success);
        if (s.LastErrorAt is { } error) proto.LastErrorAt = Timestamp.FromDateTimeOffset(error);
        if (next is { } n) proto.NextPullAt = Timestamp.FromDateTimeOffset(n);
        return proto;
    }
}
