using Capacity.Service.Live;
using Capacity.Service.Matching;
using Capacity.Service.Registry;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Google.Protobuf;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Capacity.Service.Tests.Live;

/// <summary>
/// Two service instances on one Redis, as behind a load balancer: a write through one is seen by
/// searches and live subscribers on the other. Uses Uithoorn's 1424 (De Kwakel), which no other
/// test class writes to.
/// </summary>
public sealed class ScaleOutTests : IAsyncLifetime
{
    // Only pub/sub can make a change visible within the test's second: the version poll is set to an hour.
    readonly CapacityApp _first = new CapacityApp().With("Registry:VersionPollInterval", "01:00:00");
    CapacityApp _second = null!;

    public async ValueTask InitializeAsync()
    {
        await _first.InitializeAsync();
        _second = await _first.StartSecondInstanceAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
    }

    [Fact]
    public async Task RegistryWriteThroughOneInstanceReachesSearchesOnTheOther()
    {
        var uzovi = await _first.AddInsurerAsync();
        var agb = await _first.AddProviderAsync("1424", ["1424"]);
        await _first.ContractAsync(agb, uzovi, CareType.DistrictNursing);
        await _first.PublishAsync(agb, "1424", CareType.DistrictNursing, 2);

        var verdict = await Eventually(async () => (await _second.FindAsync(TestData.Search("1424", uzovi, CareType.DistrictNursing))).VerdictFor(agb),
            "Candidate", TimeSpan.FromSeconds(1));

        Assert.Equal("Candidate", verdict);
    }

    [Fact]
    public async Task ProviderThisInstanceHasNotHeardOfYetCanPublishAtOnce()
    {
        // Registered without an announcement reaching anyone (as if it were still in flight) and
        // with the version poll an hour away: the instance must catch up when it meets the AGB.
        var agb = TestData.NewAgb();
        var provider = new Provider { Agb = agb, Name = "Nieuwe Zorg", BasePc4 = "1424", ServedPc4S = { "1424" }, Qualifications = new() };
        var redis = _first.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        await redis.HashSetAsync(RegistryStore.Keys.Providers, agb, provider.ToByteArray());
        await redis.StringIncrementAsync(RegistryStore.Keys.Version);

        var written = await _second.PublishAsync(agb, "1424", CareType.DistrictNursing, 2);

        Assert.True(written.Applied);
    }

    [Fact]
    public async Task CapacityPublishedThroughOneInstanceIsPushedToCoordinatorsOnTheOther()
    {
        var uzovi = await _first.AddInsurerAsync();
        var agb = await _first.AddProviderAsync("1424", ["1424"]);
        await _first.ContractAsync(agb, uzovi, CareType.DistrictNursing);
        await _first.PublishAsync(agb, "1424", CareType.DistrictNursing, 1);
        await Eventually(() => Task.FromResult(_second.Services.GetRequiredService<RegistryCache>().Current.Providers.ContainsKey(agb)), true, TimeSpan.FromSeconds(1));
        await using var hub = await _second.ConnectHubAsync();
        var pushes = new Pushes<SearchUpdate>(hub, nameof(ICoordinationClient.SearchUpdated));
        await hub.InvokeAsync<SearchUpdate>(nameof(CoordinationHub.SubscribeToSearch),
            new SearchRequest("1424", uzovi, CareType.DistrictNursing, CapacityApp.Today.AddDays(1)), TestContext.Current.CancellationToken);

        await _first.PublishAsync(agb, "1424", CareType.DistrictNursing, 6);
        var update = await pushes.NextAsync(within: TimeSpan.FromSeconds(5));

        Assert.Equal(6, update.Result.Candidates.Single(c => c.Provider.Agb == agb).FreePlaces);
    }

    [Fact]
    public async Task MissedAnnouncementIsCaughtByTheVersionPoll()
    {
        // A third instance that polls every 200 ms; the change below is written behind the
        // service's back, without an announcement, as if the message had been lost.
        await using var third = await _first.StartSecondInstanceAsync(("Registry:VersionPollInterval", "00:00:00.200"));
        var agb = TestData.NewAgb();
        var redis = _first.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var provider = new Provider { Agb = agb, Name = "Stille Zorg", BasePc4 = "1424", ServedPc4S = { "1424" }, Qualifications = new() };

        await redis.HashSetAsync(RegistryStore.Keys.Providers, agb, provider.ToByteArray());
        await redis.StringIncrementAsync(RegistryStore.Keys.Version);

        Assert.False(_second.Services.GetRequiredService<RegistryCache>().Current.Providers.ContainsKey(agb)); // polls hourly: unaware
        Assert.True(await Eventually(() => Task.FromResult(third.Services.GetRequiredService<RegistryCache>().Current.Providers.ContainsKey(agb)), true, TimeSpan.FromSeconds(3)));
    }

    static async Task<T> Eventually<T>(Func<Task<T>> probe, T expected, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var value = await probe();
            if (Equals(value, expected) || DateTime.UtcNow > deadline) return value;
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
