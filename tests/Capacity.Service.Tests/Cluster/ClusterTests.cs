using System.Diagnostics;
using Capacity.Service.Audit;
using Capacity.Service.Capacity;
using Capacity.Service.Live;
using Capacity.Service.Matching;
using Capacity.Service.Referrals;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Capacity.Service.Tests.Cluster;

/// <summary>One 3-master Redis Cluster for the tests of this collection, which run one at a time on it.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public RedisCluster Cluster { get; private set; } = null!;

    // No replicas, so no failover: a long node timeout keeps a node the busy suite starves of CPU from being marked failed.
    public async ValueTask InitializeAsync() => Cluster = await RedisCluster.StartAsync(masters: 3, nodeTimeout: TimeSpan.FromSeconds(15));

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(nameof(ClusterCollection))]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>;

/// <summary>
/// The functional core on a 3-master Redis Cluster, with one or two service instances on it:
/// registry, publishing across shards, matching, the referral lifecycle, holds racing through two
/// instances, the audit chain, and pushes caused on one instance heard on the other. The cluster is
/// emptied before each test (a cluster has only database 0).
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class ClusterTests(ClusterFixture fixture) : IAsyncLifetime
{
    static readonly CareType Nursing = CareType.DistrictNursing;
    CapacityApp _app = null!;

    RedisCluster Cluster => fixture.Cluster;

    public async ValueTask InitializeAsync()
    {
        await Cluster.FlushAsync();
        _app = CapacityApp.On(Cluster.Configuration).With("Registry:VersionPollInterval", "01:00:00"); // only pub/sub can carry a change within a test
        await _app.InitializeAsync();
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    /// <summary>Amsterdam areas, one per master, so one test's work spans every shard.</summary>
    async Task<string[]> AreasOnEveryShardAsync()
    {
        var byMaster = new Dictionary<int, string>();
        foreach (var pc4 in Enumerable.Range(1011, 90))
        {
            if (byMaster.Count == 3) break;
            var master = await Cluster.MasterOfAsync(CapacityStore.Keys.Area(pc4));
            if (_app.Services.GetRequiredService<Service.Geography.PostcodeDirectory>().Find(pc4) is null) continue;
            byMaster.TryAdd(master.Port, pc4.ToString());
        }
        Assert.Equal(3, byMaster.Count);
        return [.. byMaster.Values.Order()];
    }

    [Fact]
    public async Task APublicationSpanningEveryShardIsStoredSearchedAndTotalledPerArea()
    {
        var areas = await AreasOnEveryShardAsync();
        var uzovi = await _app.AddInsurerAsync();
        var wide = await _app.AddProviderAsync(areas[0], areas);
        await _app.ContractAsync(wide, uzovi, Nursing);
        // One batch over three shards: one script per area, each on its own master.
        var written = await _app.Capacity.UpdateCapacityAsync(new UpdateCapacityRequest
        {
            Agb = wide,
            Figures = { areas.Select((pc4, i) => new SetCapacityRequest { Pc4 = pc4, CareType = Nursing, FreePlaces = i + 1, Version = TestData.NextVersion() }) },
        });
        var neighbours = new string[areas.Length];
        for (var i = 0; i < areas.Length; i++)
        {
            neighbours[i] = await _app.AddProviderAsync(areas[i], [areas[i]]);
            await _app.ContractAsync(neighbours[i], uzovi, Nursing);
            await _app.PublishAsync(neighbours[i], areas[i], Nursing, 2);
        }

        Assert.Equal((3, 0), (written.Applied, written.Rejected.Count));
        var figures = (await _app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = wide })).Figures;
        Assert.Equal(areas.Select((pc4, i) => (pc4, i + 1)), figures.OrderBy(f => f.Pc4).Select(f => (f.Pc4, f.FreePlaces)));
        for (var i = 0; i < areas.Length; i++)
        {
            // A border search: the patient's own area's provider and the wide one are candidates; the
            // providers of the areas on the other shards are named with their reason.
            var found = await _app.FindAsync(TestData.Search(areas[i], uzovi, Nursing));
            Assert.Equal(new[] { neighbours[i], wide }.Order(), found.Candidates.Select(c => c.Provider.Agb).Order());
            Assert.Equal(i + 1, found.Candidates.Single(c => c.Provider.Agb == wide).FreePlaces);
            foreach (var other in neighbours.Where((_, j) => j != i))
                Assert.Equal(nameof(ExclusionReason.OutsideArea), found.VerdictFor(other));
        }
        var region = await _app.Regions.GetRegionalAvailabilityAsync(new GetRegionalAvailabilityRequest { Pc4S = new Pc4List { Pc4S = { areas } }, CareTypes = { Nursing } });
        Assert.Equal(areas.Select((pc4, i) => (pc4, i + 1 + 2)), region.Areas.Select(a => (a.Pc4, a.CareTypes.Single().FreePlaces)));
    }

    [Fact]
    public async Task AReferralRunsFromOfferThroughADeclineToPlacementAndItsAuditChainVerifies()
    {
        var (uzovi, agbs) = await _app.ProvidersAsync("1017", 2);

        var referral = await _app.CreateAsync(ReferralData.NewReferral(uzovi, "1017"));
        var offered = (await _app.OfferAsync(referral.Id, agbs[0])).Referral;
        await _app.AnswerAsync(offered, agbs[0], accept: false);
        var again = (await _app.OfferAsync(referral.Id, agbs[1])).Referral;
        await _app.AnswerAsync(again, agbs[1], accept: true);

        var placed = (await _app.GetReferralAsync(referral.Id)).Referral;
        Assert.Equal(ReferralState.Placed, placed.State);
        Assert.Equal((1, 0), (await _app.AvailableAsync(agbs[0]), await _app.AvailableAsync(agbs[1]))); // the declined place back, the accepted one taken
        await using var redis = await Cluster.ConnectAsync();
        var (checkedCount, broken) = await AuditLog.VerifyAsync(redis.GetDatabase());
        Assert.Null(broken);
        Assert.True(checkedCount > 0);
    }

    [Fact]
    public async Task AnOfferNobodyAnswersEndsAtItsDeadlineAndTheReferralGoesToTheDesk()
    {
        var (uzovi, agbs) = await _app.ProvidersAsync("1018", 1);
        var referral = await _app.CreateAsync(ReferralData.NewReferral(uzovi, "1018"));
        await _app.OfferAsync(referral.Id, agbs[0]);
        Assert.Equal(0, await _app.AvailableAsync(agbs[0]));

        _app.Time.Advance(TimeSpan.FromHours(3)); // past the offer's deadline: the sweeper (holds:{due}, refs:{pending}) ends it

        var ended = await ReferralData.EventuallyAsync(() => _app.AvailableAsync(agbs[0]), free => free == 1);
        Assert.Equal(1, ended);
        var desk = await ReferralData.EventuallyAsync(async () => (await _app.Mediation().ListDeskQueueAsync(new ListDeskQueueRequest { InsurerUzovi = uzovi })).Referrals,
            queue => queue.Any(r => r.Id == referral.Id));
        Assert.Contains(desk, r => r.Id == referral.Id);
    }

    [Fact]
    public async Task HoldsRacingThroughTwoInstancesOnTheClusterGetExactlyThePlacesThereAre()
    {
        var (_, agbs) = await _app.ProvidersAsync("1019", 1, free: 4);
        await using var second = await _app.StartSecondInstanceAsync();
        var stores = new[] { _app.Services.GetRequiredService<HoldStore>(), second.Services.GetRequiredService<HoldStore>() };

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 120).Select(i => Task.Run(async () =>
            (await stores[i % 2].HoldAsync(new Hold($"h_{i}_{Guid.NewGuid():N}", agbs[0], 1019, Nursing, CapacityApp.Epoch.AddMinutes(30), "ref", $"offer_{i}"), "race")).Outcome)));

        Assert.Equal(4, outcomes.Count(o => o == HoldOutcome.Held));
        Assert.Equal(116, outcomes.Count(o => o == HoldOutcome.NoPlace));
        var figure = (await _app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agbs[0] })).Figures.Single();
        Assert.Equal((4, 4), (figure.FreePlaces, figure.HeldPlaces));
    }

    [Fact]
    public async Task WritesThroughOneInstanceArePushedToFollowersOnTheOther()
    {
        var (uzovi, agbs) = await _app.ProvidersAsync("1016", 2);
        await using var second = await _app.StartSecondInstanceAsync();
        await ReferralData.EventuallyAsync(async () => (await second.FindAsync(TestData.Search("1016", uzovi, Nursing))).Candidates.Count, n => n == 2);
        var org = "ziekenhuis-cluster";
        await using var hub = await second.ConnectHubAsync();
        var searches = new Pushes<SearchUpdate>(hub, nameof(ICoordinationClient.SearchUpdated));
        var referrals = new Pushes<ReferralNotice>(hub, nameof(ICoordinationClient.ReferralChanged));
        await hub.InvokeAsync(nameof(CoordinationHub.FollowOrganisation), org, TestContext.Current.CancellationToken);
        await hub.InvokeAsync<SearchUpdate>(nameof(CoordinationHub.SubscribeToSearch),
            new SearchRequest("1016", uzovi, Nursing, CapacityApp.Today.AddDays(1)), TestContext.Current.CancellationToken);

        var latencies = new List<double>();
        for (var round = 0; round < 5; round++)
        {
            var clock = Stopwatch.StartNew();
            await _app.PublishAsync(agbs[0], "1016", Nursing, 10 + round); // sharded pub/sub on the area's shard
            var update = await searches.NextAsync(TimeSpan.FromSeconds(5));
            latencies.Add(clock.Elapsed.TotalMilliseconds);
            Assert.Equal(10 + round, update.Result.Candidates.Single(c => c.Provider.Agb == agbs[0]).FreePlaces);
        }
        var created = Stopwatch.StartNew();
        var referral = await _app.CreateAsync(ReferralData.NewReferral(uzovi, "1016", org: org)); // the SignalR backplane (classic pub/sub)
        var notice = await referrals.NextAsync(TimeSpan.FromSeconds(5));
        var referralLatency = created.Elapsed.TotalMilliseconds;

        Assert.Equal(referral.Id, notice.ReferralId);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"cross-instance push on the cluster: search refresh median {latencies.Order().ElementAt(2):F1} ms (max {latencies.Max():F1}); referral notice {referralLatency:F1} ms (creation included)");
    }
}
