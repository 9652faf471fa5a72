using System.Globalization;
using Capacity.V1;

namespace Capacity.Service.Capacity.Import;

/// <summary>
/// The import template's columns, the words it accepts and its bounds (docs/IMPORT.md is the
/// user's copy of this file). Pure: no I/O.
/// </summary>
public static class ImportSheet
{
    /// <summary>Largest file accepted: a full 10,000-row sheet is about 400 KB as CSV.</summary>
    public const int MaxFileBytes = 512 * 1024;

    /// <summary>Most rows (besides the header) a file may hold: the same bound as a grid's batch.</summary>
    public const int MaxRows = CapacityGrpcService.MaxBatchFigures;

    /// <summary>
    /// Largest total of the unpacked parts of an .xlsx file (it is a zip), as its directory declares
    /// them: a full 10,000-row × 6-column sheet is 1–2 MB of XML, and ClosedXML holds the whole
    /// workbook in memory (32 MB of rows cost 1.6 GB and seconds of CPU), so no more.
    /// </summary>
    public const long MaxUnpackedXlsxBytes = 4L * 1024 * 1024;

    /// <summary>Most files parsed at once per instance; a further import waits at most <see cref="ParseWait"/>.</summary>
    public const int MaxParallelParses = 2;

    /// <summary>How long an import waits for a parse slot before it is answered RESOURCE_EXHAUSTED.</summary>
    public static readonly TimeSpan ParseWait = TimeSpan.FromSeconds(10);

    public const string Pc4 = "postcode_gebied";
    public const string CareType = "zorgsoort";
    public const string FreePlaces = "vrije_plaatsen";
    public const string From = "vanaf";
    public const string HoursPerWeek = "uren_per_week";
    public const string Version = "versie";

    /// <summary>The template's columns, in order; the first three are required.</summary>
    public static readonly string[] Columns = [Pc4, CareType, FreePlaces, From, HoursPerWeek, Version];
    public static readonly string[] RequiredColumns = [Pc4, CareType, FreePlaces];

    /// <summary>
    /// The 7-day outlook's columns: one per day, named by its date ("verwacht_2026-06-16"), so a
    /// filled-in sheet means the same days whenever it is uploaded. The template has the coming
    /// seven (tomorrow to today + 7), after <see cref="Columns"/>; all are optional.
    /// </summary>
    public const string ExpectedPrefix = "verwacht_";

    /// <summary>The outlook columns of the template made on <paramref name="today"/>.</summary>
    public static string[] OutlookColumns(DateOnly today) =>
        [.. Enumerable.Range(1, Outlook.Outlook.WindowDays).Select(d => ExpectedPrefix + today.AddDays(d).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))];

    /// <summary>The day of an outlook column (as <see cref="ColumnOf"/> gives it: "verwacht_2026_06_16", or "verwacht_16_6_2026"), else null.</summary>
    public static DateOnly? OutlookDayOf(string column) =>
        column.StartsWith(ExpectedPrefix, StringComparison.Ordinal) ? DateOf(column[ExpectedPrefix.Length..].Replace('_', '-')) : null;

    /// <summary>The Dutch name the template writes per care type (as on the screens, labels.js).</summary>
    public static readonly IReadOnlyDictionary<CareType, string> DutchNames = new Dictionary<CareType, string>
    {
        [V1.CareType.DistrictNursing] = "Wijkverpleging",
        [V1.CareType.PalliativeTerminal] = "Palliatief-terminale zorg",
        [V1.CareType.MedicalChildCare] = "Medische kindzorg",
        [V1.CareType.DementiaCaseManagement] = "Casemanagement dementie",
        [V1.CareType.NightCare] = "Nachtzorg",
        [V1.CareType.ShortTermStay] = "Eerstelijnsverblijf (ELV)",
    };

    /// <summary>Every word accepted in the care type column (compared after <see cref="Normalise"/>).</summary>
    static readonly Dictionary<string, CareType> CareTypeWords = BuildCareTypeWords();

    static Dictionary<string, CareType> BuildCareTypeWords()
    {
        var words = new Dictionary<string, CareType>();
        foreach (var (type, name) in DutchNames)
        {
            words[Normalise(name)] = type;
            words[((int)type).ToString(CultureInfo.InvariantCulture)] = type;
            var protoName = CommonReflection.Descriptor.EnumTypes.First(e => e.Name == nameof(V1.CareType)).FindValueByNumber((int)type).Name; // CARE_TYPE_DISTRICT_NURSING
            words[Normalise(protoName)] = type;
            words[Normalise(protoName["CARE_TYPE_".Length..])] = type;
        }
        foreach (var (word, type) in new (string, CareType)[]
                 {
                     ("wvp", V1.CareType.DistrictNursing), ("ptz", V1.CareType.PalliativeTerminal), ("palliatief terminale zorg", V1.CareType.PalliativeTerminal),
                     ("mkz", V1.CareType.MedicalChildCare), ("dementie", V1.CareType.DementiaCaseManagement),
                     ("onplanbare nachtzorg", V1.CareType.NightCare), ("elv", V1.CareType.ShortTermStay), ("eerstelijnsverblijf", V1.CareType.ShortTermStay),
                 })
            words[Normalise(word)] = type;
        return words;
    }

    /// <summary>Lower case, "_" and "-" as spaces, brackets dropped, runs of spaces as one.</summary>
    public static string Normalise(string text) =>
        string.Join(' ', text.Trim().ToLowerInvariant().Replace('_', ' ').Replace('-', ' ').Replace("(", "").Replace(")", "")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries));

    public static CareType? CareTypeOf(string text) => CareTypeWords.TryGetValue(Normalise(text), out var t) ? t : null;

    /// <summary>A header cell as a column name: "Vrije plaatsen" and "vrije_plaatsen" are the same column.</summary>
    public static string ColumnOf(string header) => Normalise(header.TrimStart('\uFEFF')).Replace(' ', '_');

    static readonly string[] DateFormats = ["yyyy-MM-dd", "d-M-yyyy", "d/M/yyyy", "d.M.yyyy"];

    /// <summary>The day in a cell: 2026-12-02 (as the template writes), or 2-12-2026 as Dutch Excel saves it.</summary>
    public static DateOnly? DateOf(string text) =>
        DateOnly.TryParseExact(text.Trim(), DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;

    /// <summary>A decimal with "," or "." as the decimal mark ("12,5" or "12.5"), no thousands separators.</summary>
    public static double? NumberOf(string text) =>
        double.TryParse(text.Trim().Replace(',', '.'), NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>A whole number; "3.0" (as a spreadsheet may write it) counts as 3.</summary>
    public static long? WholeOf(string text) =>
        NumberOf(text) is { } n && n == Math.Floor(n) && Math.Abs(n) < 1e16 ? (long)n : null;

    public static string Format(double value) => value.ToString("0.##", CultureInfo.InvariantCulture).Replace('.', ',');
}
