using Capacity.V1;
using Google.Api;
using Grpc.Core;

namespace Capacity.Service.Insight.Placements;

/// <summary>Not built yet: answers UNIMPLEMENTED.</summary>
public sealed class UnmetDemandReports
{
    public Task<GetUnmetDemandReportResponse> GetAsync(GetUnmetDemandReportRequest request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "UnmetDemandReports is not built yet."));

    public Task<HttpBody> ExportAsync(GetUnmetDemandReportRequest request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "UnmetDemandReports is not built yet."));
}
