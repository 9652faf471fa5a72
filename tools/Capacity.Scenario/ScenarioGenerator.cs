using System.Diagnostics;
using Capacity.V1;
using Google.Type;

namespace Capacity.Scenario;

/// <summary>What to generate. Every figure is derived from <see cref="Seed"/>: the same options give the same scenario.</summary>
public sealed record ScenarioOptions(
    string Name,
    int Seed,
    DateOnly Today,
    int Providers,
    int NationalProviders,
    int Insurers,
    double ClientStopShare,
    Region? Within = null)
{
    public const string Presets = "national | small";

    /// <summary>
    /// <c>national</c>: the whole country, 2,000 providers of which 4 national, 10 insurers.
    /// <c>small</c>: the Utrecht region (20 km), 60 providers, for tests and smoke runs.
    /// </summary>
    public static ScenarioOptions Preset(string name, int seed, DateOnly today) => name switch
    {
        "national" => new("national", seed, today, Providers: 2_000, NationalProviders: 4, Insurers: 10, ClientStopShare: 0.03),
        "small" => new("small", seed, today, Providers: 60, NationalProviders: 1, Insurers: 10, ClientStopShare: 0.05,
            Within: new Region("Utrecht", 52.0907, 5.1214, 20)),
        _ => throw new ArgumentException($"unknown scenario preset '{name}' (expected {Presets})", nameof(name)),
    };
}

/// <summary>A circle that limits the scenario to part of the country.</summary>
public sealed record Region(string Name, double Latitude, double Longitude, double RadiusKm);

public enum ProviderSize { Local, Regional, Large, National }

/// <summary>A generated provider with what the generator decided about it.</summary>
public sealed record ScenarioProvider(Provider Provider, ProviderSize Size, IReadOnlyList<CareType> CareTypes, int Seed);

/// <summary>A generated insurer and its share of the insured (a weight for patients).</summary>
public sealed record ScenarioInsurer(Insurer Insurer, int MarketShare);

/// <summary>
/// A whole scenario. Registry data is materialised (a few MB); capacity is produced on demand per
/// provider, so hundreds of thousands of figures never sit in memory at once.
/// </summary>
public sealed class Scenario
{
    internal Scenario(ScenarioOptions options, IReadOnlyList<Pc4Area> areas, IReadOnlyList<ScenarioInsurer> insurers,
        IReadOnlyList<ScenarioProvider> providers, IReadOnlyList<Contract> contracts, IReadOnlyList<ClientStop> clientStops)
    {
        Options = options;
        Areas = areas;
        Insurers = insurers;
        Providers = providers;
        Contracts = contracts;
        ClientStops = clientStops;
    }

    public ScenarioOptions Options { get; }

    /// <summary>The PC4 areas in scope (the whole country, or the preset's region).</summary>
    public IReadOnlyList<Pc4Area> Areas { get; }

    public IReadOnlyList<ScenarioInsurer> Insurers { get; }

    public IReadOnlyList<ScenarioProvider> Providers { get; }

    public IReadOnlyList<Contract> Contracts { get; }

    public IReadOnlyList<ClientStop> ClientStops { get; }

    /// <summary>How many capacity figures one full publication holds (one per provider × served area × care type).</summary>
    public long CapacityCells => Providers.Sum(p => (long)p.Provider.ServedPc4S.Count * p.CareTypes.Count);

    /// <summary>
    /// One provider's full publication for round <paramref name="round"/>: a figure for every area
    /// it serves and every care type it offers. Versions are left 0; the publisher sets them.
    /// Round 0 is the initial state; later rounds change the figures as a day of care does.
    /// </summary>
    public IEnumerable<SetCapacityRequest> CapacityOf(ScenarioProvider provider, int round = 0)
    {
        var random = new Random(HashCode.Combine(Options.Seed, provider.Seed, round));
        var maxFree = provider.Size switch { ProviderSize.Local => 3, ProviderSize.Regional => 5, ProviderSize.Large => 8, _ => 4 };
        // Area by area, every care type of an area together, as a provider's planning system lists them.
        foreach (var pc4 in provider.Provider.ServedPc4S)
        {
            foreach (var careType in provider.CareTypes)
            {
                var request = new SetCapacityRequest
                {
                    Agb = provider.Provider.Agb,
                    Pc4 = pc4,
                    CareType = careType,
                    // Four in ten figures say "no room": a full team is the common case.
                    FreePlaces = random.Next(10) < 4 ? 0 : random.Next(1, maxFree + 1),
                };
                if (random.Next(100) < 15) request.AvailableFrom = ScenarioGenerator.ToDate(Options.Today.AddDays(random.Next(1, 15)));
                if (careType == CareType.DistrictNursing && random.Next(2) == 0) request.HoursPerWeek = random.Next(4, 29);
                yield return request;
            }
        }
    }
}

