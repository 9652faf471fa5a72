using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static Capacity.Service.Tests.Infrastructure.RpcAssertions;

namespace Capacity.Service.Tests.Outlook;

/// <summary>
/// The 7-day outlook (docs/INSIGHT-outlook.md): expected free places per coming day, published with
/// a figure, used by searches and offers starting on such a day, summed by regions. Each test gets a
/// host (and clock) of its own: some move the clock.
/// </summary>
public sealed class OutlookTests : IAsyncLifetime
{
    const string Patient = "1183", Nearby = "1181";
    static readonly CareType Nursing = CareType.DistrictNursing;
    static readonly DateOnly Today = CapacityApp.Today;
    readonly CapacityApp app = new CapacityApp().With("Matching:FreshnessWindow", "7.00:00:00"); // figures stay fresh while the clock moves days

    public ValueTask InitializeAsync() => app.InitializeAsync();

    public ValueTask DisposeAsync() => app.DisposeAsync();

    static DailyExpectation Day(int ahead, int free) => new() { Date = Today.AddDays(ahead).ToDate(), FreePlaces = free };

    async Task<CapacityWriteResult> PublishAsync(string agb, int free, long version, params DailyExpectation[] outlook) =>
        (await app.Capacity.SetCapacityAsync(new SetCapacityRequest
        {
            Agb = agb, Pc4 = Patient, CareType = Nursing, FreePlaces = free, Version = version, Outlook = { outlook },
        })).Results.Single();

    async Task<(string Uzovi, string Agb)> ProviderAsync(string? uzovi = null)
    {
        uzovi ??= await app.AddInsurerAsync();
        var agb = await app.AddProviderAsync(Nearby, [Nearby, Patient]);
        await app.ContractAsync(agb, uzovi, Nursing);
        return (uzovi, agb);
    }

