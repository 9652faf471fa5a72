using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Capacity.Service.Tests.Referrals;

/// <summary>
/// Deadlines and stopped instances. Each test moves the clock or stops a host, so each has
/// hosts of its own on a database of its own.
/// </summary>
public sealed class ReferralResilienceTests : IAsyncLifetime
{
    const string Area = "1071";
    readonly CapacityApp _app = new();

    public ValueTask InitializeAsync() => _app.InitializeAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Fact]
    public async Task UnansweredOfferExpiresAtItsDeadlineAndItsPlaceIsFreeAgain()
    {
        var (uzovi, agbs) = await _app.ProvidersAsync(Area, 2);
        var referral = (await _app.OfferAsync((await _app.CreateAsync(ReferralData.NewReferral(uzovi, Area))).Id, agbs[0])).Referral;

        _app.Time.Advance(TimeSpan.FromMinutes(59));
        await Task.Delay(300, TestContext.Current.CancellationToken); // a few sweeps: nothing is due yet
        var before = (await _app.GetReferralAsync(referral.Id)).Referral;
        _app.Time.Advance(TimeSpan.FromMinutes(2));
        var after = await ReferralData.EventuallyAsync(async () => (await _app.GetReferralAsync(referral.Id)).Referral, r => r.Offers[0].State == OfferState.Expired);

        Assert.Equal(OfferState.Pending, before.Offers[0].State);
        Assert.Equal(OfferState.Expired, after.Offers[0].State);
        Assert.Equal(ReferralState.Open, after.State); // another candidate is left for the coordinator
        Assert.Equal(1, await _app.AvailableAsync(agbs[0]));
    }

    [Fact]
    public async Task UrgentOffersHaveTheShorterDeadline()
    {
        var (uzovi, agbs) = await _app.ProvidersAsync(Area, 1);
        var request = ReferralData.NewReferral(uzovi, Area);
        request.Search.Urgent = true;

        var offered = await _app.OfferAsync((await _app.CreateAsync(request)).Id, agbs[0]);

        Assert.Equal(CapacityApp.Epoch.AddMinutes(15), offered.Referral.Offers.Single().Deadline.ToDateTimeOffset());
    }

    [Fact]
    public async Task HoldIsReleasedAtItsDeadlineEvenWhenTheInstanceThatMadeItIsGone()
    {
        var (uzovi, agbs) = await _app.ProvidersAsync(Area, 1);
        var other = await _app.StartSecondInstanceAsync();
        var referral = (await other.OfferAsync((await other.CreateAsync(ReferralData.NewReferral(uzovi, Area))).Id, agbs[0])).Referral;
        await other.DisposeAsync(); // the holding instance stops for good

        _app.Time.Advance(TimeSpan.FromMinutes(61));
        var after = await ReferralData.EventuallyAsync(async () => (await _app.GetReferralAsync(referral.Id)).Referral, r => r.State == ReferralState.Escalated);

        Assert.Equal(OfferState.Expired, after.Offers.Single().State);
        Assert.Equal(ReferralState.Escalated, after.State); // the only candidate did not answer
        Assert.Equal(1, await _app.AvailableAsync(agbs[0]));
    }

    [Fact]
    public async Task AfterARestartMidwayTheFlowGoesOnWhereItWas()
    {
        var (uzovi, agbs) = await _app.ProvidersAsync(Area, 2);
        var first = await _app.StartSecondInstanceAsync();
        var referral = await first.CreateAsync(ReferralData.NewReferral(uzovi, Area, autoCascade: true, parallel: 1)); // offered at once
        var offered = referral.Offers.Single();
        await first.DisposeAsync();

        await using var restarted = await _app.StartSecondInstanceAsync();
        var answered = (await restarted.AnswerAsync(referral, offered.Provider.Agb, accept: false)).Referral;
        var cascaded = await ReferralData.EventuallyAsync(async () => (await restarted.GetReferralAsync(referral.Id)).Referral, r => r.State == ReferralState.Offered);
        var next = cascaded.Offers.Single(o => o.State == OfferState.Pending);
        var placed = (await restarted.AnswerAsync(cascaded, next.Provider.Agb, accept: true)).Referral;

        Assert.Equal(ReferralState.Open, answered.State);
        Assert.Equal(ReferralState.Placed, placed.State);
        Assert.Equal(0, await restarted.AvailableAsync(next.Provider.Agb));
        Assert.Equal(1, await restarted.AvailableAsync(offered.Provider.Agb));
    }

    [Fact]
    public async Task AcceptedOfferWhoseHoldOutlivedItsInstanceIsConsumedNotReleased()
    {
        // An accept whose follow-up never ran (the instance stopped between the step and the hold
        // update) must still take the place: the sweeper reads the offer, sees it accepted, and consumes.
        var (uzovi, agbs) = await _app.ProvidersAsync(Area, 1, free: 2);
        var referral = (await _app.OfferAsync((await _app.CreateAsync(ReferralData.NewReferral(uzovi, Area))).Id, agbs[0])).Referral;
        var holds = _app.Services.GetRequiredService<global::Capacity.Service.Capacity.HoldStore>();
        var offer = referral.Offers.Single();
        // Put the hold back as if the accept's follow-up had not run: accept, then re-hold the same id.
        await _app.AnswerAsync(referral, agbs[0], accept: true);
        var hold = new global::Capacity.Service.Capacity.Hold($"{referral.Id}:{offer.Id}", agbs[0], int.Parse(Area), CareType.DistrictNursing,
            offer.Deadline.ToDateTimeOffset(), referral.Id, offer.Id);
        Assert.Equal(global::Capacity.Service.Capacity.HoldOutcome.Held, await holds.HoldAsync(hold));
        Assert.Equal(0, await _app.AvailableAsync(agbs[0])); // 1 left after the accept, now held

        _app.Time.Advance(TimeSpan.FromMinutes(61));
        var published = await ReferralData.EventuallyAsync(async () =>
            (await _app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agbs[0] })).Figures.Single(), f => f.HeldPlaces == 0);

        Assert.Equal((0, 0), (published.FreePlaces, published.HeldPlaces)); // consumed: 2 − accept − this hold
    }
}
