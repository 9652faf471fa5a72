using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Grpc.Core;
using static Capacity.Service.Tests.Infrastructure.RpcAssertions;

namespace Capacity.Service.Tests.Referrals;

/// <summary>
/// A referral from search to placement or to the insurer's mediation desk, over gRPC against the
/// real host and Redis. Each test has its own insurer and providers (in Amsterdam), so its
/// searches see only its own candidates.
/// </summary>
public sealed class ReferralLifecycleTests(CapacityApp app) : IClassFixture<CapacityApp>
{
    const string Area = "1053";

    [Fact]
    public async Task ReferralKeepsThePc4OnlyAndStartsOpenWithItsHistory()
    {
        var (uzovi, _) = await app.ProvidersAsync(Area, 1);
        var request = ReferralData.NewReferral(uzovi, "1053 AB");

        var referral = await app.CreateAsync(request);
        var read = await app.GetReferralAsync(referral.Id);

        Assert.Equal(ReferralState.Open, referral.State);
        Assert.Equal("1053", referral.Search.PatientPostcode);
        Assert.Equal("GM0363", referral.MunicipalityCode);
        Assert.Equal(3, referral.MaxParallelOffers);
        Assert.Equal(["created"], read.History.Select(e => e.Type));
        Assert.Contains(referral.Id, (await app.Referrals().ListReferralsAsync(new ListReferralsRequest { RequesterOrg = request.RequesterOrg })).Referrals.Select(r => r.Id));
    }

    [Theory]
    [InlineData("111222333", "patient_ref")] // passes the 11-test
    [InlineData("111.222.333", "patient_ref")]
    public async Task BsnLikePatientReferenceIsRefusedAndNothingStored(string patientRef, string field)
    {
        var (uzovi, _) = await app.ProvidersAsync(Area, 1);
        var request = ReferralData.NewReferral(uzovi, Area, org: "bsn-test-" + Guid.NewGuid().ToString("N")[..6]);
        request.PatientRef = patientRef;

        await AssertInvalidAsync(() => app.Referrals().CreateReferralAsync(request).ResponseAsync, field);

        Assert.Empty((await app.Referrals().ListReferralsAsync(new ListReferralsRequest { RequesterOrg = request.RequesterOrg })).Referrals);
    }

    [Fact]
    public async Task NineDigitsThatFailTheElevenTestAreAcceptedButABsnInTheSummaryIsNot()
    {
        var (uzovi, _) = await app.ProvidersAsync(Area, 1);
        var fine = ReferralData.NewReferral(uzovi, Area);
        fine.PatientRef = "123456789"; // 9·1+8·2+…+2·8−9 = 147, not divisible by 11
        var bad = ReferralData.NewReferral(uzovi, Area);
        bad.CareSummary = "Patiënt met BSN 111 222 333, wondzorg.";
        var tooLong = ReferralData.NewReferral(uzovi, Area);
        tooLong.CareSummary = new string('x', 1001);

        Assert.Equal(ReferralState.Open, (await app.CreateAsync(fine)).State);
        await AssertInvalidAsync(() => app.Referrals().CreateReferralAsync(bad).ResponseAsync, "care_summary");
        await AssertInvalidAsync(() => app.Referrals().CreateReferralAsync(tooLong).ResponseAsync, "care_summary");
    }

    [Fact]
    public async Task SearchFieldsOfAReferralAreCheckedLikeASearch()
    {
        var request = ReferralData.NewReferral(TestData.NewUzovi(), "12");
        request.RequestId = "";

        await AssertInvalidAsync(() => app.Referrals().CreateReferralAsync(request).ResponseAsync,
            "request_id", "search.patient_postcode", "search.insurer_uzovi");
    }

    [Fact]
    public async Task OfferHoldsAPlaceThatOthersSearchingSeeGone()
    {
        var (uzovi, agbs) = await app.ProvidersAsync(Area, 2, free: 1);
        var referral = await app.CreateAsync(ReferralData.NewReferral(uzovi, Area));

        var offered = await app.OfferAsync(referral.Id, agbs);

        Assert.Equal(ReferralState.Offered, offered.Referral.State);
        Assert.Equal(2, offered.Referral.Offers.Count(o => o.State == OfferState.Pending));
        Assert.All(agbs, agb => Assert.Equal(0, app.AvailableAsync(agb).Result));
        var search = await app.FindAsync(TestData.Search(Area, uzovi, CareType.DistrictNursing));
        Assert.Empty(search.Candidates);
        var inbox = await app.Offers().ListOffersAsync(new ListOffersRequest { ProviderAgb = agbs[0] });
        var view = Assert.Single(inbox.Offers);
        Assert.Equal((referral.Id, "Wondzorg na heupoperatie, tweemaal daags."), (view.ReferralId, view.CareSummary));
        Assert.Equal(CapacityApp.Epoch.AddMinutes(60), view.Offer.Deadline.ToDateTimeOffset());
    }

