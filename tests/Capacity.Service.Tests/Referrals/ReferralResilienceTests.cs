using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Capacity.Service.Referrals;
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
    public async Task AcceptWhoseInstanceStoppedBeforeItsFollowUpStillTakesThePlace()
    {
        // The accept's step is written, but the instance stops before its follow-up (consume the
        // hold, withdraw the rest): written here straight to the store to stand for that moment.
        var (uzovi, agbs) = await _app.ProvidersAsync(Area, 1, free: 2);
        var referral = (await _app.OfferAsync((await _app.CreateAsync(ReferralData.NewReferral(uzovi, Area))).Id, agbs[0])).Referral;
        var store = _app.Services.GetRequiredService<ReferralStore>();
        var stored = (await store.GetAsync(referral.Id))!;
        var step = ReferralSteps.Accept(stored.Referral, referral.Offers.Single().Id, _app.Time.GetUtcNow(), CapacityApp.Today.AddDays(1),
            new RequesterSummary { Org = referral.RequesterOrg }, null);
        await store.MarkPendingAsync(referral.Id, _app.Time.GetUtcNow().AddSeconds(10));
        Assert.True((await store.SaveAsync(step.Referral, stored.Version, step.Events)).Saved);
        Assert.Equal(1, (await _app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agbs[0] })).Figures.Single().HeldPlaces);

        _app.Time.Advance(TimeSpan.FromSeconds(11)); // past the grace period: the sweeper finishes the step
        var published = await ReferralData.EventuallyAsync(async () =>
            (await _app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agbs[0] })).Figures.Single(), f => f.HeldPlaces == 0);

        Assert.Equal((1, 0), (published.FreePlaces, published.HeldPlaces)); // consumed, not released
        Assert.Empty((await _app.Offers().ListOffersAsync(new ListOffersRequest { ProviderAgb = agbs[0] })).Offers);
    }

    [Fact]
    public async Task EscalationWhoseInstanceStoppedBeforeItsFollowUpStillReachesTheDesk()
    {
        var (uzovi, _) = await _app.ProvidersAsync(Area, 1);
        var referral = await _app.CreateAsync(ReferralData.NewReferral(uzovi, Area));
        var store = _app.Services.GetRequiredService<ReferralStore>();
        var stored = (await store.GetAsync(referral.Id))!;
        var step = ReferralSteps.Escalate(stored.Referral, "asked by the requester", new FindProvidersResponse(), _app.Time.GetUtcNow());
        await store.MarkPendingAsync(referral.Id, _app.Time.GetUtcNow().AddSeconds(10));
        Assert.True((await store.SaveAsync(step.Referral, stored.Version, step.Events)).Saved);
        Assert.Empty((await _app.Mediation().ListDeskQueueAsync(new ListDeskQueueRequest { InsurerUzovi = uzovi })).Referrals);

        _app.Time.Advance(TimeSpan.FromSeconds(11));
        var queue = await ReferralData.EventuallyAsync(async () =>
            (await _app.Mediation().ListDeskQueueAsync(new ListDeskQueueRequest { InsurerUzovi = uzovi })).Referrals, q => q.Count > 0);

        Assert.Equal([referral.Id], queue.Select(r => r.Id));
        Assert.Equal(1, (await _app.Mediation().GetUnmetDemandAsync(new GetUnmetDemandRequest { InsurerUzovi = uzovi })).Counts.Single().Escalations);
    }

    [Fact]
    public async Task AcceptAfterTheDeadlineIsRefused()
    {
        var (uzovi, agbs) = await _app.ProvidersAsync(Area, 1);
        var referral = (await _app.OfferAsync((await _app.CreateAsync(ReferralData.NewReferral(uzovi, Area))).Id, agbs[0])).Referral;
        _app.Time.Advance(TimeSpan.FromMinutes(60).Add(TimeSpan.FromSeconds(1)));

        var late = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => _app.AnswerAsync(referral, agbs[0], accept: true));

        Assert.Equal(Grpc.Core.StatusCode.FailedPrecondition, late.StatusCode);
    }

    [Fact]
    public async Task HoldsOfAnOfferWhoseInstanceStoppedBeforeRecordingItAreGivenBackAndARetryOffersAgain()
    {
        // An offer step named its provider in a pending entry and held the place, then its instance
        // stopped before the offer was written: standing for that moment, written here straight to the stores.
        var (uzovi, agbs) = await _app.ProvidersAsync(Area, 1, free: 1);
        var referral = await _app.CreateAsync(ReferralData.NewReferral(uzovi, Area));
        var offerId = ReferralViews.OfferId(referral.Id, agbs[0], 0);
        var hold = new Capacity.Hold($"{referral.Id}:{offerId}", agbs[0], int.Parse(Area), CareType.DistrictNursing, CapacityApp.Epoch.AddHours(1), referral.Id, offerId);
        var pending = await _app.Services.GetRequiredService<ReferralStore>().MarkPendingAsync(referral.Id, _app.Time.GetUtcNow().AddSeconds(10), [agbs[0]]);
        Assert.Equal(Capacity.HoldOutcome.Held, (await _app.Services.GetRequiredService<Capacity.HoldStore>().HoldAsync(hold, pending.Token)).Outcome);
        Assert.Equal(0, await _app.AvailableAsync(agbs[0]));

        _app.Time.Advance(TimeSpan.FromSeconds(11)); // past the grace period: the sweeper gives the place back
        var freed = await ReferralData.EventuallyAsync(() => _app.AvailableAsync(agbs[0]), n => n == 1);
        var retried = await _app.OfferAsync(referral.Id, agbs[0]);

        Assert.Equal(1, freed);
        Assert.Empty(retried.Rejected);
        Assert.Equal(offerId, retried.Referral.Offers.Single().Id);
        Assert.Equal(0, await _app.AvailableAsync(agbs[0]));
    }

    [Fact]
    public async Task ACreateRetriedAfterItsPatientWasTakenByAnotherReferralIsRefusedAndMakesNoSecondReferral()
    {
        // The first create claimed the patient, then its instance stopped before the referral was
        // written (standing for that moment: the claim written straight to the store).
        var (uzovi, _) = await _app.ProvidersAsync(Area, 1);
        var first = ReferralData.NewReferral(uzovi, Area);
        await _app.Services.GetRequiredService<ReferralStore>().ClaimCreateAsync(first.RequesterOrg, first.RequestId,
            "ref_" + Guid.CreateVersion7().ToString("N"), first.PatientRef, _app.Time.GetUtcNow());
        _app.Time.Advance(TimeSpan.FromSeconds(11)); // the claim is stale: another create may give it up
        var other = ReferralData.NewReferral(uzovi, Area);
        other.PatientRef = first.PatientRef;
        var created = await _app.CreateAsync(other);

        var retried = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => _app.Referrals().CreateReferralAsync(first).ResponseAsync);

        Assert.Equal(Grpc.Core.StatusCode.AlreadyExists, retried.StatusCode);
        var active = await _app.Referrals().ListReferralsAsync(new ListReferralsRequest { RequesterOrg = first.RequesterOrg });
        Assert.Equal([created.Id], active.Referrals.Where(r => r.PatientRef == first.PatientRef).Select(r => r.Id));
    }

    [Fact]
    public async Task AnOfferCallSlowerThanTheGracePeriodIsFencedOffOnceTheSweeperFinishedItsStep()
    {
        // An offer call wrote its pending entry and held the last place, then stalled past the grace
        // period while still alive (standing for it: the stores and the commit path called directly).
        var (uzovi, agbs) = await _app.ProvidersAsync(Area, 1, free: 1);
        var referral = await _app.CreateAsync(ReferralData.NewReferral(uzovi, Area));
        var store = _app.Services.GetRequiredService<ReferralStore>();
        var stored = (await store.GetAsync(referral.Id))!;
        var pending = await store.MarkPendingAsync(referral.Id, _app.Time.GetUtcNow().AddSeconds(10), [agbs[0]]);
        var offerId = ReferralViews.OfferId(referral.Id, agbs[0], 0);
        var deadline = CapacityApp.Epoch.AddHours(1);
        var hold = new Capacity.Hold($"{referral.Id}:{offerId}", agbs[0], int.Parse(Area), CareType.DistrictNursing, deadline, referral.Id, offerId);
        Assert.Equal(Capacity.HoldOutcome.Held, (await _app.Services.GetRequiredService<Capacity.HoldStore>().HoldAsync(hold, pending.Token)).Outcome);

        _app.Time.Advance(TimeSpan.FromSeconds(11)); // the sweeper takes the call for stopped: its place goes back
        await ReferralData.EventuallyAsync(() => _app.AvailableAsync(agbs[0]), n => n == 1);
        var offer = new Offer
        {
            Id = offerId, Provider = new ProviderSummary { Agb = agbs[0], Name = "Zorg 1", BasePc4 = Area }, Pc4 = Area, CareType = CareType.DistrictNursing,
            State = OfferState.Pending, Deadline = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(deadline), OfferedBy = ReferralSteps.Requester,
        };
        var step = ReferralSteps.AddOffers(stored.Referral, [offer], ReferralSteps.Requester, _app.Time.GetUtcNow());
        var late = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() =>
            _app.Services.GetRequiredService<ReferralCommitter>().CommitAsync(stored, step, pending)); // the call wakes up and writes

        Assert.Equal(Grpc.Core.StatusCode.Aborted, late.StatusCode);
        Assert.Empty((await _app.GetReferralAsync(referral.Id)).Referral.Offers); // no offer without a place behind it
        var other = await _app.CreateAsync(ReferralData.NewReferral(uzovi, Area));
        Assert.Single((await _app.OfferAsync(other.Id, agbs[0])).Referral.Offers); // the place is another patient's to have
    }

    [Fact]
    public async Task AClaimJudgedStaleIsGivenUpOnlyIfItIsStillExactlyThatClaim()
    {
        var store = _app.Services.GetRequiredService<ReferralStore>();
        var (org, patient, id) = ("claim-" + Guid.NewGuid().ToString("N")[..8], "pt-1", "ref_" + Guid.CreateVersion7().ToString("N"));
        var claimedAt = _app.Time.GetUtcNow();
        await store.ClaimCreateAsync(org, "create-1", id, patient, claimedAt);
        _app.Time.Advance(TimeSpan.FromSeconds(11));

        Assert.True(await store.ReclaimPatientAsync(org, patient, id, _app.Time.GetUtcNow())); // its referral written late: claimed anew
        var givenUp = await store.GiveUpClaimAsync(org, patient, id, claimedAt); // another create judged the old claim stale

        Assert.False(givenUp);
        var (claim, holder, _) = await store.ClaimCreateAsync(org, "create-2", "ref_" + Guid.CreateVersion7().ToString("N"), patient, _app.Time.GetUtcNow());
        Assert.Equal((CreateClaim.PatientActive, id), (claim, holder));
    }
}
