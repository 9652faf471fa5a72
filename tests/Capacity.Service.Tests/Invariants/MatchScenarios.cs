using Capacity.Service.Shared;
using FsCheck;
using FsCheck.Fluent;
using CareType = Capacity.V1.CareType;
using ContractType = Capacity.V1.ContractType;

namespace Capacity.Service.Tests.Invariants;

/// <summary>
/// Random search scenarios around Amstelveen: a handful of providers serving a few areas of a
/// small pool (near, farther, and well beyond any radius asked), with contracts for the patient's
/// insurer and another, client stops, qualifications and figures of every kind — so that every
/// rule, and every pair of rules, decides some cases.
/// </summary>
public static class MatchScenarios
{
    /// <summary>Amstelveen, Uithoorn, Aalsmeer, Amsterdam, Haarlem and Utrecht: 0 to ~35 km apart.</summary>
    public static readonly int[] Pool = [1181, 1182, 1183, 1185, 1186, 1187, 1421, 1431, 1011, 1071, 1102, 2011, 3511];

    static readonly ContractType[] ContractTypes = Enum.GetValues<ContractType>().Where(t => t != ContractType.Unspecified).ToArray();

    /// <param name="now">When the search runs.</param>
    /// <param name="maxStartDays">How far ahead the start date may lie.</param>
    /// <param name="withoutContract">Whether some searches are a desk's, which need no contract.</param>
    public static Gen<MatchScenario> Scenarios(Gen<DateTimeOffset> now, int maxStartDays, bool withoutContract, int maxProviders) =>
        from at in now
        let today = MatchScenario.AmsterdamDay(at)
        from patient in Gen.Elements(Pool)
        from careType in Gen.Elements(CareTypes.All.ToArray())
        // Mostly soon (discharge tomorrow), sometimes far ahead: across a contract year's end.
        from startDays in Gen.Frequency((3, Gen.Choose(0, 2)), (2, Gen.Choose(0, maxStartDays)))
        let start = today.AddDays(startDays)
        from urgent in startDays <= 1 ? Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true))) : Gen.Constant(false)
        from radius in Gen.Frequency((1, Gen.Choose(1, 20)), (3, Gen.Choose(20, 400))).Select(r => r / 10.0)
        from requireContract in withoutContract ? Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false))) : Gen.Constant(true)
        let query = new ScenarioQuery(patient, careType, start, urgent, radius, requireContract)
        from count in Gen.Choose(0, maxProviders)
        from providers in Gen.CollectToArray(Enumerable.Range(0, count), i => Provider($"p{i}", query))
        select new MatchScenario(at, query,
            providers.Select(p => p.Provider).ToArray(),
            providers.SelectMany(p => p.Contracts).ToArray(),
            providers.SelectMany(p => p.Stops).ToArray(),
            providers.Where(p => p.Figure is not null).Select(p => p.Figure!).ToArray());

    /// <summary>Arbitrary scenarios that shrink by leaving things out, so a counter-example comes small.</summary>
    public static Arbitrary<MatchScenario> Arbitrary(Gen<DateTimeOffset> now, int maxStartDays, bool withoutContract, int maxProviders) =>
        Arb.From(Scenarios(now, maxStartDays, withoutContract, maxProviders), s => s.Shrink());

    sealed record Generated(ScenarioProvider Provider, ScenarioContract[] Contracts, ScenarioStop[] Stops, ScenarioFigure? Figure);

    static Gen<Generated> Provider(string key, ScenarioQuery q) =>
        from others in Gen.ArrayOf(Gen.Elements(Pool.Where(a => a != q.PatientPc4).ToArray()), 3)
        from otherCount in Gen.Choose(0, 3)
        from servesPatient in Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false)))
        let served = (servesPatient ? others.Take(otherCount).Append(q.PatientPc4) : others.Take(Math.Max(1, otherCount))).Distinct().Order().ToArray()
        from basePc4 in Gen.Frequency((3, Gen.Elements(served)), (1, Gen.Elements(Pool)))
        from flags in Gen.Choose(0, 15)
        from contracts in Contracts(key, q)
        from stopCount in Gen.Frequency((2, Gen.Constant(0)), (2, Gen.Constant(1)), (1, Gen.Constant(2)))
        from stops in Gen.CollectToArray(Enumerable.Range(0, stopCount), j => Stop($"{key}s{j}", key, served, q))
        from figure in servesPatient ? Gen.Frequency((1, Gen.Constant<ScenarioFigure?>(null)), (6, Figure(key, q))) : Gen.Constant<ScenarioFigure?>(null)
        select new Generated(new ScenarioProvider(key, basePc4, served, new Qualified((flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0, (flags & 8) != 0)), contracts, stops, figure);

    /// <summary>At most one contract per insurer and year (the registry keys them so), around the start date's year.</summary>
    static Gen<ScenarioContract[]> Contracts(string provider, ScenarioQuery q)
    {
        var slots = (from insurer in new[] { "Q", "O" } from year in new[] { q.Start.Year - 1, q.Start.Year, q.Start.Year + 1 } select (insurer, year)).ToArray();
        return Gen.CollectToArray(slots, slot =>
                from present in slot == ("Q", q.Start.Year) ? Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false))) : Gen.Frequency((1, Gen.Constant(true)), (2, Gen.Constant(false)))
                from types in SomeCareTypes
                from withAsked in Gen.Frequency((2, Gen.Constant(true)), (1, Gen.Constant(false)))
                from type in Gen.Elements(ContractTypes)
                let careTypes = (withAsked ? types.Append(q.CareType) : types.Where(t => t != q.CareType)).Distinct().Order().ToArray()
                select present && careTypes.Length > 0 ? new ScenarioContract(provider, slot.insurer, slot.year, careTypes, type) : null)
            .Select(cs => cs.OfType<ScenarioContract>().ToArray());
    }

    static Gen<ScenarioStop> Stop(string key, string provider, int[] served, ScenarioQuery q) =>
        from insurers in Gen.Elements<string[]>([], ["Q"], ["O"], ["O", "Q"])
        from careTypes in Gen.Frequency(
            (1, Gen.Constant(Array.Empty<CareType>())),
            (2, SomeCareTypes),
            (2, Gen.Constant(new[] { q.CareType })))
        from pc4s in Gen.Frequency((1, Gen.Constant(Array.Empty<int>())), (2, Gen.Choose(0, (1 << served.Length) - 1).Select(bits => served.Where((_, i) => (bits & (1 << i)) != 0).ToArray())))
        from fromDays in Gen.Choose(-10, 5)
        from days in Gen.Frequency((1, Gen.Constant<int?>(null)), (3, Gen.Choose(0, 15).Select(d => (int?)d)))
        let first = q.Start.AddDays(fromDays)
        select new ScenarioStop(key, provider, insurers, careTypes, pc4s, first, days is { } d ? first.AddDays(d) : null);

    // Subsets as bit masks: one draw instead of one per element keeps generation cheap.
    static readonly Gen<CareType[]> SomeCareTypes =
        Gen.Choose(0, (1 << CareTypes.All.Count) - 1).Select(bits => CareTypes.All.Where((_, i) => (bits & (1 << i)) != 0).ToArray());

    static Gen<ScenarioFigure?> Figure(string provider, ScenarioQuery q) =>
        from free in Gen.Choose(0, 4)
        from held in Gen.Frequency((3, Gen.Constant(0)), (1, Gen.Choose(1, 4)))
        from fromDays in Gen.Frequency((3, Gen.Choose(-5, 0)), (1, Gen.Choose(1, 3)))
        // Around the freshness window, its very edge included.
        from age in Gen.Frequency((4, Gen.Choose(0, 1439)), (1, Gen.Constant(1440)), (1, Gen.Choose(1441, 3000)))
        select (ScenarioFigure?)new ScenarioFigure(provider, free, held, q.Start.AddDays(fromDays), age);
}