    [Fact]
    public async Task ProviderThatIsNotACandidateIsNotOfferedTo()
    {
        var (uzovi, agbs) = await app.ProvidersAsync(Area, 1, free: 0);
        var referral = await app.CreateAsync(ReferralData.NewReferral(uzovi, Area)); // escalated: no candidate

        var error = await Assert.ThrowsAsync<RpcException>(() => app.OfferAsync(referral.Id, agbs[0]));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal(ReferralState.Escalated, (await app.GetReferralAsync(referral.Id)).Referral.State);
    }

    [Fact]
    public async Task FirstAcceptWinsTheOthersAreWithdrawnAndTheirPlacesReleased()
    {
        var (uzovi, agbs) = await app.ProvidersAsync(Area, 3, free: 2);
        var referral = (await app.OfferAsync((await app.CreateAsync(ReferralData.NewReferral(uzovi, Area))).Id, agbs)).Referral;

        var answers = await Task.WhenAll(agbs.Select(agb => Task.Run(async () =>
        {
            try { return (agb, (await app.AnswerAsync(referral, agb, accept: true)).Referral.State.ToString()); }
            catch (RpcException e) { return (agb, e.StatusCode.ToString()); }
        })));

        var winner = Assert.Single(answers, a => a.Item2 == nameof(ReferralState.Placed)).agb;
        Assert.All(answers.Where(a => a.agb != winner), a => Assert.Equal(nameof(StatusCode.FailedPrecondition), a.Item2));
        var placed = (await app.GetReferralAsync(referral.Id)).Referral;
        Assert.Equal((ReferralState.Placed, winner), (placed.State, placed.PlacedWithAgb));
        Assert.Equal(OfferState.Accepted, placed.Offers.Single(o => o.Provider.Agb == winner).State);
        Assert.All(placed.Offers.Where(o => o.Provider.Agb != winner), o => Assert.Equal(OfferState.Withdrawn, o.State));
        Assert.Equal(1, await app.AvailableAsync(winner)); // 2 published, 1 taken
        Assert.All(agbs.Where(a => a != winner), agb => Assert.Equal(2, app.AvailableAsync(agb).Result));
        Assert.Empty((await app.Offers().ListOffersAsync(new ListOffersRequest { ProviderAgb = winner })).Offers);
    }

    [Fact]
    public async Task DeclineReleasesThePlaceAndTheReferralWaitsForTheOtherOffers()
    {
        var (uzovi, agbs) = await app.ProvidersAsync(Area, 3);
        var referral = (await app.OfferAsync((await app.CreateAsync(ReferralData.NewReferral(uzovi, Area))).Id, agbs[0], agbs[1])).Referral;

        var declined = (await app.AnswerAsync(referral, agbs[0], accept: false)).Referral;

        Assert.Equal(ReferralState.Offered, declined.State); // the other offer is still open
        Assert.Equal((OfferState.Declined, DeclineReason.NoStaff), (declined.Offers[0].State, declined.Offers[0].DeclineReason));
        Assert.Equal(1, await app.AvailableAsync(agbs[0]));
        Assert.Equal(2, (await app.OfferAsync(referral.Id, agbs[2])).Referral.Offers.Count(o => o.State == OfferState.Pending));
    }

    [Fact]
    public async Task WithAutoCascadeADeclineIsFollowedByAnOfferToTheNextCandidate()
    {
        var (uzovi, agbs) = await app.ProvidersAsync(Area, 3);
        var referral = await app.CreateAsync(ReferralData.NewReferral(uzovi, Area, autoCascade: true, parallel: 1));
        var first = referral.Offers.Single();

        var afterDecline = (await app.AnswerAsync(referral, first.Provider.Agb, accept: false)).Referral;
        var current = (await app.GetReferralAsync(referral.Id)).Referral;

        Assert.Equal(ReferralState.Offered, referral.State); // auto-cascade offered at creation
        Assert.Equal(ReferralState.Open, afterDecline.State);
        Assert.Equal(ReferralState.Offered, current.State);
        var next = current.Offers.Single(o => o.State == OfferState.Pending);
        Assert.NotEqual(first.Provider.Agb, next.Provider.Agb);
        Assert.Contains(next.Provider.Agb, agbs);
    }

