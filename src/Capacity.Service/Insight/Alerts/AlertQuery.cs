using Capacity.Service.Geography;
using Capacity.V1;
using Grpc.Core;

namespace Capacity.Service.Insight.Alerts;

/// <summary>
/// InsightService/ListAlerts: the open alerts of one party, oldest situation first, paged. Who
/// may ask for which party is in the permission table; the answer names referrals, so the audit
/// interceptor records each referral a page showed.
/// </summary>
public sealed class AlertQuery(AlertStore store, PostcodeDirectory postcodes)
{
    public async Task<ListAlertsResponse> ListAsync(ListAlertsRequest request, ServerCallContext context)
    {
        var listing = AlertValidation.Validate(request, postcodes);
        if (listing.Kinds.Count == 0) return new ListAlertsResponse();
        var page = await store.PageAsync(listing.Party, listing.Kinds, listing.PageSize, listing.PageToken);
        return new ListAlertsResponse { Alerts = { page.Items }, NextPageToken = page.NextPageToken };
    }
}
