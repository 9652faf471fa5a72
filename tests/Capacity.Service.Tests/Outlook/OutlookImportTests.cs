using System.Text;
using Capacity.Service.Shared;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using ClosedXML.Excel;
using Google.Protobuf;

namespace Capacity.Service.Tests.Outlook;

/// <summary>The import's outlook columns (verwacht_&lt;date&gt;) and the template that carries them (docs/IMPORT.md).</summary>
public sealed class OutlookImportTests : IAsyncLifetime
{
    readonly CapacityApp _app = new();

    public ValueTask InitializeAsync() => _app.InitializeAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    static ByteString Csv(string text) => ByteString.CopyFrom(Encoding.UTF8.GetBytes(text));

    Task<ImportCapacityResponse> ImportAsync(string agb, ByteString file, bool apply) =>
        _app.Capacity.ImportCapacityAsync(new ImportCapacityRequest { Agb = agb, File = file, Apply = apply }).ResponseAsync;

    async Task<CapacityFigure> StoredAsync(string agb, string pc4) =>
        (await _app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agb })).Figures.Single(f => f.Pc4 == pc4);

    [Fact]
    public async Task DatedColumnsBecomeTheOutlookAndBadCellsAreNamedByColumn()
    {
        var agb = await _app.AddProviderAsync("1183", ["1181", "1182", "1183"]);
        // Today is 2026-06-15: the 15th has come (left out), the 23rd is beyond the window, "16-6-2026" is a Dutch date header.
        var file = Csv(
            "postcode_gebied;zorgsoort;vrije_plaatsen;verwacht_2026-06-15;verwacht 16-6-2026;verwacht_2026-06-18;verwacht_2026-06-23\n" +
            "1183;Wijkverpleging;0;7;2;;\n" +          // row 2: 2 on the 16th; the 15th is left out
            "1182;Wijkverpleging;1;;;veel;\n" +        // row 3: not a number
            "1181;Wijkverpleging;1;;;3;4\n");          // row 4: the 23rd is too far

        var preview = await ImportAsync(agb, file, apply: false);
        var applied = await ImportAsync(agb, file, apply: true);

        var row2 = preview.Outcomes.Single(o => o.Row == 2);
        Assert.Equal([(new DateOnly(2026, 6, 16), 2)], row2.After.Outlook.Select(d => (new DateOnly(d.Date.Year, d.Date.Month, d.Date.Day), d.FreePlaces)));
        Assert.Equal(("verwacht_2026_06_18", Reasons.NumberFormat), preview.Outcomes.Single(o => o.Row == 3).Errors.Single() is var e3 ? (e3.Field, e3.Reason) : default);
        Assert.Equal(("verwacht_2026_06_23", Reasons.OutlookDayRange), preview.Outcomes.Single(o => o.Row == 4).Errors.Single() is var e4 ? (e4.Field, e4.Reason) : default);
        Assert.Equal((1, 2), (applied.Changed, applied.Refused));
        Assert.Equal([(16, 2)], (await StoredAsync(agb, "1183")).Outlook.Select(d => (d.Date.Day, d.FreePlaces)));
    }

    [Fact]
    public async Task TheTemplateCarriesTheOutlookSoAnUnchangedUploadKeepsIt()
    {
        var agb = await _app.AddProviderAsync("1183", ["1183"]);
        await _app.Capacity.SetCapacityAsync(new SetCapacityRequest
        {
            Agb = agb, Pc4 = "1183", CareType = CareType.DistrictNursing, FreePlaces = 1, Version = 10,
            Outlook = { new DailyExpectation { Date = CapacityApp.Today.AddDays(2).ToDate(), FreePlaces = 4 } },
        });

        var template = await _app.Capacity.GetCapacityTemplateAsync(new GetCapacityTemplateRequest { Agb = agb, Format = ImportFormat.Xlsx });
        using var workbook = new XLWorkbook(new MemoryStream(template.Data.ToByteArray()));
        var sheet = workbook.Worksheet(1);
        var headers = new[] { 7, 8, 13 }.Select(c => sheet.Cell(1, c).GetString()).ToArray();
        var cells = (sheet.Cell(2, 7).GetString(), sheet.Cell(2, 8).GetString());
        var preview = await ImportAsync(agb, template.Data, apply: false);
        sheet.Cell(2, 8).Clear(); // the 17th emptied: applying clears the outlook
        using var emptied = new MemoryStream();
        workbook.SaveAs(emptied);
        await ImportAsync(agb, ByteString.CopyFrom(emptied.ToArray()), apply: true);

        Assert.Equal(["verwacht_2026-06-16", "verwacht_2026-06-17", "verwacht_2026-06-22"], headers);
        Assert.Equal(("", "4"), cells);
        Assert.Equal((0, 1), (preview.Changed, preview.Unchanged));
        Assert.Empty((await StoredAsync(agb, "1183")).Outlook);
    }
}
