using Capacity.Service.Capacity;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Capacity.Service.Tests.Referrals;

/// <summary>
/// Holding places atomically in Redis: racing holds, release, consumption, and what searches see.
/// Each test uses its own provider in Weesp (1381–1384), which no other test class writes to.
/// </summary>
public sealed class HoldTests(CapacityApp app) : IClassFixture<CapacityApp>
{
    const string Area = "1382";
    static readonly CareType Nursing = CareType.DistrictNursing;

    HoldStore Holds => app.Services.GetRequiredService<HoldStore>();

    const string Owner = "test-call";

    static Hold NewHold(string agb, int i = 0) => new($"h_{agb}_{i}_{Guid.NewGuid():N}", agb, 1382, Nursing,
        CapacityApp.Epoch.AddMinutes(30), $"ref_{agb}", $"offer_{i}");

    async Task<(string Uzovi, string Agb)> ProviderWithPlacesAsync(int free)
    {
        var uzovi = await app.AddInsurerAsync();
        var agb = await app.AddProviderAsync(Area, [Area]);
        await app.ContractAsync(agb, uzovi, Nursing);
        await app.PublishAsync(agb, Area, Nursing, free);
        return (uzovi, agb);
    }

    async Task<int> PublishedAsync(string agb) =>
        (await app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agb })).Figures.Single().FreePlaces;

    [Fact]
    public async Task TwoHundredRacingHoldsOnFivePlacesGetExactlyFive()
    {
        var (uzovi, agb) = await ProviderWithPlacesAsync(free: 5);
        var holds = Enumerable.Range(0, 200).Select(i => NewHold(agb, i)).ToArray();

        var outcomes = await Task.WhenAll(holds.Select(h => Task.Run(async () => (await Holds.HoldAsync(h, Owner)).Outcome)));

        Assert.Equal(5, outcomes.Count(o => o == HoldOutcome.Held));
        Assert.Equal(195, outcomes.Count(o => o == HoldOutcome.NoPlace));
        var search = await app.FindAsync(TestData.Search(Area, uzovi, Nursing));
        var excluded = search.Exclusions.Single(e => e.Provider.Agb == agb);
        Assert.Equal(ExclusionReason.NoCapacity, excluded.Reason);
        Assert.Contains("5 held", excluded.Detail);
        Assert.Equal(5, await PublishedAsync(agb)); // holds take from the figure, they do not rewrite it
    }

    [Fact]
    public async Task HoldsRacingThroughTwoServiceInstancesStillGetExactlyFive()
    {
        var (_, agb) = await ProviderWithPlacesAsync(free: 5);
        await using var second = await app.StartSecondInstanceAsync();
        var stores = new[] { Holds, second.Services.GetRequiredService<HoldStore>() };

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 240).Select(i => Task.Run(async () => (await stores[i % 2].HoldAsync(NewHold(agb, i), Owner)).Outcome)));

        Assert.Equal(5, outcomes.Count(o => o == HoldOutcome.Held));
        var figure = (await app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agb })).Figures.Single();
        Assert.Equal((5, 5), (figure.FreePlaces, figure.HeldPlaces)); // all five held, none over
    }

    [Fact]
    public async Task ReleasedPlaceIsFreeAgainAndAConsumedOneIsGoneForGood()
    {
        var (uzovi, agb) = await ProviderWithPlacesAsync(free: 2);
        var first = NewHold(agb, 1);
        var second = NewHold(agb, 2);
        Assert.Equal(HoldOutcome.Held, (await Holds.HoldAsync(first, Owner)).Outcome);
        Assert.Equal(HoldOutcome.Held, (await Holds.HoldAsync(second, Owner)).Outcome);
        Assert.Equal("NoCapacity", (await app.FindAsync(TestData.Search(Area, uzovi, Nursing))).VerdictFor(agb));

        Assert.True(await Holds.ReleaseAsync(1382, first.HoldId));
        Assert.True(await Holds.ConsumeAsync(1382, second.HoldId));
        Assert.False(await Holds.ReleaseAsync(1382, first.HoldId)); // each hold ends once
        Assert.False(await Holds.ConsumeAsync(1382, second.HoldId));

        var search = await app.FindAsync(TestData.Search(Area, uzovi, Nursing));
        Assert.Equal(1, search.Candidates.Single(c => c.Provider.Agb == agb).FreePlaces);
        Assert.Equal(1, await PublishedAsync(agb));
    }

    [Fact]
    public async Task RetriedHoldHoldsOnePlaceAndNoFigureMeansNoHold()
    {
        var (_, agb) = await ProviderWithPlacesAsync(free: 3);
        var hold = NewHold(agb);
        var withoutFigure = NewHold(agb) with { CareType = CareType.NightCare };

        Assert.Equal(HoldOutcome.Held, (await Holds.HoldAsync(hold, Owner)).Outcome);
        Assert.Equal(HoldOutcome.AlreadyHeld, (await Holds.HoldAsync(hold, Owner)).Outcome);
        Assert.Equal(HoldOutcome.NoCapacity, (await Holds.HoldAsync(withoutFigure, Owner)).Outcome);

        var figure = (await app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agb })).Figures.Single();
        Assert.Equal((3, 1), (figure.FreePlaces, figure.HeldPlaces));
    }

    [Fact]
    public async Task APlaceGoesBackOnlyWhenNoCallHoldsItAndNeverOnceItsOfferIsRecorded()
    {
        var (_, agb) = await ProviderWithPlacesAsync(free: 2);
        var shared = NewHold(agb, 1);
        var recorded = NewHold(agb, 2);
        Assert.Equal(HoldOutcome.Held, (await Holds.HoldAsync(shared, "call-a")).Outcome);
        Assert.Equal(HoldOutcome.AlreadyHeld, (await Holds.HoldAsync(shared, "call-b")).Outcome); // a twin finds it
        Assert.Equal(HoldOutcome.Held, (await Holds.HoldAsync(recorded, "call-a")).Outcome);
        await Holds.RecordAsync(recorded);

        var afterA = (await Holds.AbandonAsync(1382, shared.HoldId, "call-a"), await Holds.AbandonAsync(1382, recorded.HoldId, "call-a"));
        var heldAfterA = (await app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agb })).Figures.Single().HeldPlaces;
        var afterB = await Holds.AbandonAsync(1382, shared.HoldId, "call-b");
        var heldAfterB = (await app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agb })).Figures.Single().HeldPlaces;

        Assert.Equal((false, false), afterA); // b still holds the one; the other's offer is recorded
        Assert.Equal(2, heldAfterA);
        Assert.True(afterB);
        Assert.Equal(1, heldAfterB);
        Assert.Equal(HoldOutcome.Held, (await Holds.HoldAsync(shared, "call-c")).Outcome); // given back without a marker: a retry may hold again
    }

    [Fact]
    public async Task TheEndOfARecordedOfferLeavesAMarkerEvenWhenItsHoldIsGoneSoNoTwinHoldsForIt()
    {
        var (_, agb) = await ProviderWithPlacesAsync(free: 1);
        var hold = NewHold(agb);

        Assert.False(await Holds.ReleaseAsync(1382, hold.HoldId)); // nothing held under this id (any more)

        Assert.Equal(HoldOutcome.Ended, (await Holds.HoldAsync(hold, "late-twin")).Outcome);
        Assert.Equal(1, await app.AvailableAsync(agb));
    }
}
