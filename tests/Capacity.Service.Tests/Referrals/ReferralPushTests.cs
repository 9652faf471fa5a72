using Capacity.Service.Live;
using Capacity.Service.Referrals;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Grpc.Core;
using Microsoft.AspNetCore.SignalR.Client;

namespace Capacity.Service.Tests.Referrals;

/// <summary>Each party hears the steps meant for it, and not those of others.</summary>
public sealed class ReferralPushTests(CapacityApp app) : IClassFixture<CapacityApp>
{
    // Generous on a shared CI machine; the search-refresh test of the hub holds the one-second promise.
    static readonly TimeSpan Second = TimeSpan.FromSeconds(2);

    async Task<(HubConnection Hub, Pushes<ReferralNotice> Referrals, Pushes<OfferNotice> Offers)> FollowAsync(string method, string id)
    {
        var hub = await app.ConnectHubAsync();
        var referrals = new Pushes<ReferralNotice>(hub, nameof(ICoordinationClient.ReferralChanged));
        var offers = new Pushes<OfferNotice>(hub, nameof(ICoordinationClient.OfferChanged));
        await hub.InvokeAsync(method, id, TestContext.Current.CancellationToken);
        return (hub, referrals, offers);
    }

    [Fact]
    public async Task RequesterAndOfferedProvidersHearTheirStepsOthersHearNothing()
    {
        var (uzovi, agbs) = await app.ProvidersAsync("1091", 3);
        var org = "ziekenhuis-" + Guid.NewGuid().ToString("N")[..6];
        var (requesterHub, requester, _) = await FollowAsync(nameof(CoordinationHub.FollowOrganisation), org);
        var (otherOrgHub, otherOrg, _) = await FollowAsync(nameof(CoordinationHub.FollowOrganisation), "ander-ziekenhuis");
        var (winnerHub, _, winner) = await FollowAsync(nameof(CoordinationHub.FollowProvider), agbs[0]);
        var (loserHub, _, loser) = await FollowAsync(nameof(CoordinationHub.FollowProvider), agbs[1]);
        var (bystanderHub, _, bystander) = await FollowAsync(nameof(CoordinationHub.FollowProvider), agbs[2]);
        await using var _1 = requesterHub;
        await using var _2 = otherOrgHub;
        await using var _3 = winnerHub;
        await using var _4 = loserHub;
        await using var _5 = bystanderHub;

        var referral = await app.CreateAsync(ReferralData.NewReferral(uzovi, "1091", org: org));
        var offered = (await app.OfferAsync(referral.Id, agbs[0], agbs[1])).Referral;
        await app.AnswerAsync(offered, agbs[0], accept: true);

        Assert.Equal(["created"], (await requester.NextAsync(Second)).Events.Select(e => e.Type));
        Assert.Equal(["offered", "offered"], (await requester.NextAsync(Second)).Events.Select(e => e.Type));
        var placed = await requester.NextAsync(Second);
        Assert.Equal(ReferralState.Placed, placed.State);
        Assert.Equal(["accepted", "withdrawn", "placed"], placed.Events.Select(e => e.Type));

        Assert.Equal(("offered", OfferState.Pending), Pick(await winner.NextAsync(Second)));
        Assert.Equal(("accepted", OfferState.Accepted), Pick(await winner.NextAsync(Second)));
        Assert.Equal(("offered", OfferState.Pending), Pick(await loser.NextAsync(Second)));
        Assert.Equal(("withdrawn", OfferState.Withdrawn), Pick(await loser.NextAsync(Second)));

        await Task.WhenAll(otherOrg.NoneAsync(TimeSpan.FromMilliseconds(500)), bystander.NoneAsync(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task OnlyThePatientsInsurersDeskHearsOfAnEscalation()
    {
        var (uzovi, _) = await app.ProvidersAsync("1092", 1, free: 0);
        var otherInsurer = await app.AddInsurerAsync();
        var (deskHub, desk, _) = await FollowAsync(nameof(CoordinationHub.FollowDesk), uzovi);
        var (otherDeskHub, otherDesk, _) = await FollowAsync(nameof(CoordinationHub.FollowDesk), otherInsurer);
        await using var _1 = deskHub;
        await using var _2 = otherDeskHub;

        var referral = await app.CreateAsync(ReferralData.NewReferral(uzovi, "1092"));

        var notice = await desk.NextAsync(Second);
        Assert.Equal((referral.Id, ReferralState.Escalated), (notice.ReferralId, notice.State));
        await otherDesk.NoneAsync(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public async Task ThePatientsMunicipalityHearsThatItsUnmetDemandChangedAndNothingMore()
    {
        var (uzovi, _) = await app.ProvidersAsync("1094", 1, free: 0); // 1094: Amsterdam (GM0363)
        var amsterdamHub = await app.ConnectHubAsync();
        var amstelveenHub = await app.ConnectHubAsync();
        await using var _1 = amsterdamHub;
        await using var _2 = amstelveenHub;
        var amsterdam = new Pushes<UnmetDemandNotice>(amsterdamHub, nameof(ICoordinationClient.UnmetDemandChanged));
        var amsterdamReferrals = new Pushes<ReferralNotice>(amsterdamHub, nameof(ICoordinationClient.ReferralChanged));
        var amstelveen = new Pushes<UnmetDemandNotice>(amstelveenHub, nameof(ICoordinationClient.UnmetDemandChanged));
        await amsterdamHub.InvokeAsync(nameof(CoordinationHub.FollowMunicipality), "GM0363", TestContext.Current.CancellationToken);
        await amstelveenHub.InvokeAsync(nameof(CoordinationHub.FollowMunicipality), "GM0362", TestContext.Current.CancellationToken);

        // A referral that finds a place counts for nobody's unmet demand.
        var (placedUzovi, placedAgbs) = await app.ProvidersAsync("1094", 1, free: 1);
        var placed = await app.CreateAsync(ReferralData.NewReferral(placedUzovi, "1094"));
        await app.AnswerAsync((await app.OfferAsync(placed.Id, placedAgbs[0])).Referral, placedAgbs[0], accept: true);
        await amsterdam.NoneAsync(TimeSpan.FromMilliseconds(500));

        // One with no place goes to the desk: Amsterdam hears that its counts changed, and reads them.
        await app.CreateAsync(ReferralData.NewReferral(uzovi, "1094"));
        Assert.Equal("GM0363", (await amsterdam.NextAsync(Second)).MunicipalityCode);
        var counts = await app.Mediation().GetUnmetDemandAsync(new() { Municipality = "GM0363" }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains(counts.Areas, a => a.Pc4 == "1094" && a.Escalations >= 1);
        await Task.WhenAll(amstelveen.NoneAsync(TimeSpan.FromMilliseconds(500)), amsterdamReferrals.NoneAsync(TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public async Task ProviderWatchingOverGrpcGetsItsOpenOffersThenEachChange()
    {
        var (uzovi, agbs) = await app.ProvidersAsync("1093", 2, free: 2);
        var first = (await app.OfferAsync((await app.CreateAsync(ReferralData.NewReferral(uzovi, "1093"))).Id, agbs[0])).Referral;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(TimeSpan.FromSeconds(10));
        using var watch = app.Offers().WatchOffers(new WatchOffersRequest { ProviderAgb = agbs[0] }, cancellationToken: cancel.Token);
        var stream = watch.ResponseStream;

        Assert.True(await stream.MoveNext(cancel.Token));
        var open = stream.Current.Offer;
        var second = (await app.OfferAsync((await app.CreateAsync(ReferralData.NewReferral(uzovi, "1093"))).Id, agbs[0])).Referral;
        Assert.True(await stream.MoveNext(cancel.Token));
        var added = stream.Current.Offer;
        await app.AnswerAsync(first, agbs[0], accept: false);
        Assert.True(await stream.MoveNext(cancel.Token));
        var declined = stream.Current.Offer;

        Assert.Equal((first.Id, OfferState.Pending), (open.ReferralId, open.Offer.State));
        Assert.Equal((second.Id, OfferState.Pending), (added.ReferralId, added.Offer.State));
        Assert.Equal((first.Id, OfferState.Declined), (declined.ReferralId, declined.Offer.State));
        cancel.Cancel();
    }

    [Fact]
    public async Task FollowedSearchSeesAHeldPlaceGoneAtOnce()
    {
        var (uzovi, agbs) = await app.ProvidersAsync("1095", 1);
        await using var hub = await app.ConnectHubAsync();
        var pushes = new Pushes<SearchUpdate>(hub, nameof(ICoordinationClient.SearchUpdated));
        var initial = await hub.InvokeAsync<SearchUpdate>(nameof(CoordinationHub.SubscribeToSearch),
            new global::Capacity.Service.Matching.SearchRequest("1095", uzovi, CareType.DistrictNursing, CapacityApp.Today.AddDays(1)), TestContext.Current.CancellationToken);

        await app.OfferAsync((await app.CreateAsync(ReferralData.NewReferral(uzovi, "1095"))).Id, agbs[0]);
        var update = await pushes.NextAsync(Second);

        Assert.Contains(initial.Result.Candidates, c => c.Provider.Agb == agbs[0]);
        Assert.Equal(ExclusionReason.NoCapacity, update.Result.Exclusions.Single(e => e.Provider.Agb == agbs[0]).Reason);
    }

    [Fact]
    public async Task ProviderCannotAnswerAnotherProvidersOfferNorTellItFromAnOfferNeverMade()
    {
        var (uzovi, agbs) = await app.ProvidersAsync("1094", 2);
        var referral = (await app.OfferAsync((await app.CreateAsync(ReferralData.NewReferral(uzovi, "1094"))).Id, agbs[0])).Referral;
        Task<AnswerOfferResponse> AnswerAs(string agb, string offerId) => app.Offers().AnswerOfferAsync(new AnswerOfferRequest
        {
            RequestId = ReferralData.NewRequestId(), ReferralId = referral.Id, OfferId = offerId, ProviderAgb = agb, Accept = true,
        }).ResponseAsync;

        var someoneElses = await Assert.ThrowsAsync<RpcException>(() => AnswerAs(agbs[1], referral.Offers[0].Id));
        var neverMade = await Assert.ThrowsAsync<RpcException>(() => AnswerAs(agbs[1], "of_0000000000000000"));

        // Offer ids can be worked out; the answer must not tell who else was asked.
        Assert.Equal((StatusCode.NotFound, StatusCode.NotFound), (someoneElses.StatusCode, neverMade.StatusCode));
        Assert.Equal(OfferState.Pending, (await app.GetReferralAsync(referral.Id)).Referral.Offers[0].State);
    }

    static (string, OfferState) Pick(OfferNotice n) => (n.Type, n.State);
}
