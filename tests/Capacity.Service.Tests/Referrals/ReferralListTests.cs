using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using static Capacity.Service.Tests.Infrastructure.RpcAssertions;

namespace Capacity.Service.Tests.Referrals;

/// <summary>
/// Nothing disappears: an organisation lists its active, placed and ended referrals, a provider
/// its open offers and its placements, a desk its queue — paged, the recent ones (14 days) by
/// default and older on request. These tests move the clock, so each has a host of its own.
/// </summary>
public sealed class ReferralListTests : IAsyncLifetime
{
    const string Area = "3524";
    readonly CapacityApp _app = new();

    public ValueTask InitializeAsync() => _app.InitializeAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    async Task<Referral> CreateAsync(string uzovi, string org)
    {
        _app.Time.Advance(TimeSpan.FromMinutes(1)); // created one after another, so newest-first is a clear order
        return await _app.CreateAsync(ReferralData.NewReferral(uzovi, Area, org: org));
    }

    Task<ListReferralsResponse> ListAsync(string org, ReferralListFilter filter, int size = 0, string token = "", bool older = false) =>
        _app.Referrals().ListReferralsAsync(new ListReferralsRequest { RequesterOrg = org, Filter = filter, PageSize = size, PageToken = token, IncludeOlder = older }).ResponseAsync;

    [Fact]
    public async Task AnOrganisationListsItsActivePlacedAndEndedReferralsPagedNewestFirst()
    {
        var (uzovi, agbs) = await _app.ProvidersAsync(Area, 1, free: 5);
        var org = "lijst-" + Guid.NewGuid().ToString("N")[..8];
        var placed = await CreateAsync(uzovi, org);
        var cancelled = await CreateAsync(uzovi, org);
        var active = new[] { await CreateAsync(uzovi, org), await CreateAsync(uzovi, org), await CreateAsync(uzovi, org) };
        await _app.AnswerAsync((await _app.OfferAsync(placed.Id, agbs[0])).Referral, agbs[0], accept: true);
        await _app.Referrals().CancelReferralAsync(new CancelReferralRequest { RequestId = ReferralData.NewRequestId(), ReferralId = cancelled.Id });

        var page1 = await ListAsync(org, ReferralListFilter.Active, size: 2);
        var page2 = await ListAsync(org, ReferralListFilter.Active, size: 2, token: page1.NextPageToken);
        var byDefault = await ListAsync(org, ReferralListFilter.Unspecified);
        var placedList = await ListAsync(org, ReferralListFilter.Placed);
        var endedList = await ListAsync(org, ReferralListFilter.Ended);

        Assert.Equal(active.Reverse().Select(r => r.Id), page1.Referrals.Concat(page2.Referrals).Select(r => r.Id));
        Assert.NotEmpty(page1.NextPageToken);
        Assert.Empty(page2.NextPageToken);
        Assert.Equal(active.Reverse().Select(r => r.Id), byDefault.Referrals.Select(r => r.Id)); // unset: the active ones, as before
        Assert.Equal([placed.Id], placedList.Referrals.Select(r => r.Id));
        Assert.Equal(agbs[0], placedList.Referrals[0].Placement.Provider.Agb);
        Assert.Equal([cancelled.Id], endedList.Referrals.Select(r => r.Id));

        _app.Time.Advance(TimeSpan.FromDays(15)); // older than the recent window
        Assert.Empty((await ListAsync(org, ReferralListFilter.Placed)).Referrals);
        Assert.Equal([placed.Id], (await ListAsync(org, ReferralListFilter.Placed, older: true)).Referrals.Select(r => r.Id));
        Assert.Equal([cancelled.Id], (await ListAsync(org, ReferralListFilter.Ended, older: true)).Referrals.Select(r => r.Id));
    }

