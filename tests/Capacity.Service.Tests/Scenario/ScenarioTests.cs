using Capacity.Scenario;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Google.Type;

namespace Capacity.Service.Tests.Scenario;

/// <summary>
/// The benchmark's scenario generator: deterministic, shaped like the country, and loadable into
/// a real service (real Redis) through the public API, where searches then find its providers.
/// </summary>
public sealed class ScenarioTests(CapacityApp app) : IClassFixture<CapacityApp>
{
    static readonly Lazy<global::Capacity.Scenario.Scenario> National =
        new(() => ScenarioGenerator.Generate(ScenarioOptions.Preset("national", 1, CapacityApp.Today)));

    static global::Capacity.Scenario.Scenario Small(int seed = 1) => ScenarioGenerator.Generate(ScenarioOptions.Preset("small", seed, CapacityApp.Today));

    [Fact]
    public void TheSameSeedGivesTheSameScenarioAndAnotherSeedAnother()
    {
        var a = Small(7);
        var b = Small(7);
        var c = Small(8);

        Assert.Equal(a.Providers.Select(p => p.Provider), b.Providers.Select(p => p.Provider));
        Assert.Equal(a.Contracts, b.Contracts);
        Assert.Equal(a.ClientStops, b.ClientStops);
        Assert.Equal(a.Providers.SelectMany(p => a.CapacityOf(p)), b.Providers.SelectMany(p => b.CapacityOf(p)));
        Assert.NotEqual(a.Providers.Select(p => p.Provider.BasePc4), c.Providers.Select(p => p.Provider.BasePc4));
        // A later round changes figures (a day of care), not the registry.
        Assert.NotEqual(a.Providers.SelectMany(p => a.CapacityOf(p, round: 1)).Select(f => f.FreePlaces),
            a.Providers.SelectMany(p => a.CapacityOf(p, round: 0)).Select(f => f.FreePlaces));
    }

    [Fact]
    public void TheNationalScenarioCoversTheCountryAsTheIssueDescribes()
    {
        var s = National.Value;
        Assert.Equal(4_067, s.Areas.Count);
        Assert.Equal(2_000, s.Providers.Count);
        Assert.Equal(10, s.Insurers.Count);
        Assert.InRange(s.CapacityCells, 100_000, 1_000_000); // hundreds of thousands of cells

        // A few national providers serve every area; the others their surroundings.
        var national = s.Providers.Where(p => p.Size == ProviderSize.National).ToArray();
        Assert.Equal(4, national.Length);
        Assert.All(national, p => Assert.Equal(4_067, p.Provider.ServedPc4S.Count));
        var areas = s.Areas.ToDictionary(a => a.Code);
        foreach (var p in s.Providers.Where(p => p.Size != ProviderSize.National))
        {
            var home = areas[p.Provider.BasePc4];
            Assert.Contains(p.Provider.BasePc4, p.Provider.ServedPc4S);
            Assert.All(p.Provider.ServedPc4S, pc4 => Assert.True(Pc4Table.DistanceKm(home, areas[pc4]) <= 18.0001));
        }

        // Placed where people live: the more populous half of the areas holds far more bases.
        var median = s.Areas.Select(a => a.Population).Order().ElementAt(s.Areas.Count / 2);
        var inPopulous = s.Providers.Count(p => areas[p.Provider.BasePc4].Population > median);
        Assert.True(inPopulous > 2 * (s.Providers.Count - inPopulous), $"{inPopulous} of {s.Providers.Count} bases in the populous half");

        // Most providers are contracted by most insurers, not all; per year, every pair at most once.
        var thisYear = s.Contracts.Where(c => c.Year == CapacityApp.Today.Year).ToArray();
        Assert.Equal(thisYear.Length, thisYear.Select(c => (c.ProviderAgb, c.InsurerUzovi)).Distinct().Count());
        Assert.InRange(thisYear.Length / (double)(s.Providers.Count * s.Insurers.Count), 0.70, 0.95);
        // Client stops for a few percent of contracted pairs, only for insurers that contract the provider.
        var stoppedPairs = s.ClientStops.SelectMany(st => st.InsurerUzovis.Select(u => (st.ProviderAgb, u))).ToArray();
        Assert.InRange(stoppedPairs.Length / (double)thisYear.Length, 0.01, 0.06);
        var contracted = thisYear.Select(c => (c.ProviderAgb, c.InsurerUzovi)).ToHashSet();
        Assert.All(stoppedPairs, pair => Assert.Contains(pair, contracted));
        // Short-term-stay beds exist, and only where a provider offers them.
        Assert.Contains(s.Providers, p => p.CareTypes.Contains(CareType.ShortTermStay));
    }

