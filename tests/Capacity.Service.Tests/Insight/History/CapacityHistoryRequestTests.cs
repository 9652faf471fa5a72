using Capacity.Service.Shared;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Google.Protobuf.WellKnownTypes;
using static Capacity.Service.Tests.Infrastructure.RpcAssertions;

namespace Capacity.Service.Tests.Insight.History;

/// <summary>GetCapacityHistory's limits: each bad field named, and per-area series paged in a fixed order.</summary>
public sealed class CapacityHistoryRequestTests(CapacityApp app) : IClassFixture<CapacityApp>
{
    InsightService.InsightServiceClient Insight => new(app.CreateChannel());

    DateTimeOffset Now => app.Time.GetUtcNow();

    GetCapacityHistoryRequest Valid(HistoryResolution resolution = HistoryResolution.Hour) => new()
    {
        Municipality = "Amstelveen",
        From = Timestamp.FromDateTimeOffset(Now.AddDays(-2)),
        To = Timestamp.FromDateTimeOffset(Now),
        Resolution = resolution,
    };

    Task Ask(GetCapacityHistoryRequest request) => Insight.GetCapacityHistoryAsync(request).ResponseAsync;

    [Fact]
    public async Task RegionAndPeriodAreRequired() =>
        await AssertReasonsAsync(() => Ask(new GetCapacityHistoryRequest()),
            ("region", Reasons.ChoiceRequired), ("from", Reasons.Required), ("to", Reasons.Required));

    [Fact]
    public async Task ToMustComeAfterFrom()
    {
        var request = Valid();
        request.To = request.From;
        await AssertReasonsAsync(() => Ask(request), ("to", Reasons.DateBeforeStart));
    }

    [Fact]
    public async Task HoursAreAtMost31DaysWithinTheLast35()
    {
        var tooLong = Valid();
        tooLong.From = Timestamp.FromDateTimeOffset(Now.AddDays(-32));
        await AssertReasonsAsync(() => Ask(tooLong), ("to", Reasons.DateTooFar));

        var tooOld = Valid();
        tooOld.From = Timestamp.FromDateTimeOffset(Now.AddDays(-40));
        tooOld.To = Timestamp.FromDateTimeOffset(Now.AddDays(-39));
        await AssertReasonsAsync(() => Ask(tooOld), ("from", Reasons.DateInPast));

        // The same period by day is fine.
        tooOld.Resolution = HistoryResolution.Day;
        Assert.Equal(2, (await Insight.GetCapacityHistoryAsync(tooOld)).Series[0].Points.Count);
    }

    [Fact]
    public async Task DaysAreAtMost731AndNotMoreThanADayAhead()
    {
        var tooLong = Valid(HistoryResolution.Day);
        tooLong.From = Timestamp.FromDateTimeOffset(Now.AddDays(-800));
        await AssertReasonsAsync(() => Ask(tooLong), ("to", Reasons.DateTooFar));

        var ahead = Valid(HistoryResolution.Day);
        ahead.To = Timestamp.FromDateTimeOffset(Now.AddDays(2));
        await AssertReasonsAsync(() => Ask(ahead), ("to", Reasons.DateTooFar));
    }

    [Fact]
    public async Task EveryOtherBadFieldIsNamed()
    {
        var request = Valid();
        request.Municipality = "Atlantis";
        request.CareTypes.Add((CareType)99);
        request.PageSize = 201;
        await AssertReasonsAsync(() => Ask(request),
            ("municipality", Reasons.MunicipalityUnknown), ("care_types", Reasons.CareTypeUnknown), ("page_size", Reasons.NumberRange));

        var areas = Valid();
        areas.Pc4S = new Pc4List { Pc4S = { "1181", "0000" } };
        await AssertReasonsAsync(() => Ask(areas), ("pc4s.pc4s", Reasons.PostcodeUnknown));

        var token = Valid();
        token.PageToken = "bm90LWEtdG9rZW4";
        await AssertReasonsAsync(() => Ask(token), ("page_token", Reasons.PageTokenInvalid));
    }

    [Fact]
    public async Task PerAreaSeriesArePagedByAreaAndCareType()
    {
        var request = Valid();
        request.CareTypes.Add(CareType.DistrictNursing);
        request.PerArea = true;
        request.PageSize = 4;
        var seen = new List<string>();
        do
        {
            var page = await Insight.GetCapacityHistoryAsync(request);
            Assert.True(page.Series.Count <= 4);
            Assert.All(page.Series, s => Assert.Equal(48, s.Points.Count)); // the 48 clock hours before now (10:00)
            seen.AddRange(page.Series.Select(s => s.Pc4));
            request.PageToken = page.NextPageToken;
        } while (request.PageToken.Length > 0);
        Assert.Equal(["1181", "1182", "1183", "1184", "1185", "1186", "1187", "1188", "1189"], seen);
    }
}
