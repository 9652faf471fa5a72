using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Capacity.Web;

/// <summary>
/// The outlines of the PC4 areas of one municipality as GeoJSON, for the municipality screen's
/// map. The national file is embedded (Bron: CBS); it is read once, on the first request, and
/// split by municipality, so a map loads only its own areas (Amstelveen: 9 areas, ~10 KB).
/// </summary>
public sealed class PostcodeMap
{
    readonly Lazy<IReadOnlyDictionary<string, byte[]>> _byMunicipality = new(Load);

    /// <summary>The municipality's areas as a GeoJSON FeatureCollection (UTF-8), or null for an unknown code.</summary>
    public byte[]? Municipality(string code) => _byMunicipality.Value.GetValueOrDefault(code.ToUpperInvariant());

    static IReadOnlyDictionary<string, byte[]> Load()
    {
        using var stream = typeof(PostcodeMap).Assembly.GetManifestResourceStream("Capacity.Web.pc4-polygons.geojson.gz")
            ?? throw new InvalidOperationException("The embedded PC4 polygons are missing.");
        using var gzip = new GZipStream(stream, CompressionMode.Decompress);
        using var document = JsonDocument.Parse(gzip);
        var features = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var feature in document.RootElement.GetProperty("features").EnumerateArray())
        {
            var code = feature.GetProperty("properties").GetProperty("municipality_code").GetString()!;
            if (!features.TryGetValue(code, out var list)) features[code] = list = [];
            list.Add(feature.GetRawText());
        }
        return features.ToDictionary(f => f.Key,
            f => Encoding.UTF8.GetBytes($"{{\"type\":\"FeatureCollection\",\"features\":[{string.Join(',', f.Value)}]}}"));
    }
}
