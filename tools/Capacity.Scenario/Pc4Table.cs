using System.Globalization;
using System.Reflection;

namespace Capacity.Scenario;

/// <summary>One PC4 area of the CBS extract: where it is and how many people live there.</summary>
public sealed record Pc4Area(int Pc4, string MunicipalityCode, string Municipality, double Latitude, double Longitude, int Population)
{
    public string Code => Pc4.ToString("D4", CultureInfo.InvariantCulture);
}

/// <summary>The 4,067 Dutch PC4 areas (Bron: CBS), read from the extract the service also embeds.</summary>
public static class Pc4Table
{
    static readonly Lazy<IReadOnlyList<Pc4Area>> Embedded = new(Load);

    public static IReadOnlyList<Pc4Area> All => Embedded.Value;

    /// <summary>Great-circle (haversine) distance between two centroids, in km.</summary>
    public static double DistanceKm(double lat1, double lon1, double lat2, double lon2)
    {
        const double EarthRadiusKm = 6371.0088;
        var dLat = double.DegreesToRadians(lat2 - lat1);
        var dLon = double.DegreesToRadians(lon2 - lon1);
        var h = Math.Pow(Math.Sin(dLat / 2), 2)
                + Math.Cos(double.DegreesToRadians(lat1)) * Math.Cos(double.DegreesToRadians(lat2)) * Math.Pow(Math.Sin(dLon / 2), 2);
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }

    public static double DistanceKm(Pc4Area a, Pc4Area b) => DistanceKm(a.Latitude, a.Longitude, b.Latitude, b.Longitude);

    static IReadOnlyList<Pc4Area> Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("pc4.csv")
                           ?? throw new InvalidOperationException("pc4.csv is not embedded");
        using var reader = new StreamReader(stream);
        var header = reader.ReadLine();
        if (header != "pc4,municipality_code,municipality,place,lat,lon,population")
            throw new InvalidDataException($"unexpected pc4.csv header: {header}");
        var areas = new List<Pc4Area>(4100);
        while (reader.ReadLine() is { Length: > 0 } line)
        {
            var f = SplitCsv(line);
            areas.Add(new Pc4Area(
                int.Parse(f[0], CultureInfo.InvariantCulture), f[1], f[2],
                double.Parse(f[4], CultureInfo.InvariantCulture), double.Parse(f[5], CultureInfo.InvariantCulture),
                f[6].Length == 0 ? 0 : int.Parse(f[6], CultureInfo.InvariantCulture)));
        }
        return areas;
    }

    // Fields are quoted only when they hold a comma ("Nuenen, Gerwen en Nederwetten").
    static List<string> SplitCsv(string line)
    {
        var fields = new List<string>(7);
        var i = 0;
        while (i <= line.Length)
        {
            if (i < line.Length && line[i] == '"')
            {
                var end = line.IndexOf('"', i + 1);
                fields.Add(line[(i + 1)..end]);
                i = end + 2;
            }
            else
            {
                var end = line.IndexOf(',', i);
                if (end < 0) end = line.Length;
                fields.Add(line[i..end]);
                i = end + 1;
            }
        }
        return fields;
    }
}
