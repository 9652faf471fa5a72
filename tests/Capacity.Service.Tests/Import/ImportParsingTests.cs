using System.Text;
using Capacity.Service.Capacity.Import;
using Capacity.Service.Shared;
using Capacity.V1;
using Grpc.Core;

namespace Capacity.Service.Tests.Import;

/// <summary>The pure part of the import: CSV as RFC 4180 with either separator, the words and numbers a row may hold.</summary>
public sealed class ImportParsingTests
{
    static List<SheetRow> Read(string text) => CsvTable.Read(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void SemicolonCsvWithQuotesAndAQuotedLineBreakKeepsSpreadsheetRowNumbers()
    {
        var rows = Read("\uFEFFa;b;c\r\n\"x;1\";\"say \"\"hi\"\"\";3\r\n\r\n\"two\nlines\";2;\r\nlast;4;5");

        Assert.Equal([1, 2, 4, 5], rows.Select(r => r.Row));
        Assert.Equal(["x;1", "say \"hi\"", "3"], rows[1].Cells);
        Assert.Equal(["two\nlines", "2", ""], rows[2].Cells);
        Assert.Equal(["last", "4", "5"], rows[3].Cells);
    }

    [Fact]
    public void CommaIsTheSeparatorWhenTheHeaderHasMoreCommasThanSemicolons()
    {
        var rows = Read("postcode_gebied,zorgsoort,vrije_plaatsen\n1183,\"Wijkverpleging\",\"12,5\"\n");

        Assert.Equal(["1183", "Wijkverpleging", "12,5"], rows[1].Cells);
    }

    [Fact]
    public void AnOpenQuoteOrABomFollowedByTextThatIsNotUtf8IsUnreadable()
    {
        Assert.Throws<FormatException>(() => Read("a;b\n\"open;1\n"));
        Assert.Throws<FormatException>(() => CsvTable.Read([0xEF, 0xBB, 0xBF, 0x61, 0xFF, 0x3B]));
    }

    [Fact]
    public void WithoutBomBytesThatAreNotUtf8AreReadAsWindows1252()
    {
        // "Café Noël;€ 5" as Dutch Excel's "CSV (puntkomma)" saves it: é = E9, ë = EB, € = 80.
        byte[] file = [.. Encoding.ASCII.GetBytes("naam;bedrag\r\nCaf"), 0xE9, .. Encoding.ASCII.GetBytes(" No"), 0xEB, (byte)'l', (byte)';', 0x80, .. Encoding.ASCII.GetBytes(" 5\r\n")];

        var rows = CsvTable.Read(file);

        Assert.Equal(["Café Noël", "€ 5"], rows[1].Cells);
    }

    [Fact]
    public void AnExcelSepLineNamesTheSeparatorAndIsNotARow()
    {
        var rows = Read("sep=,\r\npostcode_gebied;x,zorgsoort\r\n1183;y,PTZ\r\n");

        Assert.Equal([1, 2], rows.Select(r => r.Row));
        Assert.Equal(["postcode_gebied;x", "zorgsoort"], rows[0].Cells);
        Assert.Equal(["1183;y", "PTZ"], rows[1].Cells);
        Assert.Equal(["a", "b"], Read("sep=;\na;b\n")[0].Cells);
    }

    [Fact]
    public void TheSeparatorIsDetectedFromTheFirstNonEmptyLine()
    {
        var rows = Read("\r\n\r\npostcode_gebied,zorgsoort,vrije_plaatsen\r\n1183,PTZ,1\r\n");

        Assert.Equal([3, 4], rows.Select(r => r.Row));
        Assert.Equal(["1183", "PTZ", "1"], rows[1].Cells);
    }

    [Fact]
    public void WrittenCsvReadsBackTheSame()
    {
        string[][] table = [["postcode_gebied", "zorgsoort"], ["1183", "Eerstelijnsverblijf (ELV)"], ["1184", "a;b \"c\""]];

        var back = CsvTable.Read(CsvTable.Write(table));

        Assert.Equal(table, back.Select(r => r.Cells));
    }

    [Theory]
    [InlineData("Wijkverpleging", CareType.DistrictNursing)]
    [InlineData(" palliatief-terminale ZORG ", CareType.PalliativeTerminal)]
    [InlineData("PTZ", CareType.PalliativeTerminal)]
    [InlineData("mkz", CareType.MedicalChildCare)]
    [InlineData("Casemanagement dementie", CareType.DementiaCaseManagement)]
    [InlineData("onplanbare nachtzorg", CareType.NightCare)]
    [InlineData("Eerstelijnsverblijf (ELV)", CareType.ShortTermStay)]
    [InlineData("CARE_TYPE_SHORT_TERM_STAY", CareType.ShortTermStay)]
    [InlineData("short_term_stay", CareType.ShortTermStay)]
    [InlineData("6", CareType.ShortTermStay)]
    public void CareTypeWordsAreReadWhateverTheirCaseOrSpelling(string word, CareType expected) =>
        Assert.Equal(expected, ImportSheet.CareTypeOf(word));

    [Fact]
    public void DatesNumbersAndUnknownWordsAreReadOrRefused()
    {
        Assert.Equal(new DateOnly(2026, 12, 31), ImportSheet.DateOf("2026-12-31"));
        Assert.Equal(new DateOnly(2026, 12, 3), ImportSheet.DateOf("3-12-2026"));
        Assert.Equal(new DateOnly(2026, 12, 3), ImportSheet.DateOf("03/12/2026"));
        Assert.Null(ImportSheet.DateOf("31-02-2026"));
        Assert.Equal(12.5, ImportSheet.NumberOf("12,5"));
        Assert.Equal(3L, ImportSheet.WholeOf("3.0"));
        Assert.Null(ImportSheet.WholeOf("3,5"));
        Assert.Null(ImportSheet.CareTypeOf("tandarts"));
    }

    [Fact]
    public void ColumnsAreFoundInAnyOrderAndCellsCheckedByColumn()
    {
        var rows = ImportRows.Parse(Read("Vrije plaatsen;Zorgsoort;Postcode_gebied;notitie;Vanaf\n2;PTZ;1183;x;31-12-2026\n-;PTZ;1183;;morgen\n;PTZ;1183;;\n"));

        Assert.Equal((2, CareType.PalliativeTerminal, "1183", new DateOnly(2026, 12, 31), true), (rows[0].FreePlaces, rows[0].CareType, rows[0].Pc4, rows[0].From, rows[0].Good));
        Assert.Equal([("vrije_plaatsen", Reasons.NumberFormat), ("vanaf", Reasons.DateInvalid)], rows[1].Errors.Select(e => (e.Field, e.Reason)));
        Assert.True(rows[2].Blank);
        var missing = Assert.Throws<RpcException>(() => ImportRows.Parse(Read("postcode_gebied;vrije_plaatsen\n1183;1\n")));
        Assert.Contains("missing: zorgsoort", missing.Status.Detail);
    }
}
