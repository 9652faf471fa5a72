using Capacity.Service.Registry;
using Capacity.V1;

namespace Capacity.Service.Capacity;

/// <summary>One published figure: a provider's free places in one area for one care type.</summary>
public sealed record Figure(string Agb, int Pc4, CareType CareType, CapacityCell Cell);

/// <summary>
/// The figures the read-only standards endpoints (FHIR MeasureReport, HSDS service_capacity)
/// show, read through <see cref="CapacityStore"/> in one pipelined round trip each: a provider's
/// in the areas it serves, or every serving provider's in one area.
/// </summary>
public sealed class CapacityFigures(CapacityStore store)
{
    public async Task<IReadOnlyList<Figure>> OfProviderAsync(ProviderInfo provider, IReadOnlyList<int>? pc4s = null) =>
        [.. (await store.GetProviderAsync(provider.Agb, pc4s ?? provider.ServedPc4s)).Select(f => new Figure(provider.Agb, f.Pc4, f.CareType, f.Cell))];

    /// <summary>Every figure in one area of the providers that serve it now (a figure left behind by a provider that stopped serving the area is not shown).</summary>
    public async Task<IReadOnlyList<Figure>> InAreaAsync(int pc4, RegistrySnapshot registry)
    {
        var entries = (await store.GetAreasAsync([pc4]))[pc4];
        var held = new Dictionary<(string, CareType), int>();
        var cells = new List<(string Agb, CareType CareType, CapacityCell Cell)>();
        foreach (var e in entries)
        {
            if (CapacityStore.Keys.ParseField(e.Name.ToString()) is not { } field) continue;
            if (field.Held) held[(field.Agb, field.CareType)] = (int)((long?)e.Value ?? 0);
            else if (CapacityCell.Decode(e.Value) is { } cell) cells.Add((field.Agb, field.CareType, cell));
        }
        return
        [
            .. cells.Where(c => Shared.CareTypes.IsKnown(c.CareType) && registry.Providers.TryGetValue(c.Agb, out var p) && p.Serves(pc4))
                .Select(c => new Figure(c.Agb, pc4, c.CareType, c.Cell with { Held = held.GetValueOrDefault((c.Agb, c.CareType)) })),
        ];
    }
}