    [Fact]
    public async Task WithNoCandidateTheReferralGoesToThePatientsInsurersDeskAndCountsAsUnmetDemand()
    {
        var (uzovi, agbs) = await app.ProvidersAsync("1054", 1, free: 0);
        var otherInsurer = await app.AddInsurerAsync();

        var referral = await app.CreateAsync(ReferralData.NewReferral(uzovi, "1054"));

        Assert.Equal(ReferralState.Escalated, referral.State);
        Assert.Equal("no provider can take the patient", referral.Escalation.Reason);
        Assert.Equal(ExclusionReason.NoCapacity, referral.Escalation.Explanation.Exclusions.Single(e => e.Provider.Agb == agbs[0]).Reason);
        Assert.Equal([referral.Id], (await app.Mediation().ListDeskQueueAsync(new ListDeskQueueRequest { InsurerUzovi = uzovi })).Referrals.Select(r => r.Id));
        Assert.Empty((await app.Mediation().ListDeskQueueAsync(new ListDeskQueueRequest { InsurerUzovi = otherInsurer })).Referrals);
        var count = Assert.Single((await app.Mediation().GetUnmetDemandAsync(new GetUnmetDemandRequest { InsurerUzovi = uzovi })).Counts);
        Assert.Equal(("GM0363", CareType.DistrictNursing, 1L), (count.MunicipalityCode, count.CareType, count.Escalations));
        var totals = await app.Mediation().GetUnmetDemandAsync(new GetUnmetDemandRequest { Municipality = "Amsterdam" });
        Assert.True(totals.Counts.Single(c => c.CareType == CareType.DistrictNursing).Escalations >= 1);
        // Per patient's area too, for the municipality's map; an insurer's answer has no areas.
        var area = totals.Areas.Single(a => a.Pc4 == "1054" && a.CareType == CareType.DistrictNursing);
        Assert.True(area.Escalations >= 1);
        Assert.All(totals.Areas, a => Assert.Equal("GM0363", a.MunicipalityCode));
        Assert.Empty((await app.Mediation().GetUnmetDemandAsync(new GetUnmetDemandRequest { InsurerUzovi = uzovi })).Areas);
    }

    [Fact]
    public async Task WithAutoCascadeADeclineIsReplacedAtOnceWhileOtherOffersStayOpen()
    {
        var (uzovi, _) = await app.ProvidersAsync("1059", 4);
        var referral = await app.CreateAsync(ReferralData.NewReferral(uzovi, "1059", autoCascade: true, parallel: 2));
        var first = referral.Offers[0];

        await app.AnswerAsync(referral, first.Provider.Agb, accept: false);
        var current = (await app.GetReferralAsync(referral.Id)).Referral;

        Assert.Equal(2, referral.Offers.Count(o => o.State == OfferState.Pending));
        Assert.Equal(2, current.Offers.Count(o => o.State == OfferState.Pending));
        Assert.Equal(3, current.Offers.Select(o => o.Provider.Agb).Distinct().Count());
    }

