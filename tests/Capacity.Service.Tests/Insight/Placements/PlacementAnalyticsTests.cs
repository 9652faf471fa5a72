using Capacity.Service.Insight.Placements;
using Capacity.Service.Referrals;
using Capacity.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using static Capacity.Service.Tests.Infrastructure.RpcAssertions;

namespace Capacity.Service.Tests.Insight.Placements;

/// <summary>The figures of <see cref="PlacementScenario"/>, computed by hand from its script.</summary>
public sealed class PlacementAnalyticsTests(PlacementScenario s) : IClassFixture<PlacementScenario>
{
    Task<GetPlacementAnalyticsResponse> AskAsync(Action<GetPlacementAnalyticsRequest> scope, RegionGrouping grouping = RegionGrouping.None, int size = 0, string token = "")
    {
        var request = new GetPlacementAnalyticsRequest { Period = PlacementScenario.June, Grouping = grouping, PageSize = size, PageToken = token };
        scope(request);
        return s.Insight.GetPlacementAnalyticsAsync(request).ResponseAsync;
    }

    static Duration Minutes(int m) => Duration.FromTimeSpan(TimeSpan.FromMinutes(m));

    static Duration Days(int d) => Duration.FromTimeSpan(TimeSpan.FromDays(d));

    static CellCount Exact(long n) => new() { Value = n };

    static readonly CellCount Hidden = new() { BelowMinimum = true };

    [Fact]
    public async Task TheDeskSeesEveryFigureOfItsInsuredExactly()
    {
        var cell = (await AskAsync(r => r.InsurerUzovi = s.U)).Cells.Single();

        Assert.Equal(("2026-06", "", CareType.DistrictNursing), (cell.Month, cell.MunicipalityCode, cell.CareType));
        Assert.Equal([6, 2, 3, 1, 1], new[] { cell.Referrals, cell.Placed, cell.Escalated, cell.Cancelled, cell.Open }.Select(c => c.Value));
        Assert.Equal([(ClosureOutcome.PatientDeclined, Exact(1)), (ClosureOutcome.NoCareFound, Exact(1))], cell.Closed.Select(c => (c.Outcome, c.Count)));
        Assert.Equal([7, 2, 1, 1], new[] { cell.Offers, cell.Accepted, cell.Expired, cell.Withdrawn }.Select(c => c.Value));
        Assert.Equal([(DeclineReason.NoCapacity, Exact(1)), (DeclineReason.TravelDistance, Exact(1)), (DeclineReason.PatientPreference, Exact(1))],
            cell.Declined.Select(d => (d.Reason, d.Count)));
        // First offers after 10, 20, 5 and 15 minutes: median (2nd of 4) 10, p90 (4th) 20.
        Assert.Equal((Exact(4), Minutes(10), Minutes(20)), (cell.ToFirstOffer.Count, cell.ToFirstOffer.Median, cell.ToFirstOffer.P90));
        // Accepted after 40 and 90 minutes; care from 2 and 1 days after the day of creation.
        Assert.Equal((Exact(2), Minutes(40), Minutes(90)), (cell.ToAcceptance.Count, cell.ToAcceptance.Median, cell.ToAcceptance.P90));
        Assert.Equal((Exact(2), Days(1), Days(2)), (cell.ToCareStart.Count, cell.ToCareStart.Median, cell.ToCareStart.P90));
        Assert.Equal((true, 0.4), (cell.AcceptanceKnown, cell.AcceptanceRate)); // 2 accepted of 5 answered
        Assert.Null(cell.ToAnswer);
    }

