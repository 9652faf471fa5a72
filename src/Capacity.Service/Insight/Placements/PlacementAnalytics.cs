using Capacity.V1;
using Grpc.Core;

namespace Capacity.Service.Insight.Placements;

/// <summary>Not built yet: answers UNIMPLEMENTED.</summary>
public sealed class PlacementAnalytics
{
    public Task<GetPlacementAnalyticsResponse> GetAsync(GetPlacementAnalyticsRequest request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "PlacementAnalytics is not built yet."));
}
