using Capacity.Service.Security;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Grpc.Core;
using Microsoft.AspNetCore.SignalR.Client;

namespace Capacity.Service.Tests.Reliability;

/// <summary>A session ends with its token: live connections and streams opened with it are closed at its expiry.</summary>
public sealed class SessionExpiryTests : IAsyncLifetime
{
    const string Issuer = "capacity-test";
    static readonly string Key = DevTokens.NewSigningKey();
    // Long enough to connect and make one call on a busy machine (a full test run on two cores took
    // more than 3 s once), short enough to see the expiry within the test.
    static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);
    readonly CapacityApp _app = new CapacityApp().With("Auth:Required", "true").With("Auth:Issuer", Issuer).With("Auth:SigningKey", Key);

    public ValueTask InitializeAsync() => _app.InitializeAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    static string ShortToken(string role, string tenant) => DevTokens.Issue(new DevIdentity($"{role}-user", role, tenant), Issuer, "capacity", Key, Lifetime);

    [Fact]
    public async Task AHubConnectionClosesWhenItsTokenExpires()
    {
        await using var hub = await _app.ConnectHubAsync(ShortToken("provider", "75000001"), tokenInQuery: true);
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Closed += e => { closed.TrySetResult(e); return Task.CompletedTask; };
        await hub.InvokeAsync("FollowProvider", "75000001", TestContext.Current.CancellationToken); // allowed while the token holds

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(40), TestContext.Current.CancellationToken);

        Assert.Equal(HubConnectionState.Disconnected, hub.State);
    }

    [Fact]
    public async Task WatchingOffersEndsWithUnauthenticatedWhenTheTokenExpires()
    {
        var offers = new OfferService.OfferServiceClient(_app.CreateChannel(ShortToken("provider", "75000001")));
        using var watch = offers.WatchOffers(new WatchOffersRequest { ProviderAgb = "75000001" }, deadline: DateTime.UtcNow.AddSeconds(40));

        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await watch.ResponseStream.MoveNext(TestContext.Current.CancellationToken)) { }
        });

        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Equal(Session.Expired, e.Status.Detail);
    }
}
