using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using RegistryCache = Capacity.Service.Registry.RegistryCache;

namespace Capacity.Service.Tests.Registry;

public sealed class RegistryReadTests(CapacityApp app) : IClassFixture<CapacityApp>
{
    [Fact]
    public async Task ProviderIsReadBackAsStoredWithAreasSortedAndDeduplicated()
    {
        var agb = TestData.NewAgb();
        await app.Registry.UpsertProviderAsync(new UpsertProviderRequest
        {
            Provider = new Provider
            {
                Agb = agb, Name = "Thuiszorg Terug", BasePc4 = "1431", ServedPc4S = { "1432", "1431", "1432" },
                Qualifications = new Qualifications { NightService = true, PaediatricNurse = true },
            },
        });

        var provider = await app.Registry.GetProviderAsync(new GetProviderRequest { Agb = agb });

        Assert.Equal(["1431", "1432"], provider.ServedPc4S);
        Assert.True(provider.Qualifications.NightService);
        Assert.True(provider.Qualifications.PaediatricNurse);
        Assert.False(provider.Qualifications.PalliativeNetwork);
        Assert.Null(provider.Intake);
        Assert.Empty(provider.CareTypes);
    }

    [Fact]
    public async Task ProviderIsReadBackWithItsIntakeDeskAndTheCareItGives()
    {
        var agb = TestData.NewAgb();
        var intake = new Contact { Phone = "020-555 01 99", Email = "intake@wijkzorg-terug.example", Hours = "ma-vr 8.00-17.00, weekend 10.00-14.00" };
        await app.Registry.UpsertProviderAsync(new UpsertProviderRequest
        {
            Provider = new Provider
            {
                Agb = agb, Name = "Wijkzorg Terug", BasePc4 = "1183", ServedPc4S = { "1183" }, Intake = intake,
                CareTypes = { CareType.NightCare, CareType.DistrictNursing, CareType.NightCare },
            },
        });

        var provider = await app.Registry.GetProviderAsync(new GetProviderRequest { Agb = agb });

        Assert.Equal(intake, provider.Intake);
        Assert.Equal([CareType.DistrictNursing, CareType.NightCare], provider.CareTypes);
    }

    [Fact]
    public async Task ProviderGivesTheCareItDeclaresElseWhatItsContractsCover()
    {
        var uzovi = await app.AddInsurerAsync();
        var declared = TestData.NewAgb();
        await app.Registry.UpsertProviderAsync(new UpsertProviderRequest
        {
            Provider = new Provider { Agb = declared, Name = "Zorghotel Verklaard", BasePc4 = "1183", ServedPc4S = { "1183" }, CareTypes = { CareType.ShortTermStay } },
        });
        var undeclared = await app.AddProviderAsync("1183", ["1183"]);
        await app.ContractAsync(declared, uzovi, CareType.DistrictNursing, CareType.ShortTermStay);
        await app.ContractAsync(undeclared, uzovi, CareType.DistrictNursing);

        var registry = app.Services.GetRequiredService<RegistryCache>().Current;
        var year = CapacityApp.Today.Year;

        Assert.True(registry.Gives(registry.Providers[declared], CareType.ShortTermStay, year));
        Assert.False(registry.Gives(registry.Providers[declared], CareType.DistrictNursing, year)); // what it declares wins over the contract
        Assert.True(registry.Gives(registry.Providers[undeclared], CareType.DistrictNursing, year));
        Assert.False(registry.Gives(registry.Providers[undeclared], CareType.NightCare, year));
        Assert.False(registry.Gives(registry.Providers[undeclared], CareType.DistrictNursing, year + 1)); // no contract for that year
    }

    [Fact]
    public async Task UpsertReplacesAndRemoveContractRemoves()
    {
        var uzovi = await app.AddInsurerAsync("Eerst");
        await app.Registry.UpsertInsurerAsync(new UpsertInsurerRequest { Insurer = new Insurer { Uzovi = uzovi, Name = "Daarna" } });
        var agb = await app.AddProviderAsync("1183", ["1183"]);
        await app.ContractAsync(agb, uzovi, 2026, ContractType.Standaard, CareType.DistrictNursing);
        await app.ContractAsync(agb, uzovi, 2026, ContractType.Plus, CareType.DistrictNursing, CareType.NightCare);

        var insurers = await app.Registry.ListInsurersAsync(new ListInsurersRequest());
        var contracts = await app.Registry.ListContractsAsync(new ListContractsRequest { ProviderAgb = agb });
        var removed = await app.Registry.RemoveContractAsync(new RemoveContractRequest { ProviderAgb = agb, InsurerUzovi = uzovi, Year = 2026 });
        var again = await app.Registry.RemoveContractAsync(new RemoveContractRequest { ProviderAgb = agb, InsurerUzovi = uzovi, Year = 2026 });

        Assert.Equal("Daarna", insurers.Insurers.Single(i => i.Uzovi == uzovi).Name);
        var contract = Assert.Single(contracts.Contracts);
        Assert.Equal(ContractType.Plus, contract.ContractType);
        Assert.Equal([CareType.DistrictNursing, CareType.NightCare], contract.CareTypes);
        Assert.True(removed.Removed);
        Assert.False(again.Removed);
        Assert.Empty((await app.Registry.ListContractsAsync(new ListContractsRequest { ProviderAgb = agb })).Contracts);
    }

