using Capacity.V1;
using Grpc.Core;

namespace Capacity.Service.Insight.Alerts;

/// <summary>Not built yet: answers UNIMPLEMENTED.</summary>
public sealed class AlertQuery
{
    public Task<ListAlertsResponse> ListAsync(ListAlertsRequest request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "AlertQuery is not built yet."));
}
