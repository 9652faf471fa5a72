using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;

namespace Capacity.Service.Tests.Matching;

/// <summary>
/// Rules whose outcome depends on the passing of time. Each test moves the clock, so each gets
/// a host (and clock) of its own.
/// </summary>
public sealed class ClockDependentRuleTests : IAsyncLifetime
{
    const string Patient = "1183", Nearby = "1181", AlsoNearby = "1186";
    static readonly CareType Nursing = CareType.DistrictNursing;
    readonly CapacityApp app = new();

    public ValueTask InitializeAsync() => app.InitializeAsync();

    public ValueTask DisposeAsync() => app.DisposeAsync();

    [Fact]
    public async Task CapacityOlderThanTheFreshnessWindowIsStaleUntilRepublished()
    {
        var uzovi = await app.AddInsurerAsync();
        var agb = await app.AddProviderAsync(Nearby, [Nearby, Patient]);
        await app.ContractAsync(agb, uzovi, Nursing);
        await app.PublishAsync(agb, Patient, Nursing, 3);
        var publishedAt = app.Time.GetUtcNow();

        app.Time.Advance(TimeSpan.FromHours(23));
        var stillFresh = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing));
        app.Time.Advance(TimeSpan.FromHours(2));
        var stale = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing));
        await app.PublishAsync(agb, Patient, Nursing, 3);
        var republished = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing));

        Assert.Equal(TimeSpan.FromHours(23), stillFresh.Candidates.Single(c => c.Provider.Agb == agb).CapacityAge.ToTimeSpan());
        var exclusion = stale.Exclusions.Single(e => e.Provider.Agb == agb);
        Assert.Equal(ExclusionReason.StaleCapacity, exclusion.Reason);
        Assert.Equal(publishedAt, exclusion.CapacityPublishedAt.ToDateTimeOffset());
        Assert.Equal("Candidate", republished.VerdictFor(agb));
    }

    [Fact]
    public async Task AProviderReadsTheFreshnessWindowThatSearchesApply()
    {
        await using var sixHours = new CapacityApp().With("Matching:FreshnessWindow", "06:00:00");
        await sixHours.InitializeAsync();
        var uzovi = await sixHours.AddInsurerAsync();
        var agb = await sixHours.AddProviderAsync(Nearby, [Patient]);
        await sixHours.ContractAsync(agb, uzovi, Nursing);
        await sixHours.PublishAsync(agb, Patient, Nursing, 3);

        var own = await sixHours.Capacity.GetProviderCapacityAsync(new() { Agb = agb });
        Assert.Equal(TimeSpan.FromHours(6), own.FreshnessWindow.ToTimeSpan());
        sixHours.Time.Advance(own.FreshnessWindow.ToTimeSpan() + TimeSpan.FromMinutes(1));
        var exclusion = (await sixHours.FindAsync(TestData.Search(Patient, uzovi, Nursing))).Exclusions.Single(e => e.Provider.Agb == agb);
        Assert.Equal(ExclusionReason.StaleCapacity, exclusion.Reason);
    }

    [Fact]
    public async Task WhenSeveralRulesFailTheFirstInRuleOrderIsReported()
    {
        var uzovi = await app.AddInsurerAsync();
        // Not contracted, outside the area and without capacity: NOT_CONTRACTED wins.
        var uncontracted = await app.AddProviderAsync(AlsoNearby, [AlsoNearby]);
        // Stopped, unqualified for PTZ... but PTZ passes stops, so: stopped and unqualified for dementia care.
        var stoppedAndUnqualified = await app.AddProviderAsync(Nearby, [Patient]);
        await app.ContractAsync(stoppedAndUnqualified, uzovi, CareType.DementiaCaseManagement);
        await app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest
        {
            Stop = new ClientStop { ProviderAgb = stoppedAndUnqualified, From = CapacityApp.Today.ToDate(), Reason = ClientStopReason.CostCeiling },
        });
        // Unqualified and outside the area: NOT_QUALIFIED wins.
        var unqualifiedOutside = await app.AddProviderAsync(AlsoNearby, [AlsoNearby]);
        await app.ContractAsync(unqualifiedOutside, uzovi, CareType.DementiaCaseManagement);
        // Outside the area and without capacity: OUTSIDE_AREA wins.
        var outsideEmpty = await app.AddProviderAsync(AlsoNearby, [AlsoNearby], new Qualifications { DementiaNetwork = true });
        await app.ContractAsync(outsideEmpty, uzovi, CareType.DementiaCaseManagement);
        // Full and stale: NO_CAPACITY wins.
        var fullAndStale = await app.AddProviderAsync(Nearby, [Patient], new Qualifications { DementiaNetwork = true });
        await app.ContractAsync(fullAndStale, uzovi, CareType.DementiaCaseManagement);
        await app.PublishAsync(fullAndStale, Patient, CareType.DementiaCaseManagement, 0);
        app.Time.Advance(TimeSpan.FromDays(3));

        var result = await app.FindAsync(TestData.Search(Patient, uzovi, CareType.DementiaCaseManagement, CapacityApp.Today.AddDays(5)));

        Assert.Equal("NotContracted", result.VerdictFor(uncontracted));
        Assert.Equal("ClientStop", result.VerdictFor(stoppedAndUnqualified));
        Assert.Equal("NotQualified", result.VerdictFor(unqualifiedOutside));
        Assert.Equal("OutsideArea", result.VerdictFor(outsideEmpty));
        Assert.Equal("NoCapacity", result.VerdictFor(fullAndStale));
        // Exclusions are listed in rule order.
        var reasons = result.Exclusions.Select(e => e.Reason).ToArray();
        Assert.Equal(reasons.Order(), reasons);
    }

    [Fact]
    public async Task CandidatesAreRankedByDistanceThenFreePlacesThenFreshness()
    {
        var uzovi = await app.AddInsurerAsync();
        var far = await app.AddProviderAsync("1187", ["1187", Patient]);
        var nearFew = await app.AddProviderAsync(Nearby, [Nearby, Patient]);
        var nearManyOlder = await app.AddProviderAsync(Nearby, [Nearby, Patient]);
        var nearManyNewer = await app.AddProviderAsync(Nearby, [Nearby, Patient]);
        foreach (var agb in new[] { far, nearFew, nearManyOlder, nearManyNewer }) await app.ContractAsync(agb, uzovi, Nursing);
        await app.PublishAsync(far, Patient, Nursing, 9);
        await app.PublishAsync(nearFew, Patient, Nursing, 1);
        await app.PublishAsync(nearManyOlder, Patient, Nursing, 4);
        app.Time.Advance(TimeSpan.FromMinutes(10));
        await app.PublishAsync(nearManyNewer, Patient, Nursing, 4);

        var result = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing));

        Assert.Equal([nearManyNewer, nearManyOlder, nearFew, far], result.Candidates.Select(c => c.Provider.Agb));
        Assert.True(result.Candidates[2].DistanceKm < result.Candidates[3].DistanceKm);
    }

    [Fact]
    public async Task TodayIsTheDutchCalendarDayNotTheUtcDay()
    {
        var uzovi = await app.AddInsurerAsync();
        app.Time.SetUtcNow(new DateTimeOffset(2026, 6, 15, 22, 30, 0, TimeSpan.Zero)); // 00:30 on 16 June in Amsterdam (CEST)

        var e = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => app.FindAsync(TestData.Search(Patient, uzovi, Nursing, new DateOnly(2026, 6, 15))));
        var accepted = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing, new DateOnly(2026, 6, 16)));

        Assert.Contains("today is 2026-06-16", Assert.Single(e.BadRequest().FieldViolations).Description);
        Assert.Equal("1183", accepted.PatientPc4);
    }
}
