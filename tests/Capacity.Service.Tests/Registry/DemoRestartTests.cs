using Capacity.Service.Capacity;
using Capacity.Service.Registry;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Capacity.Service.Tests.Registry;

/// <summary>
/// Restarts keep state: the demo seeder (./demo.sh) seeds only what is missing, so what providers
/// and the registry's keepers changed since survives a restart of the service.
/// </summary>
public sealed class DemoRestartTests : IAsyncLifetime
{
    const string Agb = "75010001"; // Wijkzorg Amstelveen, a demo provider
    readonly CapacityApp _app = new CapacityApp().With("Demo:Seed", "true");

    public ValueTask InitializeAsync() => _app.InitializeAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    async Task<(IReadOnlyList<CapacityFigure> Capacity, Provider Provider, IReadOnlyList<string> Stops, RequestingOrganisation Organisation, long Version)> StateAsync(CapacityApp app) => (
        (await app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = Agb })).Figures,
        await app.Registry.GetProviderAsync(new GetProviderRequest { Agb = Agb }),
        (await app.Stops.ListClientStopsAsync(new ListClientStopsRequest { PageSize = 200 })).Stops.Select(s => s.Id).ToArray(),
        await app.Registry.GetRequestingOrganisationAsync(new GetRequestingOrganisationRequest { Code = "amstelland-ziekenhuis" }),
        await app.Services.GetRequiredService<RegistryStore>().GetVersionAsync());

    [Fact]
    public async Task RestartingTheSeederChangesNothingUsersSavedNorBringsBackWhatTheyRemoved()
    {
        // A provider saves its capacity; the registry's keepers change a provider, an organisation's desk, and lift a stop.
        var seeded = (await _app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = Agb })).Figures;
        var figure = seeded.First(f => f.CareType == CareType.DistrictNursing);
        var saved = await _app.PublishAsync(Agb, figure.Pc4, figure.CareType, figure.FreePlaces + 4, version: figure.Version + 1);
        Assert.True(saved.Applied);
        var provider = await _app.Registry.GetProviderAsync(new GetProviderRequest { Agb = Agb });
        provider.Name = "Wijkzorg Amstelveen en Buitenveldert";
        provider.Intake.Hours = "dag en nacht";
        await _app.Registry.UpsertProviderAsync(new UpsertProviderRequest { Provider = provider });
        var organisation = await _app.Registry.GetRequestingOrganisationAsync(new GetRequestingOrganisationRequest { Code = "amstelland-ziekenhuis" });
        organisation.TransferDesk.Hours = "ma-vr 9.00-17.00";
        await _app.Registry.UpsertRequestingOrganisationAsync(new UpsertRequestingOrganisationRequest { Organisation = organisation });
        await _app.Stops.LiftClientStopAsync(new LiftClientStopRequest { Id = "cs_demo_1" });
        var before = await StateAsync(_app);

        // ./demo.sh again, an hour later: a new host on the same Redis database, seeding at start-up.
        _app.Time.Advance(TimeSpan.FromHours(1));
        await using var restarted = await _app.StartSecondInstanceAsync(("Demo:Seed", "true"));
        var after = await StateAsync(restarted);

        Assert.Equal(before.Capacity, after.Capacity); // every figure as it was: the saved one, and the seeded ones not renewed
        Assert.Contains(after.Capacity, f => f.Pc4 == figure.Pc4 && f.CareType == figure.CareType && f.FreePlaces == figure.FreePlaces + 4);
        Assert.Equal(before.Provider, after.Provider);
        Assert.Equal("Wijkzorg Amstelveen en Buitenveldert", after.Provider.Name);
        Assert.Equal(before.Organisation, after.Organisation);
        Assert.Equal(before.Stops, after.Stops);
        Assert.DoesNotContain("cs_demo_1", after.Stops); // lifted stays lifted
        Assert.Equal(before.Version, after.Version); // the seed wrote nothing to the registry at all
    }

    [Fact]
    public async Task RestartingTheSeederFillsInAFigureThatIsMissing()
    {
        var figure = (await _app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = Agb })).Figures.First();
        var db = _app.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        await db.HashDeleteAsync(CapacityStore.Keys.Area(int.Parse(figure.Pc4)), CapacityStore.Keys.Field(Agb, figure.CareType));
        Assert.DoesNotContain((await _app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = Agb })).Figures,
            f => f.Pc4 == figure.Pc4 && f.CareType == figure.CareType);

        await using var restarted = await _app.StartSecondInstanceAsync(("Demo:Seed", "true"));

        Assert.Contains((await restarted.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = Agb })).Figures,
            f => f.Pc4 == figure.Pc4 && f.CareType == figure.CareType && f.FreePlaces == figure.FreePlaces);
    }
}
