using Capacity.Service.Insight.Alerts;
using Capacity.Service.Live;
using Capacity.Service.Registry;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Capacity.Service.Tests.Insight.Alerts;

/// <summary>A new alert is pushed once, to its parties' groups only, and a push naming a referral is recorded.</summary>
public sealed class AlertPushTests : IAsyncLifetime
{
    const string Area = "3525";
    static readonly TimeSpan Second = TimeSpan.FromSeconds(2);
    readonly CapacityApp _app = new CapacityApp().With("Referrals:OfferDeadline", "08:00:00");

    public ValueTask InitializeAsync() => _app.InitializeAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    async Task<(HubConnection Hub, Pushes<AlertNotice> Alerts)> FollowAsync(string method, string code)
    {
        var hub = await _app.ConnectHubAsync();
        var alerts = new Pushes<AlertNotice>(hub, nameof(ICoordinationClient.AlertRaised));
        await hub.InvokeAsync(method, code, TestContext.Current.CancellationToken);
        return (hub, alerts);
    }

    [Fact]
    public async Task AnUnansweredOfferIsPushedOnceToTheRequesterTheOfferedProviderAndTheDeskAndToNobodyElse()
    {
        var (uzovi, agbs) = await _app.ProvidersAsync(Area, 2);
        var otherDesk = await _app.AddInsurerAsync();
        var org = AlertsData.NewOrg();
        var (orgHub, requester) = await FollowAsync(nameof(CoordinationHub.FollowOrganisation), org);
        var (otherOrgHub, otherOrg) = await FollowAsync(nameof(CoordinationHub.FollowOrganisation), AlertsData.NewOrg());
        var (providerHub, provider) = await FollowAsync(nameof(CoordinationHub.FollowProvider), agbs[0]);
        var (bystanderHub, bystander) = await FollowAsync(nameof(CoordinationHub.FollowProvider), agbs[1]);
        var (deskHub, desk) = await FollowAsync(nameof(CoordinationHub.FollowDesk), uzovi);
        var (otherDeskHub, other) = await FollowAsync(nameof(CoordinationHub.FollowDesk), otherDesk);
        await using var _1 = orgHub;
        await using var _2 = otherOrgHub;
        await using var _3 = providerHub;
        await using var _4 = bystanderHub;
        await using var _5 = deskHub;
        await using var _6 = otherDeskHub;
        var referral = await _app.CreateAsync(ReferralData.NewReferral(uzovi, Area, org: org));
        var offered = (await _app.OfferAsync(referral.Id, agbs[0])).Referral;

        _app.Time.Advance(TimeSpan.FromHours(4) + TimeSpan.FromMinutes(1));
        await Task.WhenAll(_app.CheckAlertsAsync(), _app.CheckAlertsAsync()); // two checks at once, as two instances might

        var expected = $"unanswered-offer:{offered.Offers[0].Id}";
        var toRequester = await requester.NextAsync(Second);
        var toProvider = await provider.NextAsync(Second);
        var toDesk = await desk.NextAsync(Second);
        Assert.Equal((expected, AlertKind.ReferralUnanswered, referral.Id, referral.PatientRef), (toRequester.Id, toRequester.Kind, toRequester.ReferralId, toRequester.PatientRef));
        Assert.Equal((expected, agbs[0], referral.PatientRef), (toProvider.Id, toProvider.ProviderAgb, toProvider.PatientRef));
        Assert.Equal((expected, ""), (toDesk.Id, toDesk.PatientRef));
        await Task.WhenAll(requester.NoneAsync(TimeSpan.FromMilliseconds(500)), provider.NoneAsync(TimeSpan.FromMilliseconds(500)),
            desk.NoneAsync(TimeSpan.FromMilliseconds(500)), otherOrg.NoneAsync(TimeSpan.FromMilliseconds(500)),
            bystander.NoneAsync(TimeSpan.FromMilliseconds(500)), other.NoneAsync(TimeSpan.FromMilliseconds(500)));

        // Each push names the referral: recorded per receiving party (NEN 7513), as referral pushes are.
        var trail = (await _app.AuditTrailAsync(referral.Id)).Where(e => e.Action == "hub:AlertRaised").ToArray();
        Assert.Equal(new[] { (agbs[0], "provider"), (uzovi, "insurer_desk"), (org, "requester") }.Order(),
            trail.Select(e => (e.Organisation, e.Role)).Order());
    }

    [Fact]
    public async Task AnAreaWithoutCapacityIsPushedToItsMunicipalityNotAnotherWithTheHistoryKeysWrittenByTheTest()
    {
        var uzovi = await _app.AddInsurerAsync();
        var registry = _app.Services.GetRequiredService<RegistryCache>();
        await ReferralData.EventuallyAsync(() => Task.FromResult(registry.Current.Insurers.ContainsKey(uzovi)), known => known);
        var (amstelveenHub, amstelveen) = await FollowAsync(nameof(CoordinationHub.FollowMunicipality), "GM0362");
        var (amsterdamHub, amsterdam) = await FollowAsync(nameof(CoordinationHub.FollowMunicipality), "GM0363");
        var (deskHub, desk) = await FollowAsync(nameof(CoordinationHub.FollowDesk), uzovi);
        await using var _1 = amstelveenHub;
        await using var _2 = amsterdamHub;
        await using var _3 = deskHub;
        var db = _app.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var since = CapacityApp.Epoch.ToUnixTimeMilliseconds();
        await db.HashSetAsync(FigureAlerts.Now(1186), "1", $"0|0|{since}");
        await db.SortedSetAddAsync(FigureAlerts.Zero, "1186:1", since);

        _app.Time.Advance(TimeSpan.FromHours(25));
        await _app.CheckAlertsAsync();

        var toMunicipality = await amstelveen.NextAsync(Second);
        Assert.Equal(($"zero:1186:1:{since}", "1186", "GM0362", ""), (toMunicipality.Id, toMunicipality.Pc4, toMunicipality.MunicipalityCode, toMunicipality.ReferralId));
        Assert.Equal(toMunicipality.Id, (await desk.NextAsync(Second)).Id);
        await amsterdam.NoneAsync(TimeSpan.FromMilliseconds(500));
    }
}
