using Capacity.Service.Shared;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Google.Type;
using static Capacity.Service.Tests.Infrastructure.RpcAssertions;

namespace Capacity.Service.Tests.Insight.History;

/// <summary>
/// Client-stop analytics from stops declared and lifted at set clock times, against hand-computed
/// counts and durations: exact for a provider's and an insurer's own, small counts hidden for the
/// regulator (national) and a municipality.
/// </summary>
public sealed class ClientStopAnalyticsTests : IAsyncLifetime
{
    readonly CapacityApp _app = new();
    string _u1 = "", _u2 = "";
    readonly string[] _p = new string[5];

    static DateTimeOffset At(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    InsightService.InsightServiceClient Insight => new(_app.CreateChannel());

    public async ValueTask InitializeAsync()
    {
        await _app.InitializeAsync();
        _u1 = await _app.AddInsurerAsync();
        _u2 = await _app.AddInsurerAsync();
        for (var i = 0; i < _p.Length; i++) _p[i] = await _app.AddProviderAsync("1181", ["1181"]);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    async Task<string> DeclareAtAsync(DateTimeOffset at, string agb, DateOnly? until = null)
    {
        _app.Time.SetUtcNow(at);
        var stop = new ClientStop
        {
            ProviderAgb = agb, InsurerUzovis = { _u1 }, CareTypes = { CareType.DistrictNursing },
            From = CapacityApp.Today.ToDate(), Reason = ClientStopReason.CostCeiling,
        };
        if (until is { } u) stop.Until = u.ToDate();
        return (await _app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest { Stop = stop })).Id;
    }

    async Task LiftAtAsync(DateTimeOffset at, string id)
    {
        _app.Time.SetUtcNow(at);
        await _app.Stops.LiftClientStopAsync(new LiftClientStopRequest { Id = id });
    }

    /// <summary>
    /// June: A (P1) 15th 10:00 → lifted 17th 10:00 (48 h); B (P2) 15th 12:00 → lifted 16th 12:00 (24 h);
    /// C (P3) 15th 13:00, last day 20 June (ends 20 June 22:00 UTC: 129 h); E (P4), F (P5) 15th, still in force.
    /// July: D (P1) 1st 10:00. Asked on 2 July.
    /// </summary>
    async Task ScriptAsync()
    {
        var a = await DeclareAtAsync(At(6, 15, 10), _p[0]);
        var b = await DeclareAtAsync(At(6, 15, 12), _p[1]);
        await DeclareAtAsync(At(6, 15, 13), _p[2], new DateOnly(2026, 6, 20));
        await DeclareAtAsync(At(6, 15, 14), _p[3]);
        await DeclareAtAsync(At(6, 15, 14, 30), _p[4]);
        await LiftAtAsync(At(6, 16, 12), b);
        await LiftAtAsync(At(6, 17, 10), a);
        await DeclareAtAsync(At(7, 1, 10), _p[0]);
        _app.Time.SetUtcNow(At(7, 2, 10));
    }

    static DateRange JuneAndJuly => new() { From = new Date { Year = 2026, Month = 6, Day = 1 }, To = new Date { Year = 2026, Month = 7, Day = 31 } };

    static string Describe(ClientStopCell c) =>
        $"{c.Month} {c.MunicipalityCode} {c.CareType}: in force {Count(c.StopsInForce)}, begun {Count(c.StopsBegun)}, providers {Count(c.ProvidersStopped)}, "
        + $"ended {Count(c.Duration.Count)}{(c.Duration.Median is null ? "" : $" median {c.Duration.Median.ToTimeSpan().TotalHours}h p90 {c.Duration.P90.ToTimeSpan().TotalHours}h")}";

    static string Count(CellCount c) => c.BelowMinimum ? "<5" : c.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task AProviderSeesItsOwnStopsExactly()
    {
        await ScriptAsync();
        var response = await Insight.GetClientStopAnalyticsAsync(new GetClientStopAnalyticsRequest { ProviderAgb = _p[0], Period = JuneAndJuly });

        Assert.All(response.Cells, c => Assert.Equal(_u1, c.InsurerUzovi));
        Assert.Equal(["2026-06 GM0362 DistrictNursing: in force 1, begun 1, providers 1, ended 1 median 48h p90 48h",
                      "2026-07 GM0362 DistrictNursing: in force 1, begun 1, providers 1, ended 0"], response.Cells.Select(Describe));
        Assert.Equal("Amstelveen", response.Cells[0].Municipality);
        Assert.All(response.Cells, c => Assert.Null(c.ReferralsMetStop));
    }

    [Fact]
    public async Task AnInsurerSeesTheStopsThatHeldBackItsInsured()
    {
        await ScriptAsync();
        var response = await Insight.GetClientStopAnalyticsAsync(new GetClientStopAnalyticsRequest { InsurerUzovi = _u1, Period = JuneAndJuly });
        // June: A, B, C ended (24 h, 48 h, 129 h: median the 2nd, 90th percentile the 3rd); July: D, E, F in force, D begun.
        Assert.Equal(["2026-06 GM0362 DistrictNursing: in force 5, begun 5, providers 5, ended 3 median 48h p90 129h",
                      "2026-07 GM0362 DistrictNursing: in force 3, begun 1, providers 3, ended 0"], response.Cells.Select(Describe));

        var other = await Insight.GetClientStopAnalyticsAsync(new GetClientStopAnalyticsRequest { InsurerUzovi = _u2, Period = JuneAndJuly });
        Assert.Empty(other.Cells);
    }

    [Fact]
    public async Task AggregatesHideCountsBelowFive()
    {
        await ScriptAsync();
        foreach (var request in new[]
        {
            new GetClientStopAnalyticsRequest { National = true, Period = JuneAndJuly },
            new GetClientStopAnalyticsRequest { Municipality = "GM0362", Period = JuneAndJuly },
        })
        {
            var response = await Insight.GetClientStopAnalyticsAsync(request);
            Assert.Equal(["2026-06 GM0362 DistrictNursing: in force 5, begun 5, providers 5, ended <5",
                          "2026-07 GM0362 DistrictNursing: in force <5, begun <5, providers <5, ended 0"], response.Cells.Select(Describe));
        }
    }

    [Fact]
    public async Task BadRequestsNameTheirFields()
    {
        await AssertReasonsAsync(() => Insight.GetClientStopAnalyticsAsync(new GetClientStopAnalyticsRequest()).ResponseAsync,
            ("scope", Reasons.ChoiceRequired), ("period", Reasons.Required));
        await AssertReasonsAsync(() => Insight.GetClientStopAnalyticsAsync(new GetClientStopAnalyticsRequest
        {
            ProviderAgb = "123",
            Period = new DateRange { From = new Date { Year = 2026, Month = 6, Day = 1 }, To = new Date { Year = 2026, Month = 5, Day = 1 } },
            PageSize = 501,
        }).ResponseAsync, ("provider_agb", Reasons.AgbFormat), ("period.to", Reasons.DateBeforeStart), ("page_size", Reasons.NumberRange));
    }
}
