using System.Collections.Concurrent;
using System.Collections.Frozen;
using Capacity.Service.Geography;
using Capacity.V1;

namespace Capacity.Service.Registry;

/// <summary>
/// An immutable, indexed copy of the registry at one version. Searches read it without locks or
/// Redis round trips; a newer snapshot replaces it whole when the registry changes.
/// </summary>
public sealed class RegistrySnapshot
{
    static readonly ProviderInfo[] None = [];
    readonly ProviderInfo[]?[] _servingByPc4 = new ProviderInfo[]?[PostcodeDirectory.MaxPc4 + 1];

    public RegistrySnapshot(
        long version,
        IEnumerable<InsurerInfo> insurers,
        IEnumerable<ProviderInfo> providers,
        IEnumerable<ContractInfo> contracts,
        IEnumerable<ClientStopInfo> stops,
        IEnumerable<OrganisationInfo>? organisations = null)
    {
        Version = version;
        Insurers = insurers.ToFrozenDictionary(i => i.Uzovi);
        Providers = providers.ToFrozenDictionary(p => p.Agb);
        Contracts = contracts.ToFrozenDictionary(c => (c.Agb, c.Uzovi, c.Year));
        Stops = stops.ToFrozenDictionary(s => s.Id);
        Organisations = (organisations ?? []).ToFrozenDictionary(o => o.Code, StringComparer.Ordinal);
        StopsByProvider = Stops.Values.GroupBy(s => s.Agb)
            .ToFrozenDictionary(g => g.Key, g => g.OrderBy(s => s.From).ThenBy(s => s.Id, StringComparer.Ordinal).ToArray());

        // An inactive provider serves nowhere, whatever areas it still lists: no search finds it.
        foreach (var group in Providers.Values.Where(p => !p.Inactive)
                     .SelectMany(p => p.ServedPc4s.Select(pc4 => (pc4, p)))
                     .GroupBy(x => x.pc4, x => x.p))
            _servingByPc4[group.Key] = group.OrderBy(p => p.Agb, StringComparer.Ordinal).ToArray();

        // A dense number per provider, so a search can mark the providers it has seen in an array
        // instead of a hash set, and one ProviderRef per provider, shared by every result.
        var ordered = Providers.Values.OrderBy(p => p.Agb, StringComparer.Ordinal).ToArray();
        var numbers = _numberByAgb = new Dictionary<string, int>(ordered.Length, StringComparer.Ordinal);
        _byNumber = ordered;
        _refs = new Matching.ProviderRef[ordered.Length];
        for (var i = 0; i < ordered.Length; i++)
        {
            numbers[ordered[i].Agb] = i;
            _refs[i] = Matching.ProviderRef.Of(ordered[i]);
        }
        for (var pc4 = 0; pc4 < _servingByPc4.Length; pc4++)
        {
            if (_servingByPc4[pc4] is not { } serving) continue;
            var indices = _servingNumbersByPc4[pc4] = new int[serving.Length];
            for (var i = 0; i < serving.Length; i++) indices[i] = numbers[serving[i].Agb];
        }
        _stopsByNumber = new ClientStopInfo[ordered.Length][];
        for (var i = 0; i < ordered.Length; i++) _stopsByNumber[i] = StopsByProvider.GetValueOrDefault(ordered[i].Agb) ?? [];
    }

    readonly ClientStopInfo[][] _stopsByNumber;
    readonly ConcurrentDictionary<string, InsurerContracts> _contractsByInsurer = new(StringComparer.Ordinal);

    readonly int[]?[] _servingNumbersByPc4 = new int[]?[PostcodeDirectory.MaxPc4 + 1];
    readonly Matching.ProviderRef[] _refs;
    readonly ProviderInfo[] _byNumber;
    readonly Dictionary<string, int> _numberByAgb;

    /// <summary>How many providers this snapshot holds; <see cref="ProviderNumbersServing"/> numbers them 0 to this − 1.</summary>
    public int ProviderCount => _refs.Length;

    /// <summary>The numbers of the providers that serve a PC4 area, in the order of <see cref="ProvidersServing"/>.</summary>
    public ReadOnlySpan<int> ProviderNumbersServing(int pc4) =>
        pc4 is >= PostcodeDirectory.MinPc4 and <= PostcodeDirectory.MaxPc4 ? _servingNumbersByPc4[pc4] : default;

