using Capacity.Service.Capacity;
using Capacity.Service.Insight.History;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Capacity.Service.Tests.Insight.History;

/// <summary>
/// Capacity history from a scripted day of publications at set clock times (the host's fake clock),
/// checked against figures worked out by hand: free places, the lowest free places, providers with
/// room and providers stopped per hour and per day, for one area and summed over two.
/// </summary>
public sealed class CapacityHistoryTests : IAsyncLifetime
{
    readonly CapacityApp _app = new();
    string _p1 = "", _p2 = "", _p3 = "", _uzovi = "";

    static DateTimeOffset At(int hour, int minute) => new(2026, 6, 15, hour, minute, 0, TimeSpan.Zero);

    InsightService.InsightServiceClient Insight(CapacityApp app) => new(app.CreateChannel());

    public async ValueTask InitializeAsync()
    {
        await _app.InitializeAsync();
        _uzovi = await _app.AddInsurerAsync();
        _p1 = await _app.AddProviderAsync("1181", ["1181", "1182"]);
        _p2 = await _app.AddProviderAsync("1181", ["1181"]);
        _p3 = await _app.AddProviderAsync("1181", ["1181"]);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    async Task PublishAtAsync(DateTimeOffset at, string agb, string pc4, CareType careType, int free)
    {
        _app.Time.SetUtcNow(at);
        await _app.PublishAsync(agb, pc4, careType, free);
    }

    /// <summary>
    /// 1181, district nursing (P = provider):
    /// 10:05 P1 3 → 3 free, 1 with room; 10:20 P2 0 → unchanged; 10:40 P1 1 → 1; 11:30 P2 2 → 3, 2 with room;
    /// 12:15 P2 stopped; 13:10 P1 0 → 2, 1 with room; 13:30 stop lifted; 13:50 P3 4 → 6, 2 with room.
    /// 1182, district nursing: 10:10 P1 5. 1181, short-term stay: 11:10 P3 2 beds.
    /// </summary>
    async Task ScriptedDayAsync()
    {
        await PublishAtAsync(At(10, 5), _p1, "1181", CareType.DistrictNursing, 3);
        await PublishAtAsync(At(10, 10), _p1, "1182", CareType.DistrictNursing, 5);
        await PublishAtAsync(At(10, 20), _p2, "1181", CareType.DistrictNursing, 0);
        await PublishAtAsync(At(10, 40), _p1, "1181", CareType.DistrictNursing, 1);
        await PublishAtAsync(At(11, 10), _p3, "1181", CareType.ShortTermStay, 2);
        await PublishAtAsync(At(11, 30), _p2, "1181", CareType.DistrictNursing, 2);
        _app.Time.SetUtcNow(At(12, 15));
        var stop = await _app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest
        {
            Stop = new ClientStop
            {
                ProviderAgb = _p2, InsurerUzovis = { _uzovi }, CareTypes = { CareType.DistrictNursing },
                From = CapacityApp.Today.ToDate(), Reason = ClientStopReason.StaffShortage,
            },
        });
        await PublishAtAsync(At(13, 10), _p1, "1181", CareType.DistrictNursing, 0);
        _app.Time.SetUtcNow(At(13, 30));
        await _app.Stops.LiftClientStopAsync(new LiftClientStopRequest { Id = stop.Id });
        await PublishAtAsync(At(13, 50), _p3, "1181", CareType.DistrictNursing, 4);
        _app.Time.SetUtcNow(At(14, 30));
    }

    static GetCapacityHistoryRequest Hours(params string[] pc4s) => new()
    {
        Pc4S = new Pc4List { Pc4S = { pc4s } },
        CareTypes = { CareType.DistrictNursing },
        From = Timestamp.FromDateTimeOffset(At(9, 0)),
        To = Timestamp.FromDateTimeOffset(At(15, 0)),
        Resolution = HistoryResolution.Hour,
    };

    /// <summary>free/min/room/stopped per point, "none" without data.</summary>
    static string[] Points(CapacitySeries series) =>
        [.. series.Points.Select(p => p.NoData ? $"none/{p.ProvidersStopped}" : $"{p.FreePlaces}/{p.MinFreePlaces}/{p.ProvidersWithRoom}/{p.ProvidersStopped}")];