    [Fact]
    public async Task APageTokenFromAnotherListOrMadeUpIsRefusedNamingIt()
    {
        var (uzovi, _) = await _app.ProvidersAsync(Area, 1);
        var org = "tokens-" + Guid.NewGuid().ToString("N")[..8];
        await CreateAsync(uzovi, org);
        await CreateAsync(uzovi, org);
        var token = (await ListAsync(org, ReferralListFilter.Active, size: 1)).NextPageToken;

        await AssertInvalidAsync(() => ListAsync(org, ReferralListFilter.Ended, token: token), "page_token");
        await AssertInvalidAsync(() => ListAsync(org, ReferralListFilter.Active, token: "bm90LWEtdG9rZW4"), "page_token");
        await AssertInvalidAsync(() => ListAsync(org, ReferralListFilter.Active, size: 201), "page_size");
        await AssertInvalidAsync(() => ListAsync("ander-" + org, ReferralListFilter.Active, token: token), "page_token"); // another organisation's list
    }

    [Fact]
    public async Task ThePageAfterOneThatAgedOutOfTheWindowIsEmptyNotARepeat()
    {
        var (uzovi, agbs) = await _app.ProvidersAsync(Area, 1, free: 5);
        var org = "venster-" + Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < 3; i++)
        {
            var offered = (await _app.OfferAsync((await CreateAsync(uzovi, org)).Id, agbs[0])).Referral;
            await _app.AnswerAsync(offered, agbs[0], accept: true);
        }
        var first = await ListAsync(org, ReferralListFilter.Placed, size: 1);

        _app.Time.Advance(TimeSpan.FromDays(14) + TimeSpan.FromMinutes(1)); // every placement ages out of the window meanwhile
        var next = await ListAsync(org, ReferralListFilter.Placed, size: 1, token: first.NextPageToken);

        Assert.Single(first.Referrals);
        Assert.NotEmpty(first.NextPageToken);
        Assert.Empty(next.Referrals);
        Assert.Empty(next.NextPageToken);
    }

    [Fact]
    public async Task AProviderListsItsOpenOffersAndItsPlacementsPaged()
    {
        var (uzovi, agbs) = await _app.ProvidersAsync(Area, 1, free: 5);
        var org = "aanbieder-" + Guid.NewGuid().ToString("N")[..8];
        var referrals = new List<Referral>();
        for (var i = 0; i < 3; i++) referrals.Add((await _app.OfferAsync((await CreateAsync(uzovi, org)).Id, agbs[0])).Referral);
        await _app.AnswerAsync(referrals[0], agbs[0], accept: true);
        await _app.AnswerAsync(referrals[1], agbs[0], accept: true);
        var offers = _app.Offers();

        var open1 = await offers.ListOffersAsync(new ListOffersRequest { ProviderAgb = agbs[0], PageSize = 1 });
        var placements1 = await offers.ListPlacementsAsync(new ListPlacementsRequest { ProviderAgb = agbs[0], PageSize = 1 });
        var placements2 = await offers.ListPlacementsAsync(new ListPlacementsRequest { ProviderAgb = agbs[0], PageSize = 1, PageToken = placements1.NextPageToken });

        Assert.Equal([referrals[2].Id], open1.Offers.Select(o => o.ReferralId));
        Assert.Empty(open1.NextPageToken);
        Assert.Equal([referrals[1].Id, referrals[0].Id], placements1.Placements.Concat(placements2.Placements).Select(p => p.ReferralId)); // most recent first
        Assert.All(placements1.Placements.Concat(placements2.Placements), p => Assert.Equal(agbs[0], p.Placement.Provider.Agb));
    }

    [Fact]
    public async Task ADesksQueueIsPagedOldestEscalationFirst()
    {
        var (uzovi, _) = await _app.ProvidersAsync(Area, 1, free: 0);
        var org = "balie-" + Guid.NewGuid().ToString("N")[..8];
        var escalated = new[] { await CreateAsync(uzovi, org), await CreateAsync(uzovi, org), await CreateAsync(uzovi, org) }; // nobody can: at the desk at once
        var desk = _app.Mediation();

        var first = await desk.ListDeskQueueAsync(new ListDeskQueueRequest { InsurerUzovi = uzovi, PageSize = 2 });
        var rest = await desk.ListDeskQueueAsync(new ListDeskQueueRequest { InsurerUzovi = uzovi, PageSize = 2, PageToken = first.NextPageToken });

        Assert.Equal(escalated.Select(r => r.Id), first.Referrals.Concat(rest.Referrals).Select(r => r.Id));
        Assert.Empty(rest.NextPageToken);
    }
}
