using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Grpc.Core;

namespace Capacity.Service.Tests.Reliability;

/// <summary>
/// A client that heard nothing (UNAVAILABLE, a deadline, a lost connection) retries with the same
/// request id: the retry changes nothing more, and its answer never contradicts what happened since.
/// </summary>
public sealed class RetryTests(RetryTests.App app) : IClassFixture<RetryTests.App>
{
    public sealed class App : CapacityApp;

    const string Area = "3521";

    [Fact]
    public async Task ARetriedOfferAnswersTheReferralAsItIsNowNotAsItWasThen()
    {
        var (uzovi, agbs) = await app.ProvidersAsync(Area, 1);
        var referral = await app.CreateAsync(ReferralData.NewReferral(uzovi, Area));
        var offer = new OfferReferralRequest { RequestId = ReferralData.NewRequestId(), ReferralId = referral.Id, ProviderAgbs = { agbs[0] } };
        var offered = await app.Referrals().OfferReferralAsync(offer);
        await app.AnswerAsync(offered.Referral, agbs[0], accept: true);

        var retried = await app.Referrals().OfferReferralAsync(offer);

        Assert.Equal(ReferralState.Placed, retried.Referral.State); // not the OFFERED of the first answer
        Assert.Equal(OfferState.Accepted, retried.Referral.Offers.Single().State); // and no second offer
        Assert.Equal(0, await app.AvailableAsync(agbs[0]));
    }

    [Fact]
    public async Task ARetriedAnswerAnswersTheReferralAsItIsNow()
    {
        var (uzovi, agbs) = await app.ProvidersAsync(Area, 1);
        var referral = await app.CreateAsync(ReferralData.NewReferral(uzovi, Area));
        var offered = (await app.OfferAsync(referral.Id, agbs[0])).Referral;
        var requestId = ReferralData.NewRequestId();
        var first = await app.AnswerAsync(offered, agbs[0], accept: false, requestId);
        Assert.Equal(ReferralState.Open, first.Referral.State);
        await app.Referrals().CancelReferralAsync(new CancelReferralRequest { RequestId = ReferralData.NewRequestId(), ReferralId = referral.Id });

        var retried = await app.AnswerAsync(offered, agbs[0], accept: false, requestId);

        Assert.Equal(ReferralState.Cancelled, retried.Referral.State);
        Assert.Equal(OfferState.Declined, retried.Referral.Offers.Single().State);
    }

    [Fact]
    public async Task TakingAndClosingWithARequestIdMayBeRetried()
    {
        var (uzovi, _) = await app.ProvidersAsync(Area, 1);
        var referral = await app.CreateAsync(ReferralData.NewReferral(uzovi, Area));
        await app.Referrals().EscalateReferralAsync(new EscalateReferralRequest { RequestId = ReferralData.NewRequestId(), ReferralId = referral.Id });
        var take = new TakeReferralRequest { ReferralId = referral.Id, InsurerUzovi = uzovi, TakenBy = "bemiddelaar-1", RequestId = ReferralData.NewRequestId() };
        var close = new CloseReferralRequest { ReferralId = referral.Id, InsurerUzovi = uzovi, Outcome = ClosureOutcome.NoLongerNeeded, RequestId = ReferralData.NewRequestId() };

        Assert.Equal(ReferralState.Mediating, (await app.Mediation().TakeReferralAsync(take)).State);
        Assert.Equal(ReferralState.Mediating, (await app.Mediation().TakeReferralAsync(take)).State);
        Assert.Equal(ReferralState.Closed, (await app.Mediation().CloseReferralAsync(close)).State);
        Assert.Equal(ReferralState.Closed, (await app.Mediation().CloseReferralAsync(close)).State);
        Assert.Equal(ReferralState.Closed, (await app.Mediation().TakeReferralAsync(take)).State); // the take's retry: as it is now

        // Without a request id a retry is a new request, refused for what happened meanwhile.
        close.RequestId = "";
        var refused = await Assert.ThrowsAsync<RpcException>(() => app.Mediation().CloseReferralAsync(close).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Equal(1, (await app.GetReferralAsync(referral.Id)).History.Count(e => e.Type == "closed"));
    }

    [Fact]
    public async Task AClientStopDeclaredWithARequestIdIsDeclaredOnceHoweverOftenItIsRetried()
    {
        var (uzovi, agbs) = await app.ProvidersAsync(Area, 1);
        var declare = new DeclareClientStopRequest
        {
            RequestId = ReferralData.NewRequestId(),
            Stop = new ClientStop { ProviderAgb = agbs[0], InsurerUzovis = { uzovi }, From = CapacityApp.Today.ToDate(), Reason = ClientStopReason.StaffShortage },
        };

        var first = await app.Stops.DeclareClientStopAsync(declare);
        var retried = await app.Stops.DeclareClientStopAsync(declare);

        Assert.Equal(first.Id, retried.Id);
        Assert.Single((await app.Stops.ListClientStopsAsync(new ListClientStopsRequest { ProviderAgb = agbs[0] })).Stops);
        declare.Stop.ReasonText = "another stop under the same request id";
        var reused = await Assert.ThrowsAsync<RpcException>(() => app.Stops.DeclareClientStopAsync(declare).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, reused.StatusCode);
        declare.Stop.ReasonText = "";

        await app.Stops.LiftClientStopAsync(new LiftClientStopRequest { Id = first.Id });
        var late = await Assert.ThrowsAsync<RpcException>(() => app.Stops.DeclareClientStopAsync(declare).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, late.StatusCode); // lifted since: not declared again
        Assert.Empty((await app.Stops.ListClientStopsAsync(new ListClientStopsRequest { ProviderAgb = agbs[0] })).Stops);
    }
}
