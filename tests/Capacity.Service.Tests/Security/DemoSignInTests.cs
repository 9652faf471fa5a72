using System.Net;
using System.Net.Http.Json;
using Capacity.Service.Security;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Grpc.Core;

namespace Capacity.Service.Tests.Security;

/// <summary>The demo's web page signs in as a demo identity; nothing of the kind exists outside the demo.</summary>
public sealed class DemoSignInTests
{
    sealed record TokenAnswer(string Token, string Role, string? Code);

    [Fact]
    public async Task TheDemoHandsOutTokensThatActForTheChosenIdentityOnly()
    {
        await using var app = new CapacityApp().With("Demo:Seed", "true")
            .With("Auth:Required", "true").With("Auth:Issuer", "capacity-demo").With("Auth:SigningKey", DevTokens.NewSigningKey());
        await app.InitializeAsync();
        var http = app.CreateClient();

        var answer = await http.GetFromJsonAsync<TokenAnswer>("/demo/token?role=provider&code=75010001", TestContext.Current.CancellationToken);
        var signedIn = new Metadata { { "authorization", $"Bearer {answer!.Token}" } };

        await app.Offers().ListOffersAsync(new ListOffersRequest { ProviderAgb = "75010001" }, signedIn);
        var other = await Assert.ThrowsAsync<RpcException>(() => app.Offers().ListOffersAsync(new ListOffersRequest { ProviderAgb = "75010002" }, signedIn).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, other.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/demo/token?role=emperor&code=1", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task WithoutTheDemoThereIsNoTokenEndpoint()
    {
        await using var app = new CapacityApp()
            .With("Auth:Required", "true").With("Auth:Issuer", "capacity-prod").With("Auth:SigningKey", DevTokens.NewSigningKey());
        await app.InitializeAsync();

        var response = await app.CreateClient().GetAsync("/demo/token?role=registry_admin", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