    [Fact]
    public async Task HourlyHistoryOfOneAreaFollowsEveryChange()
    {
        await ScriptedDayAsync();
        var response = await Insight(_app).GetCapacityHistoryAsync(WithPerArea(Hours("1181")));

        var series = Assert.Single(response.Series);
        Assert.Equal(("1181", CareType.DistrictNursing, CapacityUnit.Places), (series.Pc4, series.CareType, series.Unit));
        Assert.Equal([At(9, 0), At(10, 0), At(11, 0), At(12, 0), At(13, 0), At(14, 0)], series.Points.Select(p => p.At.ToDateTimeOffset()));
        // 09 before any figure; 10: 3 then 1; 11: from 1 to 3 (2 with room); 12: carried, the stop in force at its end;
        // 13: 3, 2, 6 (lowest 2), stop lifted; 14: carried, in progress at 14:30.
        Assert.Equal(["none/0", "1/1/1/0", "3/1/2/0", "3/3/2/1", "6/2/2/0", "6/6/2/0"], Points(series));
    }

    static GetCapacityHistoryRequest WithPerArea(GetCapacityHistoryRequest r)
    {
        r.PerArea = true;
        return r;
    }

    [Fact]
    public async Task RegionTotalsSumTheAreas()
    {
        await ScriptedDayAsync();
        var response = await Insight(_app).GetCapacityHistoryAsync(Hours("1181", "1182"));

        var series = Assert.Single(response.Series);
        Assert.Equal("", series.Pc4);
        // 1182 adds 5 free (1 with room) from 10:10 on; P2 serves 1181 only (stopped at 12's end).
        Assert.Equal(["none/0", "6/6/2/0", "8/6/3/0", "8/8/3/1", "11/7/3/0", "11/11/3/0"], Points(series));
    }

