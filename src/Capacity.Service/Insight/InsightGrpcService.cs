using Capacity.Service.Insight.Alerts;
using Capacity.Service.Insight.History;
using Capacity.Service.Insight.Placements;
using Capacity.V1;
using Google.Api;
using Grpc.Core;

namespace Capacity.Service.Insight;

/// <summary>
/// Insight over time (docs/INSIGHT.md). Thin: each query lives with its feature — capacity
/// history, placement and client-stop analytics with the unmet-demand report, alerts — and who
/// may ask what is in the permission table.
/// </summary>
public sealed class InsightGrpcService(
    CapacityHistoryQuery history, PlacementAnalytics placements, ClientStopAnalytics stops, UnmetDemandReports reports, AlertQuery alerts)
    : InsightService.InsightServiceBase
{
    public override Task<GetCapacityHistoryResponse> GetCapacityHistory(GetCapacityHistoryRequest request, ServerCallContext context) =>
        history.GetAsync(request, context);

    public override Task<GetPlacementAnalyticsResponse> GetPlacementAnalytics(GetPlacementAnalyticsRequest request, ServerCallContext context) =>
        placements.GetAsync(request, context);

    public override Task<GetClientStopAnalyticsResponse> GetClientStopAnalytics(GetClientStopAnalyticsRequest request, ServerCallContext context) =>
        stops.GetAsync(request, context);

    public override Task<GetUnmetDemandReportResponse> GetUnmetDemandReport(GetUnmetDemandReportRequest request, ServerCallContext context) =>
        reports.GetAsync(request, context);

    public override Task<HttpBody> ExportUnmetDemandReport(GetUnmetDemandReportRequest request, ServerCallContext context) =>
        reports.ExportAsync(request, context);

    public override Task<ListAlertsResponse> ListAlerts(ListAlertsRequest request, ServerCallContext context) =>
        alerts.ListAsync(request, context);
}
