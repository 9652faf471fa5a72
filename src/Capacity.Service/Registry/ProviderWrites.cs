using Capacity.Service.Capacity;
using Capacity.Service.Geography;
using Capacity.Service.Shared;
using Capacity.V1;

namespace Capacity.Service.Registry;

/// <summary>
/// The one write path for providers: validation, the versioned store write with its change
/// announcement (every instance's snapshot follows), and forgetting the capacity of areas a
/// provider no longer serves. RegistryService's UpsertProvider and the mCSD directory sync both
/// write through here; the bulk import shares its pieces (<see cref="Write"/>, <see cref="ChangeOf"/>,
/// <see cref="DroppedAreas"/>).
/// </summary>
public sealed class ProviderWrites(RegistryStore store, RegistryCache cache, CapacityStore capacity, PostcodeDirectory postcodes)
{
    /// <summary>The registry's rules for a provider; field names prefixed with <paramref name="prefix"/>.</summary>
    public InputErrors Check(Provider provider, string prefix = "provider")
    {
        var errors = new InputErrors();
        RegistryValidation.Validate(provider, prefix, errors, postcodes);
        return errors;
    }

    /// <summary>
    /// Writes providers that passed <see cref="Check"/> in one script call, then forgets capacity
    /// in areas they dropped and waits for this instance's snapshot to hold the write.
    /// </summary>
    public async Task<long> WriteAsync(IReadOnlyList<Provider> providers)
    {
        // What the providers were before decides which searches to recompute and which capacity to forget.
        var snapshot = providers.Count == 1 ? await cache.KnowingAsync(agb: providers[0].Agb) : await cache.CatchUpAsync();
        var change = RegistryChange.Nothing;
        foreach (var p in providers) change = change.Merge(ChangeOf(p, snapshot));
        var (version, _) = await store.WriteAsync(providers.Select(Write).ToArray(), change);
        foreach (var p in providers) await capacity.ForgetAsync(p.Agb, DroppedAreas(p, snapshot.Providers.GetValueOrDefault(p.Agb)));
        await cache.EnsureVersionAsync(version);
        return version;
    }

    public static RegistryWrite Write(Provider p) => RegistryWrite.Set(RegistryHash.Providers, p.Agb, Normalize(p));

    /// <summary>Stores served areas and care types sorted and without duplicates, so the stored form is canonical.</summary>
    public static Provider Normalize(Provider p)
    {
        var copy = p.Clone();
        copy.Qualifications ??= new Qualifications();
        copy.ServedPc4S.Clear();
        copy.ServedPc4S.AddRange(p.ServedPc4S.Distinct().Order(StringComparer.Ordinal));
        copy.CareTypes.Clear();
        copy.CareTypes.AddRange(p.CareTypes.Distinct().Order());
        return copy;
    }

    /// <summary>Areas the provider served before (stored, or earlier in this stream) and no longer serves.</summary>
    public static IReadOnlyCollection<int> DroppedAreas(Provider updated, ProviderInfo? stored, Provider? earlierInStream = null)
    {
        var before = new HashSet<int>(stored?.ServedPc4s ?? []);
        if (earlierInStream is not null) before.UnionWith(earlierInStream.ServedPc4S.Select(int.Parse));
        before.ExceptWith(updated.ServedPc4S.Select(int.Parse));
        return before;
    }

    /// <summary>A provider change may affect searches near its old and its new areas.</summary>
    public static RegistryChange ChangeOf(Provider updated, RegistrySnapshot snapshot, Provider? earlierInStream = null)
    {
        var areas = new HashSet<int>(updated.ServedPc4S.Select(int.Parse));
        if (snapshot.Providers.TryGetValue(updated.Agb, out var old)) areas.UnionWith(old.ServedPc4s);
        if (earlierInStream is not null) areas.UnionWith(earlierInStream.ServedPc4S.Select(int.Parse));
        return new RegistryChange([updated.Agb], areas);
    }
}
