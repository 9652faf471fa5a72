using Capacity.Service.Demo;
using Capacity.Service.Geography;
using Capacity.Service.Shared;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Capacity.Service.Tests.Registry;

/// <summary>The host with the demo region loaded.</summary>
public sealed class DemoApp : CapacityApp
{
    public DemoApp() => With("Demo:Seed", "true");
}

/// <summary>The demo's registry: who refers and how to reach every desk in it, all of it fictional.</summary>
public sealed class DemoRegistryTests(DemoApp app) : IClassFixture<DemoApp>
{
    [Fact]
    public async Task TheRequestersTheDemoSignsInAsAreRegisteredWithTheirTransferDesks()
    {
        var requesters = DemoSignIn.Identities(app.Services.GetRequiredService<PostcodeDirectory>()).Where(i => i.Role == "requester").ToArray();

        Assert.Contains(requesters, r => r is { Code: "amstelland-ziekenhuis", Name: "Ziekenhuis Amstelland, transferbureau" });
        Assert.Contains(requesters, r => r is { Code: "stadsziekenhuis-west", Name: "Stadsziekenhuis West, transferbureau" });
        foreach (var requester in requesters)
        {
            var organisation = await app.Registry.GetRequestingOrganisationAsync(new GetRequestingOrganisationRequest { Code = requester.Code });
            Assert.Equal(requester.Name, organisation.Name);
            AssertFictional(organisation.TransferDesk);
        }
    }

    [Fact]
    public async Task EveryDemoProviderHasAFictionalIntakeDeskAndSaysWhatCareItGives()
    {
        foreach (var demo in DemoSeeder.Load().Providers)
        {
            var provider = await app.Registry.GetProviderAsync(new GetProviderRequest { Agb = demo.Agb });
            AssertFictional(provider.Intake);
            Assert.Equal(demo.CareTypes.Order(), provider.CareTypes);
        }
    }

    /// <summary>A contact that reaches nobody: a valid Dutch number in the demo's 020 555 0xxx range, an address under the reserved .example domain.</summary>
    static void AssertFictional(Contact contact)
    {
        Assert.True(DutchPhone.IsValid(contact.Phone), contact.Phone);
        Assert.StartsWith("020 555 0", contact.Phone);
        Assert.EndsWith(".example", contact.Email);
    }
}