/// <summary>
/// Builds a plausible Netherlands from the real CBS postcode data: providers are placed where
/// people live (a base area drawn by population) and serve the areas within a travel radius that
/// grows with their size; a few national providers serve everywhere. Insurers have market shares;
/// most providers are contracted by most insurers, not all; a few percent of contracted pairs
/// have a client stop. Fictional names and codes throughout.
/// </summary>
public static class ScenarioGenerator
{
    // Fictional insurers with plausible market shares (percent of the insured).
    static readonly (string Uzovi, string Name, int Share)[] InsurerPool =
    [
        ("9101", "Polder Zorgverzekeringen", 27), ("9102", "Delta Zorgverzekeraar", 22), ("9103", "Lage Landen Zorg", 20),
        ("9104", "Noorderzorg Verzekeringen", 12), ("9105", "Waterland Zorgverzekeraar", 7), ("9106", "Kempen Zorg", 4),
        ("9107", "Veluwe Verzekeringen", 3), ("9108", "IJssel Zorgverzekeraar", 2), ("9109", "Duinzorg", 2), ("9110", "Heuvelland Zorg", 1),
    ];

    static readonly string[] NameHeads = ["Thuiszorg", "Wijkverpleging", "Zorggroep", "Buurtzorgteam", "Thuisverpleging", "Wijkzorg"];
    static readonly string[] NameTails = ["De Linde", "Het Anker", "De Brug", "Zonnehoek", "De Eik", "Vitaal", "Samen", "Dichtbij", "De Horizon", "Zorgzaam", "Het Baken", "De Kring"];

    public static Scenario Generate(ScenarioOptions options) => Generate(options, Pc4Table.All);

