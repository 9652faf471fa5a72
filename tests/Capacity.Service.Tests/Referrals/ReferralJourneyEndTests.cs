using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Google.Rpc;
using Grpc.Core;
using static Capacity.Service.Tests.Infrastructure.RpcAssertions;

namespace Capacity.Service.Tests.Referrals;

/// <summary>
/// The end of the referral journey, as a nurse, a provider and a desk meet it: a "no" returns the
/// referral to its requester instead of the desk, one active referral per patient, the handover
/// (whom to call, from which day) on both sides, and the desk's outcome and an uncontracted
/// placement's warning reaching the parties. Each test has its own insurer and providers.
/// </summary>
public sealed class ReferralJourneyEndTests(CapacityApp app) : IClassFixture<CapacityApp>
{
    [Fact]
    public async Task ADeclineReturnsTheReferralToItsRequesterWhoOffersItToAnotherProvider()
    {
        var (uzovi, agbs) = await app.ProvidersAsync("1062", 3);
        var referral = (await app.OfferAsync((await app.CreateAsync(ReferralData.NewReferral(uzovi, "1062"))).Id, agbs[0])).Referral;

        var declined = (await app.Offers().AnswerOfferAsync(new AnswerOfferRequest
        {
            RequestId = ReferralData.NewRequestId(), ReferralId = referral.Id, OfferId = referral.Offers[0].Id, ProviderAgb = agbs[0],
            Accept = false, DeclineReason = DeclineReason.CareTooComplex,
        })).Referral;
        var returned = await app.GetReferralAsync(referral.Id);

        Assert.Equal(ReferralState.Open, declined.State);
        Assert.Equal(ReferralState.Open, returned.Referral.State); // not escalated: two candidates are still untried
        Assert.Null(returned.Referral.Escalation);
        Assert.Equal(referral.Offers[0].Id, returned.Referral.Waiting.ReturnedByOfferId);
        var back = returned.History.Single(e => e.Type == "returned");
        Assert.Contains("declined by Zorg 1", back.Detail);
        Assert.Empty((await app.Mediation().ListDeskQueueAsync(new ListDeskQueueRequest { InsurerUzovi = uzovi })).Referrals);
        Assert.Empty((await app.Mediation().GetUnmetDemandAsync(new GetUnmetDemandRequest { InsurerUzovi = uzovi })).Counts);

        var reoffered = (await app.OfferAsync(referral.Id, agbs[1])).Referral;
        var placed = (await app.AnswerAsync(reoffered, agbs[1], accept: true)).Referral;

        Assert.Null(reoffered.Waiting);
        Assert.Equal((ReferralState.Placed, agbs[1]), (placed.State, placed.PlacedWithAgb));
    }

    [Fact]
    public async Task WhenTheLastUntriedCandidateDeclinesTheReferralGoesToTheDesk()
    {
        var (uzovi, agbs) = await app.ProvidersAsync("1063", 2);
        var referral = (await app.OfferAsync((await app.CreateAsync(ReferralData.NewReferral(uzovi, "1063"))).Id, agbs)).Referral;

        await app.AnswerAsync(referral, agbs[0], accept: false);
        var afterOne = (await app.GetReferralAsync(referral.Id)).Referral;
        await app.AnswerAsync(referral, agbs[1], accept: false);
        var afterBoth = (await app.GetReferralAsync(referral.Id)).Referral;

        Assert.Equal(ReferralState.Offered, afterOne.State);
        Assert.Equal(ReferralState.Escalated, afterBoth.State);
        Assert.Equal("no untried candidate left", afterBoth.Escalation.Reason);
        Assert.Equal(2, afterBoth.Escalation.Explanation.Candidates.Count); // the desk sees who was there
        Assert.Equal([referral.Id], (await app.Mediation().ListDeskQueueAsync(new ListDeskQueueRequest { InsurerUzovi = uzovi })).Referrals.Select(r => r.Id));
    }

    [Fact]
    public async Task AutoCascadeThatRunsOutOfCandidatesEscalates()
    {
        var (uzovi, _) = await app.ProvidersAsync("1064", 2);
        var referral = await app.CreateAsync(ReferralData.NewReferral(uzovi, "1064", autoCascade: true, parallel: 1));

        await app.AnswerAsync(referral, referral.Offers.Single().Provider.Agb, accept: false);
        var second = (await app.GetReferralAsync(referral.Id)).Referral;
        await app.AnswerAsync(second, second.Offers.Single(o => o.State == OfferState.Pending).Provider.Agb, accept: false);
        var escalated = (await app.GetReferralAsync(referral.Id)).Referral;

        Assert.Equal(ReferralState.Offered, second.State); // cascaded to the other provider
        Assert.Equal((ReferralState.Escalated, "no untried candidate left"), (escalated.State, escalated.Escalation.Reason));
    }

