using System.Diagnostics.Metrics;
using Capacity.Service.Live;
using Capacity.Service.Matching;
using Capacity.Service.Regions;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Capacity.Service.Tests.Live;

/// <summary>
/// Live push over the SignalR hub: a followed search or region refreshes when something that
/// affects it changes, and only then. These tests use Aalsmeer and Uithoorn (1421–1433), which no
/// other test class writes to.
/// </summary>
public sealed class CoordinationHubTests(CapacityApp app) : IClassFixture<CapacityApp>, IDisposable
{
    // How long a push may take to arrive on a loaded two-core machine (it is a correctness check:
    // the speed of pushes is measured by the benchmark); how long to listen for one that must not come.
    static readonly TimeSpan Arrival = TimeSpan.FromSeconds(5);
    static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    static readonly DateOnly Tomorrow = CapacityApp.Today.AddDays(1);
    readonly MeterListener _meter = new();
    long _recomputations;

    async Task<(string Uzovi, string Agb)> ProviderInAalsmeerAsync(int free)
    {
        var uzovi = await app.AddInsurerAsync();
        var agb = await app.AddProviderAsync("1431", ["1431", "1432"]);
        await app.ContractAsync(agb, uzovi, CareType.DistrictNursing);
        await app.PublishAsync(agb, "1431", CareType.DistrictNursing, free);
        return (uzovi, agb);
    }

