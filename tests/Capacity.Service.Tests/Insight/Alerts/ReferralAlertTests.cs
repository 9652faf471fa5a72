using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;

namespace Capacity.Service.Tests.Insight.Alerts;

/// <summary>
/// REFERRAL_UNANSWERED: an offer its provider has not answered, or a referral without an open
/// offer, waiting longer than Insight:Alerts:UnansweredAfter (4 h; urgent care 1 h). Offers here
/// may stay open 8 hours (Referrals:OfferDeadline), so that one can wait past 4 hours. Each test
/// moves the clock, so each has a host of its own.
/// </summary>
public sealed class ReferralAlertTests : IAsyncLifetime
{
    const string Area = "3524";
    readonly CapacityApp _app = new CapacityApp().With("Referrals:OfferDeadline", "08:00:00");

    public ValueTask InitializeAsync() => _app.InitializeAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    async Task<(string Uzovi, string[] Agbs, string Org, Referral Offered)> OfferedAsync()
    {
        var (uzovi, agbs) = await _app.ProvidersAsync(Area, 2);
        var org = AlertsData.NewOrg();
        var referral = await _app.CreateAsync(ReferralData.NewReferral(uzovi, Area, org: org));
        _app.Time.Advance(TimeSpan.FromMinutes(10)); // offered ten minutes after it was created
        var offered = (await _app.OfferAsync(referral.Id, agbs[0])).Referral;
        return (uzovi, agbs, org, offered);
    }

    [Fact]
    public async Task AnOfferUnansweredJustUnderUnansweredAfterIsNoAlertAndJustOverItIsOneForRequesterProviderAndDesk()
    {
        var (uzovi, agbs, org, offered) = await OfferedAsync();
        var offeredAt = CapacityApp.Epoch.AddMinutes(10);

        _app.Time.Advance(TimeSpan.FromHours(4) - TimeSpan.FromSeconds(1));
        await _app.CheckAlertsAsync();
        var before = await _app.ProviderAlertsAsync(agbs[0]);
        _app.Time.Advance(TimeSpan.FromSeconds(2));
        await _app.CheckAlertsAsync();
        await _app.CheckAlertsAsync(); // a second check (another instance) raises nothing more
        var provider = await _app.ProviderAlertsAsync(agbs[0]);
        var requester = await _app.OrganisationAlertsAsync(org);
        var desk = await _app.DeskAlertsAsync(uzovi);

        Assert.Empty(before);
        var alert = Assert.Single(provider);
        Assert.Equal(($"unanswered-offer:{offered.Offers[0].Id}", AlertKind.ReferralUnanswered, offered.Id, offered.Offers[0].Id, agbs[0]),
            (alert.Id, alert.Kind, alert.ReferralId, alert.OfferId, alert.ProviderAgb));
        Assert.Equal(offeredAt, alert.Since.ToDateTimeOffset());
        Assert.Equal(offeredAt.AddHours(4).AddSeconds(1), alert.RaisedAt.ToDateTimeOffset());
        Assert.Equal((Area, offered.MunicipalityCode, CareType.DistrictNursing, offered.PatientRef), (alert.Pc4, alert.MunicipalityCode, alert.CareType, alert.PatientRef));
        Assert.Equal([alert.Id], requester.Select(a => a.Id));
        Assert.Equal(offered.PatientRef, requester[0].PatientRef);
        // The desk hears of its insured's wait, without the patient's reference: it sees that only once the referral is escalated to it.
        Assert.Equal([(alert.Id, "")], desk.Select(a => (a.Id, a.PatientRef)));
        Assert.Empty(await _app.ProviderAlertsAsync(agbs[1])); // not offered: not its alert
    }

    [Fact]
    public async Task TheAlertLeavesEveryListWhenTheOfferIsAnswered()
    {
        var (uzovi, agbs, org, offered) = await OfferedAsync();
        _app.Time.Advance(TimeSpan.FromHours(4) + TimeSpan.FromMinutes(1));
        await _app.CheckAlertsAsync();
        Assert.Single(await _app.ProviderAlertsAsync(agbs[0]));

        await _app.AnswerAsync(offered, agbs[0], accept: true);
        await _app.CheckAlertsAsync();

        Assert.Empty(await _app.ProviderAlertsAsync(agbs[0]));
        Assert.Empty(await _app.OrganisationAlertsAsync(org));
        Assert.Empty(await _app.DeskAlertsAsync(uzovi));
    }

    [Fact]
    public async Task AReferralWaitingForItsRequesterPastUnansweredAfterIsAnAlertUntilAnOfferIsMade()
    {
        var (uzovi, agbs) = await _app.ProvidersAsync(Area, 1);
        var org = AlertsData.NewOrg();
        var referral = await _app.CreateAsync(ReferralData.NewReferral(uzovi, Area, org: org));

        _app.Time.Advance(TimeSpan.FromHours(4) - TimeSpan.FromSeconds(1));
        await _app.CheckAlertsAsync();
        var before = await _app.OrganisationAlertsAsync(org);
        _app.Time.Advance(TimeSpan.FromSeconds(2));
        await _app.CheckAlertsAsync();
        var requester = await _app.OrganisationAlertsAsync(org);
        var desk = await _app.DeskAlertsAsync(uzovi);
        await _app.OfferAsync(referral.Id, agbs[0]);
        await _app.CheckAlertsAsync();

        Assert.Empty(before);
        var alert = Assert.Single(requester);
        Assert.Equal(($"unanswered:{referral.Id}", referral.Id, "", ""), (alert.Id, alert.ReferralId, alert.OfferId, alert.ProviderAgb));
        Assert.Equal(CapacityApp.Epoch, alert.Since.ToDateTimeOffset()); // the wait began when it was created
        Assert.Equal([alert.Id], desk.Select(a => a.Id));
        Assert.Empty(await _app.OrganisationAlertsAsync(org));
        Assert.Empty(await _app.DeskAlertsAsync(uzovi));
    }

    [Fact]
    public async Task UrgentCareIsAnAlertAfterAnHour()
    {
        var (uzovi, _) = await _app.ProvidersAsync(Area, 1);
        var org = AlertsData.NewOrg();
        var request = ReferralData.NewReferral(uzovi, Area, org: org);
        request.Search.Urgent = true;
        var referral = await _app.CreateAsync(request);

        _app.Time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1));
        await _app.CheckAlertsAsync();
        var before = await _app.OrganisationAlertsAsync(org);
        _app.Time.Advance(TimeSpan.FromSeconds(2));
        await _app.CheckAlertsAsync();

        Assert.Empty(before);
        Assert.Equal([$"unanswered:{referral.Id}"], (await _app.OrganisationAlertsAsync(org)).Select(a => a.Id));
    }
}