    public static Scenario Generate(ScenarioOptions options, IReadOnlyList<Pc4Area> allAreas)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Providers, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.NationalProviders, options.Providers);
        if (options.Insurers is < 1 or > 10) throw new ArgumentOutOfRangeException(nameof(options), "between 1 and 10 insurers");
        var random = new Random(options.Seed);

        var areas = options.Within is { } region
            ? allAreas.Where(a => Pc4Table.DistanceKm(a.Latitude, a.Longitude, region.Latitude, region.Longitude) <= region.RadiusKm).ToArray()
            : allAreas.ToArray();
        if (areas.Length == 0) throw new ArgumentException("the scenario's region holds no postcode areas");

        var insurers = InsurerPool.Take(options.Insurers)
            .Select(i => new ScenarioInsurer(new Insurer { Uzovi = i.Uzovi, Name = i.Name }, i.Share)).ToArray();
        var providers = PlaceProviders(options, areas, random);
        var contracts = new List<Contract>();
        var stops = new List<ClientStop>();
        foreach (var provider in providers)
        {
            var stoppedFor = new List<string>();
            foreach (var insurer in insurers)
            {
                // Most providers are contracted by most insurers; the smallest insurers and the
                // smallest providers less often.
                var chance = provider.Size switch { ProviderSize.National => 1.0, ProviderSize.Large => 0.95, ProviderSize.Regional => 0.88, _ => 0.75 }
                             - (insurer.MarketShare < 5 ? 0.1 : 0);
                if (random.NextDouble() >= chance) continue;
                var type = provider.Size == ProviderSize.Local && random.Next(10) == 0 ? ContractType.Zzp
                    : Pick(random, [(ContractType.Plus, provider.Size >= ProviderSize.Large ? 25 : 10), (ContractType.Standaard, 65), (ContractType.Clientvolgend, 20)]);
                foreach (var year in new[] { options.Today.Year, options.Today.Year + 1 })
                {
                    contracts.Add(new Contract
                    {
                        ProviderAgb = provider.Provider.Agb, InsurerUzovi = insurer.Insurer.Uzovi, Year = year,
                        CareTypes = { provider.CareTypes }, ContractType = type,
                    });
                }
                if (random.NextDouble() < options.ClientStopShare) stoppedFor.Add(insurer.Insurer.Uzovi);
            }
            if (stoppedFor.Count > 0)
            {
                var costCeiling = random.Next(10) < 6;
                stops.Add(new ClientStop
                {
                    ProviderAgb = provider.Provider.Agb,
                    InsurerUzovis = { stoppedFor },
                    From = ToDate(options.Today.AddDays(-random.Next(0, 21))),
                    Until = ToDate(options.Today.AddDays(random.Next(10, 91))),
                    Reason = costCeiling ? ClientStopReason.CostCeiling : ClientStopReason.StaffShortage,
                });
            }
        }
        return new Scenario(options, areas, insurers, providers, contracts, stops);
    }

    static ScenarioProvider[] PlaceProviders(ScenarioOptions options, Pc4Area[] areas, Random random)
    {
        // Providers are based where people live: a base area drawn in proportion to population.
        var cumulative = new long[areas.Length];
        long total = 0;
        for (var i = 0; i < areas.Length; i++) cumulative[i] = total += Math.Max(1, areas[i].Population);
        var allCodes = areas.Select(a => a.Code).Order(StringComparer.Ordinal).ToArray();

        var providers = new ScenarioProvider[options.Providers];
        for (var i = 0; i < providers.Length; i++)
        {
            var index = Array.BinarySearch(cumulative, random.NextInt64(total));
            var home = areas[index < 0 ? ~index : index];
            var size = i < options.NationalProviders ? ProviderSize.National
                : Pick(random, [(ProviderSize.Local, 55), (ProviderSize.Regional, 33), (ProviderSize.Large, 12)]);
            // Travel radius a team covers from its base.
            var radiusKm = size switch
            {
                ProviderSize.Local => 2 + random.NextDouble() * 3,
                ProviderSize.Regional => 5 + random.NextDouble() * 5,
                ProviderSize.Large => 10 + random.NextDouble() * 8,
                _ => double.PositiveInfinity,
            };
            var served = size == ProviderSize.National ? allCodes
                : areas.Where(a => Pc4Table.DistanceKm(home, a) <= radiusKm).Select(a => a.Code).Order(StringComparer.Ordinal).ToArray();

            var national = size == ProviderSize.National;
            var qualifications = new Qualifications
            {
                PalliativeNetwork = national || random.Next(100) < 55,
                DementiaNetwork = national || random.Next(100) < 45,
                PaediatricNurse = (national && i == 0) || random.Next(100) < 6,
                NightService = national || random.Next(100) < 30,
            };
            var careTypes = new List<CareType> { CareType.DistrictNursing };
            if (qualifications.PalliativeNetwork) careTypes.Add(CareType.PalliativeTerminal);
            if (qualifications.PaediatricNurse) careTypes.Add(CareType.MedicalChildCare);
            if (qualifications.DementiaNetwork) careTypes.Add(CareType.DementiaCaseManagement);
            if (qualifications.NightService) careTypes.Add(CareType.NightCare);
            // Short-term-stay beds: some providers run a location with beds for their region.
            if (!national && random.Next(100) < 12) careTypes.Add(CareType.ShortTermStay);

            var name = national
                ? $"Landelijke Thuiszorg {NameTails[i % NameTails.Length]}"
                : $"{NameHeads[random.Next(NameHeads.Length)]} {NameTails[random.Next(NameTails.Length)]} {home.Municipality}";
            providers[i] = new ScenarioProvider(
                new Provider
                {
                    // Fictional AGB codes in one block (8 digits; VVT providers' codes start with 75).
                    Agb = $"75{100_000 + i:D6}",
                    Name = name.Length <= 100 ? name : name[..100],
                    BasePc4 = home.Code,
                    ServedPc4S = { served },
                    Qualifications = qualifications,
                },
                size, careTypes, Seed: i);
        }
        return providers;
    }

    internal static T Pick<T>(Random random, (T Value, int Weight)[] items)
    {
        var roll = random.Next(items.Sum(i => i.Weight));
        foreach (var (value, weight) in items)
            if ((roll -= weight) < 0) return value;
        throw new UnreachableException();
    }

    internal static Date ToDate(DateOnly d) => new() { Year = d.Year, Month = d.Month, Day = d.Day };
}