    [Fact]
    public async Task RacingRetriesOfOneOfferMakeOneOfferWithOneHold()
    {
        var (uzovi, agbs) = await app.ProvidersAsync("1060", 1, free: 2);
        var referral = await app.CreateAsync(ReferralData.NewReferral(uzovi, "1060"));
        var request = new OfferReferralRequest { RequestId = ReferralData.NewRequestId(), ReferralId = referral.Id, ProviderAgbs = { agbs[0] } };

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(async () => await app.Referrals().OfferReferralAsync(request))));

        Assert.All(answers, a => Assert.Equal(answers[0], a));
        var current = (await app.GetReferralAsync(referral.Id)).Referral;
        Assert.Single(current.Offers);
        var figure = (await app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agbs[0] })).Figures.Single();
        Assert.Equal((2, 1), (figure.FreePlaces, figure.HeldPlaces));
        await app.AnswerAsync(current, agbs[0], accept: true);
        figure = (await app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agbs[0] })).Figures.Single();
        Assert.Equal((1, 0), (figure.FreePlaces, figure.HeldPlaces));
    }

    [Fact]
    public async Task RequestIdsOfDifferentCallsAndCallersDoNotCollide()
    {
        var (uzovi, agbs) = await app.ProvidersAsync("1061", 1);
        var referral = await app.CreateAsync(ReferralData.NewReferral(uzovi, "1061"));
        const string sameId = "1";

        var offered = await app.Referrals().OfferReferralAsync(new OfferReferralRequest { RequestId = sameId, ReferralId = referral.Id, ProviderAgbs = { agbs[0] } });
        var accepted = await app.AnswerAsync(offered.Referral, agbs[0], accept: true, requestId: sameId);

        Assert.Equal(ReferralState.Placed, accepted.Referral.State);
    }

    [Fact]
    public async Task DeskTakesSearchesWiderAndPlacesWithAnUncontractedProviderWithAWarning()
    {
        var uzovi = await app.AddInsurerAsync("Desk Verzekeraar");
        var uncontracted = await app.AddProviderAsync("1056", ["1056"]);
        await app.PublishAsync(uncontracted, "1056", CareType.DistrictNursing, 1);
        var referral = await app.CreateAsync(ReferralData.NewReferral(uzovi, "1056"));
        var desk = app.Mediation();

        var taken = await desk.TakeReferralAsync(new TakeReferralRequest { ReferralId = referral.Id, InsurerUzovi = uzovi, TakenBy = "bemiddelaar-1" });
        var wider = await desk.SearchForReferralAsync(new SearchForReferralRequest { ReferralId = referral.Id, RadiusKm = 30, InsurerUzovi = uzovi });
        var refusedWithoutConsent = await desk.OfferFromDeskAsync(new OfferFromDeskRequest { RequestId = ReferralData.NewRequestId(), ReferralId = referral.Id, ProviderAgbs = { uncontracted } });
        var offered = await desk.OfferFromDeskAsync(new OfferFromDeskRequest
        {
            RequestId = ReferralData.NewRequestId(), ReferralId = referral.Id, ProviderAgbs = { uncontracted }, AllowUncontracted = true,
        });
        var placed = (await app.AnswerAsync(offered.Referral, uncontracted, accept: true)).Referral;

        Assert.Equal((ReferralState.Escalated, ReferralState.Mediating), (referral.State, taken.State));
        Assert.Equal(30, wider.RadiusKm);
        Assert.Equal(ExclusionReason.NotContracted, wider.Exclusions.Single(e => e.Provider.Agb == uncontracted).Reason);
        Assert.StartsWith("not a candidate: no contract", Assert.Single(refusedWithoutConsent.Rejected).Reason);
        var offer = offered.Referral.Offers.Single();
        Assert.True(offer.Uncontracted);
        Assert.Equal("desk", offer.OfferedBy);
        Assert.Equal("Not contracted by Desk Verzekeraar: the patient may have to pay part of the care.", offer.Warning);
        Assert.Equal(ReferralState.Placed, placed.State);
        Assert.Empty((await desk.ListDeskQueueAsync(new ListDeskQueueRequest { InsurerUzovi = uzovi })).Referrals);
    }

    [Fact]
    public async Task DeskClosesWithAnOutcomeButNotAnotherInsurersReferral()
    {
        var (uzovi, _) = await app.ProvidersAsync("1057", 1, free: 0);
        var referral = await app.CreateAsync(ReferralData.NewReferral(uzovi, "1057"));
        var desk = app.Mediation();

        var foreign = await Assert.ThrowsAsync<RpcException>(() => desk.CloseReferralAsync(new CloseReferralRequest
        {
            ReferralId = referral.Id, InsurerUzovi = TestData.NewUzovi(), Outcome = ClosureOutcome.NoCareFound,
        }).ResponseAsync);
        var closed = await desk.CloseReferralAsync(new CloseReferralRequest
        {
            ReferralId = referral.Id, InsurerUzovi = uzovi, Outcome = ClosureOutcome.PlacedElsewhere, Text = "Via de huisarts geregeld.",
        });

        Assert.Equal(StatusCode.PermissionDenied, foreign.StatusCode);
        Assert.Equal((ReferralState.Closed, ClosureOutcome.PlacedElsewhere), (closed.State, closed.Closure.Outcome));
        Assert.Equal(["created", "escalated", "closed"], (await app.GetReferralAsync(referral.Id)).History.Select(e => e.Type));
    }

    [Fact]
    public async Task CancelReleasesEveryHoldAndWithdrawsEveryOffer()
    {
        var (uzovi, agbs) = await app.ProvidersAsync(Area, 2);
        var referral = (await app.OfferAsync((await app.CreateAsync(ReferralData.NewReferral(uzovi, Area))).Id, agbs)).Referral;

        var cancel = new CancelReferralRequest { RequestId = ReferralData.NewRequestId(), ReferralId = referral.Id };
        var cancelled = await app.Referrals().CancelReferralAsync(cancel);
        var cancelledAgain = await app.Referrals().CancelReferralAsync(cancel);

        Assert.Equal(ReferralState.Cancelled, cancelled.State);
        Assert.Equal(cancelled, cancelledAgain); // a retry, not a second cancel refused as final
        Assert.All(cancelled.Offers, o => Assert.Equal(OfferState.Withdrawn, o.State));
        Assert.All(agbs, agb => Assert.Equal(1, app.AvailableAsync(agb).Result));
        var late = await Assert.ThrowsAsync<RpcException>(() => app.AnswerAsync(referral, agbs[0], accept: true));
        Assert.Equal(StatusCode.FailedPrecondition, late.StatusCode);
    }

    [Fact]
    public async Task RetriedCallsReturnTheFirstResultAndChangeNothingElse()
    {
        var (uzovi, agbs) = await app.ProvidersAsync(Area, 2, free: 3);
        var create = ReferralData.NewReferral(uzovi, Area);
        var referrals = app.Referrals();

        var created = await referrals.CreateReferralAsync(create);
        var createdAgain = await referrals.CreateReferralAsync(create);
        var offer = new OfferReferralRequest { RequestId = ReferralData.NewRequestId(), ReferralId = created.Id, ProviderAgbs = { agbs } };
        var offered = await referrals.OfferReferralAsync(offer);
        var offeredAgain = await referrals.OfferReferralAsync(offer);
        var declineId = ReferralData.NewRequestId();
        var declined = await app.AnswerAsync(offered.Referral, agbs[0], accept: false, declineId);
        var declinedAgain = await app.AnswerAsync(offered.Referral, agbs[0], accept: false, declineId);
        var acceptId = ReferralData.NewRequestId();
        var accepted = await app.AnswerAsync(offered.Referral, agbs[1], accept: true, acceptId);
        var acceptedAgain = await app.AnswerAsync(offered.Referral, agbs[1], accept: true, acceptId);

        Assert.Equal(created, createdAgain);
        Assert.Equal(offered, offeredAgain);
        Assert.Equal(declined, declinedAgain);
        Assert.Equal(accepted, acceptedAgain);
        Assert.Equal(3, await app.AvailableAsync(agbs[0])); // held once, released once
        Assert.Equal(2, await app.AvailableAsync(agbs[1])); // held once, consumed once
        var history = (await app.GetReferralAsync(created.Id)).History.Select(e => e.Type);
        Assert.Equal(["created", "offered", "offered", "declined", "accepted", "placed"], history);
    }

    [Fact]
    public async Task TwoHundredConcurrentOffersOnFiveFreePlacesMakeExactlyFiveOffers()
    {
        var (uzovi, agbs) = await app.ProvidersAsync("1058", 1, free: 5);
        var referrals = new List<Referral>();
        for (var i = 0; i < 200; i++) referrals.Add(await app.CreateAsync(ReferralData.NewReferral(uzovi, "1058")));

        var results = await Task.WhenAll(referrals.Select(r => Task.Run(async () =>
        {
            try { return (await app.OfferAsync(r.Id, agbs[0])).Referral.Offers.Count; }
            catch (RpcException) { return 0; } // escalated once the places were gone: no candidate left
        })));

        Assert.Equal(5, results.Sum());
        Assert.Equal(0, await app.AvailableAsync(agbs[0]));
    }

    [Fact]
    public async Task DuplicatesOfOneRequestInFlightAtOnceGetTheSameAnswer()
    {
        var (uzovi, agbs) = await app.ProvidersAsync("1061", 2);
        var referral = (await app.OfferAsync((await app.CreateAsync(ReferralData.NewReferral(uzovi, "1061"))).Id, agbs)).Referral;
        var cancel = new CancelReferralRequest { RequestId = ReferralData.NewRequestId(), ReferralId = referral.Id };

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () => await app.Referrals().CancelReferralAsync(cancel))));

        Assert.All(answers, a => Assert.Equal(answers[0], a)); // not "cancelled already" for the ones that lost the race
        Assert.Equal(ReferralState.Cancelled, answers[0].State);
    }
}