    [Fact]
    public async Task AProviderSeesItsOwnOffersExactly()
    {
        var a = (await AskAsync(r => r.ProviderAgb = s.A)).Cells.Single();
        var b = (await AskAsync(r => r.ProviderAgb = s.B)).Cells.Single();

        // A: R1 accepted after 30 minutes, R2 declined after 30 minutes, R3 expired.
        Assert.Equal([3, 1, 0, 0, 0, 0], new[] { a.Referrals, a.Placed, a.Open, a.Escalated, a.Cancelled, a.Withdrawn }.Select(c => c.Value));
        Assert.Equal([3, 1, 1], new[] { a.Offers, a.Accepted, a.Expired }.Select(c => c.Value));
        Assert.Equal([(DeclineReason.TravelDistance, Exact(1))], a.Declined.Select(d => (d.Reason, d.Count)));
        Assert.Empty(a.Closed);
        Assert.Equal((Exact(2), Minutes(30), Minutes(30)), (a.ToAnswer.Count, a.ToAnswer.Median, a.ToAnswer.P90));
        Assert.Equal((true, 0.5), (a.AcceptanceKnown, a.AcceptanceRate));
        Assert.Equal((Exact(3), Minutes(10), Minutes(20)), (a.ToFirstOffer.Count, a.ToFirstOffer.Median, a.ToFirstOffer.P90)); // 10, 20, 5
        // B: withdrawn from R1, declined R2 after 10 minutes and R5 after 5.
        Assert.Equal([3, 0, 3, 1], new[] { b.Referrals, b.Placed, b.Offers, b.Withdrawn }.Select(c => c.Value));
        Assert.Equal([(DeclineReason.NoCapacity, Exact(1)), (DeclineReason.PatientPreference, Exact(1))], b.Declined.Select(d => (d.Reason, d.Count)));
        Assert.Equal((true, 0.0), (b.AcceptanceKnown, b.AcceptanceRate));
        Assert.Equal((Exact(2), Minutes(5), Minutes(10)), (b.ToAnswer.Count, b.ToAnswer.Median, b.ToAnswer.P90));
    }

    [Fact]
    public async Task AMunicipalitySeesAggregatesWithCountsBelowFiveHidden()
    {
        var cell = (await AskAsync(r => r.Municipality = "Amstelveen", RegionGrouping.Municipality)).Cells.Single();

        Assert.Equal(("GM0362", "Amstelveen"), (cell.MunicipalityCode, cell.Municipality));
        Assert.Equal(Exact(5), cell.Referrals); // R1–R5
        Assert.Equal(Exact(7), cell.Offers);
        Assert.All(new[] { cell.Placed, cell.Escalated, cell.Cancelled, cell.Accepted, cell.Expired, cell.Withdrawn }, c => Assert.Equal(Hidden, c));
        Assert.Equal(Exact(0), cell.Open);
        Assert.All(cell.Declined.Select(d => d.Count).Concat(cell.Closed.Select(c => c.Count)), c => Assert.Equal(Hidden, c));
        // Times over 4 and 2 referrals are hidden; the share over 5 answers is not.
        Assert.Equal((Hidden, null, null), (cell.ToFirstOffer.Count, cell.ToFirstOffer.Median, cell.ToFirstOffer.P90));
        Assert.Equal((Hidden, null), (cell.ToAcceptance.Count, cell.ToAcceptance.Median));
        Assert.Equal((true, 0.4), (cell.AcceptanceKnown, cell.AcceptanceRate));
    }

    [Fact]
    public async Task TheNationalFiguresAreAggregatesOfEveryInsurer()
    {
        var response = await AskAsync(r => r.National = true);
        var cell = response.Cells.Single();

        Assert.Equal([12, 9, 7], new[] { cell.Referrals, cell.Escalated, cell.Offers }.Select(c => c.Value));
        Assert.Equal([(ClosureOutcome.PatientDeclined, Hidden), (ClosureOutcome.NoCareFound, Exact(6))], cell.Closed.Select(c => (c.Outcome, c.Count)));
        Assert.Equal((Hidden, Hidden), (cell.Placed, cell.Open)); // 2 and 2
        Assert.Equal(cell.Referrals, response.Totals.Single().Referrals);
        Assert.Equal("", response.Totals.Single().Month);
    }

    [Fact]
    public async Task CellsPerMunicipalityAndAreaArePagedWithTotalsOnEveryPage()
    {
        var first = await AskAsync(r => r.InsurerUzovi = s.U, RegionGrouping.Municipality, size: 1);
        var second = await AskAsync(r => r.InsurerUzovi = s.U, RegionGrouping.Municipality, size: 1, token: first.NextPageToken);
        var areas = await AskAsync(r => r.InsurerUzovi = s.U, RegionGrouping.Pc4);

        Assert.Equal([("GM0358", "Aalsmeer", 1L), ("GM0362", "Amstelveen", 5L)],
            first.Cells.Concat(second.Cells).Select(c => (c.MunicipalityCode, c.Municipality, c.Referrals.Value)));
        Assert.Empty(second.NextPageToken);
        Assert.All([first, second], page => Assert.Equal(6, page.Totals.Single().Referrals.Value));
        Assert.Equal([("GM0358", "1431"), ("GM0362", "1183")], areas.Cells.Select(c => (c.MunicipalityCode, c.Pc4)));
        await AssertInvalidAsync(() => AskAsync(r => r.InsurerUzovi = s.U2, RegionGrouping.Municipality, token: first.NextPageToken), "page_token");
    }