    [Fact]
    public async Task TheSmallScenarioLoadsThroughTheApiAndSearchesFindItsProviders()
    {
        var s = Small();
        using var channel = app.CreateChannel();

        await ScenarioLoader.ImportRegistryAsync(channel, s);
        await ScenarioLoader.DeclareClientStopsAsync(channel, s);
        var ingest = await ScenarioLoader.PublishCapacityAsync(app.Server.BaseAddress, s, round: 0, version: 1, streams: 4, app.Server.CreateHandler());
        Assert.Equal(s.CapacityCells, ingest.Messages);
        Assert.Equal(s.CapacityCells, ingest.Applied);

        // The same publication again is older-or-equal: nothing overwritten.
        var again = await ScenarioLoader.PublishCapacityAsync(app.Server.BaseAddress, s, round: 1, version: 1, streams: 2, app.Server.CreateHandler());
        Assert.Equal(0, again.Applied);
        Assert.Equal(s.CapacityCells, again.Outdated);

        // A search at a provider's base finds it, as a candidate or with the reason it cannot.
        var provider = s.Providers.First(p => p.Size == ProviderSize.Regional);
        var found = await app.Matching.FindProvidersAsync(new FindProvidersRequest
        {
            PatientPostcode = provider.Provider.BasePc4, InsurerUzovi = s.Insurers[0].Insurer.Uzovi, CareType = CareType.DistrictNursing,
            StartDate = Tomorrow(),
        });
        Assert.Contains(provider.Provider.Agb, found.Candidates.Select(c => c.Provider.Agb).Concat(found.Exclusions.Select(e => e.Provider.Agb)));
        Assert.NotEmpty(found.Candidates);

        // A client stop keeps its provider from that insurer's patients only.
        var stop = s.ClientStops[0];
        var stopped = s.Providers.Single(p => p.Provider.Agb == stop.ProviderAgb);
        var other = s.Contracts.First(c => c.ProviderAgb == stop.ProviderAgb && !stop.InsurerUzovis.Contains(c.InsurerUzovi)).InsurerUzovi;
        async Task<(ExclusionReason? Reason, bool Listed)> VerdictFor(string uzovi)
        {
            var result = await app.Matching.FindProvidersAsync(new FindProvidersRequest
            {
                PatientPostcode = stopped.Provider.BasePc4, InsurerUzovi = uzovi, CareType = CareType.DistrictNursing, StartDate = Tomorrow(),
            });
            var exclusion = result.Exclusions.FirstOrDefault(e => e.Provider.Agb == stop.ProviderAgb);
            return (exclusion?.Reason, exclusion is not null || result.Candidates.Any(c => c.Provider.Agb == stop.ProviderAgb));
        }
        Assert.Equal((ExclusionReason.ClientStop, true), await VerdictFor(stop.InsurerUzovis[0]));
        var forOther = await VerdictFor(other);
        Assert.True(forOther.Listed);
        Assert.NotEqual(ExclusionReason.ClientStop, forOther.Reason);
    }

    [Fact]
    public async Task APausingPublisherSeesEachFigureAppliedWithoutWaitingForABatch()
    {
        var s = Small(3);
        using var channel = app.CreateChannel();
        await ScenarioLoader.ImportRegistryAsync(channel, s);
        var provider = s.Providers[^1];
        var pc4 = provider.Provider.ServedPc4S[0];

        using var call = app.Capacity.PublishCapacity();
        await call.RequestStream.WriteAsync(new SetCapacityRequest
        {
            Agb = provider.Provider.Agb, Pc4 = pc4, CareType = CareType.DistrictNursing, FreePlaces = 4_321, Version = 10,
        });
        // The stream stays open: the figure must become visible anyway.
        CapacityFigure? figure = null;
        for (var attempt = 0; attempt < 100 && figure is null; attempt++)
        {
            var figures = await app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = provider.Provider.Agb });
            figure = figures.Figures.FirstOrDefault(f => f.Pc4 == pc4 && f.FreePlaces == 4_321);
            if (figure is null) await Task.Delay(50);
        }
        Assert.NotNull(figure);
        await call.RequestStream.CompleteAsync();
        Assert.Equal(1, (await call).Applied);
    }

    static Date Tomorrow()
    {
        var d = CapacityApp.Today.AddDays(1);
        return new Date { Year = d.Year, Month = d.Month, Day = d.Day };
    }
}