    public ProviderInfo ProviderAt(int number) => _byNumber[number];

    /// <summary>The number of the provider with this AGB; −1 when the snapshot does not hold it.</summary>
    public int NumberOf(string agb) => _numberByAgb.TryGetValue(agb, out var number) ? number : -1;

    /// <summary>The shared summary of provider number <paramref name="number"/>.</summary>
    public Matching.ProviderRef RefOf(int number) => _refs[number];

    public static RegistrySnapshot Empty { get; } = new(0, [], [], [], []);

    /// <summary>The registry version this snapshot was read at (see RegistryStore).</summary>
    public long Version { get; }

    public FrozenDictionary<string, InsurerInfo> Insurers { get; }

    public FrozenDictionary<string, ProviderInfo> Providers { get; }

    public FrozenDictionary<(string Agb, string Uzovi, int Year), ContractInfo> Contracts { get; }

    public FrozenDictionary<string, ClientStopInfo> Stops { get; }

    /// <summary>Requesting organisations by code.</summary>
    public FrozenDictionary<string, OrganisationInfo> Organisations { get; }

    public FrozenDictionary<string, ClientStopInfo[]> StopsByProvider { get; }

    /// <summary>Providers that serve a PC4 area, ordered by AGB.</summary>
    public IReadOnlyList<ProviderInfo> ProvidersServing(int pc4) =>
        pc4 is >= PostcodeDirectory.MinPc4 and <= PostcodeDirectory.MaxPc4 ? _servingByPc4[pc4] ?? None : None;

    public IReadOnlyList<ClientStopInfo> StopsOf(string agb) => StopsByProvider.GetValueOrDefault(agb) ?? [];

    public ContractInfo? ContractOf(string agb, string uzovi, int year) => Contracts.GetValueOrDefault((agb, uzovi, year));

    /// <summary>The client stops of provider number <paramref name="number"/>, as <see cref="StopsOf"/> gives them.</summary>
    public IReadOnlyList<ClientStopInfo> StopsAt(int number) => _stopsByNumber[number];

    /// <summary>
    /// One insurer's contracts by provider number, as <see cref="ContractOf"/> finds them: indexed on
    /// the first search for that insurer in this snapshot (one pass over the contracts), so a search
    /// finds each provider's contract by number instead of hashing two strings per provider.
    /// Insurers the registry does not hold are not kept.
    /// </summary>
    public InsurerContracts ContractsOf(string uzovi) =>
        _contractsByInsurer.TryGetValue(uzovi, out var held) ? held
        : Insurers.ContainsKey(uzovi) ? _contractsByInsurer.GetOrAdd(uzovi, IndexContracts)
        : IndexContracts(uzovi);

    InsurerContracts IndexContracts(string uzovi)
    {
        var byNumber = new ContractInfo[]?[_byNumber.Length];
        foreach (var contract in Contracts.Values)
        {
            if (contract.Uzovi != uzovi || !_numberByAgb.TryGetValue(contract.Agb, out var number)) continue;
            byNumber[number] = [.. byNumber[number] ?? [], contract];
        }
        return new InsurerContracts(byNumber);
    }

    /// <summary>
    /// Whether the provider gives this care type: as it registered (Provider.care_types), or, when
    /// it registered none, as any of its contracts for that year says.
    /// </summary>
    public bool Gives(ProviderInfo provider, CareType careType, int year)
    {
        if (!provider.CareTypes.IsEmpty) return provider.CareTypes.Contains(careType);
        foreach (var insurer in Insurers.Keys)
            if (ContractOf(provider.Agb, insurer, year) is { } c && c.CareTypes.Contains(careType)) return true;
        return false;
    }
}

/// <summary>One insurer's contracts by provider number (see <see cref="RegistrySnapshot.ContractsOf"/>).</summary>
public sealed class InsurerContracts(ContractInfo[]?[] byNumber)
{
    /// <summary>The contract of provider number <paramref name="number"/> for <paramref name="year"/>; null when there is none.</summary>
    public ContractInfo? Of(int number, int year)
    {
        if (byNumber[number] is not { } contracts) return null;
        foreach (var contract in contracts)
            if (contract.Year == year) return contract;
        return null;
    }
}