    /// <summary>Counts recomputations caused by capacity publishes (not by the registry writes of the set-up).</summary>
    void CountCapacityRecomputations()
    {
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        _meter.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == "capacity.live.recomputations" && instrument.Meter.Scope == meters) listener.EnableMeasurementEvents(instrument);
        };
        _meter.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag is { Key: "cause", Value: "capacity" }) Interlocked.Add(ref _recomputations, value);
        });
        _meter.Start();
    }

    public void Dispose() => _meter.Dispose();

    [Fact]
    public async Task FollowedSearchIsRefreshedWithinASecondOfACapacityPublish()
    {
        var (uzovi, agb) = await ProviderInAalsmeerAsync(free: 1);
        await using var hub = await app.ConnectHubAsync();
        var pushes = new Pushes<SearchUpdate>(hub, nameof(ICoordinationClient.SearchUpdated));

        var initial = await hub.InvokeAsync<SearchUpdate>(nameof(CoordinationHub.SubscribeToSearch),
            new SearchRequest("1431", uzovi, CareType.DistrictNursing, Tomorrow), TestContext.Current.CancellationToken);
        await app.PublishAsync(agb, "1431", CareType.DistrictNursing, 4);
        var refreshed = await pushes.NextAsync(within: Arrival);

        Assert.Equal(1, initial.Result.Candidates.Single(c => c.Provider.Agb == agb).FreePlaces);
        Assert.Equal(initial.SubscriptionId, refreshed.SubscriptionId);
        Assert.Equal(4, refreshed.Result.Candidates.Single(c => c.Provider.Agb == agb).FreePlaces);
    }

    [Fact]
    public async Task ChangeInAnUnrelatedRegionIsNotPushedNorRecomputed()
    {
        var (uzovi, agb) = await ProviderInAalsmeerAsync(free: 1);
        var elsewhere = await app.AddProviderAsync("9712", ["9712"]); // Groningen
        await app.ContractAsync(elsewhere, uzovi, CareType.DistrictNursing);
        await using var hub = await app.ConnectHubAsync();
        var pushes = new Pushes<SearchUpdate>(hub, nameof(ICoordinationClient.SearchUpdated));
        await hub.InvokeAsync<SearchUpdate>(nameof(CoordinationHub.SubscribeToSearch),
            new SearchRequest("1431", uzovi, CareType.DistrictNursing, Tomorrow), TestContext.Current.CancellationToken);
        CountCapacityRecomputations();

        await app.PublishAsync(elsewhere, "9712", CareType.DistrictNursing, 7);
        await pushes.NoneAsync(during: Second);
        var recomputedForUnrelated = Interlocked.Read(ref _recomputations);

        await app.PublishAsync(agb, "1431", CareType.DistrictNursing, 2);
        var next = await pushes.NextAsync(within: Arrival);

        Assert.Equal(0, recomputedForUnrelated);
        Assert.Equal(2, next.Result.Candidates.Single(c => c.Provider.Agb == agb).FreePlaces);
        Assert.DoesNotContain(next.Result.Exclusions, e => e.Provider.Agb == elsewhere);
    }

    [Fact]
    public async Task InstanceListensOnlyToTheAreasItsSubscribersWatch()
    {
        var (uzovi, _) = await ProviderInAalsmeerAsync(free: 1);
        var redis = app.Services.GetRequiredService<IConnectionMultiplexer>();
        var channels = app.Services.GetRequiredService<Capacity.CapacityStore>();
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        async Task<long> ListenersAsync(int pc4) =>
            (long)(await server.ExecuteAsync("PUBSUB", "SHARDNUMSUB", channels.ChangedChannel(pc4).ToString()))[1];
        await using var hub = await app.ConnectHubAsync();

        var subscription = await hub.InvokeAsync<SearchUpdate>(nameof(CoordinationHub.SubscribeToSearch),
            new SearchRequest("1432", uzovi, CareType.DistrictNursing, Tomorrow), TestContext.Current.CancellationToken);
        var whileFollowing = (watched: await ListenersAsync(1432), unrelated: await ListenersAsync(9712));
        await hub.InvokeAsync(nameof(CoordinationHub.Unsubscribe), subscription.SubscriptionId, TestContext.Current.CancellationToken);
        var afterwards = await ListenersAsync(1432);

        Assert.Equal((1, 0), whileFollowing);
        Assert.Equal(0, afterwards);
    }

    [Fact]
    public async Task DeclaringAClientStopRefreshesTheSearchesItAffects()
    {
        var (uzovi, agb) = await ProviderInAalsmeerAsync(free: 3);
        await using var hub = await app.ConnectHubAsync();
        var pushes = new Pushes<SearchUpdate>(hub, nameof(ICoordinationClient.SearchUpdated));
        await hub.InvokeAsync<SearchUpdate>(nameof(CoordinationHub.SubscribeToSearch),
            new SearchRequest("1431", uzovi, CareType.DistrictNursing, Tomorrow), TestContext.Current.CancellationToken);

        await app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest
        {
            Stop = new ClientStop { ProviderAgb = agb, InsurerUzovis = { uzovi }, From = CapacityApp.Today.ToDate(), Reason = ClientStopReason.CostCeiling },
        });
        var update = await pushes.NextAsync(within: Arrival);

        Assert.Equal(ExclusionReason.ClientStop, update.Result.Exclusions.Single(e => e.Provider.Agb == agb).Reason);
    }

    [Fact]
    public async Task NewContractBringsTheProviderIntoTheFollowedSearch()
    {
        var (_, agb) = await ProviderInAalsmeerAsync(free: 3);
        var otherInsurer = await app.AddInsurerAsync();
        await using var hub = await app.ConnectHubAsync();
        var pushes = new Pushes<SearchUpdate>(hub, nameof(ICoordinationClient.SearchUpdated));
        var initial = await hub.InvokeAsync<SearchUpdate>(nameof(CoordinationHub.SubscribeToSearch),
            new SearchRequest("1431", otherInsurer, CareType.DistrictNursing, Tomorrow), TestContext.Current.CancellationToken);

        await app.ContractAsync(agb, otherInsurer, CareType.DistrictNursing);
        var update = await pushes.NextAsync(within: Arrival);

        Assert.Equal(ExclusionReason.NotContracted, initial.Result.Exclusions.Single(e => e.Provider.Agb == agb).Reason);
        Assert.Contains(update.Result.Candidates, c => c.Provider.Agb == agb);
    }

    [Fact]
    public async Task FollowedRegionReceivesPublishedAvailability()
    {
        var agb = await app.AddProviderAsync("1421", ["1421", "1422", "1423"]);
        await using var hub = await app.ConnectHubAsync();
        var pushes = new Pushes<RegionUpdate>(hub, nameof(ICoordinationClient.RegionUpdated));
        var initial = await hub.InvokeAsync<RegionUpdate>(nameof(CoordinationHub.SubscribeToRegion),
            new RegionRequest(Municipality: "Uithoorn", CareTypes: [CareType.ShortTermStay]), TestContext.Current.CancellationToken);

        await app.PublishAsync(agb, "1422", CareType.ShortTermStay, 3);
        var update = await pushes.NextAsync(within: Arrival);

        Assert.Equal(0, initial.Availability.Totals.Single().FreePlaces);
        var total = update.Availability.Totals.Single();
        Assert.Equal((CareType.ShortTermStay, CapacityUnit.Beds, 3, 1), (total.CareType, total.Unit, total.FreePlaces, total.ProvidersWithRoom));
        Assert.Equal(3, update.Availability.Areas.Single(a => a.Pc4 == "1422").CareTypes.Single().FreePlaces);
    }

    [Fact]
    public async Task InvalidSubscriptionIsRefusedWithTheBadField()
    {
        await using var hub = await app.ConnectHubAsync();

        var error = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<SearchUpdate>(nameof(CoordinationHub.SubscribeToSearch),
            new SearchRequest("12", "3311", CareType.DistrictNursing, Tomorrow), TestContext.Current.CancellationToken));

        Assert.Contains("patient_postcode", error.Message);
    }
}
