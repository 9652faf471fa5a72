using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.VisualBasic.FileIO;
using NetTopologySuite.Geometries;
using NetTopologySuite.Index.Strtree;

namespace Capacity.Service.Geography;

/// <summary>A Dutch PC4 postcode area. Bron: CBS.</summary>
public sealed record PostcodeArea(
    int Pc4, string MunicipalityCode, string Municipality, string Place, double Latitude, double Longitude, int? Population)
{
    public string Code => Pc4.ToString("D4", CultureInfo.InvariantCulture);
}

/// <summary>A CBS municipality (gemeente) with its postcode areas.</summary>
public sealed record Municipality(string Code, string Name, IReadOnlyList<int> Pc4s);

/// <summary>
/// The static geography of the Netherlands: every PC4 area with its centroid and municipality,
/// loaded once from the CBS extract embedded in the assembly. Radius queries use an STRtree over
/// points projected to a local planar grid in km (NetTopologySuite does planar maths only), and
/// every hit is then measured exactly by great-circle distance.
/// </summary>
public sealed partial class PostcodeDirectory
{
    public const int MinPc4 = 1000, MaxPc4 = 9999;

    // Equirectangular projection around the middle of the country. Across the Netherlands
    // (50.75°N–53.55°N) the east-west scale is off by at most ~4%, which the search envelope
    // absorbs with a margin before the exact haversine filter.
    const double ReferenceLatitude = 52.2, KmPerDegreeLatitude = 110.574, EnvelopeMargin = 1.06;
    static readonly double KmPerDegreeLongitude = 111.320 * Math.Cos(ReferenceLatitude * Math.PI / 180);

    readonly PostcodeArea?[] _byPc4 = new PostcodeArea?[MaxPc4 + 1];
    readonly STRtree<PostcodeArea> _index = new();
    readonly Dictionary<string, Municipality> _municipalitiesByCode = new(StringComparer.OrdinalIgnoreCase);
    readonly Dictionary<string, Municipality> _municipalitiesByName = new(StringComparer.OrdinalIgnoreCase);

