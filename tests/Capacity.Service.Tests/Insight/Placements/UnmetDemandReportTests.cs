using System.Text;
using Capacity.V1;
using Google.Protobuf.WellKnownTypes;
using static Capacity.Service.Tests.Infrastructure.RpcAssertions;

namespace Capacity.Service.Tests.Insight.Placements;

/// <summary>The unmet-demand report of <see cref="PlacementScenario"/>: per month of escalation × insurer × municipality × care type.</summary>
public sealed class UnmetDemandReportTests(PlacementScenario s) : IClassFixture<PlacementScenario>
{
    static readonly CellCount Hidden = new() { BelowMinimum = true };

    static CellCount Exact(long n) => new() { Value = n };

    GetUnmetDemandReportRequest Report(string? uzovi) =>
        uzovi is null ? new() { AllInsurers = true, Period = PlacementScenario.June } : new() { InsurerUzovi = uzovi, Period = PlacementScenario.June };

    [Fact]
    public async Task EveryInsurersCellsWithSmallCountsHidden()
    {
        var report = await s.Insight.GetUnmetDemandReportAsync(Report(null));

        Assert.Equal(5, report.MinimumCellSize);
        Assert.Equal([(s.U, "GM0358"), (s.U, "GM0362"), (s.U2, "GM0358")], report.Rows.Select(r => (r.InsurerUzovi, r.MunicipalityCode)));
        var big = report.Rows[2];
        Assert.Equal(("2026-06", "Zorgverzekeraar Twee", "Aalsmeer", CareType.DistrictNursing), (big.Month, big.InsurerName, big.Municipality, big.CareType));
        Assert.Equal((Exact(6), Exact(0), Hidden), (big.Escalations, big.PlacedByDesk, big.StillOpen));
        Assert.Equal(Exact(5), big.Closed.Single(c => c.Outcome == ClosureOutcome.NoCareFound).Count);
        Assert.All(big.Closed.Where(c => c.Outcome != ClosureOutcome.NoCareFound), c => Assert.Equal(Exact(0), c.Count));
        // Closed 1, 2, 3, 4 and 5 hours after escalation: median (3rd of 5) 3 h, p90 (5th) 5 h.
        Assert.Equal((Exact(5), Duration.FromTimeSpan(TimeSpan.FromHours(3)), Duration.FromTimeSpan(TimeSpan.FromHours(5))),
            (big.EscalationToEnd.Count, big.EscalationToEnd.Median, big.EscalationToEnd.P90));
    }

    [Fact]
    public async Task TheDeskSeesItsOwnReportAsAnAggregateToo()
    {
        var report = await s.Insight.GetUnmetDemandReportAsync(Report(s.U));

        // R6 (Aalsmeer, open) and R3, R4 (Amstelveen, closed): every count from 1 to 4 hidden.
        Assert.Equal(["GM0358", "GM0362"], report.Rows.Select(r => r.MunicipalityCode));
        Assert.All(report.Rows, r => Assert.Equal(Hidden, r.Escalations));
        Assert.Equal((Hidden, Exact(0)), (report.Rows[0].StillOpen, report.Rows[1].StillOpen));
        Assert.Equal([Exact(0), Hidden, Exact(0), Hidden, Exact(0)], report.Rows[1].Closed.Select(c => c.Count)); // patient declined, no care found
        Assert.Equal((Hidden, null), (report.Rows[1].EscalationToEnd.Count, report.Rows[1].EscalationToEnd.Median));
    }

    [Fact]
    public async Task TheExportIsADutchCsvWithHiddenCountsAsBelowFive()
    {
        var file = await s.Insight.ExportUnmetDemandReportAsync(Report(null));
        var bytes = file.Data.ToByteArray();
        var lines = Encoding.UTF8.GetString(bytes.AsSpan(3)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("text/csv; charset=utf-8", file.ContentType);
        Assert.Equal(Encoding.UTF8.GetPreamble(), bytes[..3]);
        Assert.Equal("Maand;UZOVI;Zorgverzekeraar;Gemeentecode;Gemeente;Zorgsoort;Escalaties;Geplaatst door bemiddeling;Gesloten: elders geplaatst;"
            + "Gesloten: patiënt ziet af;Gesloten: niet meer nodig;Gesloten: geen zorg gevonden;Gesloten: andere uitkomst;Nog open;"
            + "Escalatie tot plaatsing of sluiting: aantal;Mediaan (uren);90e percentiel (uren)", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.Equal($"2026-06;{s.U};Zorgverzekeraar Een;GM0362;Amstelveen;Wijkverpleging;<5;0;0;<5;0;<5;0;0;<5;;", lines[2]);
        Assert.Equal($"2026-06;{s.U2};Zorgverzekeraar Twee;GM0358;Aalsmeer;Wijkverpleging;6;0;0;0;0;5;0;<5;5;3,0;5,0", lines[3]);
    }

    [Fact]
    public async Task MonthsAreCountedByEscalationAndBadRequestsNameTheirFields()
    {
        var may = new DateRange { From = new Google.Type.Date { Year = 2026, Month = 5, Day = 1 }, To = new Google.Type.Date { Year = 2026, Month = 5, Day = 31 } };

        Assert.Empty((await s.Insight.GetUnmetDemandReportAsync(new GetUnmetDemandReportRequest { AllInsurers = true, Period = may })).Rows);
        await AssertInvalidAsync(() => s.Insight.GetUnmetDemandReportAsync(new GetUnmetDemandReportRequest { Period = may }).ResponseAsync, "scope");
        await AssertInvalidAsync(() => s.Insight.GetUnmetDemandReportAsync(new GetUnmetDemandReportRequest { InsurerUzovi = "x" }).ResponseAsync, "period", "insurer_uzovi");
        await AssertInvalidAsync(() => s.Insight.ExportUnmetDemandReportAsync(new GetUnmetDemandReportRequest { AllInsurers = true }).ResponseAsync, "period");
        await AssertInvalidAsync(() => s.Insight.GetUnmetDemandReportAsync(new GetUnmetDemandReportRequest { AllInsurers = true, Period = may, PageSize = 501 }).ResponseAsync, "page_size");
    }
}
