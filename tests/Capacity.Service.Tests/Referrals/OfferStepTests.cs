using Capacity.Service.Capacity;
using Capacity.Service.Referrals;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Capacity.Service.Tests.Referrals;

/// <summary>
/// The offer step under races and cut-off attempts: a referral holds at most one place per
/// provider whatever the request ids, and a retry of an attempt that was cut off finishes it
/// rather than answering a stored "no place". Each test has its own insurer and providers in Utrecht.
/// </summary>
public sealed class OfferStepTests(CapacityApp app) : IClassFixture<CapacityApp>
{
    HoldStore Holds => app.Services.GetRequiredService<HoldStore>();

    async Task<int> HeldAsync(string agb) =>
        (await app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agb })).Figures.Single().HeldPlaces;

    /// <summary>The hold the first offer of <paramref name="referral"/> to <paramref name="agb"/> takes.</summary>
    static Hold FirstHoldOf(Referral referral, string agb)
    {
        var offerId = ReferralViews.OfferId(referral.Id, agb, 0);
        return new Hold($"{referral.Id}:{offerId}", agb, int.Parse(referral.Search.PatientPostcode), referral.Search.CareType,
            CapacityApp.Epoch.AddHours(1), referral.Id, offerId);
    }

    [Fact]
    public async Task RacingOffersOfOneReferralToOneProviderHoldOnePlaceAndAnotherPatientStillGetsTheOther()
    {
        var (uzovi, agbs) = await app.ProvidersAsync("3511", 1, free: 2);
        var first = await app.CreateAsync(ReferralData.NewReferral(uzovi, "3511"));
        var second = await app.CreateAsync(ReferralData.NewReferral(uzovi, "3511"));

        // Five clicks on the first patient's offer, each its own request, race the second patient's offer.
        var clicks = Enumerable.Range(0, 5).Select(_ => Task.Run(() => app.OfferAsync(first.Id, agbs[0])));
        var other = Task.Run(() => app.OfferAsync(second.Id, agbs[0]));
        var answers = await Task.WhenAll(clicks.Append(other));

        Assert.Single((await other).Referral.Offers, o => o.State == OfferState.Pending);
        Assert.Single((await app.GetReferralAsync(first.Id)).Referral.Offers);
        Assert.Equal(2, await HeldAsync(agbs[0])); // one each, none twice
        Assert.DoesNotContain(answers.SelectMany(a => a.Rejected), r => r.Reason == Offering.NoPlaceLeft);
    }

    [Fact]
    public async Task ARetryOfAnOfferCutOffAfterItGaveItsHoldsBackMakesTheOffersInsteadOfAnsweringNoPlace()
    {
        var (uzovi, agbs) = await app.ProvidersAsync("3512", 2, free: 21);
        var referral = await app.CreateAsync(ReferralData.NewReferral(uzovi, "3512"));
        // The first attempt held both places; Redis failed before the offers were written, and the
        // attempt gave the places back on its way out.
        foreach (var agb in agbs)
        {
            var hold = FirstHoldOf(referral, agb);
            Assert.Equal(HoldOutcome.Held, (await Holds.HoldAsync(hold, "first-attempt")).Outcome);
            Assert.True(await Holds.AbandonAsync(hold.Pc4, hold.HoldId, "first-attempt"));
        }

        var retried = await app.Referrals().OfferReferralAsync(new OfferReferralRequest
        {
            RequestId = ReferralData.NewRequestId(), ReferralId = referral.Id, ProviderAgbs = { agbs },
        });

        Assert.Empty(retried.Rejected);
        Assert.Equal(2, retried.Referral.Offers.Count(o => o.State == OfferState.Pending));
        Assert.All(agbs, agb => Assert.Equal(1, HeldAsync(agb).Result));
    }

    [Fact]
    public async Task ARetryOfAnOfferCutOffWithItsHoldStandingRecordsItWithThatOneHold()
    {
        var (uzovi, agbs) = await app.ProvidersAsync("3513", 1, free: 1);
        var referral = await app.CreateAsync(ReferralData.NewReferral(uzovi, "3513"));
        Assert.Equal(HoldOutcome.Held, (await Holds.HoldAsync(FirstHoldOf(referral, agbs[0]), "first-attempt")).Outcome); // then cut off

        var retried = await app.OfferAsync(referral.Id, agbs[0]);

        Assert.Empty(retried.Rejected); // the last place is this referral's own hold, not taken by another
        Assert.Equal(OfferState.Pending, retried.Referral.Offers.Single().State);
        Assert.Equal(1, await HeldAsync(agbs[0]));
        // The cut-off attempt's own share, given up later (by the sweeper), does not take the recorded offer's place.
        Assert.False(await Holds.AbandonAsync(int.Parse("3513"), FirstHoldOf(referral, agbs[0]).HoldId, "first-attempt"));
        Assert.Equal(1, await HeldAsync(agbs[0]));
    }

    [Fact]
    public async Task AnOfferToAProviderWhoseFigureIsStaleOrNotYetFreeHoldsNothingAndSaysWhy()
    {
        var (uzovi, agbs) = await app.ProvidersAsync("3514", 1, free: 3);
        var referral = await app.CreateAsync(ReferralData.NewReferral(uzovi, "3514"));
        await app.PublishAsync(agbs[0], "3514", CareType.DistrictNursing, 3, availableFrom: CapacityApp.Today.AddDays(10)); // since the nurse's search

        var answer = await app.OfferAsync(referral.Id, agbs[0]);

        Assert.Empty(answer.Referral.Offers);
        Assert.StartsWith("not a candidate: free only from", Assert.Single(answer.Rejected).Reason);
        Assert.Equal(0, await HeldAsync(agbs[0]));
    }
}