    [Fact]
    public async Task DailyHistoryIsPerAmsterdamDayInBedsForShortTermStay()
    {
        await ScriptedDayAsync();
        var response = await Insight(_app).GetCapacityHistoryAsync(new GetCapacityHistoryRequest
        {
            Pc4S = new Pc4List { Pc4S = { "1181" } },
            CareTypes = { CareType.DistrictNursing, CareType.ShortTermStay },
            // 15 and (part of) 16 June in Amsterdam (UTC+2): at most a day ahead of now.
            From = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 6, 14, 22, 0, 0, TimeSpan.Zero)),
            To = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 6, 16, 10, 0, 0, TimeSpan.Zero)),
            PerArea = true,
        });

        Assert.Equal(HistoryResolution.Day, response.Resolution);
        Assert.Equal([CareType.DistrictNursing, CareType.ShortTermStay], response.Series.Select(s => s.CareType));
        // 15 June ends (so far) at 6 free with 2 with room, lowest 1 (10:40); the stop was lifted before the day's end (now);
        // 16 June has not begun.
        Assert.Equal(["6/1/2/0", "none/0"], Points(response.Series[0]));
        Assert.Equal(CapacityUnit.Beds, response.Series[1].Unit);
        Assert.Equal(["2/2/1/0", "none/0"], Points(response.Series[1]));
    }

    [Fact]
    public async Task NowHashAndZeroSetFollowTheContractWithAlerts()
    {
        await PublishAtAsync(At(10, 5), _p1, "1182", CareType.DistrictNursing, 2);
        await PublishAtAsync(At(11, 0), _p1, "1182", CareType.DistrictNursing, 0);
        await PublishAtAsync(At(11, 30), _p1, "1182", CareType.DistrictNursing, 0); // still zero: since 11:00
        var db = Database;

        Assert.Equal($"0|0|{At(11, 0).ToUnixTimeMilliseconds()}", (string?)await db.HashGetAsync("caphist:{1182}:now", "1"));
        Assert.Equal(At(11, 0).ToUnixTimeMilliseconds(), await db.SortedSetScoreAsync("caphist:{zero}", "1182:1"));

        await PublishAtAsync(At(12, 0), _p1, "1182", CareType.DistrictNursing, 1);
        Assert.Equal("1|1|0", (string?)await db.HashGetAsync("caphist:{1182}:now", "1"));
        Assert.Null(await db.SortedSetScoreAsync("caphist:{zero}", "1182:1"));
    }

    IDatabase Database => _app.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

    [Fact]
    public async Task HistorySurvivesARestartAndEndsAtTheStateOfTheAreaHashes()
    {
        await ScriptedDayAsync();
        await using var restarted = await _app.StartSecondInstanceAsync();
        await _app.DisposeAsync();

        var response = await Insight(restarted).GetCapacityHistoryAsync(WithPerArea(Hours("1181", "1182")));
        var db = restarted.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        foreach (var series in response.Series)
        {
            // The final state recomputed from the figures themselves.
            var figures = (await db.HashGetAllAsync(CapacityStore.Keys.Area(int.Parse(series.Pc4))))
                .Where(e => CapacityStore.Keys.ParseField(e.Name!) is { Held: false } f && f.CareType == series.CareType)
                .Select(e => CapacityCell.Decode(e.Value)!.Value.FreePlaces).ToArray();
            var last = series.Points[^1];
            Assert.Equal((figures.Sum(f => Math.Max(0, f)), figures.Count(f => f > 0)), (last.FreePlaces, last.ProvidersWithRoom));
        }
        Assert.Equal(["none/0", "1/1/1/0", "3/1/2/0", "3/3/2/1", "6/2/2/0", "6/6/2/0"], Points(response.Series[0]));
    }

    [Fact]
    public async Task SeedAndForgetKeepTheHistory()
    {
        _app.Time.SetUtcNow(At(10, 5));
        var store = _app.Services.GetRequiredService<CapacityStore>();
        var cell = (int free) => new CapacityCell(1, At(10, 5).ToUnixTimeMilliseconds(), free, CapacityApp.Today, null);
        await store.SeedAsync([new CapacityWrite(_p1, 1182, CareType.DistrictNursing, cell(4)), new CapacityWrite(_p2, 1181, CareType.DistrictNursing, cell(1))]);
        await PublishAtAsync(At(11, 5), _p1, "1181", CareType.DistrictNursing, 2);
        // The seed never overwrites: 1182 keeps 4.
        await store.SeedAsync([new CapacityWrite(_p1, 1182, CareType.DistrictNursing, cell(9))]);

        // P1 stops serving 1181 at 12:20: its figure there is forgotten, and the history follows.
        _app.Time.SetUtcNow(At(12, 20));
        await _app.Registry.UpsertProviderAsync(new UpsertProviderRequest
        {
            Provider = new Provider { Agb = _p1, Name = "P1", BasePc4 = "1182", ServedPc4S = { "1182" }, Qualifications = new Qualifications() },
        });
        _app.Time.SetUtcNow(At(13, 30));

        var response = await Insight(_app).GetCapacityHistoryAsync(WithPerArea(Hours("1181", "1182")));
        Assert.Equal(["none/0", "1/1/1/0", "3/1/2/0", "1/1/1/0", "1/1/1/0", "none/0"], Points(response.Series[0]));
        Assert.Equal(["none/0", "4/4/1/0", "4/4/1/0", "4/4/1/0", "4/4/1/0", "none/0"], Points(response.Series[1]));
        Assert.Equal("1|1|0", (string?)await Database.HashGetAsync(CapacityHistoryKeys.Now(1181), "1"));
    }

    [Fact]
    public async Task AnAreaWrittenBeforeHistoryWasKeptStartsItsHistoryAtItsNextWrite()
    {
        // Figures stored the old way (no history keys), then one write through the service at 11:15.
        var db = Database;
        await db.HashSetAsync(CapacityStore.Keys.Area(1181), [
            new HashEntry(CapacityStore.Keys.Field(_p1, CareType.DistrictNursing), new CapacityCell(1, At(9, 0).ToUnixTimeMilliseconds(), 3, CapacityApp.Today, null).Encode()),
            new HashEntry(CapacityStore.Keys.Field(_p2, CareType.DistrictNursing), new CapacityCell(1, At(9, 0).ToUnixTimeMilliseconds(), 2, CapacityApp.Today, null).Encode()),
        ]);
        await PublishAtAsync(At(11, 15), _p2, "1181", CareType.DistrictNursing, 0);
        _app.Time.SetUtcNow(At(12, 10));

        var response = await Insight(_app).GetCapacityHistoryAsync(WithPerArea(Hours("1181")));
        // Rebuilt at 11:15 (5 free, 2 with room), then 3: nothing is claimed before 11:00.
        Assert.Equal(["none/0", "none/0", "3/3/1/0", "3/3/1/0", "none/0", "none/0"], Points(response.Series[0]));
    }
}
