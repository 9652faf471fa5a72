using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;
using Google.Rpc;

namespace Capacity.Service.Capacity.Import;

/// <summary>A data row read from the sheet: the values it could read, and what was wrong with it (by column).</summary>
public sealed record ParsedRow(int Row, string Pc4, CareType CareType, int FreePlaces, DateOnly? From, double? HoursPerWeek, long? Version)
{
    /// <summary>No free places filled in: the row is left out (the template lists every area × care type, filled or not).</summary>
    public bool Blank { get; init; }

    public List<BadRequest.Types.FieldViolation> Errors { get; } = [];

    /// <summary>The filled-in outlook cells (docs/INSIGHT-outlook.md): column, day and places, in column order.</summary>
    public IReadOnlyList<(string Column, DateOnly Day, int FreePlaces)> Outlook { get; init; } = [];

    public bool Good => Errors.Count == 0;

    public void Refuse(string column, string reason, string description) =>
        Errors.Add(new BadRequest.Types.FieldViolation { Field = column, Reason = reason, Description = description });
}

/// <summary>
/// From a sheet's rows (header first) to <see cref="ParsedRow"/>s: the header finds the columns
/// (in any order; unknown columns are ignored), each cell is read as its column says. The rules of
/// the figures themselves (ranges, served areas, dates ahead) are the grid's, checked afterwards by
/// <see cref="CapacityGrpcService.Expand"/>. Pure.
/// </summary>
public static class ImportRows
{
    /// <summary>The data rows, or the whole file refused (field "file") when it has no header, misses a required column, or has no or too many rows.</summary>
    public static List<ParsedRow> Parse(IReadOnlyList<SheetRow> sheet)
    {
        if (sheet.Count == 0) throw InputErrors.Single("file", Reasons.ListEmpty, "the file holds no rows");
        var header = sheet[0].Cells.Select(ImportSheet.ColumnOf).ToArray();
        var at = ImportSheet.Columns.ToDictionary(c => c, c => Array.IndexOf(header, c));
        var missing = ImportSheet.RequiredColumns.Where(c => at[c] < 0).ToArray();
        if (missing.Length > 0)
            throw InputErrors.Single("file", Reasons.FileColumns,
                $"the first row must name the columns {string.Join(", ", ImportSheet.Columns)}; missing: {string.Join(", ", missing)}");
        var data = sheet.Count - 1;
        if (data == 0) throw InputErrors.Single("file", Reasons.ListEmpty, "the file holds a header but no rows");
        if (data > ImportSheet.MaxRows) throw InputErrors.Single("file", Reasons.ListTooLong, $"at most {ImportSheet.MaxRows:N0} rows per file; this one has {data:N0}");

        var outlook = header.Select((column, i) => (Column: column, Index: i, Day: ImportSheet.OutlookDayOf(column)))
            .Where(c => c.Day is not null).Select(c => (c.Column, c.Index, Day: c.Day!.Value)).ToArray();
        return sheet.Skip(1).Select(row => ParseRow(row, column => at[column] is var i && i >= 0 && i < row.Cells.Length ? row.Cells[i].Trim() : "", outlook)).ToList();
    }