    [Fact]
    public async Task ASecondActiveReferralForThePatientIsRefusedNamingTheFirstUntilItIsCancelled()
    {
        var (uzovi, agbs) = await app.ProvidersAsync("1065", 2);
        var first = ReferralData.NewReferral(uzovi, "1065");
        var created = await app.CreateAsync(first);
        var again = ReferralData.NewReferral(uzovi, "1065");
        again.PatientRef = first.PatientRef;
        var otherOrganisation = ReferralData.NewReferral(uzovi, "1065", org: "ander-ziekenhuis");
        otherOrganisation.PatientRef = first.PatientRef;

        var duplicate = await Assert.ThrowsAsync<RpcException>(() => app.Referrals().CreateReferralAsync(again).ResponseAsync);
        var sameRequestAgain = await app.CreateAsync(first);
        var elsewhere = await app.CreateAsync(otherOrganisation);
        await app.Referrals().CancelReferralAsync(new CancelReferralRequest { RequestId = ReferralData.NewRequestId(), ReferralId = created.Id });
        var afterCancel = await app.CreateAsync(again);

        Assert.Equal(StatusCode.AlreadyExists, duplicate.StatusCode);
        var existing = duplicate.GetRpcStatus()!.GetDetail<ResourceInfo>();
        Assert.Equal(("capacity.v1.Referral", created.Id), (existing.ResourceType, existing.ResourceName));
        Assert.Equal(created.Id, sameRequestAgain.Id); // a retry of the first create, not a duplicate
        Assert.NotEqual(created.Id, elsewhere.Id); // one active referral per patient *per organisation*
        Assert.NotEqual(created.Id, afterCancel.Id);
        var listed = await app.Referrals().ListReferralsAsync(new ListReferralsRequest { RequesterOrg = first.RequesterOrg });
        Assert.Equal(1, listed.Referrals.Count(r => r.PatientRef == first.PatientRef));
    }

    [Fact]
    public async Task APlacedPatientCanBeReferredAgain()
    {
        var (uzovi, agbs) = await app.ProvidersAsync("1066", 1, free: 2);
        var first = ReferralData.NewReferral(uzovi, "1066");
        var offered = (await app.OfferAsync((await app.CreateAsync(first)).Id, agbs[0])).Referral;
        await app.AnswerAsync(offered, agbs[0], accept: true);
        var later = ReferralData.NewReferral(uzovi, "1066");
        later.PatientRef = first.PatientRef;

        var second = await app.CreateAsync(later);

        Assert.NotEqual(offered.Id, second.Id);
        Assert.Equal(ReferralState.Open, second.State);
    }

    [Fact]
    public async Task ThePlacementShowsEachSideWhomToCallAndWhenCareStarts()
    {
        var (uzovi, agbs) = await app.ProvidersAsync("1067", 1);
        var org = "transfer-" + Guid.NewGuid().ToString("N")[..8];
        await app.Registry.UpsertRequestingOrganisationAsync(new UpsertRequestingOrganisationRequest
        {
            Organisation = new RequestingOrganisation
            {
                Code = org, Name = "Ziekenhuis Test, transferbureau", Kind = OrganisationKind.Hospital,
                TransferDesk = new Contact { Phone = "020 555 0100", Email = "transfer@ziekenhuis-test.example", Hours = "dagelijks 8.00-20.00" },
            },
        });
        var provider = await app.Registry.GetProviderAsync(new GetProviderRequest { Agb = agbs[0] });
        provider.Intake = new Contact { Phone = "+31 20 555 0199", Email = "intake@zorg.example", Hours = "ma-vr 8.00-17.00" };
        await app.Registry.UpsertProviderAsync(new UpsertProviderRequest { Provider = provider });
        var request = ReferralData.NewReferral(uzovi, "1067", org: org);
        var offered = (await app.OfferAsync((await app.CreateAsync(request)).Id, agbs[0])).Referral;

        var inbox = await app.Offers().ListOffersAsync(new ListOffersRequest { ProviderAgb = agbs[0] });
        var start = CapacityApp.Today.AddDays(3);
        await app.Offers().AnswerOfferAsync(new AnswerOfferRequest
        {
            RequestId = ReferralData.NewRequestId(), ReferralId = offered.Id, OfferId = offered.Offers[0].Id, ProviderAgb = agbs[0], Accept = true,
            StartDate = start.ToDate(),
        });
        var requesterSees = (await app.GetReferralAsync(offered.Id)).Referral;
        var providerSees = Assert.Single((await app.Offers().ListPlacementsAsync(new ListPlacementsRequest { ProviderAgb = agbs[0] })).Placements);

        Assert.Equal("Ziekenhuis Test, transferbureau", Assert.Single(inbox.Offers).Requester.Name);
        Assert.Equal(start.ToDate(), requesterSees.Placement.StartDate);
        Assert.Equal(("+31 20 555 0199", "intake@zorg.example"), (requesterSees.Placement.Intake.Phone, requesterSees.Placement.Intake.Email));
        Assert.Equal(agbs[0], requesterSees.Placement.Provider.Agb);
        Assert.False(requesterSees.Placement.Uncontracted);
        Assert.Equal((offered.Id, request.PatientRef, request.CareSummary), (providerSees.ReferralId, providerSees.PatientRef, providerSees.CareSummary));
        Assert.Equal("Ziekenhuis Test, transferbureau", providerSees.Requester.Name);
        Assert.Equal("020 555 0100", providerSees.Requester.TransferDesk.Phone);
        Assert.Equal(start.ToDate(), providerSees.Placement.StartDate);
        Assert.Equal(OfferState.Accepted, providerSees.Offer.State);
    }

