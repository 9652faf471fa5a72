using Capacity.Service.Geography;

namespace Capacity.Service.Matching;

/// <summary>
/// A provider in reach of a search, by its number in the registry snapshot, and the distance from
/// its base to the patient's area as answers show it: to 10 m, kept as a whole number of those
/// (8 bytes an entry: the engine keeps these lists for every area searched).
/// </summary>
public readonly struct ProviderInReach(int number, double exactKm)
{
    readonly int _centiKm = (int)Math.Round(exactKm * 100);

    public int Number { get; } = number;

    /// <summary>Rounded to two decimals exactly as <c>Math.Round(km, 2)</c> rounds it.</summary>
    public double DistanceKm => _centiKm / 100.0;

    public void Deconstruct(out int number, out double distanceKm) => (number, distanceKm) = (Number, DistanceKm);
}

/// <summary>The postcode numbers of a list of areas in reach (which is kept, never changed), read through.</summary>
sealed class Pc4sOf(IReadOnlyList<(PostcodeArea Area, double DistanceKm)> areas) : IReadOnlyList<int>
{
    public int this[int index] => areas[index].Area.Pc4;

    public int Count => areas.Count;

    public IEnumerator<int> GetEnumerator()
    {
        foreach (var (area, _) in areas) yield return area.Pc4;
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
