using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;

namespace Capacity.Service.Tests.Referrals;

/// <summary>
/// A referral with no offer out waits for its requester: reminded after a first window, handed
/// to the insurer's desk after a second (4 h and 8 h; urgent care 1 h and 2 h). Each test moves
/// the clock, so each has a host of its own.
/// </summary>
public sealed class ReferralWaitingTests : IAsyncLifetime
{
    const string Area = "3523";
    readonly CapacityApp _app = new();

    public ValueTask InitializeAsync() => _app.InitializeAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    Task<GetReferralResponse> ReadAsync(string id) => _app.GetReferralAsync(id);

    [Fact]
    public async Task AReferralNobodyIsChosenForRemindsItsRequesterThenGoesToTheDesk()
    {
        var (uzovi, _) = await _app.ProvidersAsync(Area, 2);
        var referral = await _app.CreateAsync(ReferralData.NewReferral(uzovi, Area));

        _app.Time.Advance(TimeSpan.FromHours(4) - TimeSpan.FromMinutes(1));
        await Task.Delay(300, TestContext.Current.CancellationToken); // a few sweeps: nothing is due yet
        var before = await ReadAsync(referral.Id);
        _app.Time.Advance(TimeSpan.FromMinutes(2));
        var reminded = await ReferralData.EventuallyAsync(() => ReadAsync(referral.Id), r => r.Referral.Waiting?.Alerted == true);
        _app.Time.Advance(TimeSpan.FromHours(4));
        var escalated = await ReferralData.EventuallyAsync(() => ReadAsync(referral.Id), r => r.Referral.State == ReferralState.Escalated);

        Assert.Equal(CapacityApp.Epoch.AddHours(4), referral.Waiting.AlertAt.ToDateTimeOffset());
        Assert.Equal(CapacityApp.Epoch.AddHours(8), referral.Waiting.EscalateAt.ToDateTimeOffset());
        Assert.DoesNotContain(before.History, e => e.Type == "reminded");
        Assert.Equal((ReferralState.Open, 1), (reminded.Referral.State, reminded.History.Count(e => e.Type == "reminded")));
        Assert.Equal("no provider chosen in time", escalated.Referral.Escalation.Reason);
        Assert.Null(escalated.Referral.Waiting);
        Assert.Equal(2, escalated.Referral.Escalation.Explanation.Candidates.Count); // the desk sees who had room
        Assert.Equal([referral.Id], (await _app.Mediation().ListDeskQueueAsync(new ListDeskQueueRequest { InsurerUzovi = uzovi })).Referrals.Select(r => r.Id));
    }

    [Fact]
    public async Task UrgentCareWaitsAnHourThenAnother()
    {
        var (uzovi, _) = await _app.ProvidersAsync(Area, 1);
        var request = ReferralData.NewReferral(uzovi, Area);
        request.Search.Urgent = true;
        var referral = await _app.CreateAsync(request);

        _app.Time.Advance(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(1));
        var escalated = await ReferralData.EventuallyAsync(() => ReadAsync(referral.Id), r => r.Referral.State == ReferralState.Escalated);

        Assert.Equal((CapacityApp.Epoch.AddHours(1), CapacityApp.Epoch.AddHours(2)),
            (referral.Waiting.AlertAt.ToDateTimeOffset(), referral.Waiting.EscalateAt.ToDateTimeOffset()));
        Assert.Equal("no provider chosen in time", escalated.Referral.Escalation.Reason);
    }

    [Fact]
    public async Task AnOfferStopsTheWaitAndTheDeclineThatReturnsTheReferralStartsItAnew()
    {
        var (uzovi, agbs) = await _app.ProvidersAsync(Area, 2);
        var offered = (await _app.OfferAsync((await _app.CreateAsync(ReferralData.NewReferral(uzovi, Area))).Id, agbs[0])).Referral;

        _app.Time.Advance(TimeSpan.FromMinutes(30));
        await _app.AnswerAsync(offered, agbs[0], accept: false);
        var returned = (await ReadAsync(offered.Id)).Referral;
        _app.Time.Advance(TimeSpan.FromHours(4) - TimeSpan.FromMinutes(1)); // past the new referral's reminder time, not the returned one's
        await Task.Delay(300, TestContext.Current.CancellationToken);
        var notYet = await ReadAsync(offered.Id);

        Assert.Null(offered.Waiting);
        Assert.Equal(CapacityApp.Epoch.AddMinutes(30), returned.Waiting.Since.ToDateTimeOffset());
        Assert.Equal(CapacityApp.Epoch.AddMinutes(30).AddHours(4), returned.Waiting.AlertAt.ToDateTimeOffset());
        Assert.DoesNotContain(notYet.History, e => e.Type == "reminded");
    }

    [Fact]
    public async Task UnansweredOfferExpiresAtItsDeadlineAndTheReferralReturnsToItsRequesterWithThePlaceFreeAgain()
    {
        var (uzovi, agbs) = await _app.ProvidersAsync(Area, 2);
        var referral = (await _app.OfferAsync((await _app.CreateAsync(ReferralData.NewReferral(uzovi, Area))).Id, agbs[0])).Referral;

        _app.Time.Advance(TimeSpan.FromMinutes(59));
        await Task.Delay(300, TestContext.Current.CancellationToken);
        var before = (await ReadAsync(referral.Id)).Referral;
        _app.Time.Advance(TimeSpan.FromMinutes(2));
        var after = await ReferralData.EventuallyAsync(async () => (await ReadAsync(referral.Id)).Referral, r => r.Offers[0].State == OfferState.Expired);

        Assert.Equal(OfferState.Pending, before.Offers[0].State);
        Assert.Equal(ReferralState.Open, after.State); // another candidate is untried: back to the nurse, not the desk
        Assert.Equal(referral.Offers[0].Id, after.Waiting.ReturnedByOfferId);
        Assert.Equal(1, await _app.AvailableAsync(agbs[0]));
        Assert.Contains((await ReadAsync(referral.Id)).History, e => e.Type == "returned" && e.Detail.Contains("did not answer in time"));
    }
}