    [Fact]
    public async Task AProviderFullTodayWithTwoExpectedOnDayThreeIsACandidateForDayThreeOnly()
    {
        var (uzovi, agb) = await ProviderAsync();
        await PublishAsync(agb, 0, 1, Day(3, 2));

        var today = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing, Today));
        var dayTwo = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing, Today.AddDays(2)));
        var dayThree = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing, Today.AddDays(3)));

        Assert.Equal("NoCapacity", today.VerdictFor(agb));
        Assert.Equal("NoCapacity", dayTwo.VerdictFor(agb)); // no expectation for day 2: the figure (0) counts
        var candidate = dayThree.Candidates.Single(c => c.Provider.Agb == agb);
        Assert.Equal((2, true, Today.AddDays(3)), (candidate.FreePlaces, candidate.Expected, candidate.ExpectedFor.AsDay()));
        Assert.Equal(Today.AddDays(3), candidate.AvailableFrom.AsDay());
    }

    [Fact]
    public async Task AProviderWithRoomTodayButNoneExpectedOnDayTwoIsExcludedForDayTwoWithAReason()
    {
        var (uzovi, agb) = await ProviderAsync();
        await PublishAsync(agb, 4, 1, Day(2, 0), Day(5, 1));

        var today = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing, Today));
        var dayTwo = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing, Today.AddDays(2)));
        var dayFour = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing, Today.AddDays(4)));

        var now = today.Candidates.Single(c => c.Provider.Agb == agb);
        Assert.Equal((4, false), (now.FreePlaces, now.Expected));
        Assert.Null(now.ExpectedFor);
        var excluded = dayTwo.Exclusions.Single(e => e.Provider.Agb == agb);
        Assert.Equal(ExclusionReason.NoCapacity, excluded.Reason);
        Assert.Equal($"expected full on {Today.AddDays(2):yyyy-MM-dd}: no free places expected", excluded.Detail);
        // A day the outlook does not name: the published figure, as before.
        Assert.Equal((4, false), dayFour.Candidates.Single(c => c.Provider.Agb == agb) is var c4 ? (c4.FreePlaces, c4.Expected) : default);
    }

    [Fact]
    public async Task AnExpectationIsIgnoredOnceItsDayHasCome()
    {
        var (uzovi, agb) = await ProviderAsync();
        await PublishAsync(agb, 0, 1, Day(1, 3), Day(2, 5));
        var before = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing, Today.AddDays(2)));

        app.Time.Advance(TimeSpan.FromDays(2)); // day 2 is today now: its figure counts, not the expectation
        var onTheDay = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing, Today.AddDays(2)));
        var own = (await app.Capacity.GetProviderCapacityAsync(new() { Agb = agb })).Figures.Single();

        Assert.Equal(5, before.Candidates.Single(c => c.Provider.Agb == agb).FreePlaces);
        Assert.Equal("NoCapacity", onTheDay.VerdictFor(agb));
        Assert.Empty(own.Outlook); // both days have come: none listed
    }

    [Fact]
    public async Task AFigureWrittenWithoutAnOutlookClearsTheOldOne()
    {
        var (uzovi, agb) = await ProviderAsync();
        await PublishAsync(agb, 0, 1, Day(3, 2));
        var withOutlook = (await app.Capacity.GetProviderCapacityAsync(new() { Agb = agb })).Figures.Single();

        await PublishAsync(agb, 0, 2);

        var after = (await app.Capacity.GetProviderCapacityAsync(new() { Agb = agb })).Figures.Single();
        var search = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing, Today.AddDays(3)));
        Assert.Equal([(Today.AddDays(3), 2)], withOutlook.Outlook.Select(d => (d.Date.AsDay(), d.FreePlaces)));
        Assert.Empty(after.Outlook);
        Assert.Equal("NoCapacity", search.VerdictFor(agb));
        Assert.False(await app.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase().HashExistsAsync($"cap:{{{Patient}}}:o", $"{agb}:{(int)Nursing}"));
    }

    [Fact]
    public async Task AnOutlookWithAnOutdatedFigureIsNotStored()
    {
        var (uzovi, agb) = await ProviderAsync();
        await PublishAsync(agb, 1, 5);

        var outdated = await PublishAsync(agb, 0, 4, Day(2, 9));

        var own = (await app.Capacity.GetProviderCapacityAsync(new() { Agb = agb })).Figures.Single();
        Assert.False(outdated.Applied);
        Assert.Equal((5L, 1), (own.Version, own.FreePlaces));
        Assert.Empty(own.Outlook);
        Assert.Equal((1, false), (await app.FindAsync(TestData.Search(Patient, uzovi, Nursing, Today.AddDays(2)))).Candidates.Single() is var c ? (c.FreePlaces, c.Expected) : default);
    }

    [Fact]
    public async Task ABadOutlookIsRefusedByFieldAndNothingIsStored()
    {
        var (_, agb) = await ProviderAsync();

        await AssertReasonsAsync(() => app.Capacity.SetCapacityAsync(new SetCapacityRequest
            {
                Agb = agb, Pc4 = Patient, CareType = Nursing, FreePlaces = 1, Version = 1,
                Outlook = { Day(0, 1), Day(8, 1), Day(2, 1), Day(2, 3), Day(3, -1), new DailyExpectation { Date = new Google.Type.Date { Year = 2026, Month = 2, Day = 30 } } },
            }).ResponseAsync,
            ("outlook[0].date", "OUTLOOK_DAY_RANGE"), ("outlook[1].date", "OUTLOOK_DAY_RANGE"), ("outlook[3].date", "OUTLOOK_DAY_DUPLICATE"),
            ("outlook[4].free_places", "NUMBER_RANGE"), ("outlook[5].date", "DATE_INVALID"));
        var batch = await Assert.ThrowsAsync<RpcException>(() => app.Capacity.UpdateCapacityAsync(new UpdateCapacityRequest
        {
            Agb = agb,
            Figures =
            {
                new SetCapacityRequest { Pc4 = Patient, CareType = Nursing, FreePlaces = 1, Version = 1, Outlook = { Day(1, 1) } },
                new SetCapacityRequest { Pc4 = Nearby, CareType = Nursing, FreePlaces = 1, Version = 1, Outlook = { Day(9, 1) } },
            },
        }).ResponseAsync);

        Assert.Equal(["figures[1].outlook[0].date"], batch.BadRequest().FieldViolations.Select(v => v.Field));
        Assert.Empty((await app.Capacity.GetProviderCapacityAsync(new() { Agb = agb })).Figures);
    }

    [Fact]
    public async Task RegionsSumTheComingWeekWithExpectationsOrElseThePublishedFigure()
    {
        var (uzovi, a) = await ProviderAsync();
        var (_, b) = await ProviderAsync(uzovi);
        var (_, c) = await ProviderAsync(uzovi);
        await PublishAsync(a, 0, 1, Day(1, 2), Day(3, 4));          // full today, expects 2 tomorrow and 4 on day 3
        await PublishAsync(b, 3, 1, Day(2, 0));                     // 3 now, none on day 2, its figure on other days
        await app.PublishAsync(c, Patient, Nursing, 5, version: 1, availableFrom: Today.AddDays(4)); // no outlook: 5 from day 4

        var region = await app.Regions.GetRegionalAvailabilityAsync(new GetRegionalAvailabilityRequest
        {
            Pc4S = new Pc4List { Pc4S = { Patient } }, CareTypes = { Nursing },
        });

        var area = region.Areas.Single().CareTypes.Single();
        // Per day 1..7: a = 2,0,4,0,0,0,0; b = 3,0,3,3,3,3,3; c = 0,0,0,5,5,5,5.
        Assert.Equal(Enumerable.Range(1, 7).Select(d => Today.AddDays(d)), area.Outlook.Select(d => d.Date.AsDay()));
        Assert.Equal([5, 0, 7, 8, 8, 8, 8], area.Outlook.Select(d => d.FreePlaces));
        Assert.Equal([1, 1, 1, 0, 0, 0, 0], area.Outlook.Select(d => d.ProvidersExpecting));
        Assert.Equal([2, 0, 2, 2, 2, 2, 2], area.Outlook.Select(d => d.ProvidersWithRoom));
        Assert.Equal(3, area.FreePlaces); // today's figure is unchanged by the outlook
        Assert.Equal(area.Outlook, region.Totals.Single().Outlook);
    }

    [Fact]
    public async Task TwoReferralsNeverGetTheSameLastExpectedPlace()
    {
        var (uzovi, agb) = await ProviderAsync();
        await PublishAsync(agb, 0, 1, Day(2, 1), Day(3, 1));
        var day = Today.AddDays(2);
        async Task<Referral> ReferralAsync()
        {
            var request = ReferralData.NewReferral(uzovi, Patient);
            request.Search.StartDate = day.ToDate();
            return await app.CreateAsync(request);
        }
        var first = await ReferralAsync();
        var second = await ReferralAsync();

        var held = await app.OfferAsync(first.Id, agb);
        var refused = await app.OfferAsync(second.Id, agb);
        await app.AnswerAsync(held.Referral, agb, accept: true);
        var stillRefused = await app.OfferAsync(second.Id, agb);
        var afterAccept = await app.FindAsync(TestData.Search(Patient, uzovi, Nursing, Today.AddDays(3)));

        Assert.Equal(OfferState.Pending, held.Referral.Offers.Single().State);
        Assert.Empty(refused.Referral.Offers);
        Assert.Equal(agb, refused.Rejected.Single().ProviderAgb);
        Assert.Empty(stillRefused.Referral.Offers);
        // The accepted client takes its place on every expected day: day 3's one place is gone too.
        Assert.Equal("NoCapacity", afterAccept.VerdictFor(agb));
    }
}

static class OutlookDates
{
    public static DateOnly AsDay(this Google.Type.Date d) => new(d.Year, d.Month, d.Day);
}
