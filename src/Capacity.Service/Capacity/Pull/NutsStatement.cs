using System.Text.Json;
using Capacity.Service.Shared;
using Capacity.V1;

namespace Capacity.Service.Capacity.Pull;

/// <summary>One figure read from a statement: free places for an area and care type.</summary>
public readonly record struct PulledFigure(int Pc4, CareType CareType, int FreePlaces);

/// <summary>A part of a statement that was not used (path in the document, reason code, the value).</summary>
public sealed record Skipped(string Path, string Reason, string Value);

/// <summary>What a statement says, after mapping: the figures, and what was left out.</summary>
public sealed record PulledStatement(IReadOnlyList<PulledFigure> Figures, IReadOnlyList<Skipped> Skipped, int SkippedCount);

/// <summary>The document could not be read as a Nuts capacity statement.</summary>
public sealed class StatementException(string message) : Exception(message);

/// <summary>
/// Reads a capacity.json in the shape of the Nuts "Capaciteit" bolt
/// (github.com/nuts-foundation/bolts, bolts/capaciteit.rst) and maps it to our figures:
/// <c>capacity.extramural[]</c> — a neighbourhood with its <c>postalcodes</c> (4, 5 or 6
/// characters: "1234", "1234A", "1234AB") and <c>available</c>, a list of <c>{type, count}</c> —
/// gives, for each PC4 the neighbourhood touches and each type we know, <c>count</c> free places.
/// <c>capacity.intramural[]</c> — a location with one <c>postalcode</c> — is read for short-term
/// stay (eerstelijnsverblijf) beds only: other intramural care is not district nursing.
/// <c>total</c> is not used (we keep free places only). Pure: no I/O, so the mapping is tested
/// on its own; the puller decides what is published.
/// </summary>
public static class NutsStatement
{
    /// <summary>Entries listed as skipped, at most; the count goes on.</summary>
    public const int MaxSkippedListed = 20;

    /// <summary>At most this many figures from one statement (as a grid saved in one action).</summary>
    public const int MaxFigures = CapacityGrpcService.MaxBatchFigures;

    /// <summary>
    /// The care-type names a statement may use (the bolt leaves <c>type</c> free text), compared
    /// case- and accent-insensitively after trimming: the Dutch names and abbreviations in use,
    /// and our own enum names. Documented in docs/PULL.md; a type not listed is skipped.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, CareType> TypeNames = BuildTypeNames();

