using Capacity.Service.Insight.Alerts;
using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Capacity.Service.Tests.Insight.Alerts;

/// <summary>ListAlerts: fields named when wrong, oldest situation first, paged, filtered by kind, and audited like the referral lists.</summary>
public sealed class AlertListTests : IAsyncLifetime
{
    const string Area = "3526";
    readonly CapacityApp _app = new();

    public ValueTask InitializeAsync() => _app.InitializeAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Fact]
    public async Task BadRequestsNameTheirFields()
    {
        var insight = _app.Insight();

        await RpcAssertions.AssertReasonsAsync(() => insight.ListAlertsAsync(new()).ResponseAsync, ("scope", Reasons.ChoiceRequired));
        await RpcAssertions.AssertReasonsAsync(() => insight.ListAlertsAsync(new() { ProviderAgb = "123", PageSize = 201 }).ResponseAsync,
            ("provider_agb", Reasons.AgbFormat), ("page_size", Reasons.NumberRange));
        await RpcAssertions.AssertReasonsAsync(() => insight.ListAlertsAsync(new() { InsurerUzovi = "VGZ", Kinds = { AlertKind.ReferralUnanswered, AlertKind.Unspecified } }).ResponseAsync,
            ("insurer_uzovi", Reasons.UzoviFormat), ("kinds[1]", Reasons.ValueUnknown));
        await RpcAssertions.AssertReasonsAsync(() => insight.ListAlertsAsync(new() { Municipality = "Atlantis" }).ResponseAsync, ("municipality", Reasons.MunicipalityUnknown));
        await RpcAssertions.AssertReasonsAsync(() => insight.ListAlertsAsync(new() { RequesterOrg = "zkh a" }).ResponseAsync, ("requester_org", Reasons.OrganisationCodeFormat));
        await RpcAssertions.AssertReasonsAsync(() => insight.ListAlertsAsync(new() { RequesterOrg = "zkh-a", PageToken = "nonsense" }).ResponseAsync, ("page_token", Reasons.PageTokenInvalid));
    }

    [Fact]
    public async Task ADesksAlertsComeOldestFirstInPagesFilteredByKindAndEachReadIsAuditedWithTheReferralsItShowed()
    {
        var (uzovi, _) = await _app.ProvidersAsync(Area, 1);
        var registry = _app.Services.GetRequiredService<RegistryCache>();
        await ReferralData.EventuallyAsync(() => Task.FromResult(registry.Current.Insurers.ContainsKey(uzovi)), known => known);
        var org = AlertsData.NewOrg();
        var referrals = new List<Referral>();
        for (var i = 0; i < 3; i++)
        {
            referrals.Add(await _app.CreateAsync(ReferralData.NewReferral(uzovi, Area, org: org)));
            _app.Time.Advance(TimeSpan.FromMinutes(1));
        }
        // An area at zero since an hour before the first referral (the history part's keys, written by the test until it is merged).
        var db = _app.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var zeroSince = CapacityApp.Epoch.AddHours(-24).ToUnixTimeMilliseconds();
        await db.HashSetAsync(FigureAlerts.Now(3527), "1", $"0|0|{zeroSince}");
        await db.SortedSetAddAsync(FigureAlerts.Zero, "3527:1", zeroSince);
        _app.Time.Advance(TimeSpan.FromHours(4));
        await _app.CheckAlertsAsync();

        var insight = _app.Insight();
        var first = await insight.ListAlertsAsync(new() { InsurerUzovi = uzovi, PageSize = 2 });
        var second = await insight.ListAlertsAsync(new() { InsurerUzovi = uzovi, PageSize = 2, PageToken = first.NextPageToken });
        var areas = await insight.ListAlertsAsync(new() { InsurerUzovi = uzovi, Kinds = { AlertKind.AreaWithoutCapacity } });
        var waits = await insight.ListAlertsAsync(new() { InsurerUzovi = uzovi, Kinds = { AlertKind.ReferralUnanswered }, PageSize = 2 });
        var anotherListsToken = insight.ListAlertsAsync(new() { InsurerUzovi = uzovi, Kinds = { AlertKind.ReferralUnanswered }, PageToken = first.NextPageToken });
        // A provider is never shown areas: asking for them only is an empty list, not an error.
        var providerAreas = await insight.ListAlertsAsync(new() { ProviderAgb = "75000001", Kinds = { AlertKind.AreaWithoutCapacity } });

        var zeroId = $"zero:3527:1:{zeroSince}";
        Assert.Equal([zeroId, $"unanswered:{referrals[0].Id}"], first.Alerts.Select(a => a.Id));
        Assert.Equal([$"unanswered:{referrals[1].Id}", $"unanswered:{referrals[2].Id}"], second.Alerts.Select(a => a.Id));
        Assert.Equal("", second.NextPageToken);
        Assert.Equal([zeroId], areas.Alerts.Select(a => a.Id));
        Assert.Equal([referrals[0].Id, referrals[1].Id], waits.Alerts.Select(a => a.ReferralId));
        await RpcAssertions.AssertInvalidAsync(() => anotherListsToken.ResponseAsync, "page_token");
        Assert.Empty(providerAreas.Alerts);

        var read = (await _app.AuditTrailAsync(referrals[1].Id)).Where(e => e.Action == "/capacity.v1.InsightService/ListAlerts").ToArray();
        Assert.Equal(2, read.Length); // the second page and the page of waits showed it; the first page did not
        Assert.All(read, e => Assert.Equal("allowed", e.Outcome));
    }
}
