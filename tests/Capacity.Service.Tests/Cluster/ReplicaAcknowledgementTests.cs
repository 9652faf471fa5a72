using Capacity.Service.Capacity;
using Capacity.Service.Referrals;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Capacity.Service.Tests.Cluster;

/// <summary>
/// Redis:ReplicaAcks on a master with one replica: while the replica is gone, a hold or a referral
/// step that the master took but no replica confirmed answers UNAVAILABLE (the held place goes back
/// at once), searches go on over their own connection, and once the replica is back the same
/// request completes the step — with its follow-up (the organisation's list) done.
/// </summary>
[Collection(nameof(FailoverCollection))]
public sealed class ReplicaAcknowledgementTests : IAsyncLifetime
{
    RedisProcess? _master, _replica;
    CapacityApp? _app;
    CapacityApp App => _app!;

    public async ValueTask InitializeAsync()
    {
        _master = await RedisProcess.StartAsync();
        _replica = await RedisProcess.StartAsync("--replicaof", "127.0.0.1", _master.Port.ToString());
        await ReplicaInSyncAsync();
        _app = CapacityApp.On(_master.Configuration).With("Redis:ReplicaAcks", "1");
        await _app.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_app is not null) await _app.DisposeAsync();
        }
        finally
        {
            if (_replica is not null) await _replica.DisposeAsync();
            if (_master is not null) await _master.DisposeAsync();
        }
    }

    async Task ReplicaInSyncAsync()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(_replica!.Configuration + ",allowAdmin=true");
        var link = await ReferralData.EventuallyAsync(async () =>
            (await redis.GetServer(redis.GetEndPoints()[0]).InfoAsync("replication")).SelectMany(g => g).FirstOrDefault(p => p.Key == "master_link_status").Value,
            status => status == "up", TimeSpan.FromSeconds(20));
        Assert.Equal("up", link);
    }

    [Fact]
    public async Task WithoutAReplicaToConfirmThemHoldsAndStepsAnswerUnavailableAndTheirRetriesCompleteOnceItIsBack()
    {
        var (uzovi, agbs) = await App.ProvidersAsync("1013", 1, free: 1);
        var referral = await App.CreateAsync(ReferralData.NewReferral(uzovi, "1013")); // confirmed: the replica is there
        var offer = new OfferReferralRequest { RequestId = ReferralData.NewRequestId(), ReferralId = referral.Id, ProviderAgbs = { agbs[0] } };
        var create = ReferralData.NewReferral(uzovi, "1013");

        _replica!.Kill();
        var refusedOffer = await Assert.ThrowsAsync<RpcException>(() => App.Referrals().OfferReferralAsync(offer).ResponseAsync);
        var refusedCreate = await Assert.ThrowsAsync<RpcException>(() => App.Referrals().CreateReferralAsync(create).ResponseAsync);
        var search = await App.FindAsync(TestData.Search("1013", uzovi, CareType.DistrictNursing)); // reads are not held up

        Assert.Equal((StatusCode.Unavailable, StatusCode.Unavailable), (refusedOffer.StatusCode, refusedCreate.StatusCode));
        Assert.Equal(1, await App.AvailableAsync(agbs[0])); // the place held on the master was given back at once
        Assert.Equal(1, search.Candidates.Single().FreePlaces);

        await _replica.RestartAsync();
        await ReplicaInSyncAsync();
        var offered = await App.Referrals().OfferReferralAsync(offer);
        var created = await App.Referrals().CreateReferralAsync(create);

        Assert.Equal(OfferState.Pending, offered.Referral.Offers.Single().State);
        Assert.Equal(0, await App.AvailableAsync(agbs[0]));
        var listed = await App.Referrals().ListReferralsAsync(new ListReferralsRequest { RequesterOrg = create.RequesterOrg });
        Assert.Contains(listed.Referrals, r => r.Id == created.Id);
    }

    [Fact]
    public async Task FollowUpWritesLostAfterAStepWasAcknowledgedAreAssertedAgainByTheSweeper()
    {
        var (uzovi, agbs) = await App.ProvidersAsync("1013", 1, free: 1);
        var referral = await App.CreateAsync(ReferralData.NewReferral(uzovi, "1013"));
        var offered = await App.Referrals().OfferReferralAsync(new OfferReferralRequest
        {
            RequestId = ReferralData.NewRequestId(), ReferralId = referral.Id, ProviderAgbs = { agbs[0] },
        });
        var offer = offered.Referral.Offers.Single();

        // The step answered OK: its document and its pending entry are on the replica. Its
        // follow-up's writes (the provider's open offers, the hold's due entry) were not waited
        // for; as a failover that lost them would, remove them.
        var redis = App.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        // Each step that wrote left an entry asking the sweeper to assert its follow-up once more.
        var kept = await ReferralData.EventuallyAsync(async () => (await redis.SortedSetRangeByRankAsync(ReferralStore.Keys.Pending)).Select(m => (string)m!).ToArray(),
            members => members.Length == 2 && members.All(ReferralStore.IsReplay), TimeSpan.FromSeconds(10));
        Assert.Equal(2, kept.Count(ReferralStore.IsReplay)); // the create and the offer
        await redis.KeyDeleteAsync([ReferralIndexes.Keys.ProviderOffers(agbs[0]).Key, HoldStore.Keys.Due]);
        var inbox = await App.Offers().ListOffersAsync(new ListOffersRequest { ProviderAgb = agbs[0] });
        Assert.Empty(inbox.Offers); // the provider would not see the offer it holds a place for

        // After the grace period the sweeper asserts the follow-ups again from the referral as it
        // is — and only that: the referral is not moved on, and no place is held twice.
        var sweeper = App.Services.GetRequiredService<ReferralSweeper>();
        App.Time.Advance(App.Services.GetRequiredService<IOptions<ReferralOptions>>().Value.StepGrace + TimeSpan.FromSeconds(1));
        await sweeper.SweepAsync();

        inbox = await App.Offers().ListOffersAsync(new ListOffersRequest { ProviderAgb = agbs[0] });
        Assert.Equal(offer.Id, inbox.Offers.Single().Offer.Id);
        Assert.Contains((await redis.SortedSetRangeByRankAsync(HoldStore.Keys.Due)).Select(m => (string)m!), m => m.Contains(offer.Id, StringComparison.Ordinal));
        Assert.Equal(0, await App.AvailableAsync(agbs[0]));
        var stored = await App.Referrals().GetReferralAsync(new GetReferralRequest { ReferralId = referral.Id });
        Assert.Equal(OfferState.Pending, stored.Referral.Offers.Single().State);

        Assert.Equal(0, await redis.SortedSetLengthAsync(ReferralStore.Keys.Pending)); // each asserted once
    }
}
