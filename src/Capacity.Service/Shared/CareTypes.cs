using Capacity.V1;

namespace Capacity.Service.Shared;

/// <summary>Facts about care types that every feature needs.</summary>
public static class CareTypes
{
    /// <summary>Every real care type (without UNSPECIFIED), in enum order.</summary>
    public static readonly IReadOnlyList<CareType> All =
        Enum.GetValues<CareType>().Where(t => t != CareType.Unspecified).ToArray();

    public static bool IsKnown(CareType type) => type != CareType.Unspecified && Enum.IsDefined(type);

    /// <summary>Short-term stay is counted in beds; all care at home in places for new clients.</summary>
    public static CapacityUnit UnitOf(CareType type) =>
        type == CareType.ShortTermStay ? CapacityUnit.Beds : CapacityUnit.Places;

    /// <summary>NZa: palliative terminal care and urgent care are never held back by a client stop.</summary>
    public static bool PassesClientStops(CareType type, bool urgent) => urgent || type == CareType.PalliativeTerminal;
}

/// <summary>A set of care types as a bit mask; the empty set is stored as "all" where the API says so.</summary>
public readonly record struct CareTypeSet(ulong Bits)
{
    public static readonly CareTypeSet Empty = new(0);
    public static readonly CareTypeSet Every = Of(CareTypes.All);

    public static CareTypeSet Of(IEnumerable<CareType> types)
    {
        var bits = 0UL;
        foreach (var t in types) bits |= Bit(t);
        return new CareTypeSet(bits);
    }

    public bool Contains(CareType type) => (Bits & Bit(type)) != 0;

    // Room for 64 care types; an unknown or out-of-range value is never in a set.
    static ulong Bit(CareType type) => (int)type is >= 0 and < 64 ? 1UL << (int)type : 0;

    public bool IsEmpty => Bits == 0;

    public IEnumerable<CareType> Types => CareTypes.All.Where(Contains);

    public override string ToString() => string.Join(",", Types);
}
