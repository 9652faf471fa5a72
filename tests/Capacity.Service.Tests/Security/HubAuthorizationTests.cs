using System.Reflection;
using Capacity.Service.Live;
using Capacity.Service.Matching;
using Capacity.Service.Regions;
using Capacity.Service.Tests.Infrastructure;
using Capacity.Service.Security;
using Capacity.V1;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Capacity.Service.Tests.Security;

/// <summary>The hub with sign-in required: every role × hub method as this test's matrix says, own groups only.</summary>
public sealed class HubAuthorizationTests : IAsyncLifetime
{
    const string Issuer = "capacity-test";
    static readonly string Key = DevTokens.NewSigningKey();

    static readonly string[] Roles = AuthorizationMatrixTests.Roles;

    /// <summary>Who may call each hub method, and the call (with the caller's own codes: AGB 75000001, org ziekenhuis-a, UZOVI 9101, GM0362 Amstelveen).</summary>
    static readonly Dictionary<string, (string[] Allowed, Func<HubConnection, Task> Call)> Expected = new()
    {
        ["SubscribeToSearch"] = (["requester", "insurer_desk"], c => c.InvokeAsync<object>("SubscribeToSearch",
            new SearchRequest("1183", "9101", CareType.DistrictNursing, CapacityApp.Today.AddDays(1)))),
        ["SubscribeToRegion"] = (["requester", "insurer_desk", "municipality"], c => c.InvokeAsync<object>("SubscribeToRegion", new RegionRequest("Amstelveen"))),
        ["Unsubscribe"] = (Roles, c => c.InvokeAsync("Unsubscribe", "sub_none")),
        ["FollowOrganisation"] = (["requester"], c => c.InvokeAsync("FollowOrganisation", "ziekenhuis-a")),
        ["FollowProvider"] = (["provider"], c => c.InvokeAsync("FollowProvider", "75000001")),
        ["FollowDesk"] = (["insurer_desk"], c => c.InvokeAsync("FollowDesk", "9101")),
        ["FollowMunicipality"] = (["municipality"], c => c.InvokeAsync("FollowMunicipality", "GM0362")),
    };

    readonly CapacityApp _app = new CapacityApp().With("Auth:Required", "true").With("Auth:Issuer", Issuer).With("Auth:SigningKey", Key);

    public async ValueTask InitializeAsync() => await _app.InitializeAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    static string TokenFor(string role) => DevTokens.Issue(new DevIdentity($"{role}-user", role, role switch
    {
        "provider" => "75000001", "requester" => "ziekenhuis-a", "insurer_desk" or "insurer_import" => "9101", "municipality" => "GM0362", _ => null,
    }), Issuer, "capacity", Key);

    [Fact]
    public void EveryHubMethodHasAnEntry()
    {
        var methods = typeof(CoordinationHub).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName && m.Name != nameof(Hub.OnDisconnectedAsync) && m.Name != nameof(Hub.OnConnectedAsync))
            .Select(m => m.Name).Order().ToArray();
        Assert.Equal(methods, Expected.Keys.Order());
    }

    [Fact]
    public async Task EachRoleMayCallOnlyWhatTheMatrixAllows()
    {
        var wrong = new List<string>();
        foreach (var role in Roles)
        {
            await using var hub = await _app.ConnectHubAsync(TokenFor(role));
            foreach (var (method, (allowed, call)) in Expected)
            {
                string outcome;
                try
                {
                    await call(hub);
                    outcome = "ok";
                }
                catch (HubException e)
                {
                    outcome = e.Message.Contains("Not allowed", StringComparison.Ordinal) ? "denied" : "ok"; // other refusals come after the check
                }
                var expected = allowed.Contains(role) ? "ok" : "denied";
                if (outcome != expected) wrong.Add($"{role} {method}: {outcome}, expected {expected}");
            }
        }
        Assert.Empty(wrong);
    }

    [Fact]
    public async Task NobodyFollowsAnotherPartysGroupOrRegion()
    {
        async Task<string> Denied(string role, Func<HubConnection, Task> call)
        {
            await using var hub = await _app.ConnectHubAsync(TokenFor(role));
            var e = await Assert.ThrowsAsync<HubException>(() => call(hub));
            return e.Message;
        }
        Assert.Contains("Not allowed", await Denied("provider", c => c.InvokeAsync("FollowProvider", "75000002")));
        Assert.Contains("Not allowed", await Denied("requester", c => c.InvokeAsync("FollowOrganisation", "ziekenhuis-b")));
        Assert.Contains("Not allowed", await Denied("insurer_desk", c => c.InvokeAsync("FollowDesk", "9102")));
        Assert.Contains("Not allowed", await Denied("municipality", c => c.InvokeAsync<object>("SubscribeToRegion", new RegionRequest("Amsterdam"))));
        Assert.Contains("Not allowed", await Denied("municipality", c => c.InvokeAsync("FollowMunicipality", "GM0363")));
    }

    [Fact]
    public async Task ABrowserMayPassItsTokenInTheQueryString()
    {
        await using var hub = await _app.ConnectHubAsync(TokenFor("provider"), tokenInQuery: true);
        await hub.InvokeAsync("FollowProvider", "75000001");
        var e = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("FollowProvider", "75000002"));
        Assert.Contains("Not allowed", e.Message);
    }

    [Fact]
    public async Task AConnectionWithoutATokenIsRefused()
    {
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var hub = await _app.ConnectHubAsync();
            await hub.InvokeAsync("Unsubscribe", "sub_none");
        });
    }
}