    [Fact]
    public async Task LiftingAnUnknownStopIsNotFoundAndChangesNothing()
    {
        var store = app.Services.GetRequiredService<global::Capacity.Service.Registry.RegistryStore>();
        var before = await store.GetVersionAsync();

        var e = await Assert.ThrowsAsync<RpcException>(() => app.Stops.LiftClientStopAsync(new LiftClientStopRequest { Id = "cs_nonexistent" }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Equal(before, await store.GetVersionAsync());
    }

    [Fact]
    public async Task AreaDroppedByAProviderLosesItsFiguresForGood()
    {
        var agb = await app.AddProviderAsync("1183", ["1183", "1184"]);
        await app.PublishAsync(agb, "1184", CareType.DistrictNursing, 3);
        await app.PublishAsync(agb, "1183", CareType.DistrictNursing, 2);

        await app.Registry.UpsertProviderAsync(new UpsertProviderRequest { Provider = new Provider { Agb = agb, Name = "Krimp", BasePc4 = "1183", ServedPc4S = { "1183" } } });
        await app.Registry.UpsertProviderAsync(new UpsertProviderRequest { Provider = new Provider { Agb = agb, Name = "Krimp", BasePc4 = "1183", ServedPc4S = { "1183", "1184" } } });

        var figures = (await app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agb })).Figures;
        Assert.Equal(["1183"], figures.Select(f => f.Pc4));
    }

    [Fact]
    public async Task ActiveClientStopsAreListedPerProviderAndInsurer()
    {
        var vgz = await app.AddInsurerAsync();
        var cz = await app.AddInsurerAsync();
        var agb = await app.AddProviderAsync("1183", ["1183"]);
        var forVgz = await app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest
        {
            Stop = new ClientStop { ProviderAgb = agb, InsurerUzovis = { vgz }, From = CapacityApp.Today.ToDate(), Reason = ClientStopReason.CostCeiling },
        });
        var ended = await app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest
        {
            Stop = new ClientStop { ProviderAgb = agb, From = CapacityApp.Today.ToDate(), Until = CapacityApp.Today.ToDate(), Reason = ClientStopReason.Other, ReasonText = "Verhuizing" },
        });

        var forCz = await app.Stops.ListClientStopsAsync(new ListClientStopsRequest { ProviderAgb = agb, InsurerUzovi = cz });
        var tomorrow = await app.Stops.ListClientStopsAsync(new ListClientStopsRequest { ProviderAgb = agb, OnOrAfter = CapacityApp.Today.AddDays(1).ToDate() });

        Assert.StartsWith("cs_", forVgz.Id);
        Assert.Equal([ended.Id], forCz.Stops.Select(s => s.Id)); // the all-insurer stop holds for CZ, the VGZ stop does not
        Assert.Equal([forVgz.Id], tomorrow.Stops.Select(s => s.Id)); // the one-day stop is over by then
    }

    [Fact]
    public async Task ClientStopsArePagedByProviderAndStartAndATokenBelongsToItsList()
    {
        var agb = await app.AddProviderAsync("1183", ["1183"]);
        var other = await app.AddProviderAsync("1183", ["1183"]);
        var ids = new List<string>();
        for (var i = 0; i < 53; i++)
            ids.Add((await app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest
            {
                Stop = new ClientStop { ProviderAgb = agb, From = CapacityApp.Today.AddDays(52 - i).ToDate(), Reason = ClientStopReason.StaffShortage },
            })).Id);
        ids.Reverse(); // by start date

        Task<ListClientStopsResponse> List(int size = 0, string token = "", string? provider = null) =>
            app.Stops.ListClientStopsAsync(new ListClientStopsRequest { ProviderAgb = provider ?? agb, PageSize = size, PageToken = token }).ResponseAsync;

        // An old client sends no page size: the first 50, and a token for the rest.
        var first = await List();
        var rest = await List(token: first.NextPageToken);
        Assert.Equal(ids.Take(50), first.Stops.Select(s => s.Id));
        Assert.NotEmpty(first.NextPageToken);
        Assert.Equal(ids.Skip(50), rest.Stops.Select(s => s.Id));
        Assert.Empty(rest.NextPageToken);

        // A stop lifted meanwhile does not shift the next page.
        var page1 = await List(size: 20);
        await app.Stops.LiftClientStopAsync(new LiftClientStopRequest { Id = ids[3] });
        var page2 = await List(size: 20, token: page1.NextPageToken);
        Assert.Equal(ids.Skip(20).Take(20), page2.Stops.Select(s => s.Id));

        await RpcAssertions.AssertInvalidAsync(() => List(token: page1.NextPageToken, provider: other), "page_token"); // another list's token
        await RpcAssertions.AssertInvalidAsync(() => List(token: "bm90LWEtdG9rZW4"), "page_token");
        await RpcAssertions.AssertInvalidAsync(() => List(size: 201), "page_size");
    }
}
