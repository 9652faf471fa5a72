using Capacity.V1;
using Grpc.Core;

namespace Capacity.Service.Insight.History;

/// <summary>Not built yet: answers UNIMPLEMENTED.</summary>
public sealed class CapacityHistoryQuery
{
    public Task<GetCapacityHistoryResponse> GetAsync(GetCapacityHistoryRequest request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "CapacityHistoryQuery is not built yet."));
}