    [Fact]
    public async Task WithoutAStatedStartThePlacementStartsOnTheDayAskedAndABadStartIsRefusedWithNothingStored()
    {
        var (uzovi, agbs) = await app.ProvidersAsync("1068", 1);
        var urgent = ReferralData.NewReferral(uzovi, "1068");
        urgent.Search.Urgent = true;
        var offered = (await app.OfferAsync((await app.CreateAsync(urgent)).Id, agbs[0])).Referral;
        AnswerOfferRequest Accept(DateOnly? start) => new()
        {
            RequestId = ReferralData.NewRequestId(), ReferralId = offered.Id, OfferId = offered.Offers[0].Id, ProviderAgb = agbs[0], Accept = true,
            StartDate = start?.ToDate(),
        };

        await AssertInvalidAsync(() => app.Offers().AnswerOfferAsync(Accept(CapacityApp.Today.AddDays(-1))).ResponseAsync, "start_date");
        await AssertInvalidAsync(() => app.Offers().AnswerOfferAsync(Accept(CapacityApp.Today.AddDays(4))).ResponseAsync, "start_date"); // urgent: today or tomorrow
        var stillOpen = (await app.GetReferralAsync(offered.Id)).Referral;
        var placed = (await app.Offers().AnswerOfferAsync(Accept(null))).Referral;

        Assert.Equal(ReferralState.Offered, stillOpen.State);
        Assert.Equal(ReferralState.Placed, placed.State);
        Assert.Equal(CapacityApp.Today.AddDays(1).ToDate(), placed.Placement.StartDate); // the search asked for tomorrow
    }

    [Fact]
    public async Task TheDesksOutcomeAndCommentReachTheRequester()
    {
        var (uzovi, _) = await app.ProvidersAsync("1069", 1, free: 0);
        var request = ReferralData.NewReferral(uzovi, "1069");
        var referral = await app.CreateAsync(request); // nobody can: escalated at once

        await app.Mediation().CloseReferralAsync(new CloseReferralRequest
        {
            ReferralId = referral.Id, InsurerUzovi = uzovi, Outcome = ClosureOutcome.PlacedElsewhere, Text = "Geplaatst bij een aanbieder buiten de regio.",
        });
        var seen = (await app.GetReferralAsync(referral.Id)).Referral;
        var ended = await app.Referrals().ListReferralsAsync(new ListReferralsRequest { RequesterOrg = request.RequesterOrg, Filter = ReferralListFilter.Ended });

        Assert.Equal((ClosureOutcome.PlacedElsewhere, "Geplaatst bij een aanbieder buiten de regio."), (seen.Closure.Outcome, seen.Closure.Text));
        Assert.Contains(ended.Referrals, r => r.Id == referral.Id && r.Closure.Outcome == ClosureOutcome.PlacedElsewhere);
    }

    [Fact]
    public async Task AnUncontractedPlacementsWarningReachesTheRequesterAndTheProvider()
    {
        var uzovi = await app.AddInsurerAsync("Waarschuwing Verzekeraar");
        var uncontracted = await app.AddProviderAsync("1072", ["1072"]);
        await app.PublishAsync(uncontracted, "1072", CareType.DistrictNursing, 1);
        var referral = await app.CreateAsync(ReferralData.NewReferral(uzovi, "1072")); // escalated: nobody contracted
        await app.Mediation().TakeReferralAsync(new TakeReferralRequest { ReferralId = referral.Id, InsurerUzovi = uzovi, TakenBy = "bemiddelaar-2" });
        var offered = await app.Mediation().OfferFromDeskAsync(new OfferFromDeskRequest
        {
            RequestId = ReferralData.NewRequestId(), ReferralId = referral.Id, ProviderAgbs = { uncontracted }, AllowUncontracted = true,
        });

        await app.AnswerAsync(offered.Referral, uncontracted, accept: true);
        var requesterSees = (await app.GetReferralAsync(referral.Id)).Referral;
        var providerSees = Assert.Single((await app.Offers().ListPlacementsAsync(new ListPlacementsRequest { ProviderAgb = uncontracted })).Placements);

        const string warning = "Not contracted by Waarschuwing Verzekeraar: the patient may have to pay part of the care.";
        Assert.Equal((true, warning), (requesterSees.Placement.Uncontracted, requesterSees.Placement.Warning));
        Assert.Equal((true, warning), (providerSees.Placement.Uncontracted, providerSees.Placement.Warning));
        Assert.Equal(warning, providerSees.Offer.Warning);
    }
}