    static Dictionary<string, CareType> BuildTypeNames()
    {
        var names = new Dictionary<string, CareType>(StringComparer.Ordinal);
        void Add(CareType careType, params string[] texts)
        {
            foreach (var text in texts) names[Normalise(text)] = careType;
        }
        Add(CareType.DistrictNursing, "wijkverpleging", "wijkverpleegkundige zorg", "thuiszorg", "verpleging en verzorging", "v&v", "vv", "district nursing");
        Add(CareType.PalliativeTerminal, "palliatief terminale zorg", "palliatieve terminale zorg", "palliatieve zorg", "ptz", "palliative terminal care");
        Add(CareType.MedicalChildCare, "medische kindzorg", "mkz", "kinderthuiszorg", "medical child care");
        Add(CareType.DementiaCaseManagement, "casemanagement dementie", "casemanager dementie", "dementie casemanagement", "dementia case management");
        Add(CareType.NightCare, "onplanbare nachtzorg", "nachtzorg", "night care");
        Add(CareType.ShortTermStay, "eerstelijnsverblijf", "elv", "kortdurend verblijf", "short-term stay");
        foreach (var careType in CareTypes.All)
        {
            var name = careType.ToString(); // DistrictNursing; the proto name is CARE_TYPE_DISTRICT_NURSING
            names[Normalise(name)] = careType;
            var snake = string.Concat(name.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant();
            names[Normalise(snake)] = careType;
            names[Normalise("CARE_TYPE_" + snake)] = careType;
        }
        return names;
    }

    /// <summary>Lower case, accents off, and spaces, dashes and underscores dropped: "Palliatief-terminale zorg" = "palliatief terminale zorg".</summary>
    public static string Normalise(string text)
    {
        var decomposed = text.Trim().ToLowerInvariant().Normalize(System.Text.NormalizationForm.FormD);
        return string.Concat(decomposed.Where(c => char.IsAsciiLetterOrDigit(c) || c == '&'));
    }

    /// <summary>
    /// Reads <paramref name="json"/> and maps it. <paramref name="serves"/> says whether the
    /// provider serves an area (the registry): figures for other areas are skipped, as a publish
    /// for them would be refused. Several neighbourhoods touching one PC4 (each a part of it, by
    /// PC5 or PC6) give it the largest of their figures: a patient there is served by one of them.
    /// </summary>
    /// <exception cref="StatementException">Not JSON, or not the bolt's shape.</exception>
    public static PulledStatement Read(ReadOnlySpan<byte> json, Func<int, bool> serves)
    {
        if (json.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) json = json[3..]; // a byte-order mark, as Windows tools write
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            throw new StatementException($"not JSON: {InputErrors.Cut(e.Message, 200)}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("capacity", out var capacity) || capacity.ValueKind != JsonValueKind.Object)
                throw new StatementException("no \"capacity\" object at the top");
            var mapping = new Mapping(serves);
            try
            {
                if (capacity.TryGetProperty("extramural", out var extramural)) mapping.ReadExtramural(List(extramural, "capacity.extramural"));
                if (capacity.TryGetProperty("intramural", out var intramural)) mapping.ReadIntramural(List(intramural, "capacity.intramural"));
            }
            catch (InvalidOperationException e) // a string that is not valid UTF-8
            {
                throw new StatementException($"unreadable text: {InputErrors.Cut(e.Message, 200)}");
            }
            return mapping.Result();
        }
    }

    static JsonElement.ArrayEnumerator List(JsonElement element, string path) =>
        element.ValueKind == JsonValueKind.Array ? element.EnumerateArray() : throw new StatementException($"{path} must be a list");

    sealed class Mapping(Func<int, bool> serves)
    {
        readonly Dictionary<(int Pc4, CareType CareType), int> _figures = new();
        readonly List<Skipped> _skipped = [];
        int _skippedCount;

        void Skip(string path, string reason, string value)
        {
            _skippedCount++;
            if (_skipped.Count < MaxSkippedListed) _skipped.Add(new Skipped(path, reason, InputErrors.Cut(value, 100)));
        }

        public void ReadExtramural(JsonElement.ArrayEnumerator neighbourhoods)
        {
            var n = 0;
            foreach (var entry in neighbourhoods)
            {
                var path = $"extramural[{n++}]";
                var pc4s = new SortedSet<int>();
                if (entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("neighbourhood", out var hood) && hood.ValueKind == JsonValueKind.Object
                    && hood.TryGetProperty("postalcodes", out var codes) && codes.ValueKind == JsonValueKind.Array)
                {
                    var c = 0;
                    foreach (var code in codes.EnumerateArray())
                        AddArea(pc4s, $"{path}.neighbourhood.postalcodes[{c++}]", code);
                }
                else
                {
                    // The bolt allows a neighbourhood named only; without postcodes we cannot place it.
                    Skip($"{path}.neighbourhood.postalcodes", Reasons.PostcodeFormat, "");
                    continue;
                }
                foreach (var (careType, count, _, _) in Available(entry, path))
                    foreach (var pc4 in pc4s)
                        Put(pc4, careType, count);
            }
        }

        public void ReadIntramural(JsonElement.ArrayEnumerator locations)
        {
            var n = 0;
            foreach (var entry in locations)
            {
                var path = $"intramural[{n++}]";
                var pc4s = new SortedSet<int>();
                if (entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("location", out var location) && location.ValueKind == JsonValueKind.Object
                    && location.TryGetProperty("postalcode", out var code))
                    AddArea(pc4s, $"{path}.location.postalcode", code);
                else
                {
                    Skip($"{path}.location.postalcode", Reasons.PostcodeFormat, "");
                    continue;
                }
                foreach (var (careType, count, itemPath, type) in Available(entry, path))
                {
                    if (careType != CareType.ShortTermStay)
                    {
                        Skip(itemPath, "INTRAMURAL_TYPE", type);
                        continue;
                    }
                    foreach (var pc4 in pc4s) Put(pc4, careType, count);
                }
            }
        }

        void AddArea(SortedSet<int> pc4s, string path, JsonElement code)
        {
            var text = code.ValueKind == JsonValueKind.String ? code.GetString()!.Replace(" ", "") : code.ToString();
            if (text.Length is < 4 or > 6 || !int.TryParse(text.AsSpan(0, 4), System.Globalization.NumberStyles.None, null, out var pc4) || pc4 < 1000
                || !text.AsSpan(4).ToString().All(char.IsAsciiLetter))
                Skip(path, Reasons.PostcodeFormat, text);
            else if (!serves(pc4)) Skip(path, Reasons.AreaNotServed, text);
            else pc4s.Add(pc4);
        }

        /// <summary>The entry's <c>available</c> list, as care types we know with valid counts (a type named twice: its last count).</summary>
        IEnumerable<(CareType CareType, int Count, string Path, string Type)> Available(JsonElement entry, string path)
        {
            if (!entry.TryGetProperty("available", out var available) || available.ValueKind != JsonValueKind.Array)
            {
                Skip($"{path}.available", Reasons.Required, "");
                yield break;
            }
            var i = 0;
            foreach (var item in available.EnumerateArray())
            {
                var itemPath = $"{path}.available[{i++}]";
                var type = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "";
                if (!TypeNames.TryGetValue(Normalise(type), out var careType))
                {
                    Skip(itemPath, Reasons.CareTypeUnknown, type);
                    continue;
                }
                if (!item.TryGetProperty("count", out var c) || c.ValueKind != JsonValueKind.Number || !c.TryGetInt32(out var count)
                    || count is < 0 or > CapacityGrpcService.MaxFreePlaces)
                {
                    Skip($"{itemPath}.count", Reasons.NumberRange, item.TryGetProperty("count", out var raw) ? raw.GetRawText() : "");
                    continue;
                }
                yield return (careType, count, itemPath, type);
            }
        }

        void Put(int pc4, CareType careType, int count)
        {
            var key = (pc4, careType);
            if (_figures.TryGetValue(key, out var existing)) _figures[key] = Math.Max(existing, count);
            else if (_figures.Count < MaxFigures) _figures[key] = count;
            else Skip("capacity", Reasons.ListTooLong, MaxFigures.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        public PulledStatement Result() => new(
            _figures.OrderBy(f => f.Key.Pc4).ThenBy(f => f.Key.CareType).Select(f => new PulledFigure(f.Key.Pc4, f.Key.CareType, f.Value)).ToArray(),
            _skipped, _skippedCount);
    }
}
