using Capacity.Service.Insight.Alerts;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Capacity.Service.Tests.Insight.Alerts;

/// <summary>Short ways to check for alerts and read them.</summary>
public static class AlertsData
{
    public static InsightService.InsightServiceClient Insight(this CapacityApp app) => new(app.CreateChannel());

    /// <summary>One check of every kind now, without waiting for the checker's timer.</summary>
    public static Task CheckAlertsAsync(this CapacityApp app) => app.Services.GetRequiredService<AlertChecker>().CheckAsync();

    public static async Task<IReadOnlyList<Alert>> AlertsAsync(this CapacityApp app, ListAlertsRequest request) =>
        (await app.Insight().ListAlertsAsync(request)).Alerts;

    public static Task<IReadOnlyList<Alert>> DeskAlertsAsync(this CapacityApp app, string uzovi) => app.AlertsAsync(new() { InsurerUzovi = uzovi });
    public static Task<IReadOnlyList<Alert>> ProviderAlertsAsync(this CapacityApp app, string agb) => app.AlertsAsync(new() { ProviderAgb = agb });
    public static Task<IReadOnlyList<Alert>> OrganisationAlertsAsync(this CapacityApp app, string org) => app.AlertsAsync(new() { RequesterOrg = org });
    public static Task<IReadOnlyList<Alert>> MunicipalityAlertsAsync(this CapacityApp app, string code) => app.AlertsAsync(new() { Municipality = code });

    /// <summary>Every audit entry of a referral (the trail of an anonymous caller, with sign-in off).</summary>
    public static async Task<IReadOnlyList<AuditEntry>> AuditTrailAsync(this CapacityApp app, string referralId) =>
        (await new AuditService.AuditServiceClient(app.CreateChannel()).GetAuditTrailAsync(new() { ReferralId = referralId, PageSize = 200 })).Entries;

    public static string NewOrg() => "zkh-" + Guid.NewGuid().ToString("N")[..8];
}