    public PostcodeDirectory(IEnumerable<PostcodeArea> areas, IEnumerable<(string Code, string Name)> municipalities)
    {
        var all = new List<PostcodeArea>();
        foreach (var area in areas)
        {
            _byPc4[area.Pc4] = area;
            all.Add(area);
            _index.Insert(new Envelope(Project(area)), area);
        }
        _index.Build();
        Areas = all;

        var pc4sByMunicipality = all.GroupBy(a => a.MunicipalityCode, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<int>)g.Select(a => a.Pc4).Order().ToArray(), StringComparer.OrdinalIgnoreCase);
        foreach (var (code, name) in municipalities)
        {
            var m = new Municipality(code, name, pc4sByMunicipality.GetValueOrDefault(code) ?? []);
            _municipalitiesByCode[code] = m;
            _municipalitiesByName[name] = m;
        }
        Municipalities = _municipalitiesByCode.Values.OrderBy(m => m.Name, StringComparer.Ordinal).ToArray();
    }

    public IReadOnlyList<PostcodeArea> Areas { get; }

    public IReadOnlyList<Municipality> Municipalities { get; }

    /// <summary>Loads the CBS extract that ships inside this assembly.</summary>
    public static PostcodeDirectory LoadEmbedded()
    {
        var areas = ReadCsv("Capacity.Geography.pc4.csv").Select(f => new PostcodeArea(
            Pc4: int.Parse(f[0], CultureInfo.InvariantCulture),
            MunicipalityCode: f[1],
            Municipality: f[2],
            Place: f[3],
            Latitude: double.Parse(f[4], CultureInfo.InvariantCulture),
            Longitude: double.Parse(f[5], CultureInfo.InvariantCulture),
            Population: f[6].Length == 0 ? null : int.Parse(f[6], CultureInfo.InvariantCulture)));
        var municipalities = ReadCsv("Capacity.Geography.municipalities.csv").Select(f => (f[0], f[1]));
        return new PostcodeDirectory(areas, municipalities);
    }

    public PostcodeArea? Find(int pc4) => pc4 is >= MinPc4 and <= MaxPc4 ? _byPc4[pc4] : null;

    public bool Contains(int pc4) => Find(pc4) is not null;

    public Municipality? FindMunicipality(string codeOrName) =>
        _municipalitiesByCode.GetValueOrDefault(codeOrName.Trim()) ?? _municipalitiesByName.GetValueOrDefault(codeOrName.Trim());

    /// <summary>
    /// Parses a PC4 ("1183") or PC6 ("1183 AB", "1183ab") postcode to its PC4 number. Returns an
    /// explanation when the text is not a postcode or the area does not exist.
    /// </summary>
    public bool TryParsePostcode(string? text, out int pc4, out (string Reason, string Description) error)
    {
        pc4 = 0;
        var match = PostcodePattern().Match(text ?? "");
        if (!match.Success)
        {
            error = (Shared.Reasons.PostcodeFormat, "must be a Dutch postcode: 4 digits (PC4, e.g. 1183) optionally followed by 2 letters (PC6, e.g. 1183 AB)");
            return false;
        }
        pc4 = int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
        if (!Contains(pc4))
        {
            error = (Shared.Reasons.PostcodeUnknown, $"postcode area {pc4} does not exist");
            return false;
        }
        error = default;
        return true;
    }

    /// <summary>Every area whose centroid lies within <paramref name="radiusKm"/> of the centre's, nearest first.</summary>
    public IReadOnlyList<(PostcodeArea Area, double DistanceKm)> Within(PostcodeArea centre, double radiusKm)
    {
        if (radiusKm <= 0) return [(centre, 0)];
        var c = Project(centre);
        var r = radiusKm * EnvelopeMargin;
        // Filtered while the tree is walked: no intermediate list of envelope hits.
        var visitor = new WithinVisitor(centre, radiusKm);
        _index.Query(new Envelope(c.X - r, c.X + r, c.Y - r, c.Y + r), visitor);
        visitor.Result.Sort((a, b) => a.Item2.CompareTo(b.Item2));
        return visitor.Result;
    }

    sealed class WithinVisitor(PostcodeArea centre, double radiusKm) : NetTopologySuite.Index.IItemVisitor<PostcodeArea>
    {
        public List<(PostcodeArea, double)> Result { get; } = new(64);

        public void VisitItem(PostcodeArea area)
        {
            var d = DistanceKm(centre, area);
            if (d <= radiusKm) Result.Add((area, d));
        }
    }

    /// <summary>Great-circle (haversine) distance between two area centroids, in km.</summary>
    public static double DistanceKm(PostcodeArea a, PostcodeArea b)
    {
        const double EarthRadiusKm = 6371.0088, ToRadians = Math.PI / 180;
        var dLat = (b.Latitude - a.Latitude) * ToRadians;
        var dLon = (b.Longitude - a.Longitude) * ToRadians;
        var h = Math.Sin(dLat / 2) * Math.Sin(dLat / 2)
              + Math.Cos(a.Latitude * ToRadians) * Math.Cos(b.Latitude * ToRadians) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }

    static Coordinate Project(PostcodeArea a) => new(a.Longitude * KmPerDegreeLongitude, a.Latitude * KmPerDegreeLatitude);

    static IEnumerable<string[]> ReadCsv(string resource)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded resource {resource} is missing.");
        using var parser = new TextFieldParser(stream) { TextFieldType = FieldType.Delimited, HasFieldsEnclosedInQuotes = true };
        parser.SetDelimiters(",");
        parser.ReadFields(); // header
        while (parser.ReadFields() is { } fields) yield return fields;
    }

    [GeneratedRegex(@"^\s*([1-9][0-9]{3})\s*(?:[A-Za-z]{2})?\s*$")]
    private static partial Regex PostcodePattern();
}
