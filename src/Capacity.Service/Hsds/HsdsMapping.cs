using System.Globalization;
using System.Runtime.CompilerServices;
using Capacity.Service.Capacity;
using Capacity.Service.Geography;
using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;

namespace Capacity.Service.Hsds;

/// <summary>
/// The registry and capacity as HSDS 3.x: one <c>service</c> per provider × care type it gives,
/// its <c>organization</c> (the provider), a <c>service_area</c> per served PC4, and a
/// <c>service_capacity</c> per area with a published figure (HSDS ties a capacity to a service,
/// not to an area, so each one names its PC4 in <c>description</c> and in its id's name).
/// Aggregates only: free places, never a patient. Pure.
/// </summary>
public static class HsdsMapping
{
    /// <summary>Care types as an open directory shows them (Dutch, the directory's language).</summary>
    public static readonly IReadOnlyDictionary<CareType, string> Names = new Dictionary<CareType, string>
    {
        [CareType.DistrictNursing] = "Wijkverpleging",
        [CareType.PalliativeTerminal] = "Palliatief terminale zorg",
        [CareType.MedicalChildCare] = "Medische kindzorg",
        [CareType.DementiaCaseManagement] = "Casemanagement dementie",
        [CareType.NightCare] = "Onplanbare nachtzorg",
        [CareType.ShortTermStay] = "Eerstelijnsverblijf",
    };

    public static readonly HsdsUnit Places = new(HsdsIds.Text("unit:places"), "Plaats voor een nieuwe cliënt", "capacity.v1.CapacityUnit", "places");
    public static readonly HsdsUnit Beds = new(HsdsIds.Text("unit:beds"), "Bed", "capacity.v1.CapacityUnit", "beds");

    public static string ServiceId(string agb, CareType careType) => HsdsIds.Text($"service:{agb}:{(int)careType}");

    public static string OrganizationId(string agb) => HsdsIds.Text($"organization:{agb}");

    public static HsdsService Service(ProviderInfo p, CareType careType, IEnumerable<Figure> figures, PostcodeDirectory postcodes)
    {
        var id = ServiceId(p.Agb, careType);
        var unit = CareTypes.UnitOf(careType) == CapacityUnit.Beds ? Beds : Places;
        return new HsdsService(
            id, OrganizationId(p.Agb), $"{Names[careType]} — {p.Name}", $"{Names[careType]} door {p.Name} (AGB {p.Agb}).", p.Inactive ? "inactive" : "active",
            p.Intake?.Email is { Length: > 0 } e ? e : null,
            new HsdsOrganization(OrganizationId(p.Agb), p.Name, $"Zorgaanbieder met AGB-code {p.Agb}.", p.Intake?.Email is { Length: > 0 } o ? o : null,
                "urn:oid:2.16.840.1.113883.2.4.6.1:" + p.Agb),
            [.. p.ServedPc4s.Select(pc4 => Area(id, pc4, postcodes.Find(pc4)))],
            [.. figures.Where(f => f.Agb == p.Agb && f.CareType == careType).OrderBy(f => f.Pc4).Select(f => Capacity(id, f, unit))]);
    }

    static HsdsServiceArea Area(string serviceId, int pc4, PostcodeArea? area) => new(
        HsdsIds.Text($"service_area:{serviceId}:{pc4}"), serviceId, Codes.Pc4(pc4),
        area is null ? $"Postcodegebied {Codes.Pc4(pc4)}" : $"Postcodegebied {area.Code} ({area.Place}, gemeente {area.Municipality})");

    static HsdsCapacity Capacity(string serviceId, Figure f, HsdsUnit unit) => new(
        HsdsIds.Text($"service_capacity:{serviceId}:{f.Pc4}"), serviceId, unit, unit.Id, f.Cell.Available, null,
        $"Vrij in postcodegebied {Codes.Pc4(f.Pc4)} vanaf {f.Cell.AvailableFrom.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}"
            + (f.Cell.HoursPerWeek is { } h ? $", {h.ToString("0.#", CultureInfo.InvariantCulture)} uur per week" : ""),
        f.Cell.PublishedAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
}

/// <summary>
/// The HSDS services of one registry snapshot, ordered by id, and found by service or organization
/// id: built once per snapshot (a few thousand providers: milliseconds), not per request.
/// </summary>
public sealed class HsdsDirectory
{
    public sealed record Entry(string Id, ProviderInfo Provider, CareType CareType);

    static readonly ConditionalWeakTable<RegistrySnapshot, HsdsDirectory> BySnapshot = new();

    public IReadOnlyList<Entry> Services { get; }
    public IReadOnlyDictionary<string, Entry> ById { get; }
    public IReadOnlyDictionary<string, string> AgbByOrganization { get; }

    HsdsDirectory(RegistrySnapshot registry, int year)
    {
        Services = [.. registry.Providers.Values
            .SelectMany(p => CareTypes.All.Where(t => registry.Gives(p, t, year)).Select(t => new Entry(HsdsMapping.ServiceId(p.Agb, t), p, t)))
            .OrderBy(e => e.Id, StringComparer.Ordinal)];
        ById = Services.ToDictionary(e => e.Id);
        AgbByOrganization = registry.Providers.Keys.ToDictionary(HsdsMapping.OrganizationId);
    }

    public static HsdsDirectory Of(RegistrySnapshot registry, int year) => BySnapshot.GetValue(registry, r => new HsdsDirectory(r, year));
}
