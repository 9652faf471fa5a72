using Capacity.Service.Security;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;

namespace Capacity.Service.Tests.Registry;

public sealed class InactiveProviderUpsertTests
{
    [Fact]
    public async Task AProviderCannotClearItsOwnInactiveFlagButTheRegistryAdminCan()
    {
        const string issuer = "capacity-test";
        var key = DevTokens.NewSigningKey();
        await using var app = new CapacityApp().With("Auth:Required", "true").With("Auth:Issuer", issuer).With("Auth:SigningKey", key);
        await app.InitializeAsync();
        RegistryService.RegistryServiceClient As(string role, string? code) =>
            new(app.CreateChannel(DevTokens.Issue(new DevIdentity($"{role}-user", role, code), issuer, "capacity", key)));
        Provider Provider(bool inactive) => new() { Agb = "75000001", Name = "Zorg", BasePc4 = "1183", ServedPc4S = { "1183" }, Inactive = inactive };

        await As("registry_admin", null).UpsertProviderAsync(new() { Provider = Provider(inactive: true) });
        await As("provider", "75000001").UpsertProviderAsync(new() { Provider = Provider(inactive: false) });
        Assert.True((await As("registry_admin", null).GetProviderAsync(new() { Agb = "75000001" })).Inactive);

        await As("registry_admin", null).UpsertProviderAsync(new() { Provider = Provider(inactive: false) });
        Assert.False((await As("registry_admin", null).GetProviderAsync(new() { Agb = "75000001" })).Inactive);
    }
}