    [Fact]
    public async Task APeriodOutsideTheReferralsOrOfOtherCareTypesCountsNothing()
    {
        var july = new DateRange { From = new Google.Type.Date { Year = 2026, Month = 7, Day = 1 }, To = new Google.Type.Date { Year = 2026, Month = 7, Day = 31 } };
        var later = await s.Insight.GetPlacementAnalyticsAsync(new GetPlacementAnalyticsRequest { InsurerUzovi = s.U, Period = july });
        var otherType = await s.Insight.GetPlacementAnalyticsAsync(new GetPlacementAnalyticsRequest { InsurerUzovi = s.U, Period = PlacementScenario.June, CareTypes = { CareType.NightCare } });

        Assert.Empty(later.Cells);
        Assert.Empty(otherType.Totals);
    }

    [Fact]
    public async Task ReplayedFollowUpsCountNothingTwice()
    {
        var before = await AskAsync(r => r.National = true, RegionGrouping.Pc4);
        var desk = await AskAsync(r => r.InsurerUzovi = s.U);
        var committer = s.App.Services.GetRequiredService<ReferralCommitter>();
        foreach (var id in s.ReferralIds) await committer.ReplayAsync(id);
        foreach (var id in s.ReferralIds) await committer.ReplayAsync(id);

        Assert.Equal(before, await AskAsync(r => r.National = true, RegionGrouping.Pc4));
        Assert.Equal(desk, await AskAsync(r => r.InsurerUzovi = s.U));
    }

    [Fact]
    public async Task AMonthsFactsExpireTwentyFiveMonthsAfterTheMonth()
    {
        var db = s.App.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

        var expiry = await db.KeyExpireTimeAsync(PlacementStore.Keys.Insurer(s.U, "2026-06"));

        Assert.Equal(new DateTime(2028, 8, 2, 0, 0, 0, DateTimeKind.Utc), expiry); // July 2028 is the 25th month after June 2026; a day's margin
        Assert.Equal(6, await db.HashLengthAsync(PlacementStore.Keys.Insurer(s.U, "2026-06")));
    }

    [Fact]
    public async Task BadRequestsNameTheirFields()
    {
        var analytics = s.Insight;
        Task Ask(GetPlacementAnalyticsRequest r) => analytics.GetPlacementAnalyticsAsync(r).ResponseAsync;
        var twoYears = new DateRange { From = new Google.Type.Date { Year = 2025, Month = 1, Day = 1 }, To = new Google.Type.Date { Year = 2027, Month = 1, Day = 1 } };
        var backwards = new DateRange { From = PlacementScenario.June.To, To = PlacementScenario.June.From };

        await AssertInvalidAsync(() => Ask(new GetPlacementAnalyticsRequest { InsurerUzovi = s.U }), "period");
        await AssertInvalidAsync(() => Ask(new GetPlacementAnalyticsRequest { InsurerUzovi = s.U, Period = twoYears }), "period"); // 25 months
        await AssertInvalidAsync(() => Ask(new GetPlacementAnalyticsRequest { InsurerUzovi = s.U, Period = backwards }), "period.to");
        await AssertInvalidAsync(() => Ask(new GetPlacementAnalyticsRequest { InsurerUzovi = "12", Period = PlacementScenario.June }), "insurer_uzovi");
        await AssertInvalidAsync(() => Ask(new GetPlacementAnalyticsRequest { Municipality = "Atlantis", Period = PlacementScenario.June }), "municipality");
        await AssertInvalidAsync(() => Ask(new GetPlacementAnalyticsRequest { Period = PlacementScenario.June }), "scope");
        await AssertInvalidAsync(() => Ask(new GetPlacementAnalyticsRequest { National = true, Period = PlacementScenario.June, PageSize = 501 }), "page_size");
        await AssertInvalidAsync(() => Ask(new GetPlacementAnalyticsRequest { National = true, Period = PlacementScenario.June, CareTypes = { (CareType)99 } }), "care_types[0]");
    }
}
