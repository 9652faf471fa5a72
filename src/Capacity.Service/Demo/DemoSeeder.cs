using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Capacity.Service.Capacity;
using Capacity.Service.Geography;
using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Demo;

public sealed class DemoOptions
{
    /// <summary>Load the demo region (Amstelland and Amsterdam, fictional providers) at start-up.</summary>
    public bool Seed { get; set; }
}

/// <summary>
/// Loads the demo region into Redis at start-up: real postcode areas, the main insurers,
/// fictional providers (with their intake desks) with contracts that differ per insurer, the
/// fictional hospitals and GP practice that refer, client stops that hold for one insurer and not
/// another, and capacity (some of it stale). Seeds only what is missing, so a restart keeps state:
/// a registry entry (insurer, provider, contract, stop, organisation) is written once — never over
/// one a user changed, never again after a user removed it (a lifted stop stays lifted) — and a
/// capacity figure only where the area has none (what a provider saved stays), and only where the
/// provider, as now registered, still serves the area and gives the care. Figures seeded once age
/// like any other: after a day they are stale, as the provider's own would be.
/// </summary>
public sealed class DemoSeeder(
    RegistryStore registryStore,
    RegistryCache registry,
    CapacityStore capacity,
    PostcodeDirectory postcodes,
    TimeProvider time,
    IOptions<DemoOptions> options,
    ILogger<DemoSeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Seed) return;
        var demo = Load();
        var today = time.Today();
        var now = time.GetUtcNow();

        var region = demo.Municipalities.SelectMany(code => postcodes.FindMunicipality(code)!.Pc4s).Select(pc4 => postcodes.Find(pc4)!).ToArray();
        var writes = new List<RegistryWrite>();
        writes.AddRange(demo.Insurers.Select(i => RegistryWrite.Set(RegistryHash.Insurers, i.Uzovi, new Insurer { Uzovi = i.Uzovi, Name = i.Name })));
        writes.AddRange(demo.Requesters.Select(r => RegistryWrite.Set(RegistryHash.Organisations, r.Code,
            new OrganisationInfo(r.Code, r.Name, r.Kind, r.TransferDesk).ToProto())));

        var served = new Dictionary<string, int[]>();
        foreach (var p in demo.Providers)
        {
            var baseArea = postcodes.Find(int.Parse(p.Base))!;
            served[p.Agb] = region.Where(a => PostcodeDirectory.DistanceKm(baseArea, a) <= p.RadiusKm).Select(a => a.Pc4).Order().ToArray();
            var provider = new ProviderInfo(p.Agb, p.Name, baseArea.Pc4, served[p.Agb],
                (p.Qualifications ?? []).Aggregate(QualificationFlags.None, (q, f) => q | f), p.Intake, CareTypeSet.Of(p.CareTypes));
            writes.Add(RegistryWrite.Set(RegistryHash.Providers, p.Agb, provider.ToProto()));
            foreach (var (uzovi, type) in p.Contracts)
                foreach (var year in new[] { today.Year, today.Year + 1 })
                    writes.Add(RegistryWrite.Set(RegistryHash.Contracts, RegistryStore.Keys.ContractField(p.Agb, uzovi, year),
                        new ContractInfo(p.Agb, uzovi, year, CareTypeSet.Of(p.CareTypes), type).ToProto()));
        }
        for (var i = 0; i < demo.ClientStops.Length; i++)
        {
            var s = demo.ClientStops[i];
            var stop = new ClientStopInfo($"cs_demo_{i + 1}", s.Agb, s.Insurers ?? [], CareTypeSet.Of(s.CareTypes ?? []),
                (s.Pc4s ?? []).Select(int.Parse).ToArray(), today.AddDays(s.FromDays), s.UntilDays is { } u ? today.AddDays(u) : null, s.Reason, s.Text);
            writes.Add(RegistryWrite.Set(RegistryHash.Stops, stop.Id, stop.ToProto()));
        }
        var (version, seeded) = await registryStore.WriteOnceAsync(writes, RegistryChange.Everything);
        await registry.EnsureVersionAsync(version);
        var snapshot = registry.Current;

        // Capacity: a deterministic spread of free places, about a third of the cells full.
        var random = new Random(2026);
        var cells = new List<CapacityWrite>();
        foreach (var p in demo.Providers)
        {
            var publishedAt = now - TimeSpan.FromHours(p.StaleHours);
            var registered = snapshot.Providers.GetValueOrDefault(p.Agb);
            foreach (var pc4 in served[p.Agb])
                foreach (var careType in p.CareTypes)
                {
                    var free = random.Next(0, 6) switch { 0 or 1 => 0, var n => n - 1 }; // drawn for every cell: the spread stays the same
                    // The provider as registered now decides (a user may have changed its areas or care types).
                    if (registered is null || !registered.Serves(pc4) || !snapshot.Gives(registered, careType, today.Year)) continue;
                    var hours = careType == CareType.ShortTermStay ? (double?)null : free * 6;
                    cells.Add(new CapacityWrite(p.Agb, pc4, careType,
                        new CapacityCell(now.ToUnixTimeMilliseconds(), publishedAt.ToUnixTimeMilliseconds(), free, today, hours)));
                }
        }
        var figures = await capacity.SeedAsync(cells);
        logger.LogInformation("Demo region ({Areas} postcode areas, {Insurers} insurers, {Providers} providers, {Requesters} requesting organisations, {Stops} client stops): seeded {Entries} registry entries and {Figures} capacity figures that were missing",
            region.Length, demo.Insurers.Length, demo.Providers.Length, demo.Requesters.Length, demo.ClientStops.Length, seeded, figures);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    internal static DemoRegion Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Capacity.Demo.demo-region.json")!;
        return JsonSerializer.Deserialize<DemoRegion>(stream, Json)!;
    }

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    internal sealed record DemoRegion(
        string[] Municipalities, DemoInsurer[] Insurers, DemoRequester[] Requesters, DemoProvider[] Providers, DemoStop[] ClientStops);

    internal sealed record DemoInsurer(string Uzovi, string Name);

    /// <summary>A requesting organisation; also a demo sign-in identity (<see cref="DemoSignIn.Identities"/>).</summary>
    internal sealed record DemoRequester(string Code, string Name, OrganisationKind Kind, ContactInfo TransferDesk);

    /// <param name="CareTypes">The care it gives (Provider.care_types), what its contracts cover and what it publishes capacity for.</param>
    internal sealed record DemoProvider(
        string Agb, string Name, string Base, double RadiusKm, ContactInfo Intake, QualificationFlags[]? Qualifications, CareType[] CareTypes,
        Dictionary<string, ContractType> Contracts, int StaleHours = 0);

    internal sealed record DemoStop(
        string Agb, string[]? Insurers, CareType[]? CareTypes, string[]? Pc4s, int FromDays, int? UntilDays, ClientStopReason Reason, string Text);
}
