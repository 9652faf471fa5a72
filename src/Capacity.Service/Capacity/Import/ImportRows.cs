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

        return sheet.Skip(1).Select(row => ParseRow(row, column => at[column] is var i && i >= 0 && i < row.Cells.Length ? row.Cells[i].Trim() : "")).ToList();
    }

    static ParsedRow ParseRow(SheetRow row, Func<string, string> cell)
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

        var parsed = new ParsedRow(row.Row, pc4, careType, free, from, hours, version);
        foreach (var (column, reason, description) in errors) parsed.Refuse(column, reason, description);
        return parsed;
    }

    /// <summary>The row's figure as the grid sends it (<see cref="SetCapacityRequest"/>), with the version to write.</summary>
    public static SetCapacityRequest ToRequest(this ParsedRow row, string agb, long version)
    {
        var request = new SetCapacityRequest { Agb = agb, Pc4 = row.Pc4, CareType = row.CareType, FreePlaces = row.FreePlaces, Version = version };
        if (row.From is { } from) request.AvailableFrom = from.ToDate();
        if (row.HoursPerWeek is { } hours) request.HoursPerWeek = hours;
        return request;
    }

    /// <summary>The column a field of <see cref="SetCapacityRequest"/> is read from.</summary>
    public static string ColumnOf(string field) => field switch
    {
        "pc4" or "area" => ImportSheet.Pc4,
        "care_type" => ImportSheet.CareType,
        "free_places" => ImportSheet.FreePlaces,
        "available_from" => ImportSheet.From,
        "hours_per_week" => ImportSheet.HoursPerWeek,
        "version" => ImportSheet.Version,
        _ => field,
    };
}