    static ParsedRow ParseRow(SheetRow row, Func<string, string> cell, (string Column, int Index, DateOnly Day)[] outlookColumns)
    {
        var errors = new List<(string, string, string)>();
        var careType = ImportSheet.CareTypeOf(cell(ImportSheet.CareType)) ?? CareType.Unspecified;
        var pc4 = cell(ImportSheet.Pc4);
        if (pc4.Length == 0) errors.Add((ImportSheet.Pc4, Reasons.Required, "an area (PC4) is required"));

        var careTypeText = cell(ImportSheet.CareType);
        if (careTypeText.Length == 0) errors.Add((ImportSheet.CareType, Reasons.Required, "a care type is required"));
        else if (careType == CareType.Unspecified) errors.Add((ImportSheet.CareType, Reasons.CareTypeUnknown, "not a care type of the template"));

        var freeText = cell(ImportSheet.FreePlaces);
        var free = 0;
        if (freeText.Length == 0) return new ParsedRow(row.Row, pc4, careType, 0, null, null, null) { Blank = true };
        if (ImportSheet.WholeOf(freeText) is not { } n) errors.Add((ImportSheet.FreePlaces, Reasons.NumberFormat, "must be a whole number"));
        else if (n is < int.MinValue or > int.MaxValue) errors.Add((ImportSheet.FreePlaces, Reasons.NumberRange, $"at most {CapacityGrpcService.MaxFreePlaces}"));
        else free = (int)n;

        DateOnly? from = null;
        var fromText = cell(ImportSheet.From);
        if (fromText.Length > 0 && (from = ImportSheet.DateOf(fromText)) is null)
            errors.Add((ImportSheet.From, Reasons.DateInvalid, "must be a day as 2026-12-31 or 31-12-2026"));

        double? hours = null;
        var hoursText = cell(ImportSheet.HoursPerWeek);
        if (hoursText.Length > 0 && (hours = ImportSheet.NumberOf(hoursText)) is null)
            errors.Add((ImportSheet.HoursPerWeek, Reasons.NumberFormat, "must be a number (12,5 or 12.5)"));

        long? version = null;
        var versionText = cell(ImportSheet.Version);
        if (versionText.Length > 0 && (version = ImportSheet.WholeOf(versionText)) is null)
            errors.Add((ImportSheet.Version, Reasons.NumberFormat, "must be a whole number"));

        var outlook = new List<(string, DateOnly, int)>();
        foreach (var (column, index, day) in outlookColumns)
        {
            var text = index < row.Cells.Length ? row.Cells[index].Trim() : "";
            if (text.Length == 0) continue;
            if (ImportSheet.WholeOf(text) is not { } expected) errors.Add((column, Reasons.NumberFormat, "must be a whole number"));
            else if (expected is < int.MinValue or > int.MaxValue) errors.Add((column, Reasons.NumberRange, $"at most {CapacityGrpcService.MaxFreePlaces}"));
            else outlook.Add((column, day, (int)expected));
        }

        var parsed = new ParsedRow(row.Row, pc4, careType, free, from, hours, version) { Outlook = outlook };
        foreach (var (column, reason, description) in errors) parsed.Refuse(column, reason, description);
        return parsed;
    }

    /// <summary>The row's figure as the grid sends it (<see cref="SetCapacityRequest"/>), with the version to write.</summary>
    /// <remarks>Outlook days that have come (today or earlier: a template filled in yesterday) are left out, as they would expire at once.</remarks>
    public static SetCapacityRequest ToRequest(this ParsedRow row, string agb, long version, DateOnly today)
    {
        var request = new SetCapacityRequest { Agb = agb, Pc4 = row.Pc4, CareType = row.CareType, FreePlaces = row.FreePlaces, Version = version };
        foreach (var (_, day, free) in row.Outlook.Where(o => o.Day > today))
            request.Outlook.Add(new DailyExpectation { Date = day.ToDate(), FreePlaces = free });
        if (row.From is { } from) request.AvailableFrom = from.ToDate();
        if (row.HoursPerWeek is { } hours) request.HoursPerWeek = hours;
        return request;
    }

    /// <summary>The column a field of <see cref="SetCapacityRequest"/> is read from (<c>outlook[i].x</c>: the i-th day sent of the row's outlook).</summary>
    public static string ColumnOf(string field, ParsedRow? row = null, DateOnly? today = null) => field switch
    {
        _ when row is not null && today is { } t && OutlookIndex(field) is { } i && row.Outlook.Where(o => o.Day > t).ElementAtOrDefault(i) is { Column: { } column } => column,
        "pc4" or "area" => ImportSheet.Pc4,
        "care_type" => ImportSheet.CareType,
        "free_places" => ImportSheet.FreePlaces,
        "available_from" => ImportSheet.From,
        "hours_per_week" => ImportSheet.HoursPerWeek,
        "version" => ImportSheet.Version,
        _ => field,
    };

    static int? OutlookIndex(string field) =>
        field.StartsWith("outlook[", StringComparison.Ordinal) && field.IndexOf(']') is var end and > 8
        && int.TryParse(field.AsSpan(8, end - 8), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i : null;
}
