using Capacity.Service.Live;
using Capacity.Service.Matching;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Microsoft.AspNetCore.SignalR.Client;

namespace Capacity.Service.Tests.Live;

/// <summary>Nothing is published, yet a followed search changes: its only candidate's figure turns stale.</summary>
public sealed class StaleFiguresTests : IAsyncLifetime
{
    readonly CapacityApp _app = new CapacityApp().With("Live:StaleCheckInterval", "00:00:00.100");

    public ValueTask InitializeAsync() => _app.InitializeAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Fact]
    public async Task FollowedSearchIsPushedWhenACandidatesFigureTurnsStale()
    {
        var uzovi = await _app.AddInsurerAsync();
        var agb = await _app.AddProviderAsync("1433", ["1433"]);
        await _app.ContractAsync(agb, uzovi, CareType.DistrictNursing);
        await _app.PublishAsync(agb, "1433", CareType.DistrictNursing, 2);
        await using var hub = await _app.ConnectHubAsync();
        var pushes = new Pushes<SearchUpdate>(hub, nameof(ICoordinationClient.SearchUpdated));
        var initial = await hub.InvokeAsync<SearchUpdate>(nameof(CoordinationHub.SubscribeToSearch),
            new SearchRequest("1433", uzovi, CareType.DistrictNursing, CapacityApp.Today.AddDays(2)), TestContext.Current.CancellationToken);

        _app.Time.Advance(TimeSpan.FromHours(25));
        var update = await pushes.NextAsync(within: TimeSpan.FromSeconds(2));

        Assert.Contains(initial.Result.Candidates, c => c.Provider.Agb == agb);
        Assert.Equal(ExclusionReason.StaleCapacity, update.Result.Exclusions.Single(e => e.Provider.Agb == agb).Reason);
    }
}
