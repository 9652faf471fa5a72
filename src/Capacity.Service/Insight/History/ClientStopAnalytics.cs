using Capacity.V1;
using Grpc.Core;

namespace Capacity.Service.Insight.History;

/// <summary>Not built yet: answers UNIMPLEMENTED.</summary>
public sealed class ClientStopAnalytics
{
    public Task<GetClientStopAnalyticsResponse> GetAsync(GetClientStopAnalyticsRequest request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "ClientStopAnalytics is not built yet."));
}
