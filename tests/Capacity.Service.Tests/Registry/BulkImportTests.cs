using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Grpc.Core;

namespace Capacity.Service.Tests.Registry;

/// <summary>Streaming bulk writes report each bad item by position and keep the good ones.</summary>
public sealed class BulkImportTests(CapacityApp app) : IClassFixture<CapacityApp>
{
    [Fact]
    public async Task RegistryImportAnswersEveryItemAndKeepsTheGoodOnes()
    {
        var uzovi = TestData.NewUzovi();
        var agb = TestData.NewAgb();
        var badAgb = TestData.NewAgb();
        ImportRegistryRequest[] items =
        [
            new() { Insurer = new Insurer { Uzovi = uzovi, Name = "Bulk Verzekeraar" } },
            new() { Provider = new Provider { Agb = agb, Name = "Bulk Zorg", BasePc4 = "1183", ServedPc4S = { "1183", "1182" } } },
            new() { Provider = new Provider { Agb = badAgb, Name = "Nergens Zorg", BasePc4 = "1183", ServedPc4S = { "1000" } } },
            // Refers to the provider and insurer earlier in this same stream.
            new() { Contract = new Contract { ProviderAgb = agb, InsurerUzovi = uzovi, Year = 2026, ContractType = ContractType.Plus, CareTypes = { CareType.DistrictNursing } } },
            // Refers to the provider that was rejected.
            new() { Contract = new Contract { ProviderAgb = badAgb, InsurerUzovi = uzovi, Year = 2026, ContractType = ContractType.Plus, CareTypes = { CareType.DistrictNursing } } },
            new(),
        ];

        using var call = app.Registry.ImportRegistry();
        foreach (var item in items) await call.RequestStream.WriteAsync(item);
        await call.RequestStream.CompleteAsync();
        var answers = await call.ResponseStream.ReadAllAsync().ToListAsync();

        Assert.Equal([1L, 2, 3, 4, 5, 6], answers.Select(a => a.Sequence));
        Assert.Equal([0, 0, 3, 0, 3, 3], answers.Select(a => a.Status.Code)); // 3 = INVALID_ARGUMENT
        Assert.Contains("1000", answers[2].Status.Message);
        Assert.Equal("Bulk Zorg", (await app.Registry.GetProviderAsync(new GetProviderRequest { Agb = agb })).Name);
        Assert.Equal(ContractType.Plus, Assert.Single((await app.Registry.ListContractsAsync(new ListContractsRequest { InsurerUzovi = uzovi })).Contracts).ContractType);
        var missing = await Assert.ThrowsAsync<RpcException>(() => app.Registry.GetProviderAsync(new GetProviderRequest { Agb = badAgb }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task LargeRegistryImportIsStoredInBatches()
    {
        var uzovi = await app.AddInsurerAsync();
        var agbs = Enumerable.Range(0, 600).Select(_ => TestData.NewAgb()).ToArray();

        using var call = app.Registry.ImportRegistry();
        foreach (var agb in agbs)
        {
            await call.RequestStream.WriteAsync(new() { Provider = new Provider { Agb = agb, Name = $"Zorg {agb}", BasePc4 = "9711", ServedPc4S = { "9711" } } });
            await call.RequestStream.WriteAsync(new() { Contract = new Contract { ProviderAgb = agb, InsurerUzovi = uzovi, Year = 2026, ContractType = ContractType.Standaard, CareTypes = { CareType.DistrictNursing } } });
        }
        await call.RequestStream.CompleteAsync();
        var answers = await call.ResponseStream.ReadAllAsync().ToListAsync();

        Assert.Equal(1200, answers.Count);
        Assert.All(answers, a => Assert.Equal(0, a.Status.Code));
        var contracts = 0;
        var token = "";
        do
        {
            var page = await app.Registry.ListContractsAsync(new ListContractsRequest { InsurerUzovi = uzovi, PageSize = 200, PageToken = token });
            contracts += page.Contracts.Count;
            token = page.NextPageToken;
        } while (token.Length > 0);
        Assert.Equal(600, contracts);
    }

    [Fact]
    public async Task CapacityPublishStreamReportsRejectedItemsAndStoresTheRest()
    {
        var agb = await app.AddProviderAsync("1183", ["1181", "1182", "1183"]);
        SetCapacityRequest[] items =
        [
            new() { Agb = agb, AllServedAreas = true, CareType = CareType.DistrictNursing, FreePlaces = 2, Version = 10 },
            new() { Agb = agb, Pc4 = "1183", CareType = CareType.DistrictNursing, FreePlaces = -5, Version = 11 },
            new() { Agb = agb, Pc4 = "1183", CareType = CareType.DistrictNursing, FreePlaces = 4, Version = 12 },
            new() { Agb = agb, Pc4 = "1182", CareType = CareType.DistrictNursing, FreePlaces = 9, Version = 5 }, // older than 10
            new() { Agb = agb, Pc4 = "9711", CareType = CareType.DistrictNursing, FreePlaces = 1, Version = 13 },
        ];

        using var call = app.Capacity.PublishCapacity();
        foreach (var item in items) await call.RequestStream.WriteAsync(item);
        await call.RequestStream.CompleteAsync();
        var summary = await call;

        Assert.Equal(5, summary.Received);
        Assert.Equal(4, summary.Applied); // three areas, then 1183 again
        Assert.Equal(1, summary.Outdated);
        Assert.Equal([2L, 5], summary.Rejected.Select(r => r.Sequence));
        var figures = (await app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agb })).Figures;
        Assert.Equal([("1181", 2), ("1182", 2), ("1183", 4)], figures.Select(f => (f.Pc4, f.FreePlaces)));
        Assert.All(figures, f => Assert.Equal(CapacityApp.Epoch, f.PublishedAt.ToDateTimeOffset()));
    }
}
