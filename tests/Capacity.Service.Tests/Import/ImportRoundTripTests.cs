using System.Text;
using Capacity.Service.Capacity.Import;
using Capacity.Service.Shared;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using ClosedXML.Excel;
using Google.Protobuf;

namespace Capacity.Service.Tests.Import;

/// <summary>ImportCapacity and GetCapacityTemplate against the real host and Redis: preview, apply, what is stored, what is refused.</summary>
public sealed class ImportRoundTripTests : IAsyncLifetime
{
    readonly CapacityApp _app = new();

    public ValueTask InitializeAsync() => _app.InitializeAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    static ByteString Csv(string text, bool bom = true) =>
        ByteString.CopyFrom([.. bom ? Encoding.UTF8.GetPreamble() : [], .. Encoding.UTF8.GetBytes(text)]);

    Task<ImportCapacityResponse> ImportAsync(string agb, ByteString file, bool apply, ImportFormat format = ImportFormat.Unspecified) =>
        _app.Capacity.ImportCapacityAsync(new ImportCapacityRequest { Agb = agb, File = file, Apply = apply, Format = format }).ResponseAsync;

    async Task<Dictionary<(string, CareType), CapacityFigure>> StoredAsync(string agb) =>
        (await _app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agb })).Figures.ToDictionary(f => (f.Pc4, f.CareType));

    const string MixedCsv =
        "postcode_gebied;zorgsoort;vrije_plaatsen;vanaf;uren_per_week;versie\r\n" +
        "1181;Wijkverpleging;3;;;\r\n" +                   // row 2: good
        "1184;Wijkverpleging;2;;;\r\n" +                   // row 3: not served
        "1182;Wijkverpleging;drie;;;\r\n" +                // row 4: not a number
        "\r\n" +                                           // row 5: empty, left out
        "1182;tandarts;1;;;\r\n" +                         // row 6: unknown care type
        "1182;PTZ;1;20-06-2026;12,5;\r\n" +                // row 7: good, Dutch date and decimal comma
        "1183;Wijkverpleging;;;;\r\n" +                    // row 8: blank figure, skipped
        "1181;wijkverpleging;4;;;\r\n" +                   // row 9: same area and care type as row 2
        "1183;Nachtzorg;-1;;;\r\n";                        // row 10: negative

    [Fact]
    public async Task CsvPreviewStoresNothingAndApplyStoresOnlyTheGoodRows()
    {
        var agb = await _app.AddProviderAsync("1183", ["1181", "1182", "1183"]);

        var preview = await ImportAsync(agb, Csv(MixedCsv), apply: false);

        Assert.False(preview.Applied);
        Assert.Equal((8, 2, 0, 5, 1), (preview.Rows, preview.Changed, preview.Unchanged, preview.Refused, preview.Skipped));
        var refused = preview.Outcomes.Where(o => o.Status == ImportRowStatus.Refused).ToDictionary(o => o.Row, o => (o.Errors[0].Field, o.Errors[0].Reason));
        Assert.Equal(new Dictionary<int, (string, string)>
        {
            [3] = ("postcode_gebied", Reasons.AreaNotServed),
            [4] = ("vrije_plaatsen", Reasons.NumberFormat),
            [6] = ("zorgsoort", Reasons.CareTypeUnknown),
            [9] = ("postcode_gebied", Reasons.RowDuplicate),
            [10] = ("vrije_plaatsen", Reasons.NumberRange),
        }, refused);
        var change = Assert.Single(preview.Outcomes, o => o.Row == 7);
        Assert.Equal((ImportRowStatus.Change, 1, 12.5, new Google.Type.Date { Year = 2026, Month = 6, Day = 20 }, false),
            (change.Status, change.After.FreePlaces, change.After.HoursPerWeek, change.After.AvailableFrom, change.Before is not null));
        Assert.Empty(await StoredAsync(agb));

        var applied = await ImportAsync(agb, Csv(MixedCsv), apply: true);

        Assert.True(applied.Applied);
        Assert.Equal([2, 7], applied.Outcomes.Where(o => o.Status == ImportRowStatus.Applied).Select(o => o.Row));
        var stored = await StoredAsync(agb);
        Assert.Equal(2, stored.Count);
        Assert.Equal(3, stored[("1181", CareType.DistrictNursing)].FreePlaces);
        Assert.Equal((1, 12.5), (stored[("1182", CareType.PalliativeTerminal)].FreePlaces, stored[("1182", CareType.PalliativeTerminal)].HoursPerWeek));

        // The same file again changes nothing: both good rows are counted unchanged, none listed.
        var again = await ImportAsync(agb, Csv(MixedCsv), apply: false);
        Assert.Equal((0, 2), (again.Changed, again.Unchanged));
        Assert.DoesNotContain(again.Outcomes, o => o.Status == ImportRowStatus.Change);
    }

    [Fact]
    public async Task CommaSeparatedCsvWithoutBomAndQuotedCellsIsRead()
    {
        var agb = await _app.AddProviderAsync("1183", ["1183"]);
        var file = Csv("zorgsoort,postcode_gebied,vrije_plaatsen,uren_per_week\n\"Eerstelijnsverblijf (ELV)\",1183,5,\"7,5\"\n", bom: false);

        var applied = await ImportAsync(agb, file, apply: true, ImportFormat.Csv);

        Assert.Equal((1, 0), (applied.Changed, applied.Refused));
        var figure = (await StoredAsync(agb))[("1183", CareType.ShortTermStay)];
        Assert.Equal((5, 7.5, CapacityUnit.Beds), (figure.FreePlaces, figure.HoursPerWeek, figure.Unit));
    }

    [Fact]
    public async Task XlsxTemplateFilledInAndUploadedIsStored()
    {
        var agb = await _app.AddProviderAsync("1183", ["1182", "1183"]);
        await _app.Capacity.SetCapacityAsync(new SetCapacityRequest { Agb = agb, Pc4 = "1183", CareType = CareType.DistrictNursing, FreePlaces = 6, Version = 10 });

        var template = await _app.Capacity.GetCapacityTemplateAsync(new GetCapacityTemplateRequest { Agb = agb, Format = ImportFormat.Xlsx });
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", template.ContentType);
        using var workbook = new XLWorkbook(new MemoryStream(template.Data.ToByteArray()));
        var sheet = workbook.Worksheet(1);
        Assert.Equal(["postcode_gebied", "zorgsoort", "vrije_plaatsen", "vanaf", "uren_per_week", "versie"], Enumerable.Range(1, 6).Select(c => sheet.Cell(1, c).GetString()));
        Assert.Equal(("1182", "Wijkverpleging", ""), (sheet.Cell(2, 1).GetString(), sheet.Cell(2, 2).GetString(), sheet.Cell(2, 3).GetString()));
        Assert.Equal(("1183", 6.0), (sheet.Cell(3, 1).GetString(), sheet.Cell(3, 3).GetDouble())); // the current figure

        sheet.Cell(2, 3).SetValue(2);
        sheet.Cell(3, 3).SetValue(8);
        sheet.Cell(4, 1).SetValue("1182");
        sheet.Cell(4, 2).SetValue("Medische kindzorg");
        sheet.Cell(4, 3).SetValue("veel"); // row 4: refused
        using var filled = new MemoryStream();
        workbook.SaveAs(filled);

        var preview = await ImportAsync(agb, ByteString.CopyFrom(filled.ToArray()), apply: false);
        var change = Assert.Single(preview.Outcomes, o => o.Row == 3);
        Assert.Equal((6, 8), (change.Before.FreePlaces, change.After.FreePlaces));
        Assert.Equal((Reasons.NumberFormat, 4), (Assert.Single(preview.Outcomes, o => o.Status == ImportRowStatus.Refused).Errors[0].Reason, preview.Outcomes.Single(o => o.Status == ImportRowStatus.Refused).Row));

        var applied = await ImportAsync(agb, ByteString.CopyFrom(filled.ToArray()), apply: true, ImportFormat.Xlsx);
        Assert.Equal((2, 1), (applied.Changed, applied.Refused));
        var stored = await StoredAsync(agb);
        Assert.Equal((2, 8), (stored[("1182", CareType.DistrictNursing)].FreePlaces, stored[("1183", CareType.DistrictNursing)].FreePlaces));
        Assert.False(stored.ContainsKey(("1182", CareType.MedicalChildCare)));
    }

    [Fact]
    public async Task CsvTemplateListsServedAreasWithTheCurrentFigures()
    {
        var agb = await _app.AddProviderAsync("1183", ["1183", "1181"]);
        await _app.Capacity.SetCapacityAsync(new SetCapacityRequest { Agb = agb, Pc4 = "1183", CareType = CareType.NightCare, FreePlaces = 4, HoursPerWeek = 3.5, Version = 10 });

        var template = await _app.Capacity.GetCapacityTemplateAsync(new GetCapacityTemplateRequest { Agb = agb, Format = ImportFormat.Csv });

        Assert.Equal("text/csv; charset=utf-8", template.ContentType);
        var text = Encoding.UTF8.GetString(template.Data.ToByteArray());
        // Then the 7-day outlook's dated columns (docs/INSIGHT-outlook.md), empty without one.
        Assert.StartsWith("\uFEFFpostcode_gebied;zorgsoort;vrije_plaatsen;vanaf;uren_per_week;versie;verwacht_2026-06-16;verwacht_2026-06-17;verwacht_2026-06-18;verwacht_2026-06-19;verwacht_2026-06-20;verwacht_2026-06-21;verwacht_2026-06-22\r\n", text);
        Assert.Contains("1181;Wijkverpleging;;2026-06-15;;;;;;;;;\r\n", text);
        Assert.Contains("1183;Nachtzorg;4;2026-06-15;3,5;;;;;;;;\r\n", text);
        // The template uploaded as it is: the filled rows change nothing, the empty ones are skipped.
        var preview = await ImportAsync(agb, template.Data, apply: false);
        Assert.Equal((0, 0, 1), (preview.Changed, preview.Refused, preview.Unchanged));
    }

    [Fact]
    public async Task StaleVersionIsRefusedAndTheNewerFigureKept()
    {
        var agb = await _app.AddProviderAsync("1183", ["1183"]);
        await _app.Capacity.SetCapacityAsync(new SetCapacityRequest { Agb = agb, Pc4 = "1183", CareType = CareType.DistrictNursing, FreePlaces = 9, Version = 100 });

        var stale = await ImportAsync(agb, Csv("postcode_gebied;zorgsoort;vrije_plaatsen;versie\n1183;Wijkverpleging;1;50\n"), apply: true);

        var outcome = Assert.Single(stale.Outcomes);
        Assert.Equal((ImportRowStatus.Outdated, Reasons.VersionOutdated, 1), (outcome.Status, outcome.Errors[0].Reason, stale.Refused));
        Assert.Equal((9, 100L), ((await StoredAsync(agb))[("1183", CareType.DistrictNursing)].FreePlaces, (await StoredAsync(agb))[("1183", CareType.DistrictNursing)].Version));

        // Without a version the row goes past the stored one, as the grid's save does.
        var fresh = await ImportAsync(agb, Csv("postcode_gebied;zorgsoort;vrije_plaatsen\n1183;Wijkverpleging;1\n"), apply: true);
        Assert.Equal(ImportRowStatus.Applied, Assert.Single(fresh.Outcomes).Status);
        Assert.Equal(1, (await StoredAsync(agb))[("1183", CareType.DistrictNursing)].FreePlaces);
    }

    [Fact]
    public async Task FilesBeyondTheBoundsOrWithoutTheColumnsAreRefusedWhole()
    {
        var agb = await _app.AddProviderAsync("1183", ["1183"]);

        await RpcAssertions.AssertReasonsAsync(() => ImportAsync(agb, ByteString.CopyFrom(new byte[512 * 1024 + 1]), false), ("file", Reasons.FileTooLarge));
        await RpcAssertions.AssertReasonsAsync(() => ImportAsync(agb, Csv("gebied;plaatsen\n1183;1\n"), false), ("file", Reasons.FileColumns));
        await RpcAssertions.AssertReasonsAsync(() => ImportAsync(agb, Csv("postcode_gebied;zorgsoort;vrije_plaatsen\n"), false), ("file", Reasons.ListEmpty));
        var tooMany = new StringBuilder("postcode_gebied;zorgsoort;vrije_plaatsen\n");
        for (var i = 0; i < 10_001; i++) tooMany.Append("1183;PTZ;1\n");
        await RpcAssertions.AssertReasonsAsync(() => ImportAsync(agb, Csv(tooMany.ToString()), false), ("file", Reasons.ListTooLong));
        await RpcAssertions.AssertReasonsAsync(() => ImportAsync(agb, ByteString.CopyFromUtf8("PK not a zip"), false), ("file", Reasons.FileUnreadable));
        await RpcAssertions.AssertReasonsAsync(() => ImportAsync(agb, ByteString.CopyFrom(0xEF, 0xBB, 0xBF, 0xC3, 0x28, 0x3B), false, ImportFormat.Csv), ("file", Reasons.FileUnreadable));
        Assert.Empty(await StoredAsync(agb));
    }

    [Fact]
    public async Task XlsxThatUnpacksBeyondTheLimitIsRefusedAsTooLargeAndAnUnknownFormatAsValueUnknown()
    {
        var agb = await _app.AddProviderAsync("1183", ["1183"]);
        using var zip = new MemoryStream();
        using (var archive = new System.IO.Compression.ZipArchive(zip, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            // Repeated rows pack small: a few KB that unpack past the limit.
            await using var sheet = await archive.CreateEntry("xl/worksheets/sheet1.xml", System.IO.Compression.CompressionLevel.SmallestSize).OpenAsync();
            var row = Encoding.UTF8.GetBytes("<row><c t=\"inlineStr\"><is><t>1183</t></is></c></row>");
            for (long written = 0; written <= ImportSheet.MaxUnpackedXlsxBytes; written += row.Length) await sheet.WriteAsync(row);
        }
        Assert.True(zip.Length < ImportSheet.MaxFileBytes);

        await RpcAssertions.AssertReasonsAsync(() => ImportAsync(agb, ByteString.CopyFrom(zip.ToArray()), false), ("file", Reasons.FileTooLarge));
        await RpcAssertions.AssertReasonsAsync(() => ImportAsync(agb, Csv("postcode_gebied;zorgsoort;vrije_plaatsen\n1183;PTZ;1\n"), false, (ImportFormat)99),
            ("format", Reasons.ValueUnknown));
        Assert.Empty(await StoredAsync(agb));
    }
}
