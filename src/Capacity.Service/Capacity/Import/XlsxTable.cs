using System.Globalization;
using System.IO.Compression;
using ClosedXML.Excel;

namespace Capacity.Service.Capacity.Import;

/// <summary>The first worksheet of an Excel 2007+ workbook as rows of text, and the template as a workbook (ClosedXML).</summary>
public static class XlsxTable
{
    /// <summary>An .xlsx file is a zip: it starts with "PK".</summary>
    public static bool Looks(ReadOnlySpan<byte> file) => file.Length >= 2 && file[0] == (byte)'P' && file[1] == (byte)'K';

    /// <summary>The used rows of the first worksheet, with their row numbers; dates as yyyy-MM-dd, numbers with ".".</summary>
    /// <exception cref="FormatException">Not a workbook.</exception>
    /// <exception cref="UnpackedTooLargeException">One that unpacks to more than <see cref="ImportSheet.MaxUnpackedXlsxBytes"/>.</exception>
    public static List<SheetRow> Read(byte[] file, CancellationToken cancel = default)
    {
        CheckUnpackedSize(file);
        cancel.ThrowIfCancellationRequested();
        try
        {
            using var workbook = new XLWorkbook(new MemoryStream(file, writable: false));
            var sheet = workbook.Worksheets.FirstOrDefault() ?? throw new FormatException("the workbook has no worksheet");
            var rows = new List<SheetRow>();
            foreach (var row in sheet.RowsUsed())
            {
                cancel.ThrowIfCancellationRequested();
                var last = row.LastCellUsed()?.Address.ColumnNumber ?? 0;
                var cells = new string[Math.Min(last, 64)]; // the template has 6 columns; more are ignored anyway
                for (var c = 0; c < cells.Length; c++) cells[c] = TextOf(row.Cell(c + 1));
                if (cells.Any(s => s.Trim().Length > 0)) rows.Add(new SheetRow(row.RowNumber(), cells));
            }
            return rows;
        }
        catch (Exception e) when (e is not (FormatException or OperationCanceledException))
        {
            throw new FormatException($"the file is not a readable .xlsx workbook ({e.GetType().Name})");
        }
    }

    static void CheckUnpackedSize(byte[] file)
    {
        try
        {
            using var zip = new ZipArchive(new MemoryStream(file, writable: false), ZipArchiveMode.Read);
            // The sizes the zip directory declares: checked before ClosedXML unpacks anything.
            if (zip.Entries.Sum(e => e.Length) > ImportSheet.MaxUnpackedXlsxBytes)
                throw new UnpackedTooLargeException($"the workbook unpacks to more than {ImportSheet.MaxUnpackedXlsxBytes / (1024 * 1024)} MB");
        }
        catch (InvalidDataException)
        {
            throw new FormatException("the file is not a readable .xlsx workbook (not a zip)");
        }
    }

    /// <summary>A cell as text. A formula gives the value Excel saved with it: the service evaluates no formulas.</summary>
    static string TextOf(IXLCell cell) => (cell.HasFormula ? cell.CachedValue : cell.Value) switch
    {
        DateTime d => DateOnly.FromDateTime(d).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        double n => n.ToString("R", CultureInfo.InvariantCulture),
        null => "",
        var other => Convert.ToString(other, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>The template as a workbook: one sheet "Capaciteit", a bold frozen header, areas as text, numbers as numbers, dates as dates.</summary>
    /// <param name="outlookColumns">The outlook's dated columns, after the figure's (<see cref="ImportSheet.OutlookColumns"/>).</param>
    public static byte[] Write(IReadOnlyList<TemplateRow> rows, IReadOnlyList<string> outlookColumns)
    {
        using var workbook = new XLWorkbook();
        var sheet = workbook.Worksheets.Add("Capaciteit");
        for (var c = 0; c < ImportSheet.Columns.Length; c++) sheet.Cell(1, c + 1).SetValue(ImportSheet.Columns[c]);
        for (var c = 0; c < outlookColumns.Count; c++) sheet.Cell(1, ImportSheet.Columns.Length + c + 1).SetValue(outlookColumns[c]);
        sheet.Row(1).Style.Font.Bold = true;
        sheet.SheetView.FreezeRows(1);
        sheet.Column(1).Style.NumberFormat.Format = "@";
        sheet.Column(4).Style.DateFormat.Format = "yyyy-mm-dd";
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            var n = i + 2;
            sheet.Cell(n, 1).SetValue(r.Pc4);
            sheet.Cell(n, 1).DataType = XLDataType.Text;
            sheet.Cell(n, 2).SetValue(r.CareTypeName);
            if (r.FreePlaces is { } free) sheet.Cell(n, 3).SetValue(free);
            sheet.Cell(n, 4).SetValue(r.From.ToDateTime(TimeOnly.MinValue));
            if (r.HoursPerWeek is { } hours) sheet.Cell(n, 5).SetValue(hours);
            for (var d = 0; d < r.Outlook.Count; d++)
                if (r.Outlook[d] is { } expected) sheet.Cell(n, ImportSheet.Columns.Length + d + 1).SetValue(expected);
        }
        sheet.Columns(1, ImportSheet.Columns.Length).Width = 18;
        if (outlookColumns.Count > 0) sheet.Columns(ImportSheet.Columns.Length + 1, ImportSheet.Columns.Length + outlookColumns.Count).Width = 21;
        using var output = new MemoryStream();
        workbook.SaveAs(output);
        return output.ToArray();
    }
}

/// <summary>An .xlsx file whose parts unpack to more than <see cref="ImportSheet.MaxUnpackedXlsxBytes"/>.</summary>
public sealed class UnpackedTooLargeException(string message) : Exception(message);

/// <summary>One row of the template: an area × care type the provider serves, with its current figure if it has one.</summary>
public sealed record TemplateRow(string Pc4, string CareTypeName, int? FreePlaces, DateOnly From, double? HoursPerWeek)
{
    /// <summary>The places expected on each of the coming 7 days (null: none), in the order of <see cref="ImportSheet.OutlookColumns"/>; empty: all empty.</summary>
    public IReadOnlyList<int?> Outlook { get; init; } = [];

    /// <summary>The row's cells as CSV text, in <see cref="ImportSheet.Columns"/> order (versie left empty: the service picks one), then the 7 outlook days.</summary>
    public string[] Cells() =>
    [
        Pc4, CareTypeName, FreePlaces?.ToString(CultureInfo.InvariantCulture) ?? "", From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        HoursPerWeek is { } h ? ImportSheet.Format(h) : "", "",
        .. Enumerable.Range(0, Capacity.Outlook.Outlook.WindowDays).Select(d => d < Outlook.Count && Outlook[d] is { } e ? e.ToString(CultureInfo.InvariantCulture) : ""),
    ];
}
